import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { simWorld, drive } from './coap-support.js';
import { createMessage, getOption, getUintOption, type Message } from '../src/coap/message.js';
import { decodeMessage, encodeMessage } from '../src/coap/codec.js';
import { Code, MessageType } from '../src/coap/numbers.js';
import { Option } from '../src/coap/option-registry.js';
import { readBlock, blockToString } from '../src/coap/block.js';
import { equalBytes, fromHex, toHex, utf8Encode } from '../src/bytes.js';
import type { Response } from '../src/coap/response.js';

function body(n: number, seed = 1): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 13 + seed * 101 + (i >> 7)) & 0xff;
  return b;
}
const lossy = { loss: 0.2, duplicate: 0.1, reorder: 0.2, reorderDelay: 800, delay: 5, jitter: 5 };
const blocksOn = (sent: { message: Message }[], opt: 23 | 27) => sent.map((s) => readBlock(s.message, opt)).filter((b) => b !== undefined);

describe('coap-ext Block-wise through the endpoint (simulated network)', () => {
  for (const [name, net] of [['clean', {}], ['20% loss, duplication, reordering', lossy]] as const) {
    it('GET of a 5000-byte resource returns the whole body (' + name + ')', async () => {
      const w = simWorld(net, 11);
      const srv = w.endpoint('srv');
      const data = body(5000);
      let renders = 0;
      srv.resource('/big', { GET: () => (renders++, { payload: data }) });
      const cli = w.endpoint('cli');
      const r = await drive(w.clock, cli.request({ uri: 'coap://srv/big' }));
      assert.equal(r.codeString, '2.05');
      assert.ok(equalBytes(r.payload, data));
      assert.equal(r.option(Option.BLOCK2), undefined);
      const b2 = blocksOn(w.sent.filter((s) => s.from === 'srv:5683'), 23);
      assert.ok(b2.length >= 5);
      assert.ok(w.sent.every((s) => s.message.payload.length <= 1024));
      assert.ok(renders >= 5); // GET is rendered per block (the ETag guards consistency)
    });
    it('PUT of a 3000-byte body is reassembled for the resource (' + name + ')', async () => {
      const w = simWorld(net, 12);
      const srv = w.endpoint('srv', 5683, { blockwise: { preferredSzx: 4 } });
      const got: Uint8Array[] = [];
      srv.resource('/up', { PUT: (req) => (got.push(req.payload), { code: Code.CHANGED }) });
      const cli = w.endpoint('cli');
      const data = body(3000, 2);
      const r = await drive(w.clock, cli.request({ uri: 'coap://srv/up', method: 'PUT', payload: data }));
      assert.equal(r.codeString, '2.04');
      assert.equal(got.length, 1, 'the resource runs once, with the whole body');
      assert.ok(equalBytes(got[0], data));
      // late negotiation: the first block went at 1024, the rest at the server's 256
      const sentBlocks = blocksOn(w.sent.filter((s) => s.from === 'cli:5683'), 27).map(blockToString);
      assert.equal(sentBlocks[0], '0/1/1024');
      assert.ok(sentBlocks.includes('4/1/256'));
      assert.equal(srv.blockwise!.reassembly.bytesInUse, 0);
    });
  }
  it('a client preferring small blocks asks for them from the first request (early negotiation)', async () => {
    const w = simWorld({}, 16);
    const srv = w.endpoint('srv');
    srv.resource('/big', { GET: () => ({ payload: body(1000) }) });
    const cli = w.endpoint('cli', 5683, { blockwise: { preferredSzx: 2 } });
    const r = await drive(w.clock, cli.request({ uri: 'coap://srv/big' }));
    assert.ok(equalBytes(r.payload, body(1000)));
    const asks = blocksOn(w.sent.filter((s) => s.from === 'cli:5683'), 23).map(blockToString);
    assert.equal(asks[0], '0/0/64');
    // The server's default amplification mitigation (echo-layer.ts) answers the unverified first
    // request with a smaller block and a preemptive Echo; the client asks for block 0 again with
    // that Echo, then gets 64-byte blocks.
    assert.equal(asks[1], '0/0/64');
    assert.equal(asks.length, Math.ceil(1000 / 64) + 1);
    assert.ok(w.sent.filter((s) => s.from === 'srv:5683').every((s) => s.message.payload.length <= 64));
  });
  it('POST with a large body and a large response: the handler runs once; later blocks come from the kept response', async () => {
    const w = simWorld({}, 13);
    const srv = w.endpoint('srv');
    let runs = 0;
    srv.resource('/echo', { POST: (req) => (runs++, { code: Code.CHANGED, payload: req.payload.slice().reverse() }) });
    const cli = w.endpoint('cli');
    const data = body(2600, 3);
    const r = await drive(w.clock, cli.request({ uri: 'coap://srv/echo', method: 'POST', payload: data }));
    assert.equal(r.codeString, '2.04');
    assert.ok(equalBytes(r.payload, data.slice().reverse()));
    assert.equal(runs, 1);
  });
  it('concurrent uploads to one resource carry distinct Request-Tags and both arrive intact', async () => {
    const w = simWorld({ delay: 3, jitter: 3 }, 14);
    const srv = w.endpoint('srv');
    const got: Uint8Array[] = [];
    srv.resource('/same', { PUT: (req) => (got.push(req.payload), { code: Code.CHANGED }) });
    const cli = w.endpoint('cli');
    const a = body(2500, 4);
    const b = body(2500, 5);
    const [ra, rb] = await drive(w.clock, Promise.all([cli.request({ uri: 'coap://srv/same', method: 'PUT', payload: a }), cli.request({ uri: 'coap://srv/same', method: 'PUT', payload: b })]));
    assert.equal(ra.codeString, '2.04');
    assert.equal(rb.codeString, '2.04');
    assert.equal(got.length, 2);
    assert.ok(got.some((g) => equalBytes(g, a)) && got.some((g) => equalBytes(g, b)));
    assert.ok(w.sent.some((s) => getOption(s.message, Option.REQUEST_TAG) !== undefined));
  });
  it('an upload over the server limit is refused with 4.13 and Size1; nothing is kept', async () => {
    const w = simWorld({}, 15);
    const srv = w.endpoint('srv', 5683, { blockwise: { block1: { maxBodyBytes: 2000 } } });
    let runs = 0;
    srv.resource('/up', { PUT: () => (runs++, { code: Code.CHANGED }) });
    const cli = w.endpoint('cli');
    const r = await drive(w.clock, cli.request({ uri: 'coap://srv/up', method: 'PUT', payload: body(5000) }));
    assert.equal(r.codeString, '4.13');
    assert.equal(getUintOption(r.message, Option.SIZE1), 2000);
    assert.equal(runs, 0);
    assert.equal(srv.blockwise!.reassembly.bytesInUse, 0);
  });
});

