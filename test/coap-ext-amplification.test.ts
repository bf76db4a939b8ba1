/**
 * Amplification mitigation on by default (RFC 9175 §2.4/§2.6, RFC 7252 §11.3, RFC 7959 §7.2),
 * through the endpoint on the simulated network: an unverified, unauthenticated client gets at
 * most 3× its request per datagram — large GET responses as small Block2 blocks (with a
 * preemptive Echo on block 0), unsafe-method responses as small blocks served from a kept
 * response (the handler runs once), the rest as 4.01 + Echo — while Block-wise clients without
 * Echo still get whole bodies, Echo-capable clients get full-size blocks after one extra request,
 * OSCORE-authenticated requests are not limited, and the opt-outs work.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { simWorld, drive, type Sent } from './coap-support.js';
import { createMessage, getOption, type Message } from '../src/coap/message.js';
import { decodeMessage, encodeMessage } from '../src/coap/codec.js';
import { Code, MessageType } from '../src/coap/numbers.js';
import { Option } from '../src/coap/option-registry.js';
import { readBlock, blockToString } from '../src/coap/block.js';
import { oscoreLayer } from '../src/coap/oscore-layer.js';
import { contextLookup } from '../src/oscore/unprotect.js';
import { contextPair } from './fuzz/oscore-world.js';
import { equalBytes, utf8Encode } from '../src/bytes.js';

function body(n: number, seed = 3): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 29 + seed * 7 + (i >> 5)) & 0xff;
  return b;
}
const size = (m: Message) => encodeMessage(m).length;

/** Every response from `server` to `client` paired with the request it answers (piggybacked: same message ID). */
function pairs(sent: Sent[], client: string, server: string) {
  const requests = new Map<number, Message>();
  for (const s of sent) if (s.from === client && s.to === server && s.message.code >= 1 && s.message.code <= 31) requests.set(s.message.messageId, s.message);
  const out: { request: Message; response: Message }[] = [];
  for (const s of sent) {
    if (s.from !== server || s.to !== client || s.message.type !== MessageType.ACK || s.message.code === Code.EMPTY) continue;
    const request = requests.get(s.message.messageId);
    if (request) out.push({ request, response: s.message });
  }
  return out;
}

/** A raw port on the simulated network: sends hand-made requests, records what comes back. */
function rawPeer(w: ReturnType<typeof simWorld>, address: string) {
  const p = w.network.port(address, 5683);
  const got: Message[] = [];
  p.onReceive((d) => got.push(decodeMessage(d)));
  let mid = 1;
  const get = (path: string, extra: { number: number; value: Uint8Array }[] = [], code: number = Code.GET) => {
    const m = createMessage({ type: MessageType.CON, code, messageId: mid++, token: new Uint8Array(4).fill(mid), options: [{ number: Option.URI_PATH, value: utf8Encode(path) }, ...extra] });
    p.send(encodeMessage(m), 'srv', 5683);
    return m;
  };
  return { got, get };
}

