import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { simWorld, drive } from './coap-support.js';
import { Code } from '../src/coap/numbers.js';
import { Option } from '../src/coap/option-registry.js';
import { createMessage, getOption, getUintOption, hasOption, setUintOption } from '../src/coap/message.js';
import { toHex, utf8Encode } from '../src/bytes.js';
import { SecurityContext } from '../src/oscore/context.js';
import { EchoIssuer } from '../src/coap/echo.js';
import { EdhocResponderService, type EdhocLimits } from '../src/layers/edhoc-responder.js';
import { edhocOscoreServerLayer, edhocResource } from '../src/layers/edhoc-server.js';
import { edhocClientLayer, EdhocHandshakeError } from '../src/layers/edhoc-client.js';
import { EdhocInitiator } from '../src/edhoc/index.js';
import { CF_CID_EDHOC_CBOR_SEQ, CF_EDHOC_CBOR_SEQ, message1Payload } from '../src/layers/edhoc-wire.js';
import { edhocTestCredentials } from './edhoc-coap-support.js';
import type { Endpoint } from '../src/coap/endpoint.js';

function world(o: { combined?: boolean; limits?: Partial<EdhocLimits>; echo?: boolean; trustClient?: boolean; clientSuites?: number[]; serverSuites?: number[] } = {}) {
  const w = simWorld({}, 11);
  const creds = edhocTestCredentials(w.rng);
  const established: SecurityContext[] = [];
  const service = new EdhocResponderService({
    crypto: creds.crypto,
    random: w.rng,
    clock: w.clock,
    identity: () => ({ method: 3, suites: o.serverSuites ?? [2], own: creds.server }),
    trust: (id) => (o.trustClient === false ? undefined : creds.trustClient(id)),
    establish: (p) => {
      const c = new SecurityContext(p);
      established.push(c);
      return c;
    },
    echo: o.echo ? new EchoIssuer(w.clock, w.rng) : undefined,
    limits: o.limits,
  });
  const srv = w.endpoint('srv', 5683, { oscore: edhocOscoreServerLayer(service, { clock: w.clock, random: w.rng }) });
  srv.resource('/.well-known/edhoc', { POST: edhocResource(service) });
  srv.resource('/temp', { GET: (req) => ({ payload: 'kid ' + toHex(req.oscore!.recipientId) }) }, { requireOscore: true });
  const lines: string[] = [];
  const cli = w.endpoint('cli', 5683, {
    oscore: edhocClientLayer({
      crypto: creds.crypto,
      random: w.rng,
      credentialsFor: (r) => (r.uri?.startsWith('coap://srv/') ? { name: 'srv', identity: { method: 3, suites: o.clientSuites ?? [2], own: creds.client, trust: (id) => creds.trustServer(id), combined: o.combined ?? true } } : undefined),
      trace: (l) => lines.push(l),
    }),
  });
  return { w, service, srv, cli, established, lines };
}

const get = (w: ReturnType<typeof simWorld>, cli: Endpoint, uri: string) => drive(w.clock, cli.request({ uri }));
const wellKnown = (m: ReturnType<typeof createMessage>) => m.options.filter((x) => x.number === Option.URI_PATH).map((x) => new TextDecoder().decode(x.value)).join('/') === '.well-known/edhoc';

/** A raw POST to /.well-known/edhoc from `from`. */
function rawEdhoc(x: ReturnType<typeof world>, from: Endpoint, payload: Uint8Array, echo?: Uint8Array) {
  const options: { number: number; value: Uint8Array }[] = [];
  if (echo) options.push({ number: Option.ECHO, value: echo });
  return drive(x.w.clock, from.request({ host: 'srv', path: '/.well-known/edhoc', method: 'POST', options, payload }));
}