describe('coap-ext Observe through the endpoint (simulated network)', () => {
  function observed(w: ReturnType<typeof simWorld>, opts = {}) {
    const srv = w.endpoint('srv', 5683, opts);
    let value = 0;
    srv.resource('/t', { GET: () => ({ payload: 'v' + value }) }, { observable: true });
    return { srv, set: (v: number) => ((value = v), srv.notify('/t')) };
  }
  it('registers, receives notifications in order, and cancels with GET Observe=1 and the same token', async () => {
    const w = simWorld({}, 21);
    const { srv, set } = observed(w);
    const cli = w.endpoint('cli');
    const stream = cli.observe({ uri: 'coap://srv/t' });
    const first = await drive(w.clock, stream.next());
    assert.equal((first.value as Response).text(), 'v0');
    assert.equal(typeof (first.value as Response).observe, 'number');
    assert.equal(srv.observation!.registry.size, 1);
    const seen: string[] = [];
    for (let v = 1; v <= 3; v++) {
      assert.equal(set(v), 1);
      seen.push(((await drive(w.clock, stream.next())).value as Response).text());
    }
    assert.deepEqual(seen, ['v1', 'v2', 'v3']);
    await stream.cancel();
    await w.clock.advanceAsync(1000);
    assert.equal(srv.observation!.registry.size, 0);
    const reg = w.sent.find((s) => s.from === 'cli:5683' && getUintOption(s.message, Option.OBSERVE) === 0)!;
    const dereg = w.sent.find((s) => s.from === 'cli:5683' && getUintOption(s.message, Option.OBSERVE) === 1)!;
    assert.ok(dereg, 'a GET with Observe=1 was sent');
    assert.equal(toHex(dereg.message.token), toHex(reg.message.token));
    assert.equal(set(99), 0);
  });
  it('a resource not marked observable answers once, without Observe; the stream ends', async () => {
    const w = simWorld({}, 22);
    const srv = w.endpoint('srv');
    srv.resource('/plain', { GET: () => ({ payload: 'x' }) });
    const cli = w.endpoint('cli');
    const got: string[] = [];
    const stream = cli.observe({ uri: 'coap://srv/plain' });
    await drive(w.clock, (async () => {
      for await (const r of stream) got.push(r.text());
    })());
    assert.deepEqual(got, ['x']);
  });
  it('large notifications arrive whole (first block in the notification, the rest fetched)', async () => {
    const w = simWorld({}, 23);
    const srv = w.endpoint('srv');
    let n = 1;
    srv.resource('/img', { GET: () => ({ payload: body(3000, n) }) }, { observable: true });
    const cli = w.endpoint('cli');
    const stream = cli.observe({ uri: 'coap://srv/img' });
    assert.ok(equalBytes(((await drive(w.clock, stream.next())).value as Response).payload, body(3000, 1)));
    n = 2;
    srv.notify('/img');
    assert.ok(equalBytes(((await drive(w.clock, stream.next())).value as Response).payload, body(3000, 2)));
    await stream.cancel();
  });
  it('observer limit: beyond it the client gets a plain response and no registration', async () => {
    const w = simWorld({}, 24);
    const { srv } = observed(w, { observe: { maxObserversPerResource: 1 } });
    const a = w.endpoint('a');
    const b = w.endpoint('b');
    const sa = a.observe({ uri: 'coap://srv/t' });
    await drive(w.clock, sa.next());
    const sb = b.observe({ uri: 'coap://srv/t' });
    const rb = (await drive(w.clock, sb.next())).value as Response;
    assert.equal(rb.observe, undefined);
    assert.equal((await drive(w.clock, sb.next())).done, true);
    assert.equal(srv.observation!.registry.size, 1);
    await sa.cancel();
  });
  it('an error notification ends the observation on both sides (RFC 7641 §4.2)', async () => {
    const w = simWorld({}, 25);
    const srv = w.endpoint('srv');
    let gone = false;
    srv.resource('/t', { GET: () => (gone ? { code: Code.NOT_FOUND } : { payload: 'here' }) }, { observable: true });
    const cli = w.endpoint('cli');
    const got: string[] = [];
    const stream = cli.observe({ uri: 'coap://srv/t' });
    const done = (async () => {
      for await (const r of stream) got.push(r.codeString);
    })();
    await w.clock.advanceAsync(100);
    gone = true;
    srv.notify('/t');
    await drive(w.clock, done);
    assert.deepEqual(got, ['2.05', '4.04']);
    assert.equal(srv.observation!.registry.size, 0);
  });
  it('fast changes on a slow path do not pile up CON notifications; the latest state arrives', async () => {
    const w = simWorld({ delay: 1500 }, 27);
    const { srv, set } = observed(w, { observe: { conEvery: 1 } });
    const cli = w.endpoint('cli');
    const stream = cli.observe({ uri: 'coap://srv/t' });
    await drive(w.clock, stream.next());
    const before = w.sent.length;
    for (let v = 1; v <= 10; v++) {
      set(v);
      await w.clock.advanceAsync(50);
    }
    const texts: string[] = [];
    while (texts[texts.length - 1] !== 'v10') texts.push((await drive(w.clock, stream.next())).value!.text());
    const notifications = w.sent.slice(before).filter((s) => s.from === 'srv:5683' && s.message.type === MessageType.CON);
    assert.ok(notifications.length <= 3, notifications.length + ' CON notifications for 10 changes');
    assert.deepEqual(texts, ['v1', 'v10']);
    await stream.cancel();
  });
  it('at 20% loss with duplication and reordering, observe values only ever increase and the last CON state arrives', async () => {
    const w = simWorld(lossy, 26);
    const { srv, set } = observed(w, { observe: { conEvery: 3 } });
    const cli = w.endpoint('cli');
    const stream = cli.observe({ uri: 'coap://srv/t' });
    await drive(w.clock, stream.next());
    const values: number[] = [];
    const texts: string[] = [];
    const reader = (async () => {
      for await (const r of stream) {
        values.push(r.observe!);
        texts.push(r.text());
        if (r.text() === 'v30') break;
      }
    })();
    for (let v = 1; v <= 29; v++) {
      set(v);
      await w.clock.advanceAsync(500);
    }
    srv.observation!.notify('/t', { confirmable: true }); // nothing changed: re-sends v29 as CON
    set(30);
    srv.observation!.notify('/t', { confirmable: true });
    await drive(w.clock, reader);
    for (let i = 1; i < values.length; i++) assert.ok(values[i] > values[i - 1], 'observe values increase');
    assert.equal(texts[texts.length - 1], 'v30');
  });
});

