/**
 * The fast paths of issue 10 (bench/perf.bench.ts) keep the protocol behaviour:
 * - Block-wise client (RFC 7959): a request that fits one block and its one-block response pass
 *   the layer synchronously, release their exchange (token), and a response announcing more Block2
 *   blocks still continues into the block-wise download with the same token (§2.4);
 * - messaging (RFC 7252 §5.2.2): a handler that answers at once arms no empty-ACK timer at all.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { simWorld } from './coap-support.js';
import type { Clock } from '../src/ports.js';
import type { Message } from '../src/coap/message.js';
import { Code } from '../src/coap/numbers.js';
import { oscoreLayer } from '../src/coap/oscore-layer.js';
import { SecurityContext, contextLookup } from '../src/oscore/index.js';
import { fromHex, utf8Decode } from '../src/bytes.js';

function sinkInto(got: Message[]) {
  return { response: (m: Message) => void got.push(m), error: (e: Error) => { throw e; } };
}

describe('fast paths (issue 10)', () => {
  it('a one-block request and response cross the Block-wise layer synchronously, over OSCORE too', () => {
    const w = simWorld();
    const secret = fromHex('0102030405060708090a0b0c0d0e0f10');
    const sctx = new SecurityContext({ masterSecret: secret, senderId: fromHex('01'), recipientId: fromHex('') });
    const cctx = new SecurityContext({ masterSecret: secret, senderId: fromHex(''), recipientId: fromHex('01') });
    const srv = w.endpoint('srv', 5683, { oscore: oscoreLayer({ lookup: contextLookup([sctx]) }) });
    srv.resource('/x', { GET: () => ({ payload: 'hello' }) }, { requireOscore: true });
    const cli = w.endpoint('cli', 5683, { oscore: oscoreLayer({ contextFor: () => cctx }) });
    const got: Message[] = [];
    cli.send({ uri: 'coap://srv/x' }, sinkInto(got));
    w.clock.advance(10); // delivers request and response; no promise turn in between
    assert.equal(got.length, 1);
    assert.equal(got[0].code, Code.CONTENT);
    assert.equal(utf8Decode(got[0].payload), 'hello');
  });

  it('each answered request releases its exchange: more requests than maxOpenRequests all succeed', async () => {
    const w = simWorld();
    const srv = w.endpoint('srv');
    srv.resource('/x', { GET: () => ({ payload: 'ok' }) });
    const cli = w.endpoint('cli', 5683, { params: { maxOpenRequests: 3 } });
    const got: Message[] = [];
    for (let i = 0; i < 10; i++) {
      cli.send({ uri: 'coap://srv/x' }, sinkInto(got));
      await w.clock.advanceAsync(10); // (plain requests pass the Echo layer, which awaits)
    }
    assert.equal(got.length, 10);
    assert.ok(got.every((m) => m.code === Code.CONTENT));
  });

  it('a response announcing more Block2 blocks still completes, every block with the first token', async () => {
    const w = simWorld();
    const body = new Uint8Array(3000).map((_, i) => i * 7);
    // 256-byte blocks; no Echo layer, so no amplification mitigation reshapes the transfer.
    const srv = w.endpoint('srv', 5683, { blockwise: { preferredSzx: 4 }, echo: false });
    srv.resource('/big', { GET: () => ({ payload: body }) });
    const cli = w.endpoint('cli');
    const got: Message[] = [];
    cli.send({ uri: 'coap://srv/big' }, sinkInto(got));
    for (let t = 0; t < 100 && got.length === 0; t++) await w.clock.advanceAsync(10);
    assert.equal(got.length, 1);
    assert.deepEqual(got[0].payload, body);
    const requests = w.sent.filter((s) => s.from.startsWith('cli') && s.message.code === Code.GET);
    assert.equal(requests.length, 12);
    for (const r of requests) assert.deepEqual(r.message.token, requests[0].message.token);
  });

  it('a synchronous answer arms no empty-ACK timer; a late one still gets the empty ACK (§5.2.2)', async () => {
    const w = simWorld();
    let timersSet = 0;
    const counting: Clock = { now: () => w.clock.now(), setTimer: (ms, fn) => (timersSet++, w.clock.setTimer(ms, fn)), clearTimer: (h) => w.clock.clearTimer(h) };
    const srv = w.endpoint('srv', 5683, { clock: counting });
    srv.resource('/now', { GET: () => ({ payload: 'now' }) });
    srv.resource('/later', { GET: () => new Promise((resolve) => w.clock.setTimer(3000, () => resolve({ payload: 'later' }))) });
    const cli = w.endpoint('cli');
    const got: Message[] = [];
    const before = timersSet;
    cli.send({ uri: 'coap://srv/now' }, sinkInto(got));
    await w.clock.advanceAsync(10);
    assert.equal(got.length, 1);
    assert.equal(timersSet - before, 0);
    cli.send({ uri: 'coap://srv/later' }, sinkInto(got));
    for (let t = 0; t < 50 && got.length < 2; t++) await w.clock.advanceAsync(100);
    assert.equal(got.length, 2);
    const fromSrv = w.sent.filter((s) => s.from.startsWith('srv')).map((s) => s.message.code);
    assert.deepEqual(fromSrv, [Code.CONTENT, 0, Code.CONTENT]); // piggybacked; then empty ACK + separate response
  });
});
