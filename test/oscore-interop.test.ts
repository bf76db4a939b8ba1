/**
 * Real traffic: libcoap's run of the OSCORE interop test specification and aiocoap's file server
 * exchange (test/fixtures/interop). Every protected request is verified with the server context
 * (B, or D with ID Context; fresh replay window; capture order) and protected again with the
 * client context at the captured sequence number — the bytes must match. Every protected response
 * is verified with the client context (A / C) and protected again by the server — same bytes.
 * The deliberately wrong client contexts E, F, G fail with the errors the spec expects.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import capture from './fixtures/interop/libcoap-oscore-interop.jsonl';
import confA from './fixtures/interop/libcoap-contexts/a_client.conf';
import confB from './fixtures/interop/libcoap-contexts/b_server.conf';
import confC from './fixtures/interop/libcoap-contexts/c_client.conf';
import confD from './fixtures/interop/libcoap-contexts/d_server.conf';
import confE from './fixtures/interop/libcoap-contexts/e_client.conf';
import confF from './fixtures/interop/libcoap-contexts/f_client.conf';
import confG from './fixtures/interop/libcoap-contexts/g_client.conf';
import aiocoapCapture from './fixtures/interop/aiocoap-seed-fileserver.jsonl';
import aiocoapClientSettings from './fixtures/interop/aiocoap-seed-example/client1/for-fileserver/settings.json' with { type: 'json' };
import aiocoapServerSettings from './fixtures/interop/aiocoap-seed-example/server/from-client1/settings.json' with { type: 'json' };
import { toHex, utf8Decode, fromHex, equalBytes } from '../src/bytes.js';
import { encodeMessage } from '../src/coap/codec.js';
import { getOption, type Message } from '../src/coap/message.js';
import { Option } from '../src/coap/option-registry.js';
import { isRequestCode } from '../src/coap/numbers.js';
import { ContextUnavailable, ProtectionInvalid, ReplayError, ReplayErrorWithEcho } from '../src/errors.js';
import { SecurityContext } from '../src/oscore/context.js';
import { MemoryContextStore } from '../src/oscore/store.js';
import { protectRequest, protectResponse, type RequestBinding } from '../src/oscore/protect.js';
import { unprotectRequest, unprotectResponse, contextLookup, type EchoVerifier } from '../src/oscore/unprotect.js';
import { oscoreErrorResponse, protectEchoChallenge } from '../src/oscore/error-response.js';
import { decodeOscoreOption } from '../src/oscore/option.js';
import { parseCapture, parseLibcoapConf, libcoapContext, aiocoapParams, type Frame } from './oscore-fixtures.js';

const frames = parseCapture(capture);
const frame = (n: number): Frame => frames.find((f) => f.frame === n)!;
const conf = { A: parseLibcoapConf(confA), B: parseLibcoapConf(confB), C: parseLibcoapConf(confC), D: parseLibcoapConf(confD), E: parseLibcoapConf(confE), F: parseLibcoapConf(confF), G: parseLibcoapConf(confG) };
const isProtected = (m: Message) => getOption(m, Option.OSCORE) !== undefined;
const ownPartialIv = (m: Message): number | undefined => {
  const piv = decodeOscoreOption(getOption(m, Option.OSCORE)!).partialIv;
  return piv ? piv.reduce((n, b) => n * 256 + b, 0) : undefined;
};

/** What the interop spec expects of the requests the B server must refuse (tests 12, 13, 15). */
const REQUEST_FAILURES: Record<number, new (...a: never[]) => Error> = { 59: ContextUnavailable, 61: ProtectionInvalid, 67: ReplayError };
/** Responses to requests sent with the deliberately wrong contexts, verified with those. */
const OSCORE_PORTS: Record<number, { server: keyof typeof conf; client: keyof typeof conf }> = { 5683: { server: 'B', client: 'A' }, 5685: { server: 'D', client: 'C' } };

interface Replay {
  requests: number;
  responses: number;
  serverBindings: Map<string, RequestBinding>;
  clientBindings: Map<string, RequestBinding>;
  servers: Record<string, SecurityContext>;
}

