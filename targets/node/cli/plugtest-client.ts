/**
 * `oscore-xs plugtest-client HOST`: the client side of the 18 tests of the OSCORE interop test
 * specification (core-wg test spec, numbered as libcoap's oscore_testcases.sh runs them; the
 * expected outcomes are what libcoap's server answered, test/fixtures/interop/libcoap-oscore-interop.jsonl).
 * Prints one line per test and "N passed, N failed"; exit code 1 when any failed.
 *
 * Client contexts A, C, E (plugtest-contexts.ts) persist in `--state DIR` (aiocoap format), so
 * running the suite again against the same server never reuses a Partial IV; F and G (A with a
 * broken key) borrow their Partial IVs from A.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Option } from '../../../src/coap/option-registry.js';
import { Code } from '../../../src/coap/numbers.js';
import { getOption, getUintOption, hasOption, type CoapOption, type Message } from '../../../src/coap/message.js';
import type { RequestInit } from '../../../src/coap/endpoint.js';
import type { RequestHandle } from '../../../src/coap/exchange.js';
import { encodeUint, toHex, utf8Decode } from '../../../src/bytes.js';
import { OscoreError } from '../../../src/errors.js';
import { SecurityContext } from '../../../src/oscore/context.js';
import { MemoryContextStore, type ContextStore } from '../../../src/oscore/store.js';
import { intOpt, parseCommandArgs, stringOpt, UsageError, type CommandSpec } from './args.js';
import type { CliIo } from './io.js';
import { codeText } from './client.js';
import { openStack, type Stack } from './stack.js';
import { closePlugtestContext, openPlugtestContext, plugtestKeys, plugtestParams, type PlugtestContext, type PlugtestRole } from './plugtest-contexts.js';

export const plugtestClientSpec: CommandSpec = {
  name: 'plugtest-client',
  usage: 'HOST',
  summary: 'Run the client side of the 18 OSCORE interop tests against the server at HOST.',
  options: [
    { name: 'port-b', value: 'N', help: 'port of role B (default 5683)' },
    { name: 'port-d', value: 'N', help: 'port of role D (default 5685)' },
    { name: 'port-n', value: 'N', help: 'port of the server without OSCORE (default 5687)' },
    { name: 'state', value: 'DIR', help: 'where contexts A, C, E keep their sequence numbers (default: a folder in the temp dir)' },
    { name: 'timeout', value: 'SECONDS', help: 'per request (default 5)' },
    { name: 'observe-wait', value: 'SECONDS', help: 'longest wait for an observe notification (default 5)' },
  ],
  details: 'example:\n  oscore-xs plugtest-client 127.0.0.1\n  oscore-xs plugtest-client coap.example.org --port-b 5683 --port-d 5685 --port-n 5687',
};

class TestFailure extends Error {}

function check(cond: boolean, what: string): void {
  if (!cond) throw new TestFailure(what);
}

function expectResponse(m: Message, code: number, payload?: string): void {
  check(m.code === code, 'expected ' + codeText(code) + ', got ' + codeText(m.code) + (m.payload.length ? ' "' + utf8Decode(m.payload) + '"' : ''));
  if (payload !== undefined) check(utf8Decode(m.payload) === payload, 'expected payload "' + payload + '", got "' + utf8Decode(m.payload) + '"');
}

/** Queue of responses for one (observe) request. */
class ResponseQueue {
  private items: Message[] = [];
  private waiter: ((m: Message | Error) => void) | undefined;
  private failure: Error | undefined;
  handle: RequestHandle | undefined;
  push = (m: Message) => {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w(m);
    } else this.items.push(m);
  };
  fail = (e: Error) => {
    this.failure = e;
    const w = this.waiter;
    this.waiter = undefined;
    w?.(e);
  };
  next(timeoutMs: number): Promise<Message> {
    const m = this.items.shift();
    if (m) return Promise.resolve(m);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiter = undefined;
        reject(new TestFailure('no notification within ' + timeoutMs + ' ms'));
      }, timeoutMs);
      this.waiter = (x) => {
        clearTimeout(t);
        if (x instanceof Error) reject(x);
        else resolve(x);
      };
    });
  }
}

