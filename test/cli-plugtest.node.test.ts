// The OSCORE interop tests: our plugtest-client against our plugtest-server (18 passed), and
// libcoap's captured client requests replayed at our plugtest-server, which must answer with the
// codes and payloads libcoap's server gave (test/fixtures/interop/libcoap-oscore-interop.jsonl).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSocket, type Socket } from 'node:dgram';
import { run, start } from './cli-harness.js';
import { decodeMessage, encodeMessage } from '../src/coap/codec.js';
import { getOption, hasOption, type Message } from '../src/coap/message.js';
import { MessageType } from '../src/coap/numbers.js';
import { Option } from '../src/coap/option-registry.js';
import { equalBytes, fromHex, toHex, utf8Decode } from '../src/bytes.js';
import { SecurityContext } from '../src/oscore/context.js';
import { unprotectRequest, unprotectResponse, contextLookup } from '../src/oscore/unprotect.js';
import type { RequestBinding } from '../src/oscore/protect.js';
import { startPlugtestServer } from '../targets/node/cli/plugtest-server.js';
import { plugtestParams } from '../targets/node/cli/plugtest-contexts.js';
import capture from './fixtures/interop/libcoap-oscore-interop.jsonl';

let tmp = '';
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'oscore-xs-plug-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('plugtest-client against plugtest-server', () => {
  it('18 passed, again with the client state kept, and again after a server restart on its --state', async () => {
    const state = join(tmp, 'client-state');
    const serverState = join(tmp, 'server-state');
    const startServer = () => start(['plugtest-server', '--bind', '127.0.0.1', '--port-b', '0', '--port-d', '0', '--port-n', '0', '--observe-interval', '100', '--state', serverState], /B on 127\.0\.0\.1:(\d+)/);
    const clientArgs = (server: { stderr(): string }) => {
      const ports = /B on 127\.0\.0\.1:(\d+), D on 127\.0\.0\.1:(\d+), no OSCORE on 127\.0\.0\.1:(\d+)/.exec(server.stderr())!;
      return ['plugtest-client', '127.0.0.1', '--port-b', ports[1], '--port-d', ports[2], '--port-n', ports[3], '--state', state, '--observe-wait', '2'];
    };
    let server = await startServer();
    try {
      const first = await run(clientArgs(server));
      assert.match(first.stdout, /^18 passed, 0 failed$/m, first.stdout);
      assert.equal(first.stdout.split('\n').filter((l) => / PASS /.test(l)).length, 18);
      assert.equal(first.code, 0);
      const second = await run(clientArgs(server));
      assert.match(second.stdout, /^18 passed, 0 failed$/m, second.stdout);
    } finally {
      await server.stop();
    }
    // The server wrote its contexts back (aiocoap format): the window of B is known, not "unknown".
    const b = JSON.parse(readFileSync(join(serverState, 'b/sequence.json'), 'utf8'));
    assert.equal(typeof b.received, 'object', JSON.stringify(b));
    assert.ok(b['next-to-send'] > 0, 'B sent notifications with Partial IVs of its own');
    server = await startServer();
    try {
      const third = await run(clientArgs(server));
      assert.match(third.stdout, /^18 passed, 0 failed$/m, third.stdout);
    } finally {
      await server.stop();
    }
    // A's state is an aiocoap context directory, closed cleanly.
    const seq = JSON.parse(readFileSync(join(state, 'a/sequence.json'), 'utf8'));
    assert.ok(seq['next-to-send'] > 40, JSON.stringify(seq));
    assert.equal(existsSync(join(state, 'a/lock')), false);
  });

  it('reports failures: against a server without OSCORE on every port, the OSCORE tests fail', async () => {
    const server = await start(['plugtest-server', '--bind', '127.0.0.1', '--port-b', '0', '--port-d', '0', '--port-n', '0'], /B on 127\.0\.0\.1:(\d+)/);
    const n = /no OSCORE on 127\.0\.0\.1:(\d+)/.exec(server.stderr())![1];
    try {
      const r = await run(['plugtest-client', '127.0.0.1', '--port-b', n, '--port-d', n, '--port-n', n, '--state', join(tmp, 's2'), '--timeout', '2', '--observe-wait', '1']);
      assert.equal(r.code, 1);
      const m = /^(\d+) passed, (\d+) failed$/m.exec(r.stdout)!;
      assert.ok(Number(m[2]) >= 10, r.stdout);
      assert.match(r.stdout, /test  1  FAIL .*expected 2\.05 Content, got 4\.02 Bad Option/);
    } finally {
      await server.stop();
    }
  });
});

interface Frame {
  frame: number;
  src_port: number;
  dst_port: number;
  udp_payload_hex: string;
}