/** Verify and re-protect the whole libcoap capture in order. */
function replayLibcoap(): Replay {
  const servers: Record<string, SecurityContext> = { B: libcoapContext(conf.B), D: libcoapContext(conf.D) };
  const serverBindings = new Map<string, RequestBinding>();
  const clientBindings = new Map<string, RequestBinding>();
  let requests = 0;
  let responses = 0;
  for (const f of frames) {
    if (!isProtected(f.message)) continue;
    if (isRequestCode(f.message.code)) {
      const roles = OSCORE_PORTS[f.dstPort];
      if (!roles) continue; // port 5687: the server without OSCORE (answers 4.02 Bad Option)
      const server = servers[roles.server];
      const key = f.srcPort + ':' + toHex(f.message.token);
      const expected = REQUEST_FAILURES[f.frame];
      if (expected) {
        const before = server.replayWindow.snapshot();
        const seqBefore = server.sequence.next;
        assert.throws(() => unprotectRequest(f.message, contextLookup([server])), expected, 'frame ' + f.frame);
        assert.deepEqual(server.replayWindow.snapshot(), before, 'window unchanged after frame ' + f.frame);
        assert.equal(server.sequence.next, seqBefore);
        continue;
      }
      const r = unprotectRequest(f.message, contextLookup([server]));
      assert.equal(r.context, server);
      serverBindings.set(key, r.binding);
      // Re-protect with the client context at the captured sequence number: identical bytes.
      const client = libcoapContext(conf[roles.client], new MemoryContextStore({ nextSeq: r.binding.seq }));
      const again = protectRequest(client, r.message);
      assert.equal(toHex(encodeMessage(again.message)), toHex(f.bytes), 're-protected frame ' + f.frame);
      clientBindings.set(key, again.binding);
      requests++;
    } else {
      const roles = OSCORE_PORTS[f.srcPort];
      const key = f.dstPort + ':' + toHex(f.message.token);
      const clientBinding = clientBindings.get(key)!;
      const serverBinding = serverBindings.get(key)!;
      assert.ok(clientBinding && serverBinding, 'request of response frame ' + f.frame);
      const r = unprotectResponse(f.message, clientBinding);
      // Re-protect as the server: its sequence number at the captured Partial IV, the captured outer Observe.
      const piv = ownPartialIv(f.message);
      const server = libcoapContext(conf[roles.server], new MemoryContextStore({ nextSeq: piv ?? 0 }));
      const plain = { ...r.message, options: r.message.options.map((o) => (o.number === Option.OBSERVE ? { number: o.number, value: getOption(f.message, Option.OBSERVE)! } : o)) };
      const again = protectResponse(plain, { ...serverBinding, context: server }, { partialIv: piv !== undefined });
      assert.equal(toHex(encodeMessage(again)), toHex(f.bytes), 're-protected frame ' + f.frame);
      responses++;
    }
  }
  return { requests, responses, serverBindings, clientBindings, servers };
}