interface Env {
  stack: Stack;
  address: string;
  ports: { b: number; d: number; n: number };
  ctx: Record<'a' | 'c' | 'e', SecurityContext>;
  timeoutMs: number;
  observeWaitMs: number;
  /** Sequence number test 1 used first: test 15 replays it. */
  firstSeqOfA: number;
}

type Target = { port: number; context?: SecurityContext };

function init(env: Env, t: Target, path: string, extra: Partial<RequestInit> = {}): RequestInit {
  const [p, q] = path.split('?');
  return {
    host: env.address,
    port: t.port,
    path: p,
    query: q ? q.split('&') : [],
    timeout: env.timeoutMs,
    layerData: t.context ? { oscore: t.context } : undefined,
    ...extra,
  } as RequestInit;
}

async function request(env: Env, t: Target, path: string, extra: Partial<RequestInit> = {}): Promise<Message> {
  return (await env.stack.endpoint.request(init(env, t, path, extra))).message;
}

function observe(env: Env, t: Target, path: string, observeValue: number, token?: Uint8Array): ResponseQueue {
  const q = new ResponseQueue();
  const out = env.stack.endpoint.buildRequest(init(env, t, path, { options: [{ number: Option.OBSERVE, value: encodeUint(observeValue) }] }));
  q.handle = env.stack.endpoint.transport.send(token ? { ...out, token } : out, { response: q.push, error: q.fail });
  return q;
}

/**
 * F and G are A with a broken key: the same Sender ID, so they must take their Partial IVs from
 * A's sequence (as libcoap's client does), or the server would see replays. A borrows them a range.
 */
class BorrowedSequence implements ContextStore {
  constructor(private readonly first: number, private readonly end: number) {}
  load() {
    return { nextSeq: this.first, window: 'fresh' as const };
  }
  reserve(upTo: number): number {
    if (upTo > this.end) throw new Error('borrowed sequence range used up');
    return this.end;
  }
  close(): void {}
}

function borrowFromA(env: Env, role: 'f' | 'g', count = 4): SecurityContext {
  const first = env.ctx.a.sequence.next;
  for (let i = 0; i < count; i++) env.ctx.a.sequence.take();
  return new SecurityContext(plugtestParams(role), { store: new BorrowedSequence(first, first + count), keys: plugtestKeys(role) });
}

