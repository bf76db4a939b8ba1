/**
 * Hostile peers, authenticity and matching (RFC 8613 §8.2/§8.4, RFC 7252 §5.3.2, §4.2), over the
 * simulated network: responses to requests never sent, a forged OSCORE response with a valid kid
 * but the wrong key, a forged request the same way (state unchanged), token collisions across
 * peers, and the size of what an unauthenticated attacker can make the server send (amplification).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { oscoreServer, rawPeer, world } from './fuzz/hostile-world.js';
import { contextPair, contextState, params, plainRequest } from './fuzz/oscore-world.js';
import { decodeMessage, encodeMessage } from '../src/coap/codec.js';
import { createMessage, getOption } from '../src/coap/message.js';
import { Code, MessageType } from '../src/coap/numbers.js';
import { Option } from '../src/coap/option-registry.js';
import { SecurityContext } from '../src/oscore/context.js';
import { protectRequest, protectResponse, type RequestBinding } from '../src/oscore/protect.js';
import { decodeOscoreOption } from '../src/oscore/option.js';
import { aeadNonce } from '../src/oscore/nonce.js';
import { aeadAad } from '../src/oscore/aad.js';
import { oscoreLayer } from '../src/coap/oscore-layer.js';
import { ProtectionInvalid } from '../src/errors.js';
import { fromHex, utf8Decode, utf8Encode } from '../src/bytes.js';
import { drive } from './coap-support.js';
import type { EndpointOptions } from '../src/coap/endpoint.js';

describe('hostile peers: forgery and matching', () => {
  it('responses to requests never sent are reset or ignored; a pending request still gets its real answer', async () => {
    const w = world();
    const { client, server } = contextPair('01', '');
    const S = oscoreServer(w, [server]);
    const cli = w.endpoint('cli', 5683, { oscore: oscoreLayer({ contextFor: () => client }) });
    const attacker = rawPeer(w, 'attacker');
    const pending = cli.request({ uri: 'coap://srv/r', method: 'POST', payload: 'real' });
    let resets = 0;
    for (let i = 0; i < 200; i++) {
      const type = [MessageType.CON, MessageType.NON, MessageType.ACK][i % 3];
      const m = createMessage({ type, code: i % 2 ? Code.CONTENT : Code.CHANGED, messageId: i, token: utf8Encode('tok' + (i % 7)), payload: utf8Encode('forged') });
      if (i % 4 === 0) m.options.push({ number: Option.OSCORE, value: fromHex('0901') });
      attacker.port.send(encodeMessage(m), 'cli', 5683);
    }
    await w.clock.advanceAsync(20);
    resets = attacker.got.filter((m) => m.type === MessageType.RST).length;
    assert.ok(resets >= 60, 'unexpected CON responses get RST (§5.3.2): ' + resets);
    const res = await drive(w.clock, pending);
    assert.equal(res.codeString, '2.04');
    assert.equal(res.text(), 'ok');
    assert.deepEqual(S.calls, ['real']);
  });

  it('a forged response with the right token and a valid kid but the wrong key is rejected (ProtectionInvalid)', async () => {
    const w = world();
    const { client } = contextPair('01', '');
    // The attacker knows the IDs (they are on the wire), not the master secret.
    const p = params('01', '');
    const forger = new SecurityContext({ ...p.server, masterSecret: utf8Encode('not the secret!!') });
    const cli = w.endpoint('cli', 5683, { oscore: oscoreLayer({ contextFor: () => client }) });
    const attacker = rawPeer(w, 'srv', 5683); // on-path: answers in the server's name
    const pending = cli.request({ uri: 'coap://srv/r' });
    pending.catch(() => {});
    await w.clock.advanceAsync(5);
    const req = attacker.got.find((m) => m.code === Code.POST || m.code === Code.FETCH)!;
    const o = decodeOscoreOption(getOption(req, Option.OSCORE)!);
    const binding: RequestBinding = { context: forger, kid: o.kid!, piv: o.partialIv!, seq: 0, nonce: aeadNonce(forger.commonIv, o.kid!, o.partialIv!), aad: aeadAad(10, o.kid!, o.partialIv!), observe: false, notificationNumber: undefined };
    const forged = protectResponse(createMessage({ code: Code.CONTENT, payload: utf8Encode('attacker data') }), binding);
    attacker.port.send(encodeMessage({ ...forged, type: MessageType.ACK, messageId: req.messageId, token: req.token }), 'cli', 5683);
    await assert.rejects(drive(w.clock, pending), (e: unknown) => e instanceof ProtectionInvalid);
  });

  it('a forged request with a valid kid but the wrong key gets 4.00, runs nothing, changes nothing', async () => {
    const w = world();
    const { server } = contextPair('01', '');
    const p = params('01', '');
    const forger = new SecurityContext({ ...p.client, masterSecret: utf8Encode('not the secret!!') });
    const S = oscoreServer(w, [server]);
    const attacker = rawPeer(w, 'attacker');
    const before = contextState(server);
    for (let i = 0; i < 50; i++) attacker.port.send(encodeMessage({ ...protectRequest(forger, plainRequest('r', { payload: 'evil' })).message, messageId: i }), 'srv', 5683);
    await w.clock.advanceAsync(20);
    assert.equal(S.calls.length, 0);
    assert.equal(contextState(server), before);
    const answers = attacker.got.filter((m) => m.code !== 0);
    assert.equal(answers.length, 50);
    for (const a of answers) assert.equal(a.code, Code.BAD_REQUEST), assert.equal(utf8Decode(a.payload), 'Decryption failed');
  });

  it('token collisions: the same token from two peers, and a colliding response from a third, never cross', async () => {
    const w = world();
    const srv = w.endpoint('srv');
    srv.resource('/who', { GET: (req) => ({ payload: req.peer.address }) });
    const a = w.endpoint('a');
    const b = w.endpoint('b');
    const token = fromHex('0102030405060708');
    const got: string[] = [];
    const sink = (who: string) => ({ response: (m: { payload: Uint8Array }) => got.push(who + '<-' + utf8Decode(m.payload)), error: () => got.push(who + ' error') });
    a.transport.send({ ...a.buildRequest({ uri: 'coap://srv/who' }), token }, sink('a'));
    b.transport.send({ ...b.buildRequest({ uri: 'coap://srv/who' }), token }, sink('b'));
    // A third peer answers a's token first: messaging matches on (peer, token), so it is reset.
    const attacker = rawPeer(w, 'attacker');
    attacker.port.send(encodeMessage(createMessage({ type: MessageType.CON, code: Code.CONTENT, messageId: 9, token, payload: utf8Encode('attacker') })), 'a', 5683);
    await w.clock.advanceAsync(50);
    assert.deepEqual(got.sort(), ['a<-a', 'b<-b']);
    assert.equal(attacker.got[0]?.type, MessageType.RST);
    // The same token twice to the same peer is refused locally instead of being mixed up.
    let refused = false;
    a.transport.send({ ...a.buildRequest({ uri: 'coap://srv/who' }), token }, { response: () => {}, error: () => {} });
    a.transport.send({ ...a.buildRequest({ uri: 'coap://srv/who' }), token }, { response: () => {}, error: () => (refused = true) });
    await w.clock.advanceAsync(1);
    assert.equal(refused, true);
  });
});

describe('hostile peers: amplification (RFC 9175 §2.4)', () => {
  /** Spoof `n` small requests in the victim's name; return bytes the victim received / bytes sent. */
  async function spoof(extra: Partial<EndpointOptions>, build: (i: number) => Uint8Array, n = 20) {
    const w = world();
    const { server } = contextPair('01', '');
    oscoreServer(w, [server], 5683, extra);
    const victim = rawPeer(w, 'victim', 5683);
    let sent = 0;
    for (let i = 0; i < n; i++) {
      const d = build(i);
      sent += d.length;
      victim.port.send(d, 'srv', 5683);
    }
    await w.clock.advanceAsync(3000);
    const received = victim.bytes.reduce((s, d) => s + d.length, 0);
    return { sent, received, ratio: received / sent, largest: Math.max(...victim.bytes.map((d) => d.length)) };
  }
  const get = (path: string, i: number) => encodeMessage(createMessage({ type: MessageType.CON, code: Code.GET, messageId: i, token: new Uint8Array([i]), options: [{ number: Option.URI_PATH, value: utf8Encode(path) }] }));

  it('by default (an endpoint with an OSCORE layer, no echo options): a spoofed small GET of a large resource gets at most 3× its size', async (t) => {
    // 9-byte GETs: even a 16-byte Block2 block does not fit 27 bytes, so the answer is 4.01 + Echo.
    const r = await spoof({}, (i) => get('big', i));
    assert.ok(r.ratio <= 3, JSON.stringify(r));
    // Longer requests (a longer path, an 8-byte token, like real clients) get a small Block2 block.
    const long = (i: number) => encodeMessage(createMessage({ type: MessageType.CON, code: Code.GET, messageId: i, token: new Uint8Array(8).fill(i), options: [{ number: Option.URI_PATH, value: utf8Encode('big') }, { number: Option.URI_QUERY, value: utf8Encode('v=' + i) }] }));
    const blocks = await spoof({}, long);
    assert.ok(blocks.ratio <= 3, JSON.stringify(blocks));
    const strict = await spoof({ echo: { smallBlocks: false } }, long);
    assert.ok(strict.ratio <= 3, JSON.stringify(strict));
    // Explicit opt-out: the same request draws the whole representation.
    const off = await spoof({ echo: { amplificationFactor: 0 } }, (i) => get('big', i));
    assert.ok(off.ratio > 20, JSON.stringify(off));
    t.diagnostic(
      'amplification, spoofed GET of a 900-byte resource: ' + r.ratio.toFixed(2) + '× (9-byte GET, 4.01 + Echo), ' + blocks.ratio.toFixed(2) + '× (' + blocks.sent / 20 + '-byte GET, small Block2) by default, ' +
        strict.ratio.toFixed(2) + '× with smallBlocks: false, ' + off.ratio.toFixed(1) + '× opted out (amplificationFactor: 0)',
    );
  });
  it('by default the answer to a spoofed GET carries a small Block2 block or an Echo, never the representation', async () => {
    const w = world();
    const { server } = contextPair('01', '');
    oscoreServer(w, [server]);
    const victim = rawPeer(w, 'victim', 5683);
    const m = createMessage({ type: MessageType.CON, code: Code.GET, messageId: 1, token: new Uint8Array(8).fill(7), options: [{ number: Option.URI_PATH, value: utf8Encode('big') }, { number: Option.URI_QUERY, value: utf8Encode('lang=en') }] });
    const sent = encodeMessage(m);
    victim.port.send(sent, 'srv', 5683);
    await w.clock.advanceAsync(100);
    const got = victim.got.find((x) => x.code !== Code.EMPTY)!;
    assert.equal(got.code, Code.CONTENT);
    const b2 = getOption(got, Option.BLOCK2);
    assert.ok(b2 !== undefined && (b2[b2.length - 1] & 8) !== 0, 'Block2 with more blocks');
    assert.ok(got.payload.length >= 16 && got.payload.length < 900);
    assert.ok(victim.bytes.every((d) => d.length <= 3 * sent.length));
  });

  it('OSCORE error answers to spoofed protected requests (unknown kid, bad tag) stay within 3× the request', async (t) => {
    const { client } = contextPair('01', '');
    const unknownKid = new SecurityContext({ ...params('07', '').client });
    for (const ctx of [client, unknownKid]) {
      const r = await spoof({}, (i) => {
        const m = protectRequest(ctx, createMessage({ code: Code.GET, options: [{ number: Option.URI_PATH, value: utf8Encode('r') }] })).message;
        m.payload[0] ^= ctx === client ? 1 : 0; // bad tag for the known kid
        return encodeMessage({ ...m, type: MessageType.CON, messageId: i, token: new Uint8Array([i]) });
      });
      assert.ok(r.ratio <= 3, JSON.stringify(r));
      t.diagnostic('amplification, spoofed protected request (' + (ctx === client ? 'bad tag' : 'unknown kid') + '): ' + r.ratio.toFixed(2) + '×');
    }
  });

  it('malformed datagrams draw at most a 4-byte RST', async () => {
    const r = await spoof({}, (i) => new Uint8Array([0x40, 0x01, 0, i, 0xf0, 1, 2, 3]));
    assert.equal(r.largest, 4);
  });
});
