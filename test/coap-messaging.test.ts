import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { simWorld, drive } from './coap-support.js';
import { decodeMessage, encodeMessage } from '../src/coap/codec.js';
import { createMessage, type Message } from '../src/coap/message.js';
import { MessageType, Code } from '../src/coap/numbers.js';
import { utf8Encode, utf8Decode } from '../src/bytes.js';
import { TimeoutError, ResetError, CancelledError } from '../src/errors.js';
import { DEVICE_DEDUP_CACHE_SIZE, derivedTimes } from '../src/coap/server-messaging.js';
import type { RandomSource } from '../src/ports.js';

const zeros: RandomSource = { fill: (b) => b.fill(0) };
const ones: RandomSource = { fill: (b) => b.fill(0xff) };

function raw(world: ReturnType<typeof simWorld>, address = 'raw', port = 1) {
  const p = world.network.port(address, port);
  const inbox: Message[] = [];
  p.onReceive((d) => inbox.push(decodeMessage(d)));
  return { send: (m: Partial<Message> & { code: number }, to = 'srv') => p.send(encodeMessage(createMessage(m)), to, 5683), inbox, port: p };
}

describe('coap messaging (RFC 7252 §4)', () => {
  it('GET with a piggybacked response: one datagram each way', async () => {
    const w = simWorld();
    const srv = w.endpoint('srv');
    srv.resource('/hello', { GET: () => ({ payload: 'world', contentFormat: 0 }) });
    const cli = w.endpoint('cli');
    const res = await drive(w.clock, cli.request({ uri: 'coap://srv/hello' }));
    assert.equal(res.codeString, '2.05');
    assert.equal(res.text(), 'world');
    assert.equal(res.contentFormat, 0);
    assert.equal(w.sent.length, 2);
    assert.equal(w.sent[0].message.type, MessageType.CON);
    assert.equal(w.sent[1].message.type, MessageType.ACK);
    assert.equal(w.sent[1].message.messageId, w.sent[0].message.messageId);
    assert.deepEqual(w.sent[1].message.token, w.sent[0].message.token);
    assert.equal(w.sent[0].message.token.length, 8);
  });

  it('retransmits a CON at 2, 6, 14, 30 s and fails with TimeoutError at 62 s (random factor at its minimum)', async () => {
    const w = simWorld();
    const cli = w.endpoint('cli', 5683, { random: zeros });
    const p = cli.request({ uri: 'coap://nobody/x', timeout: 1e9 });
    const box: { err?: unknown } = {};
    p.catch((e) => (box.err = e));
    await w.clock.advanceAsync(61_999);
    assert.equal(box.err, undefined);
    await w.clock.advanceAsync(1);
    assert.ok((box.err as unknown) instanceof TimeoutError);
    assert.deepEqual(w.sent.map((s) => s.at), [0, 2000, 6000, 14000, 30000]);
    assert.ok(w.sent.every((s) => s.message.messageId === w.sent[0].message.messageId));
    assert.equal(cli.messaging.stats.retransmissions, 4);
  });

  it('the initial timeout reaches ACK_TIMEOUT * ACK_RANDOM_FACTOR: MAX_TRANSMIT_WAIT is 93 s', async () => {
    const w = simWorld();
    const cli = w.endpoint('cli', 5683, { random: ones });
    const p = cli.request({ uri: 'coap://nobody/x', timeout: 1e9 });
    const box: { err?: unknown } = {};
    p.catch((e) => (box.err = e));
    await w.clock.advanceAsync(92_990);
    assert.equal(box.err, undefined);
    await w.clock.advanceAsync(20);
    assert.ok((box.err as unknown) instanceof TimeoutError);
    const first = w.sent[1].at;
    assert.ok(first > 2999 && first <= 3000, 'first retransmission at ~3 s, got ' + first);
  });

  it('transmission parameters are configurable', async () => {
    const w = simWorld();
    const cli = w.endpoint('cli', 5683, { random: zeros, params: { ackTimeout: 100, maxRetransmit: 2 } });
    await assert.rejects(drive(w.clock, cli.request({ uri: 'coap://nobody/x' }), 10), TimeoutError);
    assert.deepEqual(w.sent.map((s) => s.at), [0, 100, 300]);
  });

  it('a slow handler gets an empty ACK first, then a separate CON response that the client ACKs', async () => {
    const w = simWorld();
    const srv = w.endpoint('srv');
    srv.resource('/slow', {
      GET: () => new Promise((resolve) => w.clock.setTimer(5000, () => resolve({ payload: 'late' }))),
    });
    const cli = w.endpoint('cli');
    const res = await drive(w.clock, cli.request({ uri: 'coap://srv/slow' }));
    assert.equal(res.text(), 'late');
    const kinds = w.sent.map((s) => [s.from.split(':')[0], s.message.type, s.message.code]);
    assert.deepEqual(kinds, [
      ['cli', MessageType.CON, Code.GET],
      ['srv', MessageType.ACK, 0],
      ['srv', MessageType.CON, Code.CONTENT],
      ['cli', MessageType.ACK, 0],
    ]);
    assert.equal(w.sent[1].at, 1001); // emptyAckDelay 1000 ms after arrival (1 ms link delay)
    assert.deepEqual(w.sent[2].message.token, w.sent[0].message.token);
    assert.equal(w.sent[3].message.messageId, w.sent[2].message.messageId);
    assert.equal(cli.messaging.stats.retransmissions, 0);
  });

  it('ping: an empty CON is answered with RST', async () => {
    const w = simWorld();
    w.endpoint('srv');
    const cli = w.endpoint('cli');
    await drive(w.clock, cli.ping({ address: 'srv', port: 5683 }));
    assert.equal(w.sent[1].message.type, MessageType.RST);
    assert.equal(w.sent[1].message.messageId, w.sent[0].message.messageId);
    await assert.rejects(drive(w.clock, cli.ping({ address: 'nobody', port: 5683 })), TimeoutError);
  });

  it('NON request gets a NON response', async () => {
    const w = simWorld();
    w.endpoint('srv').resource('/n', { GET: () => ({ payload: 'x' }) });
    const cli = w.endpoint('cli');
    const res = await drive(w.clock, cli.request({ uri: 'coap://srv/n', confirmable: false }));
    assert.equal(res.text(), 'x');
    assert.deepEqual(w.sent.map((s) => s.message.type), [MessageType.NON, MessageType.NON]);
  });

  it('a duplicate CON request reaches the handler once and gets the cached response again', async () => {
    const w = simWorld();
    let calls = 0;
    w.endpoint('srv').resource('/c', { POST: () => ({ code: Code.CHANGED, payload: 'n=' + ++calls }) });
    const r = raw(w);
    const req = { type: MessageType.CON, code: Code.POST, messageId: 0x1234, token: utf8Encode('tk'), options: [{ number: 11, value: utf8Encode('c') }] };
    r.send(req);
    await w.clock.advanceAsync(10);
    r.send(req);
    await w.clock.advanceAsync(10);
    assert.equal(calls, 1);
    assert.equal(r.inbox.length, 2);
    assert.deepEqual(r.inbox[0], r.inbox[1]);
    assert.equal(utf8Decode(r.inbox[1].payload), 'n=1');
    // The same message ID after EXCHANGE_LIFETIME (247 s) is a new message.
    await w.clock.advanceAsync(247_000);
    r.send(req);
    await w.clock.advanceAsync(10);
    assert.equal(calls, 2);
  });

  it('a duplicate CON after the empty ACK gets the empty ACK again, the handler still runs once', async () => {
    const w = simWorld();
    let calls = 0;
    w.endpoint('srv').resource('/s', { GET: () => { calls++; return new Promise(() => {}); } });
    const r = raw(w);
    const req = { type: MessageType.CON, code: Code.GET, messageId: 7, token: utf8Encode('t'), options: [{ number: 11, value: utf8Encode('s') }] };
    r.send(req);
    await w.clock.advanceAsync(1500);
    r.send(req);
    await w.clock.advanceAsync(10);
    assert.equal(calls, 1);
    assert.equal(r.inbox.length, 2);
    assert.ok(r.inbox.every((m) => m.type === MessageType.ACK && m.code === 0 && m.messageId === 7));
  });

  it('the deduplication cache is bounded (oldest evicted first)', async () => {
    const w = simWorld();
    const srv = w.endpoint('srv', 5683, { params: { dedupCacheSize: 4 } });
    let calls = 0;
    srv.resource('/d', { GET: () => ({ payload: String(++calls) }) });
    const r = raw(w);
    for (let mid = 1; mid <= 10; mid++) r.send({ type: MessageType.NON, code: Code.GET, messageId: mid, options: [{ number: 11, value: utf8Encode('d') }] });
    await w.clock.advanceAsync(10);
    assert.equal(calls, 10);
    assert.equal(srv.messaging.stats.dedupEvictions, 6);
    // mid 10 is still remembered, mid 1 was evicted
    r.send({ type: MessageType.NON, code: Code.GET, messageId: 10, options: [{ number: 11, value: utf8Encode('d') }] });
    r.send({ type: MessageType.NON, code: Code.GET, messageId: 1, options: [{ number: 11, value: utf8Encode('d') }] });
    await w.clock.advanceAsync(10);
    assert.equal(calls, 11);
  });

  it('a flood of distinct message IDs never grows the deduplication cache past its bound; entries expire after their lifetime', async () => {
    const w = simWorld();
    const srv = w.endpoint('srv', 5683, { params: { dedupCacheSize: DEVICE_DEDUP_CACHE_SIZE } });
    let calls = 0;
    srv.resource('/d', { GET: () => ({ payload: String(++calls) }) });
    const con = raw(w, 'con', 1);
    const non = raw(w, 'non', 2);
    let largest = 0;
    for (let mid = 0; mid < 300; mid++) {
      con.send({ type: MessageType.CON, code: Code.GET, messageId: mid, options: [{ number: 11, value: utf8Encode('d') }] });
      non.send({ type: MessageType.NON, code: Code.GET, messageId: mid, options: [{ number: 11, value: utf8Encode('d') }] });
      await w.clock.advanceAsync(1);
      largest = Math.max(largest, srv.messaging.dedupEntries);
    }
    assert.equal(calls, 600);
    assert.equal(largest, DEVICE_DEDUP_CACHE_SIZE);
    assert.equal(srv.messaging.stats.dedupEvictions, 600 - DEVICE_DEDUP_CACHE_SIZE);
    // The newest message ID is still answered from the cache (no second call), an evicted one is not.
    con.send({ type: MessageType.CON, code: Code.GET, messageId: 299, options: [{ number: 11, value: utf8Encode('d') }] });
    await w.clock.advanceAsync(1);
    assert.equal(calls, 600);
    assert.equal(srv.messaging.stats.duplicates, 1);
    // After EXCHANGE_LIFETIME every entry is stale: the next message leaves only itself behind.
    await w.clock.advanceAsync(derivedTimes(srv.messaging.params).exchangeLifetime + 1);
    non.send({ type: MessageType.NON, code: Code.GET, messageId: 1000, options: [{ number: 11, value: utf8Encode('d') }] });
    await w.clock.advanceAsync(1);
    assert.equal(srv.messaging.dedupEntries, 1);
    assert.equal(srv.messaging.stats.dedupEvictions, 600 - DEVICE_DEDUP_CACHE_SIZE);
  });

  it('token matching: a response with a foreign token is rejected with RST and not delivered', async () => {
    const w = simWorld();
    const cli = w.endpoint('cli');
    const r = raw(w, 'srv', 5683);
    const p = cli.request({ uri: 'coap://srv/x', confirmable: false, timeout: 5000 });
    await w.clock.advanceAsync(10);
    const req = r.inbox[0];
    r.port.send(encodeMessage(createMessage({ type: MessageType.CON, code: Code.CONTENT, messageId: 99, token: utf8Encode('other'), payload: utf8Encode('no') })), 'cli', 5683);
    await w.clock.advanceAsync(10);
    assert.equal(w.sent.at(-1)!.message.type, MessageType.RST);
    r.port.send(encodeMessage(createMessage({ type: MessageType.NON, code: Code.CONTENT, messageId: 100, token: req.token, payload: utf8Encode('yes') })), 'cli', 5683);
    const res = await drive(w.clock, p);
    assert.equal(res.text(), 'yes');
  });

  it('RST to a request fails it with ResetError', async () => {
    const w = simWorld();
    const cli = w.endpoint('cli');
    const r = raw(w, 'srv', 5683);
    const p = cli.request({ uri: 'coap://srv/x' });
    await w.clock.advanceAsync(10);
    r.port.send(encodeMessage(createMessage({ type: MessageType.RST, code: 0, messageId: r.inbox[0].messageId })), 'cli', 5683);
    await assert.rejects(drive(w.clock, p), ResetError);
  });

  it('NSTART=1: the second request to a peer waits for the first to be acknowledged', async () => {
    const w = simWorld();
    w.endpoint('srv').resource('/a', { GET: () => ({ payload: 'a' }) });
    const cli = w.endpoint('cli');
    const link = 1; // one-way delay
    const both = Promise.all([cli.request({ uri: 'coap://srv/a' }), cli.request({ uri: 'coap://srv/a' })]);
    await drive(w.clock, both);
    const requests = w.sent.filter((s) => s.message.code === Code.GET);
    assert.equal(requests.length, 2);
    assert.equal(requests[0].at, 0);
    assert.equal(requests[1].at, 2 * link);
    // With nstart 2 both go at once.
    const w2 = simWorld();
    w2.endpoint('srv').resource('/a', { GET: () => ({ payload: 'a' }) });
    const cli2 = w2.endpoint('cli', 5683, { params: { nstart: 2 } });
    await drive(w2.clock, Promise.all([cli2.request({ uri: 'coap://srv/a' }), cli2.request({ uri: 'coap://srv/a' })]));
    assert.deepEqual(w2.sent.filter((s) => s.message.code === Code.GET).map((s) => s.at), [0, 0]);
  });

  it('a malformed CON is answered with RST; a malformed NON is ignored', async () => {
    const w = simWorld();
    const srv = w.endpoint('srv');
    const p = w.network.port('raw', 1);
    const got: Uint8Array[] = [];
    p.onReceive((d) => got.push(d));
    p.send(new Uint8Array([0x40, 0x01, 0x00, 0x05, 0xf0]), 'srv', 5683); // CON, option nibble 15
    p.send(new Uint8Array([0x50, 0x01, 0x00, 0x06, 0xf0]), 'srv', 5683); // NON, same
    await w.clock.advanceAsync(10);
    assert.equal(got.length, 1);
    assert.deepEqual(decodeMessage(got[0]), { type: MessageType.RST, code: 0, messageId: 5, token: new Uint8Array(0), options: [], payload: new Uint8Array(0) });
    assert.equal(srv.messaging.stats.malformed, 2);
  });

  it('timeout and abort signal end a request with TimeoutError / CancelledError; close() cancels the rest', async () => {
    const w = simWorld();
    const cli = w.endpoint('cli');
    await assert.rejects(drive(w.clock, cli.request({ uri: 'coap://nobody/x', timeout: 500 })), TimeoutError);
    // A minimal AbortSignal (XS has no AbortController).
    const listeners: (() => void)[] = [];
    const signal = { aborted: false, addEventListener: (_t: 'abort', f: () => void) => listeners.push(f), removeEventListener() {} };
    const p = cli.request({ uri: 'coap://nobody/x', signal });
    signal.aborted = true;
    for (const f of listeners) f();
    await assert.rejects(p, CancelledError);
    const q = cli.request({ uri: 'coap://nobody/y' });
    cli.close();
    await assert.rejects(q, CancelledError);
    await w.clock.runAll();
    assert.equal(w.clock.pending, 0);
  });

  it('reserved code classes 1, 6, 7: CON → RST, NON ignored; an empty NON and a stray ACK are ignored', async () => {
    const w = simWorld();
    const srv = w.endpoint('srv');
    const r = raw(w);
    r.send({ type: MessageType.CON, code: 0x20, messageId: 1 }); // 1.00
    r.send({ type: MessageType.CON, code: 0xc0, messageId: 2 }); // 6.00
    r.send({ type: MessageType.CON, code: 0xff, messageId: 3 }); // 7.31
    r.send({ type: MessageType.NON, code: 0xc0, messageId: 4 });
    r.send({ type: MessageType.NON, code: 0, messageId: 5 });
    r.send({ type: MessageType.ACK, code: Code.GET, messageId: 6 });
    r.send({ type: MessageType.ACK, code: 0, messageId: 7 });
    await w.clock.advanceAsync(10);
    assert.deepEqual(r.inbox.map((m) => [m.type, m.messageId]), [[MessageType.RST, 1], [MessageType.RST, 2], [MessageType.RST, 3]]);
    assert.equal(srv.messaging.stats.resetsSent, 3);
  });
});
