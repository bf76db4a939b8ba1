/**
 * `oscore-xs plugtest-server`: the server side of the OSCORE interop test specification (core-wg
 * test spec, as libcoap's oscore_testcases.sh runs it), behaving as libcoap's server did in
 * test/fixtures/interop/libcoap-oscore-interop.jsonl:
 *
 *   role B (context B) on 5683, role D (context D, ID Context) on 5685, no OSCORE on 5687;
 *   /oscore/hello/coap     GET → 2.05 "Hello World!" (also unprotected)
 *   /oscore/hello/1        GET → 2.05 "Hello World!" (not observable)
 *   /oscore/hello/2        GET ?first=1 → 2.05 with ETag 2b
 *   /oscore/hello/3        GET Accept 0 → 2.05 with Max-Age 5
 *   /oscore/hello/6        POST → 2.04 echoing the payload
 *   /oscore/hello/7        PUT If-Match 7b → 2.04 (ETag 7b, echo); If-None-Match → 4.12
 *   /oscore/observe1       Observe: "one", "two", then 5.00 "Terminate Observe"
 *   /oscore/observe2       Observe: "one", "two" (stays)
 *   /oscore/test           DELETE → 2.02
 * Every path but /oscore/hello/coap needs OSCORE (plain: 4.01 "Unauthorized"); the no-OSCORE
 * server answers a request carrying the OSCORE option with 4.02 "Bad Option", as a server that
 * does not know the (critical) option must (RFC 7252 §5.4.1).
 *
 * Without `--state`, the contexts live in memory and start with an unknown replay window, as
 * libcoap's server does after a start: the first request of each client is answered with a
 * protected 4.01 + Echo (RFC 8613 App. B.1.2). With `--state DIR` they are aiocoap context
 * directories DIR/b and DIR/d (created with the spec's values), kept across runs.
 */
import { Option } from '../../../src/coap/option-registry.js';
import { Code } from '../../../src/coap/numbers.js';
import { getOptions, getUintOption, hasOption, type Message } from '../../../src/coap/message.js';
import { errorResponse, type IncomingRequest, type ResponseInit } from '../../../src/coap/server.js';
import type { StackLayer } from '../../../src/coap/exchange.js';
import type { ObserveLayer } from '../../../src/coap/observe-layer.js';
import type { EchoVerifier } from '../../../src/oscore/unprotect.js';
import { encodeUint, equalBytes, fromHex } from '../../../src/bytes.js';
import { CoapError } from '../../../src/errors.js';
import { intOpt, parseCommandArgs, stringOpt, UsageError, type CommandSpec } from './args.js';
import { aborted, type CliIo } from './io.js';
import { openStack, type Stack } from './stack.js';
import { closePlugtestContext, openPlugtestContext, type PlugtestContext } from './plugtest-contexts.js';

export const plugtestServerSpec: CommandSpec = {
  name: 'plugtest-server',
  usage: '',
  summary: 'Run the OSCORE interop test server: role B on 5683, role D (with ID Context) on 5685, no OSCORE on 5687.',
  options: [
    { name: 'bind', value: 'ADDR', help: 'address to listen on (default: all)' },
    { name: 'state', value: 'DIR', help: 'keep contexts B and D as aiocoap context directories DIR/b, DIR/d' },
    { name: 'port-b', value: 'N', help: 'port of role B (default 5683)' },
    { name: 'port-d', value: 'N', help: 'port of role D (default 5685)' },
    { name: 'port-n', value: 'N', help: 'port of the server without OSCORE (default 5687)' },
    { name: 'observe-interval', value: 'MS', help: 'time between observe notifications (default 1000)' },
  ],
  details: 'example:\n  oscore-xs plugtest-server --bind 127.0.0.1 &\n  oscore-xs plugtest-client 127.0.0.1',
};

const HELLO = 'Hello World!';
const TEXT = 0;

