import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { simWorld, drive } from './coap-support.js';
import { oscoreLayer } from '../src/coap/oscore-layer.js';
import { SecurityContext, MemoryContextStore, contextLookup } from '../src/oscore/index.js';
import { decodeMessage, encodeMessage } from '../src/coap/codec.js';
import { createMessage, getOption, hasOption } from '../src/coap/message.js';
import { MessageType, Code } from '../src/coap/numbers.js';
import { Option } from '../src/coap/option-registry.js';
import { fromHex, toHex, utf8Encode, utf8Decode } from '../src/bytes.js';
import { BadOptionError, NotAProtectedMessage, TimeoutError } from '../src/errors.js';
import type { Endpoint } from '../src/coap/endpoint.js';
import type { Response } from '../src/coap/response.js';
import { decodeOscoreOption } from '../src/oscore/index.js';

// RFC 8613 Appendix C.1 parameters (client Sender ID empty, server Sender ID 0x01).
const SECRET = fromHex('0102030405060708090a0b0c0d0e0f10');
const SALT = fromHex('9e7ca92223786340');
const clientContext = () => new SecurityContext({ masterSecret: SECRET, masterSalt: SALT, senderId: new Uint8Array(0), recipientId: fromHex('01') });
const serverContext = (store?: MemoryContextStore) => new SecurityContext({ masterSecret: SECRET, masterSalt: SALT, senderId: fromHex('01'), recipientId: new Uint8Array(0) }, { store });

function pair(opts: { serverStore?: MemoryContextStore; net?: Parameters<typeof simWorld>[0]; seed?: number } = {}) {
  const w = simWorld(opts.net ?? {}, opts.seed ?? 7);
  const sctx = serverContext(opts.serverStore);
  const cctx = clientContext();
  const srv = w.endpoint('srv', 5683, { oscore: oscoreLayer({ lookup: contextLookup([sctx]), clock: w.clock, random: w.rng }) });
  // The client picks its context by URI pattern (as the CLI maps aiocoap credentials).
  const cli = w.endpoint('cli', 5683, { oscore: oscoreLayer({ contextFor: (r) => (r.uri?.startsWith('coap://srv/') ? cctx : undefined) }) });
  const calls: string[] = [];
  srv.resource('/secret', { GET: (req) => { calls.push('secret'); return { payload: 'kid=' + toHex(req.oscore!.recipientId) + ' ' + req.text() }; }, POST: (req) => { calls.push('post:' + req.text()); return { code: Code.CHANGED, payload: 'got ' + req.text() }; } }, { requireOscore: true });
  srv.resource('/open', { GET: (req) => ({ payload: req.oscore ? 'protected' : 'plain' }) });
  return { w, srv, cli, sctx, cctx, calls };
}

const go = (w: ReturnType<typeof simWorld>, cli: Endpoint, init: Parameters<Endpoint['request']>[0]) => drive(w.clock, cli.request(init));