describe("libcoap's captured requests replayed at our plugtest-server", () => {
  const frames: Frame[] = capture.trim().split('\n').map((l) => JSON.parse(l));
  const SERVER_PORTS = [5683, 5685, 5687];

  /** Decrypt every protected request of a capture-like stream with server-side copies; bindings for the client side. */
  function binder() {
    const srv = { 5683: new SecurityContext(plugtestParams('b')), 5685: new SecurityContext(plugtestParams('d')) } as Record<number, SecurityContext>;
    const cli = { 5683: new SecurityContext(plugtestParams('a')), 5685: new SecurityContext(plugtestParams('c')) } as Record<number, SecurityContext>;
    return (m: Message, port: number): RequestBinding | undefined => {
      if (!hasOption(m, Option.OSCORE) || !srv[port]) return undefined;
      try {
        return { ...unprotectRequest(m, contextLookup([srv[port]])).binding, context: cli[port] };
      } catch {
        return undefined; // contexts E/F, and the replay: not decryptable by design
      }
    };
  }

  /** A response as compared: code and payload of the (inner, when protected) message, and its Echo. */
  function view(m: Message, binding: RequestBinding | undefined): string {
    let inner = m;
    if (hasOption(m, Option.OSCORE)) inner = unprotectResponse(m, binding!).message;
    const echo = getOption(inner, Option.ECHO);
    return inner.code.toString(16) + ' "' + utf8Decode(inner.payload) + '"' + (echo ? ' echo ' + toHex(echo) : '') + (hasOption(m, Option.OSCORE) ? ' (protected)' : '');
  }

  /** libcoap's answers per client socket, in order (empty ACKs left out). */
  function expected(): Map<number, string[]> {
    const bind = binder();
    const bindings = new Map<string, RequestBinding | undefined>();
    const out = new Map<number, string[]>();
    for (const f of frames) {
      const m = decodeMessage(fromHex(f.udp_payload_hex));
      if (SERVER_PORTS.includes(f.dst_port)) {
        if (m.code !== 0) bindings.set(f.src_port + '|' + toHex(m.token), bind(m, f.dst_port));
        continue;
      }
      if (m.code === 0) continue;
      const list = out.get(f.dst_port) ?? [];
      list.push(view(m, bindings.get(f.dst_port + '|' + toHex(m.token))));
      out.set(f.dst_port, list);
    }
    return out;
  }

  it('gives the same codes, payloads and Echo challenges for all 18 tests', async () => {
    // Our server issues the Echo values libcoap's did, so the captured retries carry valid ones.
    const echoes = { b: fromHex('afa7f7064151b6e9'), d: fromHex('0ec744bb0aa70450') };
    const io = { out: () => {}, err: () => {}, signal: new AbortController().signal };
    const server = await startPlugtestServer({
      host: '127.0.0.1',
      ports: { b: 0, d: 0, n: 0 },
      observeIntervalMs: 150,
      io,
      echoFor: (role) => ({ issue: () => echoes[role], verify: (_c, e) => equalBytes(e, echoes[role]) }),
    });
    const portOf: Record<number, number> = { 5683: server.ports.b, 5685: server.ports.d, 5687: server.ports.n };
    const sockets = new Map<number, { sock: Socket; got: Message[]; wake?: () => void }>();
    const socketFor = async (srcPort: number) => {
      let s = sockets.get(srcPort);
      if (s) return s;
      const sock = createSocket('udp4');
      await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
      const entry: { sock: Socket; got: Message[]; wake?: () => void } = { sock, got: [] };
      sock.on('message', (msg, rinfo) => {
        const m = decodeMessage(new Uint8Array(msg));
        // We play the client's messaging: acknowledge every CON the server sends.
        if (m.type === MessageType.CON) sock.send(encodeMessage({ type: MessageType.ACK, code: 0, messageId: m.messageId, token: new Uint8Array(0), options: [], payload: new Uint8Array(0) }), rinfo.port, rinfo.address);
        if (m.code !== 0) entry.got.push(m);
        entry.wake?.();
      });
      sockets.set(srcPort, (s = entry));
      return s;
    };
    const waitFor = async (s: { got: Message[]; wake?: () => void }, n: number, ms = 3000) => {
      const until = Date.now() + ms;
      while (s.got.length < n && Date.now() < until) await new Promise<void>((r) => ((s.wake = r), setTimeout(r, 50)));
    };
    const want = expected();
    const bind = binder();
    const seen = new Map<number, { binding: RequestBinding | undefined; at: number }[]>();
    try {
      for (const f of frames) {
        if (!SERVER_PORTS.includes(f.dst_port)) continue;
        const bytes = fromHex(f.udp_payload_hex);
        const m = decodeMessage(bytes);
        if (m.code === 0) continue; // the client's ACKs: we send our own
        const s = await socketFor(f.src_port);
        // Before a request, wait until our server has said what libcoap's had said by then.
        const before = frames.filter((g) => g.dst_port === f.src_port && g.frame < f.frame && decodeMessage(fromHex(g.udp_payload_hex)).code !== 0).length;
        await waitFor(s, before);
        const list = seen.get(f.src_port) ?? [];
        list.push({ binding: bind(m, f.dst_port), at: s.got.length });
        seen.set(f.src_port, list);
        s.sock.send(bytes, portOf[f.dst_port], '127.0.0.1');
      }
      for (const [src, s] of sockets) await waitFor(s, want.get(src)?.length ?? 0);
      await new Promise((r) => setTimeout(r, 200)); // anything extra would show up as a mismatch
      let compared = 0;
      for (const [src, s] of sockets) {
        const reqs = seen.get(src)!;
        // Each response belongs to the latest request sent before it arrived (tokens repeat in the capture).
        const got = s.got.map((m, i) => {
          let b: RequestBinding | undefined;
          for (const r of reqs) if (r.at <= i) b = r.binding;
          return view(m, b);
        });
        assert.deepEqual(got, want.get(src) ?? [], 'client port ' + src);
        compared += got.length;
      }
      // 18 tests (one client socket each), 24 responses (Echo challenges and notifications included).
      assert.equal(sockets.size, 18);
      assert.equal(compared, [...want.values()].reduce((n, l) => n + l.length, 0));
      assert.equal(compared, 24);
    } finally {
      for (const s of sockets.values()) s.sock.close();
      await server.close();
    }
  });
});