describe('coap-ext Echo through the endpoint (simulated network)', () => {
  it('a server demanding freshness answers 4.01 + Echo; the client repeats once and succeeds', async () => {
    const w = simWorld({}, 31);
    const srv = w.endpoint('srv', 5683, { echo: { requireFresh: (ex) => ex.request.code === Code.PUT, amplificationFactor: 0 } });
    let runs = 0;
    srv.resource('/door', { PUT: () => (runs++, { code: Code.CHANGED }) });
    const cli = w.endpoint('cli'); // the client side of Echo is on by default
    const r = await drive(w.clock, cli.request({ uri: 'coap://srv/door', method: 'PUT', payload: 'open' }));
    assert.equal(r.codeString, '2.04');
    assert.equal(runs, 1);
    const challenges = w.sent.filter((s) => s.message.code === Code.UNAUTHORIZED && getOption(s.message, Option.ECHO));
    assert.equal(challenges.length, 1);
  });
  it('replaying the accepted request (same Echo) is challenged again and does not reach the resource', async () => {
    const w = simWorld({}, 32);
    const srv = w.endpoint('srv', 5683, { echo: { requireFresh: (ex) => ex.request.code === Code.PUT, amplificationFactor: 0 } });
    let runs = 0;
    srv.resource('/door', { PUT: () => (runs++, { code: Code.CHANGED }) });
    const cli = w.endpoint('cli', 5683, { echo: {} });
    await drive(w.clock, cli.request({ uri: 'coap://srv/door', method: 'PUT', payload: 'open' }));
    const accepted = w.sent.find((s) => s.from === 'cli:5683' && getOption(s.message, Option.ECHO))!;
    const plain = w.endpoint('cli2', 5683, { blockwise: false, observe: false, echo: false });
    const r = await drive(w.clock, plain.request({ uri: 'coap://srv/door', method: 'PUT', payload: 'open', options: [{ number: Option.ECHO, value: getOption(accepted.message, Option.ECHO)! }] }));
    assert.equal(r.codeString, '4.01');
    assert.equal(runs, 1);
  });
  it('amplification mitigation: a small unauthenticated request for a large response must echo first (smallBlocks: false)', async () => {
    const w = simWorld({}, 33);
    const srv = w.endpoint('srv', 5683, { echo: { smallBlocks: false } });
    srv.resource('/big', { GET: () => ({ payload: body(3000) }) });
    srv.resource('/small', { GET: () => ({ payload: 'ok' }) });
    const noEcho = w.endpoint('old', 5683, { echo: false }); // a peer without RFC 9175
    const refused = await drive(w.clock, noEcho.request({ uri: 'coap://srv/big' }));
    assert.equal(refused.codeString, '4.01');
    assert.ok(refused.option(Option.ECHO));
    assert.equal((await drive(w.clock, noEcho.request({ uri: 'coap://srv/small' }))).text(), 'ok');
    const cli = w.endpoint('cli', 5683, { echo: {} });
    const r = await drive(w.clock, cli.request({ uri: 'coap://srv/big' }));
    assert.equal(r.codeString, '2.05');
    assert.ok(equalBytes(r.payload, body(3000)));
    // the 4.01 sent to the unverified client is small: no amplification on the wire
    const toOld = w.sent.filter((s) => s.to === 'old:5683');
    assert.ok(toOld.every((s) => s.message.payload.length < 100));
  });
});