describe('coap + OSCORE over the simulated network', () => {
  it('a protected GET reaches a requireOscore resource; on the wire only POST + OSCORE option + ciphertext', async () => {
    const { w, cli, calls } = pair();
    const r = await go(w, cli, { uri: 'coap://srv/secret' });
    assert.equal(r.codeString, '2.05');
    assert.equal(r.text(), 'kid= ');
    assert.deepEqual(calls, ['secret']);
    const [req, res] = w.sent.map((s) => s.message);
    assert.equal(req.code, Code.POST); // §4.2: outer code of a protected GET
    assert.deepEqual(req.options.map((o) => o.number), [Option.URI_HOST, Option.OSCORE]); // Uri-Host is class U, Uri-Path inner (class E)
    assert.equal(toHex(getOption(req, Option.OSCORE)!), '0900'); // flags: Partial IV 1 byte, kid present (empty); PIV 0
    assert.equal(res.code, Code.CHANGED); // §4.2: outer code of a protected 2.05
    assert.ok(!utf8Decode(res.payload).includes('kid='));
  });

  it('an unprotected request to a requireOscore resource gets 4.01; other resources still answer plain requests', async () => {
    const w2 = pair();
    const raw = w2.w.endpoint('other'); // no OSCORE layer at all
    const r = await go(w2.w, raw, { uri: 'coap://srv/secret' });
    assert.equal(r.codeString, '4.01');
    assert.equal(r.text(), 'OSCORE required');
    assert.deepEqual(w2.calls, []);
    assert.equal((await go(w2.w, raw, { uri: 'coap://srv/open' })).text(), 'plain');
    assert.equal((await go(w2.w, w2.cli, { uri: 'coap://srv/open' })).text(), 'protected');
  });

  it('a replayed protected request (new message ID) is rejected with 4.01 "Replay detected" and changes nothing', async () => {
    const { w, cli, sctx, calls } = pair();
    await go(w, cli, { uri: 'coap://srv/secret', method: 'POST', payload: 'pay 10' });
    const captured = w.sent[0].message;
    const before = JSON.stringify({ w: sctx.replayWindow.snapshot(), s: sctx.sequence.next });
    const attacker = w.network.port('attacker', 9);
    const got: ReturnType<typeof decodeMessage>[] = [];
    attacker.onReceive((d) => got.push(decodeMessage(d)));
    attacker.send(encodeMessage({ ...captured, messageId: (captured.messageId + 1000) & 0xffff }), 'srv', 5683);
    await w.clock.advanceAsync(10);
    assert.equal(got.length, 1);
    assert.equal(got[0].code, Code.UNAUTHORIZED);
    assert.equal(utf8Decode(got[0].payload), 'Replay detected');
    assert.equal(getOption(got[0], Option.MAX_AGE)!.length, 0); // Max-Age 0
    assert.ok(!hasOption(got[0], Option.OSCORE));
    assert.deepEqual(calls, ['post:pay 10']);
    assert.equal(JSON.stringify({ w: sctx.replayWindow.snapshot(), s: sctx.sequence.next }), before);
  });

  it('a retransmitted CON (same message ID) is answered from the cache: no replay error, handler runs once', async () => {
    const { w, cli, srv, calls } = pair();
    // The request arrives, the server's piggybacked response is lost: the client retransmits the
    // same datagram, which the server must answer from its cache, not by unprotecting it again.
    const p = cli.request({ uri: 'coap://srv/secret', method: 'POST', payload: 'once' });
    w.network.configure({ loss: 1 });
    await w.clock.advanceAsync(1);
    w.network.configure({ loss: 0 });
    const r = await drive(w.clock, p);
    assert.equal(r.text(), 'got once');
    assert.deepEqual(calls, ['post:once']);
    assert.equal(cli.messaging.stats.retransmissions, 1);
    assert.equal(srv.messaging.stats.duplicates, 1);
  });

  it('§8.2 errors: unknown kid → 4.01 "Security context not found"; tampered ciphertext → 4.00 "Decryption failed"; state unchanged', async () => {
    const { w, cli, sctx, calls } = pair();
    await go(w, cli, { uri: 'coap://srv/secret' });
    const captured = w.sent[0].message;
    const before = JSON.stringify(sctx.replayWindow.snapshot());
    const attacker = w.network.port('attacker', 9);
    const got: ReturnType<typeof decodeMessage>[] = [];
    attacker.onReceive((d) => got.push(decodeMessage(d)));
    // unknown kid 0x42, same everything else
    const badKid = { ...captured, messageId: 1, options: [{ number: Option.OSCORE, value: fromHex('090142') }] };
    attacker.send(encodeMessage(badKid), 'srv', 5683);
    const payload = captured.payload.slice();
    payload[payload.length - 1] ^= 1;
    attacker.send(encodeMessage({ ...captured, messageId: 2, options: [{ number: Option.OSCORE, value: fromHex('0901') }], payload }), 'srv', 5683);
    await w.clock.advanceAsync(10);
    assert.deepEqual(got.map((m) => [m.code, utf8Decode(m.payload)]), [[Code.UNAUTHORIZED, 'Security context not found'], [Code.BAD_REQUEST, 'Decryption failed']]);
    assert.deepEqual(calls, ['secret']);
    assert.equal(JSON.stringify(sctx.replayWindow.snapshot()), before);
  });

  it('App. B.1.2: after an unclean stop the server answers a protected 4.01 + Echo with its own Partial IV; the client repeats once and succeeds', async () => {
    const store = new MemoryContextStore({ reserveStep: 10 });
    const first = serverContext(store);
    first.sequence.take();
    store.crash(); // window now unknown
    const { w, cli, calls, sctx } = pair({ serverStore: store });
    assert.ok(sctx.replayWindow.isUnknown);
    const r = await go(w, cli, { uri: 'coap://srv/secret', method: 'POST', payload: 'after reboot' });
    assert.equal(r.codeString, '2.04');
    assert.equal(r.text(), 'got after reboot');
    assert.deepEqual(calls, ['post:after reboot']); // the unverified first request never reached the resource
    const msgs = w.sent.map((s) => s.message);
    assert.equal(msgs.length, 4);
    assert.equal(msgs[1].code, Code.CHANGED); // outer code of any protected response (§4.2); inner 4.01 + Echo
    const challengeOption = getOption(msgs[1], Option.OSCORE)!;
    assert.ok(challengeOption.length >= 2 && (challengeOption[0] & 7) > 0, 'the 4.01 carries a Partial IV: ' + toHex(challengeOption));
    assert.notDeepEqual(getOption(msgs[2], Option.OSCORE), getOption(msgs[0], Option.OSCORE)); // a new sequence number
    assert.ok(!sctx.replayWindow.isUnknown);
    // The same request replayed now is a plain replay.
    const attacker = w.network.port('attacker', 9);
    const got: ReturnType<typeof decodeMessage>[] = [];
    attacker.onReceive((d) => got.push(decodeMessage(d)));
    attacker.send(encodeMessage({ ...msgs[2], messageId: 4242 }), 'srv', 5683);
    await w.clock.advanceAsync(10);
    assert.equal(utf8Decode(got[0].payload), 'Replay detected');
    assert.equal(calls.length, 1);
  });

  it('an unprotected 2.05 answering an OSCORE request is refused (NotAProtectedMessage); unprotected errors pass', async () => {
    const w = simWorld();
    const cctx = clientContext();
    const cli = w.endpoint('cli', 5683, { oscore: oscoreLayer({ contextFor: () => cctx }) });
    const fake = w.network.port('srv', 5683);
    let answer: number = Code.CONTENT;
    fake.onReceive((d, a, p) => {
      const m = decodeMessage(d);
      fake.send(encodeMessage(createMessage({ type: MessageType.ACK, code: answer, messageId: m.messageId, token: m.token, payload: utf8Encode('forged') })), a, p);
    });
    await assert.rejects(go(w, cli, { uri: 'coap://srv/secret' }), NotAProtectedMessage);
    answer = Code.UNAUTHORIZED;
    assert.equal((await go(w, cli, { uri: 'coap://srv/secret' })).codeString, '4.01');
  });

  it('20 % loss with duplication: every protected exchange completes or times out, none is delivered twice', async () => {
    const { w, cli, calls } = pair({ net: { loss: 0.2, duplicate: 0.1, reorder: 0.3, reorderDelay: 1000, jitter: 10 }, seed: 11 });
    let ok = 0;
    let timeouts = 0;
    const run = (async () => {
      for (let i = 0; i < 30; i++) {
        try {
          const r = await cli.request({ uri: 'coap://srv/secret', method: 'POST', payload: 'n' + i });
          assert.equal(r.text(), 'got n' + i);
          ok++;
        } catch (e) {
          assert.ok(e instanceof TimeoutError, String(e));
          timeouts++;
        }
      }
    })();
    await drive(w.clock, run, 50, 10_000_000);
    assert.equal(ok + timeouts, 30);
    assert.ok(ok >= 25);
    const seen = new Set(calls);
    assert.equal(seen.size, calls.length, 'no request delivered twice');
  });

  it('Observe inside OSCORE: protected notifications each with their own increasing Partial IV; inner Block-wise for a large body', async () => {
    const { w, srv, cli } = pair();
    let value = 0;
    srv.resource('/obs', { GET: () => ({ payload: 'v' + value }) }, { requireOscore: true, observable: true });
    const big = new Uint8Array(3000).map((_, i) => i & 0xff);
    srv.resource('/big', { GET: () => ({ payload: big }) }, { requireOscore: true });
    const stream = cli.observe({ uri: 'coap://srv/obs' });
    assert.equal(((await drive(w.clock, stream.next())).value as Response).text(), 'v0');
    const got: string[] = [];
    for (value = 1; value <= 3; value++) {
      assert.equal(srv.notify('/obs'), 1);
      got.push(((await drive(w.clock, stream.next())).value as Response).text());
    }
    assert.deepEqual(got, ['v1', 'v2', 'v3']);
    await stream.cancel();
    const fromSrv = w.sent.filter((s) => s.from === 'srv:5683' && s.message.code !== 0).map((s) => s.message);
    const pivs = fromSrv.map((m) => decodeOscoreOption(getOption(m, Option.OSCORE)!).partialIv);
    assert.ok(pivs.every((p) => p !== undefined), 'every notification carries a Partial IV');
    const nums = pivs.map((p) => p!.reduce((a, b) => a * 256 + b, 0));
    assert.deepEqual(nums, [...nums].sort((a, b) => a - b));
    assert.ok(fromSrv.every((m) => hasOption(m, Option.OBSERVE))); // outer Observe for the registration and notifications
    w.sent.length = 0;
    const r = await drive(w.clock, cli.request({ uri: 'coap://srv/big' }));
    assert.deepEqual(r.payload, big);
    const blocks = w.sent.filter((s) => s.from === 'srv:5683').map((s) => s.message);
    assert.ok(blocks.length >= 3);
    assert.ok(blocks.every((m) => !hasOption(m, Option.BLOCK2) && m.payload.length <= 1024 + 64), 'Block2 is inner (encrypted), blocks are small');
  });

  it('§5.4.1 inside OSCORE: an unknown critical inner option gets a protected 4.02; a response with one is refused', async () => {
    const { w, srv, cli, calls } = pair();
    const r = await go(w, cli, { uri: 'coap://srv/secret', options: [{ number: 2049, value: utf8Encode('?') }] });
    assert.equal(r.codeString, '4.02');
    assert.match(r.text(), /2049/);
    assert.deepEqual(calls, []);
    assert.deepEqual(w.sent[0].message.options.map((o) => o.number), [Option.URI_HOST, Option.OSCORE]); // the option travelled encrypted
    assert.ok(hasOption(w.sent[1].message, Option.OSCORE)); // and the 4.02 came back protected
    srv.resource('/weird', { GET: () => ({ options: [{ number: 2049, value: utf8Encode('!') }] }) });
    await assert.rejects(go(w, cli, { uri: 'coap://srv/weird' }), (e: unknown) => e instanceof BadOptionError && e.optionNumber === 2049);
  });

  it('a malformed OSCORE option gets 4.02 "Failed to decode COSE" (unprotected, Max-Age 0)', async () => {
    const { w, calls } = pair();
    const attacker = w.network.port('attacker', 9);
    const got: ReturnType<typeof decodeMessage>[] = [];
    attacker.onReceive((d) => got.push(decodeMessage(d)));
    const bogus = createMessage({ type: MessageType.CON, code: Code.POST, messageId: 3, options: [{ number: Option.OSCORE, value: fromHex('e0') }], payload: new Uint8Array(20) });
    attacker.send(encodeMessage(bogus), 'srv', 5683);
    await w.clock.advanceAsync(10);
    assert.equal(got[0].code, Code.BAD_OPTION);
    assert.equal(utf8Decode(got[0].payload), 'Failed to decode COSE');
    assert.equal(getOption(got[0], Option.MAX_AGE)!.length, 0);
    assert.deepEqual(calls, []);
  });

  it('App. B.1.2: the client repeats only once — a server that never accepts the Echo yields its 4.01, the window stays unknown', async () => {
    const store = new MemoryContextStore({ reserveStep: 10 });
    serverContext(store).sequence.take();
    store.crash();
    const w = simWorld();
    const sctx = serverContext(store);
    const cctx = clientContext();
    let issued = 0;
    const stubborn = { issue: () => (issued++, utf8Encode('echo' + issued)), verify: () => false };
    const srv = w.endpoint('srv', 5683, { oscore: oscoreLayer({ lookup: contextLookup([sctx]), echo: stubborn }) });
    let calls = 0;
    srv.resource('/x', { GET: () => (calls++, { payload: 'never' }) });
    const cli = w.endpoint('cli', 5683, { oscore: oscoreLayer({ contextFor: () => cctx }) });
    const r = await go(w, cli, { uri: 'coap://srv/x' });
    assert.equal(r.codeString, '4.01');
    assert.equal(utf8Decode(r.option(Option.ECHO)!), 'echo2');
    assert.equal(w.sent.filter((s) => s.from === 'cli:5683').length, 2);
    assert.equal(calls, 0);
    assert.ok(sctx.replayWindow.isUnknown);
  });
});