describe('EDHOC over CoAP (RFC 9528 App. A.2) and the combined request (RFC 9668)', () => {
  it('two round trips: message_1 after true, message_3 after C_R, then OSCORE with the derived context', async () => {
    const x = world({ combined: false });
    const r = await get(x.w, x.cli, 'coap://srv/temp');
    assert.equal(r.codeString, '2.05');
    assert.equal(x.established.length, 1);
    assert.equal(r.text(), 'kid ' + toHex(x.established[0].recipientId));
    const edhoc = x.w.sent.filter((s) => wellKnown(s.message));
    assert.equal(edhoc.length, 2); // message_1, message_3 (responses carry no Uri-Path)
    const [m1, m3] = edhoc.map((s) => s.message);
    assert.equal(m1.code, Code.POST);
    assert.equal(m1.payload[0], 0xf5); // CBOR true (A.2.1)
    assert.equal(getUintOption(m1, Option.CONTENT_FORMAT), CF_CID_EDHOC_CBOR_SEQ);
    assert.equal(toHex(m3.payload.subarray(0, 1)), toHex(x.established[0].recipientId)); // C_R as a one-byte CBOR int
    const m2 = x.w.sent.find((s) => s.from === 'srv:5683' && s.message.code === Code.CHANGED && getUintOption(s.message, Option.CONTENT_FORMAT) === CF_EDHOC_CBOR_SEQ);
    assert.ok(m2, 'message_2 as 2.04 with Content-Format 64');
    const protectedRequests = x.w.sent.filter((s) => hasOption(s.message, Option.OSCORE) && s.to === 'srv:5683');
    assert.equal(protectedRequests.length, 1);
    assert.ok(!hasOption(protectedRequests[0].message, Option.EDHOC));
    // A second request reuses the context: no new handshake.
    assert.equal((await get(x.w, x.cli, 'coap://srv/temp')).codeString, '2.05');
    assert.equal(x.w.sent.filter((s) => wellKnown(s.message)).length, 2);
  });

  it('combined request: message_3 in front of the first OSCORE request with the EDHOC option, only once', async () => {
    const x = world({ combined: true });
    assert.equal((await get(x.w, x.cli, 'coap://srv/temp')).codeString, '2.05');
    assert.equal((await get(x.w, x.cli, 'coap://srv/temp')).codeString, '2.05');
    assert.equal(x.w.sent.filter((s) => wellKnown(s.message)).length, 1); // message_1 only
    const prot = x.w.sent.filter((s) => hasOption(s.message, Option.OSCORE) && s.to === 'srv:5683').map((s) => s.message);
    assert.equal(prot.length, 2);
    assert.ok(hasOption(prot[0], Option.EDHOC));
    assert.equal(getOption(prot[0], Option.EDHOC)!.length, 0);
    assert.ok(!hasOption(prot[1], Option.EDHOC));
    assert.equal(x.established.length, 1);
  });

  it('the server refuses an untrusted Initiator with an EDHOC error (4.00, format 64); no context', async () => {
    const x = world({ trustClient: false, combined: false });
    await assert.rejects(get(x.w, x.cli, 'coap://srv/temp'), (e: Error) => e instanceof EdhocHandshakeError && e.coapCode === Code.BAD_REQUEST);
    assert.equal(x.established.length, 0);
    const err = x.w.sent.filter((s) => s.from === 'srv:5683' && s.message.code === Code.BAD_REQUEST);
    assert.equal(err.length, 1);
    assert.equal(getUintOption(err[0].message, Option.CONTENT_FORMAT), CF_EDHOC_CBOR_SEQ);
  });

  it('combined: an untrusted Initiator gets the EDHOC error instead of the OSCORE response; the resource never runs', async () => {
    const x = world({ trustClient: false, combined: true });
    const r = await get(x.w, x.cli, 'coap://srv/temp');
    assert.equal(r.codeString, '4.00');
    assert.equal(getUintOption(r.message, Option.CONTENT_FORMAT), CF_EDHOC_CBOR_SEQ);
    assert.equal(x.established.length, 0);
  });

  it('bounds: handshakes per peer address and in total are limited (5.03 + Max-Age, no work done); the deadline frees slots', async () => {
    const x = world({ limits: { maxHandshakes: 3, maxHandshakesPerPeer: 2, handshakeTimeoutMs: 10_000, echoThreshold: Infinity } });
    const creds = edhocTestCredentials(x.w.rng);
    const m1 = () => message1Payload(new EdhocInitiator({ method: 3, suites: [2], own: creds.client, connectionId: new Uint8Array([5]), trust: () => undefined, crypto: creds.crypto, random: x.w.rng }).message1());
    const a = x.w.endpoint('a');
    const b = x.w.endpoint('b');
    assert.equal((await rawEdhoc(x, a, m1())).codeString, '2.04');
    assert.equal((await rawEdhoc(x, a, m1())).codeString, '2.04');
    const third = await rawEdhoc(x, a, m1());
    assert.equal(third.codeString, '5.03'); // per peer
    assert.ok(getUintOption(third.message, Option.MAX_AGE)! >= 1);
    assert.equal((await rawEdhoc(x, b, m1())).codeString, '2.04');
    assert.equal((await rawEdhoc(x, x.w.endpoint('c'), m1())).codeString, '5.03'); // in total
    assert.equal(x.service.handshakes, 3);
    await x.w.clock.advanceAsync(10_001);
    assert.equal((await rawEdhoc(x, a, m1())).codeString, '2.04'); // expired sessions freed
    assert.equal(x.service.handshakes, 1);
  });

  it('bounds: a failed handshake keeps its slot until the deadline (no cheap restart loop)', async () => {
    const x = world({ limits: { maxHandshakesPerPeer: 1, handshakeTimeoutMs: 10_000, echoThreshold: Infinity } });
    const creds = edhocTestCredentials(x.w.rng);
    const a = x.w.endpoint('a');
    const init = new EdhocInitiator({ method: 3, suites: [2], own: creds.client, connectionId: new Uint8Array([5]), trust: creds.trustServer, crypto: creds.crypto, random: x.w.rng });
    const r2 = await rawEdhoc(x, a, message1Payload(init.message1()));
    assert.equal(r2.codeString, '2.04');
    const cR = x.w.sent.filter((s) => s.from === 'srv:5683' && s.message.code === Code.CHANGED).length;
    assert.equal(cR, 1);
    // A tampered message_3 for the session: EDHOC error, and the slot stays taken.
    const id = [...x.service['sessions'].values()][0].cR as Uint8Array;
    const bad = await rawEdhoc(x, a, new Uint8Array([...id, 0x42, 0xde, 0xad]));
    assert.equal(bad.codeString, '4.00');
    assert.equal(getUintOption(bad.message, Option.CONTENT_FORMAT), CF_EDHOC_CBOR_SEQ);
    assert.equal(x.established.length, 0);
    const again = new EdhocInitiator({ method: 3, suites: [2], own: creds.client, connectionId: new Uint8Array([6]), trust: creds.trustServer, crypto: creds.crypto, random: x.w.rng });
    assert.equal((await rawEdhoc(x, a, message1Payload(again.message1()))).codeString, '5.03');
    // The same message_3 again does not reach the core a second time: the session is finished.
    assert.equal((await rawEdhoc(x, a, new Uint8Array([...id, 0x42, 0xde, 0xad]))).codeString, '4.00');
  });

  it('Echo first: from the threshold on, message_1 without a fresh Echo gets 4.01 + Echo; the client repeats it', async () => {
    const x = world({ echo: true, limits: { echoThreshold: 0 } });
    const r = await get(x.w, x.cli, 'coap://srv/temp');
    assert.equal(r.codeString, '2.05');
    const m1s = x.w.sent.filter((s) => wellKnown(s.message));
    assert.equal(m1s.length, 2);
    assert.ok(!hasOption(m1s[0].message, Option.ECHO));
    assert.ok(hasOption(m1s[1].message, Option.ECHO));
    assert.ok(x.lines.some((l) => /Echo/.test(l)));
    // A spoofed message_1 with a made-up Echo is challenged again; nothing is kept.
    const before = x.service.handshakes;
    const z = await rawEdhoc(x, x.w.endpoint('z'), message1Payload(new Uint8Array([3, 2, 0x40])), new Uint8Array(8));
    assert.equal(z.codeString, '4.01');
    assert.equal(x.service.handshakes, before);
  });

  it('malformed input gets an EDHOC error or 4.00, never an exception, and leaves established contexts alone', async () => {
    const x = world();
    assert.equal((await get(x.w, x.cli, 'coap://srv/temp')).codeString, '2.05');
    const ctx = x.established[0];
    const seq = ctx.sequence.next;
    const e = x.w.endpoint('evil');
    const inputs = [new Uint8Array(0), new Uint8Array([0xf5]), new Uint8Array([0xf5, 0xff, 0xff]), new Uint8Array([0xf5, 0x03, 0x82]), new Uint8Array([0x18, 0x18, 0x40]), new Uint8Array([0x5f]), new Uint8Array([ctx.recipientId[0], 0x41, 0x00]), new Uint8Array([0xa1, 0x01])];
    for (const p of inputs) {
      const r = await rawEdhoc(x, e, p);
      assert.equal(r.codeString, '4.00', 'payload ' + toHex(p));
      assert.equal(getUintOption(r.message, Option.CONTENT_FORMAT), CF_EDHOC_CBOR_SEQ);
    }
    // "Combined requests" with garbage: for a C_R without a handshake an EDHOC error (no OSCORE
    // processing); for the established context's kid the OSCORE layer refuses the forged part. Nothing changes.
    const forge = (kid: number) => {
      const m = createMessage({ code: Code.POST, payload: new Uint8Array([0x41, 0x00, 0x99, 0x98]) });
      m.options.push({ number: Option.OSCORE, value: new Uint8Array([0x09, 0x07, kid]) }, { number: Option.EDHOC, value: new Uint8Array(0) });
      return drive(x.w.clock, new Promise<{ code: number; cf?: number }>((resolve) => { (e as Endpoint).transport.send({ message: m, peer: { address: 'srv', port: 5683 }, confirmable: true }, { response: (r) => resolve({ code: r.code, cf: getUintOption(r, Option.CONTENT_FORMAT) }), error: () => resolve({ code: -1 }) }); }));
    };
    const unknown = await forge(ctx.recipientId[0] === 0x10 ? 0x11 : 0x10);
    assert.equal(unknown.code, Code.BAD_REQUEST);
    assert.equal(unknown.cf, CF_EDHOC_CBOR_SEQ);
    const known = await forge(ctx.recipientId[0]);
    assert.ok(known.code >> 5 === 4, 'refused: ' + known.code);
    assert.equal(x.established.length, 1);
    assert.equal(ctx.sequence.next, seq);
    assert.equal((await get(x.w, x.cli, 'coap://srv/temp')).codeString, '2.05');
  });

  it('a server that lost the context says so; the client forgets it and runs a new handshake', async () => {
    const x = world();
    assert.equal((await get(x.w, x.cli, 'coap://srv/temp')).codeString, '2.05');
    x.service['established'].clear();
    const lost = await get(x.w, x.cli, 'coap://srv/temp');
    assert.equal(lost.codeString, '4.01');
    assert.equal((await get(x.w, x.cli, 'coap://srv/temp')).codeString, '2.05');
    assert.equal(x.established.length, 2);
  });

  it('cipher suite negotiation (RFC 9528 §6.3): error code 2 with SUITES_R as 4.00, the client starts over with a suite the server has', async () => {
    const x = world({ clientSuites: [3, 2], serverSuites: [2], combined: false });
    const r = await get(x.w, x.cli, 'coap://srv/temp');
    assert.equal(r.codeString, '2.05');
    const m1s = x.w.sent.filter((s) => wellKnown(s.message) && s.message.payload[0] === 0xf5).map((s) => s.message.payload);
    assert.equal(m1s.length, 2);
    assert.equal(toHex(m1s[0].subarray(1, 3)), '0303'); // METHOD 3, SUITES_I 3
    assert.equal(toHex(m1s[1].subarray(1, 5)), '03820302'); // METHOD 3, SUITES_I [3, 2]
    const err = x.w.sent.find((s) => s.from === 'srv:5683' && s.message.code === Code.BAD_REQUEST)!;
    assert.equal(toHex(err.message.payload), '0202'); // ERR_CODE 2, SUITES_R 2
    assert.equal(getUintOption(err.message, Option.CONTENT_FORMAT), CF_EDHOC_CBOR_SEQ);
    assert.ok(x.lines.some((l) => /another cipher suite/.test(l)));
  });

  it('a server without a common suite: the handshake fails with the EDHOC error, nothing is sent unprotected', async () => {
    const x = world({ clientSuites: [2], serverSuites: [3], combined: false });
    await assert.rejects(get(x.w, x.cli, 'coap://srv/temp'), (e: Error) => e instanceof EdhocHandshakeError && e.edhocErrorCode === 2);
    assert.equal(x.w.sent.filter((s) => s.to === 'srv:5683' && !wellKnown(s.message)).length, 0);
  });

  it('a flood of message_1 from many (spoofed) addresses: at most echoThreshold handshakes get work, the rest a cheap 4.01 + Echo; a real client still gets through', async () => {
    const x = world({ echo: true, limits: { echoThreshold: 4, maxHandshakes: 8 } });
    const creds = edhocTestCredentials(x.w.rng);
    // One message_1 replayed from 40 addresses that never answer an Echo (no Echo layer: a spoofer cannot see the 4.01).
    const m1 = message1Payload(new EdhocInitiator({ method: 3, suites: [2], own: creds.client, connectionId: new Uint8Array([5]), trust: () => undefined, crypto: creds.crypto, random: x.w.rng }).message1());
    const codes: string[] = [];
    for (let i = 0; i < 40; i++) codes.push((await rawEdhoc(x, x.w.endpoint('spoof' + i, 5683, { echo: false }), m1)).codeString);
    const message2s = x.w.sent.filter((s) => s.from === 'srv:5683' && s.message.code === Code.CHANGED).length;
    assert.equal(message2s, 4); // the core ran for the first 4 only
    assert.equal(codes.filter((c) => c === '4.01').length, 36);
    assert.equal(x.service.handshakes, 4);
    // A client that answers the Echo completes its handshake and is served.
    assert.equal((await get(x.w, x.cli, 'coap://srv/temp')).codeString, '2.05');
    assert.equal(x.established.length, 1);
  });

  it('combined request repeated after its answer was lost: the handshake is not redone, the OSCORE part is served (and a replay of it refused)', async () => {
    const x = world({ combined: true });
    assert.equal((await get(x.w, x.cli, 'coap://srv/temp')).codeString, '2.05');
    const first = x.w.sent.find((s) => s.to === 'srv:5683' && hasOption(s.message, Option.EDHOC))!.message;
    // The same message_3 with a newly protected request: as our client sends it when the first answer never came.
    const fresh = x.w.sent.filter((s) => s.to === 'srv:5683' && hasOption(s.message, Option.OSCORE)).length;
    const raw = x.w.endpoint('cli2');
    const replay = await drive(x.w.clock, new Promise<number>((resolve) => { raw.transport.send({ message: { ...first, messageId: 0, token: new Uint8Array([9]) }, peer: { address: 'srv', port: 5683 }, confirmable: true }, { response: (m) => resolve(m.code), error: () => resolve(-1) }); }));
    assert.equal(replay, Code.UNAUTHORIZED); // the OSCORE request inside is a replay: refused by the replay window, not by EDHOC
    assert.equal(x.established.length, 1);
    assert.ok(fresh >= 1);
  });
});