describe('libcoap OSCORE interop capture', () => {
  it('verifies every request with B/D and every response with A/C, in capture order, and re-protects each byte for byte', () => {
    const r = replayLibcoap();
    assert.equal(r.requests, 15, "protected requests verified (plus 3 refused: frames 59, 61, 67)");
    assert.equal(r.responses, 18);
    assert.equal(r.servers.B.replayWindow.highestReceived, 48);
    assert.equal(r.servers.D.replayWindow.highestReceived, 1);
  });

  it('decrypts to what the interop tests sent: GET /oscore/hello/1 → 2.05 "Hello World!"', () => {
    const server = libcoapContext(conf.B);
    const req = unprotectRequest(frame(3).message, contextLookup([server]));
    assert.equal(req.message.code, 0x01);
    assert.deepEqual(req.message.options.filter((o) => o.number === Option.URI_PATH).map((o) => utf8Decode(o.value)), ['oscore', 'hello', '1']);
    const client = libcoapContext(conf.A, new MemoryContextStore({ nextSeq: 1 }));
    const req5 = protectRequest(client, unprotectRequest(frame(5).message, contextLookup([server])).message);
    const resp = unprotectResponse(frame(7).message, req5.binding);
    assert.equal(resp.message.code, 0x45);
    assert.equal(utf8Decode(resp.message.payload), 'Hello World!');
  });

  it('test 12 (context E, kid 010101): B has no such context → ContextUnavailable; a server for E verifies the frame', () => {
    const b = libcoapContext(conf.B);
    assert.throws(() => unprotectRequest(frame(59).message, contextLookup([b])), ContextUnavailable);
    const forE = libcoapContext({ ...conf.E, params: { ...conf.E.params, senderId: conf.E.params.recipientId, recipientId: conf.E.params.senderId } });
    assert.equal(unprotectRequest(frame(59).message, contextLookup([forE])).binding.seq, 0x28);
  });

  it('test 13 (context F, broken sender key): B → ProtectionInvalid; the request was sealed with libcoap\'s "BAD" key', () => {
    const b = libcoapContext(conf.B);
    assert.throws(() => unprotectRequest(frame(61).message, contextLookup([b])), ProtectionInvalid);
    const brokenServer = libcoapContext({ ...conf.B, breakRecipientKey: true });
    assert.equal(unprotectRequest(frame(61).message, contextLookup([brokenServer])).binding.seq, 0x2c);
  });

  it('test 14 (context G, broken recipient key): the server\'s response fails under G (ProtectionInvalid), verifies under A', () => {
    const b = libcoapContext(conf.B);
    const req = unprotectRequest(frame(63).message, contextLookup([b]));
    const g = libcoapContext(conf.G, new MemoryContextStore({ nextSeq: req.binding.seq }));
    const gReq = protectRequest(g, req.message);
    assert.equal(toHex(encodeMessage(gReq.message)), toHex(frame(63).bytes), 'G\'s sender key is intact');
    assert.throws(() => unprotectResponse(frame(65).message, gReq.binding), ProtectionInvalid);
    const a = libcoapContext(conf.A, new MemoryContextStore({ nextSeq: req.binding.seq }));
    assert.equal(utf8Decode(unprotectResponse(frame(65).message, protectRequest(a, req.message).binding).message.payload), 'Hello World!');
  });

  it('libcoap\'s OSCORE error responses are what oscoreErrorResponse maps the errors to (code, diagnostic, Max-Age 0)', () => {
    const cases: [number, Error][] = [[60, new ContextUnavailable('x')], [62, new ProtectionInvalid('x')], [68, new ReplayError('x')]];
    for (const [n, err] of cases) {
      const m = frame(n).message;
      const mapped = oscoreErrorResponse(err)!;
      assert.equal(m.code, mapped.code, 'code of frame ' + n);
      assert.equal(utf8Decode(m.payload), mapped.diagnostic, 'diagnostic of frame ' + n);
      assert.equal(toHex(getOption(m, Option.MAX_AGE)!), '', 'Max-Age 0 in frame ' + n);
    }
  });

  it('App. B.1.2 on the capture: with an unknown window, frame 3 is challenged; frame 5 carries libcoap\'s Echo and re-initialises the window', () => {
    // libcoap's server ran B.1.2: frame 4 is its protected 4.01 with Echo. Our server starts "after a reboot".
    const store = new MemoryContextStore({ window: 'unknown' });
    const server = libcoapContext(conf.B, store);
    const issued = fromHex('afa7f7064151b6e9');
    const echo: EchoVerifier = { issue: () => issued, verify: (_c, v) => equalBytes(v, issued) };
    let challenge: ReplayErrorWithEcho | undefined;
    try {
      unprotectRequest(frame(3).message, contextLookup([server]), { echo });
    } catch (e) {
      challenge = e as ReplayErrorWithEcho;
    }
    assert.ok(challenge instanceof ReplayErrorWithEcho);
    assert.equal(server.replayWindow.isUnknown, true, 'window still unknown');
    // Our challenge, protected with our own Partial IV 0, is byte for byte libcoap's frame 4.
    const out = protectEchoChallenge(challenge, { type: frame(4).message.type, code: 0, messageId: frame(4).message.messageId, token: frame(4).message.token, options: [], payload: new Uint8Array(0) });
    assert.equal(toHex(encodeMessage(out)), toHex(frame(4).bytes));
    const ok = unprotectRequest(frame(5).message, contextLookup([server]), { echo });
    assert.equal(ok.binding.seq, 1);
    assert.equal(server.replayWindow.isUnknown, false);
    assert.throws(() => unprotectRequest(frame(3).message, contextLookup([server]), { echo }), ReplayError, 'seq 0 is below the new lower limit');
  });
});

describe('aiocoap file server capture (aiocoap-seed-example contexts)', () => {
  const aioFrames = parseCapture(aiocoapCapture);
  it('verifies both requests (kid 01) and responses (sender "file"), and re-protects them byte for byte', () => {
    const server = new SecurityContext(aiocoapParams(aiocoapServerSettings as Record<string, unknown>));
    const bodies: string[] = [];
    for (const [reqN, respN, seq] of [[1, 2, 0], [3, 4, 1]]) {
      const req = aioFrames.find((f) => f.frame === reqN)!;
      const resp = aioFrames.find((f) => f.frame === respN)!;
      const r = unprotectRequest(req.message, contextLookup([server]));
      assert.equal(r.binding.seq, seq);
      const client = new SecurityContext(aiocoapParams(aiocoapClientSettings as Record<string, unknown>), { store: new MemoryContextStore({ nextSeq: seq }) });
      const again = protectRequest(client, r.message);
      assert.equal(toHex(encodeMessage(again.message)), toHex(req.bytes), 'request frame ' + reqN);
      const back = unprotectResponse(resp.message, again.binding);
      assert.equal(back.message.code, 0x45);
      bodies.push(utf8Decode(back.message.payload));
      assert.equal(toHex(encodeMessage(protectResponse(back.message, r.binding))), toHex(resp.bytes), 'response frame ' + respN);
    }
    assert.match(bodies[0], /hello\.txt/);
    assert.match(bodies[0], /subdirectory/);
    assert.equal(bodies[1], 'hello\n');
  });
});