function requireOscore(req: IncomingRequest): void {
  if (!req.oscore) throw new CoapError(Code.UNAUTHORIZED, 'Unauthorized');
}

/**
 * An observable resource whose value steps through `steps` at a fixed interval after each new
 * registration (as libcoap's interop server ticks once a second).
 */
class SteppedObservation {
  private registration: Message | undefined;
  private step = 0;
  private timers: ReturnType<typeof setTimeout>[] = [];

  constructor(
    private readonly path: string,
    private readonly steps: ResponseInit[],
    private readonly observe: ObserveLayer,
    private readonly intervalMs: number,
  ) {}

  render = (req: IncomingRequest): ResponseInit => {
    requireOscore(req);
    const m = req.message;
    // The Observe layer re-renders with the registering request itself; a new object is a new registration.
    if (getUintOption(m, Option.OBSERVE) === 0 && m !== this.registration) {
      this.stop();
      this.registration = m;
      this.step = 0;
      for (let i = 1; i < this.steps.length; i++) {
        this.timers.push(
          setTimeout(() => {
            this.step = i;
            this.observe.notify(this.path);
          }, i * this.intervalMs),
        );
      }
    }
    return this.steps[this.step];
  };

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
  }
}

/** Install the test resources on one endpoint. Returns what must be stopped at shutdown. */
function installResources(stack: Stack, intervalMs: number): SteppedObservation[] {
  const ep = stack.endpoint;
  const hello = (extra: Partial<ResponseInit> = {}): ResponseInit => ({ code: Code.CONTENT, contentFormat: TEXT, payload: HELLO, ...extra });
  ep.resource('/oscore/hello/coap', { GET: () => hello() });
  ep.resource('/oscore/hello/1', { GET: (r) => (requireOscore(r), hello()) });
  ep.resource('/oscore/hello/2', {
    GET: (r) => {
      requireOscore(r);
      return r.query.includes('first=1') ? hello({ options: [{ number: Option.ETAG, value: fromHex('2b') }] }) : hello();
    },
  });
  ep.resource('/oscore/hello/3', {
    GET: (r) => {
      requireOscore(r);
      if (r.accept !== undefined && r.accept !== TEXT) throw new CoapError(Code.NOT_ACCEPTABLE, 'Not Acceptable');
      return hello({ options: [{ number: Option.MAX_AGE, value: encodeUint(5) }] });
    },
  });
  ep.resource('/oscore/hello/6', { POST: (r) => (requireOscore(r), { code: Code.CHANGED, contentFormat: TEXT, payload: r.payload }) });
  const etag7 = fromHex('7b');
  ep.resource('/oscore/hello/7', {
    PUT: (r) => {
      requireOscore(r);
      // The resource exists with ETag 7b (RFC 7252 §5.10.8.1/2).
      const ifMatch = getOptions(r.message, Option.IF_MATCH);
      if (hasOption(r.message, Option.IF_NONE_MATCH)) throw new CoapError(Code.PRECONDITION_FAILED, 'Precondition Failed');
      if (ifMatch.length > 0 && !ifMatch.some((v) => v.length === 0 || equalBytes(v, etag7))) throw new CoapError(Code.PRECONDITION_FAILED, 'Precondition Failed');
      return { code: Code.CHANGED, contentFormat: TEXT, options: [{ number: Option.ETAG, value: etag7 }], payload: r.payload };
    },
  });
  ep.resource('/oscore/test', { DELETE: (r) => (requireOscore(r), { code: Code.DELETED }) });
  const maxAge1 = [{ number: Option.MAX_AGE, value: encodeUint(1) }];
  const step = (payload: string): ResponseInit => ({ code: Code.CONTENT, contentFormat: TEXT, options: maxAge1, payload });
  const observations = [
    new SteppedObservation('/oscore/observe1', [step('one'), step('two'), { code: Code.INTERNAL_SERVER_ERROR, contentFormat: TEXT, payload: 'Terminate Observe' }], stack.observe, intervalMs),
    new SteppedObservation('/oscore/observe2', [step('one'), step('two')], stack.observe, intervalMs),
  ];
  for (const [i, o] of observations.entries()) {
    const path = '/oscore/observe' + (i + 1);
    ep.resource(path, { GET: o.render });
    stack.observe.markObservable(path);
  }
  return observations;
}