describe('coap-ext server edge cases on the wire', () => {
  function raw(w: ReturnType<typeof simWorld>) {
    const p = w.network.port('raw', 1);
    const inbox: Message[] = [];
    p.onReceive((d) => inbox.push(decodeMessage(d)));
    let mid = 100;
    const send = (code: number, token: string, options: { number: number; value: Uint8Array }[], payload: Uint8Array = new Uint8Array(0)) =>
      p.send(encodeMessage(createMessage({ type: MessageType.CON, code, messageId: mid++, token: fromHex(token), options, payload })), 'srv', 5683);
    return { send, inbox };
  }
  const uri = (s: string) => s.split('/').filter(Boolean).map((x) => ({ number: Option.URI_PATH, value: utf8Encode(x) }));
  it('SZX 7 in Block2 or Block1 is 4.00; a Block2 number past the end is 4.02; the resource never sees them', async () => {
    const w = simWorld({}, 41);
    // Block-wise alone: the raw peer is unverified, so the default amplification mitigation would
    // cut block 1 to 16 bytes and answer the past-the-end request 4.01 + Echo (tested in
    // coap-ext-amplification.test.ts).
    const srv = w.endpoint('srv', 5683, { echo: { amplificationFactor: 0 } });
    let puts = 0;
    srv.resource('/big', { GET: () => ({ payload: body(2000) }), PUT: () => (puts++, { code: Code.CHANGED }) });
    const r = raw(w);
    r.send(Code.GET, '01', [...uri('/big'), { number: Option.BLOCK2, value: fromHex('07') }]);
    r.send(Code.PUT, '02', [...uri('/big'), { number: Option.BLOCK1, value: fromHex('0f') }], body(16));
    r.send(Code.GET, '03', [...uri('/big'), { number: Option.BLOCK2, value: fromHex('26') }]); // 2/0/1024: offset 2048 > 2000
    r.send(Code.GET, '04', [...uri('/big'), { number: Option.BLOCK2, value: fromHex('16') }]); // 1/0/1024: the last block
    await w.clock.advanceAsync(1000);
    const byToken = (t: string) => r.inbox.find((m) => toHex(m.token) === t)!;
    assert.equal(byToken('01').code, Code.BAD_REQUEST);
    assert.equal(byToken('02').code, Code.BAD_REQUEST);
    assert.equal(byToken('03').code, Code.BAD_OPTION);
    assert.equal(blockToString(readBlock(byToken('04'), Option.BLOCK2)!), '1/0/1024');
    assert.equal(byToken('04').payload.length, 2000 - 1024);
    assert.equal(puts, 0);
  });
  it('GET with Observe=1 and the registering token deregisters (RFC 7641 §3.6); another token does not', async () => {
    const w = simWorld({}, 42);
    const srv = w.endpoint('srv');
    srv.resource('/t', { GET: () => ({ payload: 'x' }) }, { observable: true });
    const r = raw(w);
    const obs = (v: number) => ({ number: Option.OBSERVE, value: v ? new Uint8Array([v]) : new Uint8Array(0) });
    r.send(Code.GET, 'aa', [obs(0), ...uri('/t')]);
    await w.clock.advanceAsync(100);
    assert.equal(srv.observation!.registry.size, 1);
    assert.notEqual(getUintOption(r.inbox[0], Option.OBSERVE), undefined);
    r.send(Code.GET, 'bb', [obs(1), ...uri('/t')]);
    await w.clock.advanceAsync(100);
    assert.equal(srv.observation!.registry.size, 1);
    r.send(Code.GET, 'aa', [obs(1), ...uri('/t')]);
    await w.clock.advanceAsync(100);
    assert.equal(srv.observation!.registry.size, 0);
    const last = r.inbox[r.inbox.length - 1];
    assert.equal(last.code, Code.CONTENT);
    assert.equal(getUintOption(last, Option.OBSERVE), undefined);
  });
  it('a Reset to a CON notification removes the observer (RFC 7641 §3.6, reactive)', async () => {
    const w = simWorld({}, 44);
    const srv = w.endpoint('srv');
    srv.resource('/t', { GET: () => ({ payload: 'x' }) }, { observable: true });
    const p = w.network.port('raw', 1);
    const inbox: Message[] = [];
    p.onReceive((d) => inbox.push(decodeMessage(d)));
    p.send(encodeMessage(createMessage({ type: MessageType.CON, code: Code.GET, messageId: 7, token: fromHex('cc'), options: [{ number: Option.OBSERVE, value: new Uint8Array(0) }, ...uri('/t')] })), 'srv', 5683);
    await w.clock.advanceAsync(100);
    assert.equal(srv.observation!.registry.size, 1);
    srv.observation!.notify('/t', { confirmable: true });
    await w.clock.advanceAsync(100);
    const n = inbox[inbox.length - 1];
    assert.equal(n.type, MessageType.CON);
    p.send(encodeMessage(createMessage({ type: MessageType.RST, code: 0, messageId: n.messageId })), 'srv', 5683);
    await w.clock.advanceAsync(100);
    assert.equal(srv.observation!.registry.size, 0);
  });
  it('a Block1 transfer abandoned mid-way is dropped at expiry (memory back to zero)', async () => {
    const w = simWorld({}, 43);
    const srv = w.endpoint('srv', 5683, { blockwise: { block1: { expiryMs: 10_000 } } });
    srv.resource('/up', { PUT: () => ({ code: Code.CHANGED }) });
    const r = raw(w);
    r.send(Code.PUT, '01', [...uri('/up'), { number: Option.BLOCK1, value: fromHex('0e') }], body(1024)); // 0/1/1024
    await w.clock.advanceAsync(100);
    assert.equal(r.inbox[0].code, Code.CONTINUE);
    assert.equal(srv.blockwise!.reassembly.bytesInUse, 1024);
    await w.clock.advanceAsync(10_000);
    assert.equal(srv.blockwise!.reassembly.bytesInUse, 0);
    r.send(Code.PUT, '02', [...uri('/up'), { number: Option.BLOCK1, value: fromHex('16') }], body(10)); // 1/0/1024
    await w.clock.advanceAsync(100);
    assert.equal(r.inbox[1].code, Code.REQUEST_ENTITY_INCOMPLETE);
  });
});