const TESTS: { title: string; run: (env: Env) => Promise<void> }[] = [
  {
    title: 'GET /oscore/hello/coap without OSCORE',
    run: async (env) => {
      const m = await request(env, { port: env.ports.b }, '/oscore/hello/coap');
      expectResponse(m, Code.CONTENT, 'Hello World!');
      check(getUintOption(m, Option.CONTENT_FORMAT) === 0, 'Content-Format 0');
    },
  },
  {
    title: 'GET /oscore/hello/1 with context A (B.1.2 Echo on a fresh server)',
    run: async (env) => {
      env.firstSeqOfA = env.ctx.a.sequence.next;
      const m = await request(env, { port: env.ports.b, context: env.ctx.a }, '/oscore/hello/1');
      expectResponse(m, Code.CONTENT, 'Hello World!');
      check(getUintOption(m, Option.CONTENT_FORMAT) === 0, 'Content-Format 0');
    },
  },
  {
    title: 'GET /oscore/hello/1 with context C (ID Context) on D',
    run: async (env) => expectResponse(await request(env, { port: env.ports.d, context: env.ctx.c }, '/oscore/hello/1'), Code.CONTENT, 'Hello World!'),
  },
  {
    title: 'GET /oscore/hello/2?first=1: ETag',
    run: async (env) => {
      const m = await request(env, { port: env.ports.b, context: env.ctx.a }, '/oscore/hello/2?first=1');
      expectResponse(m, Code.CONTENT, 'Hello World!');
      check(toHex(getOption(m, Option.ETAG) ?? new Uint8Array(0)) === '2b', 'ETag 2b');
    },
  },
  {
    title: 'GET /oscore/hello/3 with Accept 0: Max-Age 5',
    run: async (env) => {
      const m = await request(env, { port: env.ports.b, context: env.ctx.a }, '/oscore/hello/3', { accept: 0 });
      expectResponse(m, Code.CONTENT, 'Hello World!');
      check(getUintOption(m, Option.MAX_AGE) === 5, 'Max-Age 5');
    },
  },
  {
    title: 'Observe /oscore/hello/1 (not observable): plain 2.05',
    run: async (env) => {
      const q = observe(env, { port: env.ports.b, context: env.ctx.a }, '/oscore/hello/1', 0);
      try {
        const m = await q.next(env.timeoutMs);
        expectResponse(m, Code.CONTENT, 'Hello World!');
        check(!hasOption(m, Option.OBSERVE), 'no Observe option');
      } finally {
        q.handle?.close();
      }
    },
  },
  {
    title: 'Observe /oscore/observe1: "one", "two", 5.00 "Terminate Observe"',
    run: async (env) => {
      const q = observe(env, { port: env.ports.b, context: env.ctx.a }, '/oscore/observe1', 0);
      try {
        for (const v of ['one', 'two']) {
          const m = await q.next(env.observeWaitMs);
          expectResponse(m, Code.CONTENT, v);
          check(hasOption(m, Option.OBSERVE), 'notification "' + v + '" carries Observe');
        }
        const last = await q.next(env.observeWaitMs);
        expectResponse(last, Code.INTERNAL_SERVER_ERROR, 'Terminate Observe');
        check(!hasOption(last, Option.OBSERVE), 'final notification without Observe');
      } finally {
        q.handle?.close();
      }
    },
  },
  {
    title: 'Observe /oscore/observe2: "one", "two", then cancel (GET Observe=1)',
    run: async (env) => {
      const t = { port: env.ports.b, context: env.ctx.a };
      const q = observe(env, t, '/oscore/observe2', 0);
      let token: Uint8Array | undefined;
      try {
        for (const v of ['one', 'two']) {
          const m = await q.next(env.observeWaitMs);
          expectResponse(m, Code.CONTENT, v);
          check(hasOption(m, Option.OBSERVE), 'notification "' + v + '" carries Observe');
          token = m.token;
        }
      } finally {
        q.handle?.close();
      }
      const cancel = observe(env, t, '/oscore/observe2', 1, token);
      try {
        const m = await cancel.next(env.timeoutMs);
        expectResponse(m, Code.CONTENT, 'two');
        check(!hasOption(m, Option.OBSERVE), 'deregistration answered without Observe');
      } finally {
        cancel.handle?.close();
      }
    },
  },
  {
    title: 'POST /oscore/hello/6: 2.04 echoing the payload',
    run: async (env) => {
      const m = await request(env, { port: env.ports.b, context: env.ctx.a }, '/oscore/hello/6', { method: 'POST', contentFormat: 0, payload: new Uint8Array([0x4a]) });
      expectResponse(m, Code.CHANGED, 'J');
    },
  },
  {
    title: 'PUT /oscore/hello/7 with If-Match 7b: 2.04, ETag 7b',
    run: async (env) => {
      const options: CoapOption[] = [{ number: Option.IF_MATCH, value: new Uint8Array([0x7b]) }];
      const m = await request(env, { port: env.ports.b, context: env.ctx.a }, '/oscore/hello/7', { method: 'PUT', contentFormat: 0, payload: new Uint8Array([0x7a]), options });
      expectResponse(m, Code.CHANGED);
      check(toHex(getOption(m, Option.ETAG) ?? new Uint8Array(0)) === '7b', 'ETag 7b');
    },
  },
  {
    title: 'PUT /oscore/hello/7 with If-None-Match: 4.12',
    run: async (env) => {
      const options: CoapOption[] = [{ number: Option.IF_NONE_MATCH, value: new Uint8Array(0) }];
      const m = await request(env, { port: env.ports.b, context: env.ctx.a }, '/oscore/hello/7', { method: 'PUT', contentFormat: 0, payload: new Uint8Array([0x8a]), options });
      expectResponse(m, Code.PRECONDITION_FAILED);
    },
  },
  {
    title: 'DELETE /oscore/test: 2.02',
    run: async (env) => expectResponse(await request(env, { port: env.ports.b, context: env.ctx.a }, '/oscore/test', { method: 'DELETE' }), Code.DELETED),
  },
  {
    title: 'context E (unknown kid): unprotected 4.01',
    run: async (env) => {
      const m = await request(env, { port: env.ports.b, context: env.ctx.e }, '/oscore/hello/1');
      expectResponse(m, Code.UNAUTHORIZED);
      check(!hasOption(m, Option.OSCORE), 'unprotected');
    },
  },
  {
    title: 'context F (wrong sender key): unprotected 4.00',
    run: async (env) => {
      const m = await request(env, { port: env.ports.b, context: borrowFromA(env, 'f') }, '/oscore/hello/1');
      expectResponse(m, Code.BAD_REQUEST);
      check(!hasOption(m, Option.OSCORE), 'unprotected');
    },
  },
  {
    title: 'context G (wrong recipient key): the response does not verify',
    run: async (env) => {
      try {
        const m = await request(env, { port: env.ports.b, context: borrowFromA(env, 'g') }, '/oscore/hello/1');
        throw new TestFailure('the response verified: ' + codeText(m.code));
      } catch (e) {
        if (e instanceof TestFailure) throw e;
        check(e instanceof OscoreError, 'expected an OSCORE verification error, got ' + (e as Error).name + ': ' + (e as Error).message);
      }
    },
  },
  {
    title: 'replayed Partial IV (of test 1): unprotected 4.01',
    run: async (env) => {
      // The same Partial IV again: a second context A whose sequence starts where test 1's did.
      const replaying = new SecurityContext(plugtestParams('a'), { store: new MemoryContextStore({ nextSeq: env.firstSeqOfA }) });
      const m = await request(env, { port: env.ports.b, context: replaying }, '/oscore/hello/1');
      expectResponse(m, Code.UNAUTHORIZED);
      check(!hasOption(m, Option.OSCORE), 'unprotected');
    },
  },
  {
    title: 'OSCORE request to the server without OSCORE: 4.02',
    run: async (env) => expectResponse(await request(env, { port: env.ports.n, context: env.ctx.e }, '/oscore/hello/1'), Code.BAD_OPTION),
  },
  {
    title: 'plain GET /oscore/hello/1 to the server without OSCORE: 4.01',
    run: async (env) => expectResponse(await request(env, { port: env.ports.n }, '/oscore/hello/1'), Code.UNAUTHORIZED),
  },
];