describe('coap-ext amplification mitigation by default (RFC 9175 §2.4, RFC 7959 §7.2)', () => {
  it('a Block-wise client without Echo gets the whole body; every answer is within 3× its request', async () => {
    const w = simWorld({}, 61);
    const srv = w.endpoint('srv');
    const data = body(3000);
    srv.resource('/big', { GET: () => ({ payload: data }) });
    const old = w.endpoint('old', 5683, { echo: false }); // a peer without RFC 9175, like node-coap
    const r = await drive(w.clock, old.request({ uri: 'coap://srv/big' }));
    assert.equal(r.codeString, '2.05');
    assert.ok(equalBytes(r.payload, data));
    const p = pairs(w.sent, 'old:5683', 'srv:5683');
    assert.ok(p.length > 3000 / 64, 'small blocks: ' + p.length);
    for (const { request, response } of p) assert.ok(size(response) <= 3 * size(request), size(response) + ' > 3 × ' + size(request));
    assert.ok(p.every(({ response }) => response.code === Code.CONTENT));
  });

  it('an Echo-capable client echoes the preemptive Echo, asks for block 0 again, then gets full-size blocks', async () => {
    const w = simWorld({}, 62);
    const srv = w.endpoint('srv');
    const data = body(3000);
    let renders = 0;
    srv.resource('/big', { GET: () => (renders++, { payload: data }) });
    const cli = w.endpoint('cli');
    const r = await drive(w.clock, cli.request({ uri: 'coap://srv/big' }));
    assert.ok(equalBytes(r.payload, data));
    assert.equal(r.option(Option.ECHO), undefined);
    const p = pairs(w.sent, 'cli:5683', 'srv:5683');
    const first = p[0].response;
    assert.ok(size(first) <= 3 * size(p[0].request));
    const echo = getOption(first, Option.ECHO);
    assert.ok(echo, 'preemptive Echo on the small first block');
    assert.ok(equalBytes(getOption(p[1].request, Option.ECHO)!, echo));
    assert.deepEqual(p.slice(1).map(({ request }) => blockToString(readBlock(request, Option.BLOCK2)!)), ['0/0/1024', '1/0/1024', '2/0/1024']);
    assert.equal(renders, 4);
    // Verified now: the next request is answered at full size right away.
    const before = w.sent.length;
    await drive(w.clock, cli.request({ uri: 'coap://srv/big' }));
    const next = pairs(w.sent.slice(before), 'cli:5683', 'srv:5683');
    assert.equal(next.length, 3);
    assert.equal(next[0].response.payload.length, 1024);
  });

  it('a large POST response to an unverified client goes in small blocks from a kept copy: the handler runs once', async () => {
    for (const echo of [false, undefined] as const) {
      const w = simWorld({}, 63);
      const srv = w.endpoint('srv');
      const data = body(2000, 5);
      let runs = 0;
      srv.resource('/act', { POST: () => (runs++, { code: Code.CHANGED, payload: data }) });
      const cli = w.endpoint('cli', 5683, echo === false ? { echo } : {});
      const r = await drive(w.clock, cli.request({ uri: 'coap://srv/act', method: 'POST', payload: 'go' }));
      assert.equal(r.codeString, '2.04');
      assert.ok(equalBytes(r.payload, data));
      assert.equal(runs, 1);
      const p = pairs(w.sent, 'cli:5683', 'srv:5683');
      for (const { request, response } of p) assert.ok(size(response) <= 3 * size(request));
      assert.ok(p.every(({ response }) => getOption(response, Option.ECHO) === undefined), 'no Echo on unsafe responses');
    }
  });

  it('a response that cannot be cut small enough is 4.01 + Echo; echoing it verifies the address', async () => {
    const w = simWorld({}, 64);
    const srv = w.endpoint('srv');
    srv.resource('/b', { GET: () => ({ payload: body(900) }) });
    const raw = rawPeer(w, 'raw');
    const q = raw.get('b', [], Code.GET); // 4 + 4 + 2 = 10 bytes: not even a 16-byte block fits 30
    await w.clock.advanceAsync(100);
    const challenge = raw.got.at(-1)!;
    assert.equal(challenge.code, Code.UNAUTHORIZED);
    assert.ok(size(challenge) <= 3 * size(q));
    const echo = getOption(challenge, Option.ECHO)!;
    raw.get('b', [{ number: Option.ECHO, value: echo }]);
    await w.clock.advanceAsync(100);
    assert.equal(raw.got.at(-1)!.code, Code.CONTENT);
    assert.equal(raw.got.at(-1)!.payload.length, 900);
    // Verified for a while: a plain request now gets the whole answer.
    raw.get('b');
    await w.clock.advanceAsync(100);
    assert.equal(raw.got.at(-1)!.payload.length, 900);
  });

  it('a wrong Echo, or one issued to another address, verifies nothing (state unchanged)', async () => {
    const w = simWorld({}, 65);
    const srv = w.endpoint('srv');
    srv.resource('/b', { GET: () => ({ payload: body(900) }) });
    const victim = rawPeer(w, 'victim');
    const attacker = rawPeer(w, 'attacker');
    attacker.get('b');
    await w.clock.advanceAsync(100);
    const issued = getOption(attacker.got.at(-1)!, Option.ECHO)!;
    assert.ok(issued);
    victim.get('b', [{ number: Option.ECHO, value: issued }]); // another address's value
    victim.get('b', [{ number: Option.ECHO, value: new Uint8Array(issued.length).fill(0x5a) }]); // a guess
    await w.clock.advanceAsync(100);
    assert.equal(victim.got.length, 2);
    for (const m of victim.got) assert.ok(m.code === Code.UNAUTHORIZED || m.payload.length < 900, 'still limited');
    // The attacker's value is still its own (not consumed by the victim's attempt) and it stays limited without it.
    attacker.get('b');
    await w.clock.advanceAsync(100);
    assert.equal(attacker.got.at(-1)!.code, Code.UNAUTHORIZED);
    attacker.get('b', [{ number: Option.ECHO, value: issued }]);
    await w.clock.advanceAsync(100);
    assert.equal(attacker.got.at(-1)!.payload.length, 900);
  });

  it('OSCORE-authenticated requests are not limited; unprotected ones to the same endpoint are', async () => {
    const w = simWorld({}, 66);
    const { client, server } = contextPair('01', '');
    const srv = w.endpoint('srv', 5683, { oscore: oscoreLayer({ lookup: contextLookup([server]), clock: w.clock, random: w.rng }) });
    const data = body(2500, 9);
    srv.resource('/big', { GET: () => ({ payload: data }) });
    const cli = w.endpoint('cli', 5683, { oscore: oscoreLayer({ contextFor: (req) => (req.uri?.includes('/big?p') ? client : undefined) }), echo: false });
    const r = await drive(w.clock, cli.request({ uri: 'coap://srv/big?p' }));
    assert.ok(equalBytes(r.payload, data));
    const protectedPairs = pairs(w.sent, 'cli:5683', 'srv:5683');
    assert.equal(protectedPairs.length, 3); // 1024 + 1024 + 452 inside OSCORE
    const before = w.sent.length;
    const plain = await drive(w.clock, cli.request({ uri: 'coap://srv/big' }));
    assert.ok(equalBytes(plain.payload, data));
    const plainPairs = pairs(w.sent.slice(before), 'cli:5683', 'srv:5683');
    assert.ok(plainPairs.length > 10);
    for (const { request, response } of plainPairs) assert.ok(size(response) <= 3 * size(request));
  });

  it('an unverified observer gets notifications cut to a small first block', async () => {
    const w = simWorld({}, 67);
    const srv = w.endpoint('srv');
    let n = 0;
    srv.resource('/obs', { GET: () => ({ payload: body(600 + n, n) }) }, { observable: true });
    const raw = rawPeer(w, 'raw');
    const reg = raw.get('obs', [{ number: Option.OBSERVE, value: new Uint8Array(0) }, { number: Option.URI_QUERY, value: utf8Encode('x=12345678') }]);
    await w.clock.advanceAsync(100);
    n++;
    assert.equal(srv.notify('/obs', { confirmable: false }), 1);
    await w.clock.advanceAsync(100);
    const answers = raw.got.filter((m) => m.code === Code.CONTENT);
    assert.equal(answers.length, 2);
    for (const m of answers) {
      assert.ok(readBlock(m, Option.BLOCK2)?.more);
      assert.ok(size(m) <= 3 * size(reg), size(m) + ' vs ' + size(reg));
    }
  });

  it('opt-outs: amplificationFactor 0 or echo: false send the full first block to anyone', async () => {
    for (const echo of [{ amplificationFactor: 0 }, false] as const) {
      const w = simWorld({}, 68);
      const srv = w.endpoint('srv', 5683, { echo });
      srv.resource('/b', { GET: () => ({ payload: body(3000) }) });
      const raw = rawPeer(w, 'raw');
      raw.get('b');
      await w.clock.advanceAsync(100);
      assert.equal(raw.got.at(-1)!.payload.length, 1024);
    }
  });
});