/** The no-OSCORE server does not know the OSCORE option: critical and unknown → 4.02 (RFC 7252 §5.4.1). */
const rejectOscoreOption: StackLayer = {
  name: 'no-oscore',
  server: (inner) => (ex) => (hasOption(ex.request, Option.OSCORE) ? ex.respond(errorResponse(Code.BAD_OPTION, 'Bad Option')) : inner(ex)),
};

export interface PlugtestServerOptions {
  host?: string;
  ports?: { b?: number; d?: number; n?: number };
  stateDir?: string;
  observeIntervalMs?: number;
  /** Echo values for the App. B.1.2 challenges (tests replaying a capture choose them); default random. */
  echoFor?: (role: 'b' | 'd') => EchoVerifier | undefined;
  io: CliIo;
}

export interface PlugtestServer {
  ports: { b: number; d: number; n: number };
  contexts: PlugtestContext[];
  close(): Promise<void>;
}

export async function startPlugtestServer(opts: PlugtestServerOptions): Promise<PlugtestServer> {
  const interval = opts.observeIntervalMs ?? 1000;
  const contexts: PlugtestContext[] = [];
  const stacks: Stack[] = [];
  const observations: SteppedObservation[] = [];
  const close = async () => {
    for (const o of observations) o.stop();
    for (const s of stacks) await s.close();
    for (const c of contexts) await closePlugtestContext(c);
  };
  try {
    for (const role of ['b', 'd'] as const) contexts.push(await openPlugtestContext(role, opts.stateDir, 'unknown'));
    const ports = { b: opts.ports?.b ?? 5683, d: opts.ports?.d ?? 5685, n: opts.ports?.n ?? 5687 };
    for (const [i, role] of (['b', 'd'] as const).entries()) {
      const s = await openStack({ host: opts.host, port: ports[role], io: opts.io, oscore: { server: [contexts[i].context], echo: opts.echoFor?.(role) } });
      stacks.push(s);
      observations.push(...installResources(s, interval));
    }
    const n = await openStack({ host: opts.host, port: ports.n, io: opts.io, outer: [rejectOscoreOption] });
    stacks.push(n);
    observations.push(...installResources(n, interval));
    return { ports: { b: stacks[0].udp.localPort, d: stacks[1].udp.localPort, n: n.udp.localPort }, contexts, close };
  } catch (e) {
    await close();
    throw e;
  }
}

export async function plugtestServer(argv: string[], io: CliIo): Promise<number> {
  const p = parseCommandArgs(plugtestServerSpec, argv, (text) => io.out(text));
  if (!p) return 0;
  if (p.positionals.length) throw new UsageError('unexpected argument ' + p.positionals[0]);
  const stateDir = stringOpt(p, 'state');
  if (!stateDir) io.err('note: no --state: contexts in memory; sender sequence numbers restart at 0 on each start (test keys only)\n');
  const server = await startPlugtestServer({
    host: stringOpt(p, 'bind'),
    ports: { b: intOpt(p, 'port-b', 0, 65535), d: intOpt(p, 'port-d', 0, 65535), n: intOpt(p, 'port-n', 0, 65535) },
    stateDir,
    observeIntervalMs: intOpt(p, 'observe-interval', 10, 60000),
    io,
  });
  const at = stringOpt(p, 'bind') ?? '*';
  io.err(`plugtest server: B on ${at}:${server.ports.b}, D on ${at}:${server.ports.d}, no OSCORE on ${at}:${server.ports.n}\n`);
  await aborted(io.signal);
  await server.close();
  return 0;
}