export const PLUGTEST_COUNT = TESTS.length;

export async function plugtestClient(argv: string[], io: CliIo): Promise<number> {
  const p = parseCommandArgs(plugtestClientSpec, argv, (text) => io.out(text));
  if (!p) return 0;
  if (p.positionals.length !== 1) throw new UsageError('expected HOST');
  let host = p.positionals[0];
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  const ports = { b: intOpt(p, 'port-b', 1, 65535) ?? 5683, d: intOpt(p, 'port-d', 1, 65535) ?? 5685, n: intOpt(p, 'port-n', 1, 65535) ?? 5687 };
  const state = stringOpt(p, 'state') ?? join(tmpdir(), 'oscore-xs-plugtest-client');
  let address = host;
  if (isIP(host) === 0) {
    try {
      address = (await lookup(host)).address;
    } catch {
      io.err('cannot resolve ' + host + '\n');
      return 1;
    }
  }
  const opened: PlugtestContext[] = [];
  let stack: Stack | undefined;
  try {
    for (const role of ['a', 'c', 'e'] as PlugtestRole[]) opened.push(await openPlugtestContext(role, state));
    stack = await openStack({ io, oscore: {} });
    const ctx = Object.fromEntries(opened.map((o) => [o.role, o.context])) as Env['ctx'];
    const env: Env = {
      stack,
      address,
      ports,
      ctx,
      timeoutMs: (intOpt(p, 'timeout', 1, 600) ?? 5) * 1000,
      observeWaitMs: (intOpt(p, 'observe-wait', 1, 600) ?? 5) * 1000,
      firstSeqOfA: 0,
    };
    let passed = 0;
    let failed = 0;
    for (const [i, t] of TESTS.entries()) {
      if (io.signal.aborted) break;
      try {
        await t.run(env);
        passed++;
        io.out(`test ${String(i).padStart(2)}  PASS  ${t.title}\n`);
      } catch (e) {
        failed++;
        const why = e instanceof TestFailure ? e.message : (e as Error).name + ': ' + (e as Error).message;
        io.out(`test ${String(i).padStart(2)}  FAIL  ${t.title}: ${why}\n`);
      }
    }
    io.out(`${passed} passed, ${failed} failed\n`);
    return failed === 0 && passed === TESTS.length ? 0 : 1;
  } finally {
    await stack?.close();
    for (const o of opened) await closePlugtestContext(o);
  }
}
