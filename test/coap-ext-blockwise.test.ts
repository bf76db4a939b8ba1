import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sliceBlock2, bodyEtag, Block1Reassembly, block1ErrorResponse, type Block1Outcome } from '../src/coap/blockwise.js';
import { requestBlockwise, collectBlock2 } from '../src/coap/blockwise-client.js';
import { readBlock, writeBlock, blockToString } from '../src/coap/block.js';
import { RequestTagAllocator, requestTagKey } from '../src/coap/request-tag.js';
import { addStringOption, createMessage, getOption, getOptions, getUintOption, setOption, type Message } from '../src/coap/message.js';
import { Option } from '../src/coap/option-registry.js';
import { Code } from '../src/coap/numbers.js';
import { toHex, fromHex, equalBytes } from '../src/bytes.js';
import { BlockwiseError, CoapError } from '../src/errors.js';
import { ManualClock } from './coap-ext-clock.js';

function body(n: number, seed = 1): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 7 + (i >> 8)) & 0xff;
  return b;
}
function get(path: string): Message {
  const m = createMessage({ code: Code.GET });
  for (const seg of path.split('/').filter(Boolean)) addStringOption(m, Option.URI_PATH, seg);
  return m;
}
function put(path: string, payload: Uint8Array): Message {
  const m = get(path);
  m.code = Code.PUT;
  m.payload = payload;
  return m;
}
function withBlock(m: Message, opt: 23 | 27, num: number, more: boolean, szx: number): Message {
  writeBlock(m, opt, { num, more, szx });
  return m;
}
const content = (payload: Uint8Array) => createMessage({ code: Code.CONTENT, type: 2, payload });

describe('coap-ext Block2 slicing (server, RFC 7959 §2.4)', () => {
  const full = content(body(2500));
  it('small bodies pass unchanged; large ones are cut at the preferred size with Size2 and an ETag', () => {
    const small = content(body(100));
    assert.equal(sliceBlock2(get('/x'), small, 6), small);
    const r = sliceBlock2(get('/x'), full, 6);
    assert.equal(blockToString(readBlock(r, Option.BLOCK2)!), '0/1/1024');
    assert.equal(getUintOption(r, Option.SIZE2), 2500);
    assert.equal(toHex(getOption(r, Option.ETAG)!), toHex(bodyEtag(full.payload)));
    assert.ok(equalBytes(r.payload, full.payload.subarray(0, 1024)));
  });
  it('serves the asked block; the last has M=0 and no Size2', () => {
    const r = sliceBlock2(withBlock(get('/x'), 23, 2, false, 6), full, 6);
    assert.equal(blockToString(readBlock(r, Option.BLOCK2)!), '2/0/1024');
    assert.equal(r.payload.length, 2500 - 2048);
    assert.equal(getUintOption(r, Option.SIZE2), undefined);
  });
  it('a server preferring smaller blocks answers at its size from the same offset', () => {
    // client asks for 1/0/1024 (offset 1024); server prefers 256 → block 4 of 256
    const r = sliceBlock2(withBlock(get('/x'), 23, 1, false, 6), full, 4);
    assert.equal(blockToString(readBlock(r, Option.BLOCK2)!), '4/1/256');
    assert.ok(equalBytes(r.payload, full.payload.subarray(1024, 1280)));
    // a client asking smaller than the server's preference gets its size
    const s = sliceBlock2(withBlock(get('/x'), 23, 3, false, 1), full, 6);
    assert.equal(blockToString(readBlock(s, Option.BLOCK2)!), '3/1/32');
  });
  it('a block past the end is 4.02; SZX 7 is 4.00', () => {
    assert.throws(() => sliceBlock2(withBlock(get('/x'), 23, 3, false, 6), full, 6), (e: unknown) => e instanceof CoapError && e.code === Code.BAD_OPTION);
    const bad = get('/x');
    setOption(bad, Option.BLOCK2, fromHex('17'));
    assert.throws(() => sliceBlock2(bad, full, 6), (e: unknown) => e instanceof CoapError && e.code === Code.BAD_REQUEST);
  });
  it('the ETag follows the body: same body same tag, changed body other tag; a resource ETag is kept', () => {
    const other = body(2500, 2);
    assert.equal(toHex(bodyEtag(full.payload)), toHex(bodyEtag(body(2500))));
    assert.notEqual(toHex(bodyEtag(full.payload)), toHex(bodyEtag(other)));
    const tagged = content(body(2500));
    setOption(tagged, Option.ETAG, fromHex('0102'));
    assert.deepEqual(getOptions(sliceBlock2(get('/x'), tagged, 6), Option.ETAG).map(toHex), ['0102']);
  });
});

describe('coap-ext Block1 reassembly (server, RFC 7959 §2.3, §2.9)', () => {
  const peer = '127.0.0.1:5683';
  function blocks(data: Uint8Array, szx: number, path = '/up'): Message[] {
    const size = 16 << szx;
    const out: Message[] = [];
    for (let off = 0, n = 0; off < data.length; off += size, n++) {
      const end = Math.min(off + size, data.length);
      out.push(withBlock(put(path, data.subarray(off, end)), 27, n, end < data.length, szx));
    }
    return out;
  }
  it('collects in-order blocks: 2.31 Continue per block, the body on the last', () => {
    const r = new Block1Reassembly(new ManualClock());
    const data = body(300);
    const bs = blocks(data, 2);
    const outs = bs.map((b) => r.receive(peer, b));
    assert.deepEqual(outs.slice(0, -1).map((o) => o.kind), ['continue', 'continue', 'continue', 'continue']);
    const last = outs[outs.length - 1] as Extract<Block1Outcome, { kind: 'complete' }>;
    assert.equal(last.kind, 'complete');
    assert.ok(equalBytes(last.body, data));
    assert.equal(blockToString(last.block1), '4/0/64');
    assert.equal(r.bytesInUse, 0);
    assert.equal(r.transferCount, 0);
  });
  it('no Block1: whole; single final block 0: complete without state', () => {
    const r = new Block1Reassembly(new ManualClock());
    assert.equal(r.receive(peer, put('/up', body(10))).kind, 'whole');
    const o = r.receive(peer, withBlock(put('/up', body(10)), 27, 0, false, 6));
    assert.equal(o.kind, 'complete');
    assert.equal(r.transferCount, 0);
  });
  it('a block out of order gets 4.08 and leaves the collected state unchanged', () => {
    const r = new Block1Reassembly(new ManualClock());
    const bs = blocks(body(300), 2);
    r.receive(peer, bs[0]);
    r.receive(peer, bs[1]);
    const before = r.bytesInUse;
    const o = r.receive(peer, bs[3]);
    assert.equal(o.kind, 'error');
    assert.equal((o as { code: number }).code, Code.REQUEST_ENTITY_INCOMPLETE);
    assert.equal(r.bytesInUse, before);
    // the transfer continues correctly afterwards
    for (const b of bs.slice(2, -1)) assert.equal(r.receive(peer, b).kind, 'continue');
    const done = r.receive(peer, bs[bs.length - 1]);
    assert.equal(done.kind, 'complete');
    assert.ok(equalBytes((done as { body: Uint8Array }).body, body(300)));
  });
  it('a later block without a start is 4.08 and creates no state', () => {
    const r = new Block1Reassembly(new ManualClock());
    const o = r.receive(peer, blocks(body(300), 2)[2]);
    assert.equal((o as { code: number }).code, Code.REQUEST_ENTITY_INCOMPLETE);
    assert.equal(r.transferCount, 0);
  });
  it('non-final blocks must be exactly block-sized (4.00)', () => {
    const r = new Block1Reassembly(new ManualClock());
    const o = r.receive(peer, withBlock(put('/up', body(50)), 27, 0, true, 2));
    assert.equal((o as { code: number }).code, Code.BAD_REQUEST);
    assert.equal(r.transferCount, 0);
  });
  it('4.13 with Size1 when one body exceeds the limit; memory is released', () => {
    const r = new Block1Reassembly(new ManualClock(), { maxBodyBytes: 200 });
    const bs = blocks(body(300), 2);
    assert.equal(r.receive(peer, bs[0]).kind, 'continue');
    assert.equal(r.receive(peer, bs[1]).kind, 'continue');
    assert.equal(r.receive(peer, bs[2]).kind, 'continue');
    const o = r.receive(peer, bs[3]) as Extract<Block1Outcome, { kind: 'error' }>;
    assert.equal(o.code, Code.REQUEST_ENTITY_TOO_LARGE);
    assert.equal(o.size1, 200);
    assert.equal(r.bytesInUse, 0);
    const resp = block1ErrorResponse(o, bs[3]);
    assert.equal(getUintOption(resp, Option.SIZE1), 200);
    // an announced Size1 above the limit is refused at the first block, before storing anything
    const early = withBlock(put('/up', body(64)), 27, 0, true, 2);
    setOption(early, Option.SIZE1, fromHex('0400'));
    assert.equal((r.receive(peer, early) as { code: number }).code, Code.REQUEST_ENTITY_TOO_LARGE);
    assert.equal(r.transferCount, 0);
  });
  it('the memory limit holds across concurrent transfers (4.13, other transfers intact)', () => {
    const r = new Block1Reassembly(new ManualClock(), { maxTotalBytes: 256, maxBodyBytes: 1000 });
    const a = blocks(body(400, 1), 2, '/a');
    const b = blocks(body(400, 2), 2, '/b');
    r.receive(peer, a[0]);
    r.receive(peer, a[1]);
    r.receive(peer, b[0]);
    assert.equal(r.bytesInUse, 192);
    const o = r.receive(peer, b[1]) as Extract<Block1Outcome, { kind: 'error' }>;
    // b[1] still fits (256); the third block of either does not
    assert.equal(o.kind, 'continue');
    const over = r.receive(peer, a[2]) as Extract<Block1Outcome, { kind: 'error' }>;
    assert.equal(over.code, Code.REQUEST_ENTITY_TOO_LARGE);
    assert.equal(over.size1, 256 - 128); // what b leaves free after a was dropped
    assert.equal(r.bytesInUse, 128);
    assert.equal(r.transferCount, 1);
  });
  it('transfers are told apart by peer, path and Request-Tag (RFC 9175 §3.3)', () => {
    const r = new Block1Reassembly(new ManualClock());
    const x = blocks(body(200, 1), 2);
    const y = blocks(body(200, 2), 2);
    for (const m of y) setOption(m, Option.REQUEST_TAG, fromHex('01'));
    const outs: Block1Outcome[] = [];
    for (let i = 0; i < x.length; i++) {
      outs.push(r.receive(peer, x[i]));
      outs.push(r.receive(peer, y[i]));
    }
    const done = outs.filter((o) => o.kind === 'complete') as Extract<Block1Outcome, { kind: 'complete' }>[];
    assert.equal(done.length, 2);
    assert.ok(equalBytes(done[0].body, body(200, 1)));
    assert.ok(equalBytes(done[1].body, body(200, 2)));
    // same tag from another peer is another transfer too
    r.receive(peer, x[0]);
    assert.equal((r.receive('10.0.0.2:5683', x[1]) as { code: number }).code, Code.REQUEST_ENTITY_INCOMPLETE);
  });
  it('a transfer expires: memory freed by the timer, the next block gets 4.08', () => {
    const clock = new ManualClock();
    const r = new Block1Reassembly(clock, { expiryMs: 5000 });
    const bs = blocks(body(200), 2);
    r.receive(peer, bs[0]);
    clock.advance(4000);
    assert.equal(r.receive(peer, bs[1]).kind, 'continue'); // refreshes the deadline
    clock.advance(4000);
    assert.equal(r.transferCount, 1);
    clock.advance(1001);
    assert.equal(r.transferCount, 0);
    assert.equal(r.bytesInUse, 0);
    assert.equal(clock.pendingTimers, 0);
    assert.equal((r.receive(peer, bs[2]) as { code: number }).code, Code.REQUEST_ENTITY_INCOMPLETE);
  });
  it('too many concurrent transfers: 5.03', () => {
    const r = new Block1Reassembly(new ManualClock(), { maxTransfers: 2 });
    r.receive(peer, blocks(body(100), 2, '/a')[0]);
    r.receive(peer, blocks(body(100), 2, '/b')[0]);
    assert.equal((r.receive(peer, blocks(body(100), 2, '/c')[0]) as { code: number }).code, Code.SERVICE_UNAVAILABLE);
    assert.equal(r.transferCount, 2);
  });
  it('a server preferring smaller blocks answers 2.31 with its SZX (late negotiation)', () => {
    const r = new Block1Reassembly(new ManualClock(), { preferredSzx: 1 });
    const o = r.receive(peer, blocks(body(300), 3)[0]) as Extract<Block1Outcome, { kind: 'continue' }>;
    assert.equal(blockToString(o.block1), '0/1/32');
    // the client continues at offset 128 with 32-byte blocks: NUM 4
    const next = withBlock(put('/up', body(300).subarray(128, 160)), 27, 4, true, 1);
    assert.equal(r.receive(peer, next).kind, 'continue');
  });
});

/** A tiny in-test server built from the units: Block1 reassembly + a resource + Block2 slicing. */
function makeServer(opts: { serverSzx: number; resource?: () => Uint8Array; maxBody?: number }) {
  const clock = new ManualClock();
  const reasm = new Block1Reassembly(clock, { preferredSzx: opts.serverSzx, maxBodyBytes: opts.maxBody ?? 65536 });
  const log: string[] = [];
  let stored: Uint8Array = new Uint8Array(0);
  const sendOne = async (req: Message): Promise<Message> => {
    const b1 = readBlock(req, Option.BLOCK1);
    const b2 = readBlock(req, Option.BLOCK2);
    log.push((b1 ? '1:' + blockToString(b1) : '') + (b2 ? '2:' + blockToString(b2) : '') + (getOption(req, Option.REQUEST_TAG) ? ' tag' : ''));
    const o = reasm.receive('peer', req);
    if (o.kind === 'error') return block1ErrorResponse(o, req);
    if (o.kind === 'continue') {
      const r = createMessage({ code: Code.CONTINUE });
      writeBlock(r, Option.BLOCK1, o.block1);
      return r;
    }
    if (o.kind === 'complete') stored = o.body;
    else if (req.code === Code.PUT) stored = req.payload.slice();
    const full = createMessage({ code: req.code === Code.GET ? Code.CONTENT : Code.CHANGED, payload: req.code === Code.GET ? opts.resource?.() ?? stored : new Uint8Array(0) });
    if (o.kind === 'complete') writeBlock(full, Option.BLOCK1, o.block1);
    try {
      return sliceBlock2(req, full, opts.serverSzx);
    } catch (e) {
      return createMessage({ code: (e as CoapError).code });
    }
  };
  return { sendOne, log, stored: () => stored, reasm };
}

describe('coap-ext block-wise client against the server units', () => {
  it('downloads a large body block by block, adapting to the server SZX', async () => {
    const data = body(3000);
    const s = makeServer({ serverSzx: 4, resource: () => data });
    const r = await requestBlockwise(get('/big'), s.sendOne, { preferredSzx: 6 });
    assert.equal(r.code, Code.CONTENT);
    assert.ok(equalBytes(r.payload, data));
    assert.equal(getOption(r, Option.BLOCK2), undefined);
    assert.equal(s.log.length, Math.ceil(3000 / 256));
    assert.equal(s.log[1], '2:1/0/256');
  });
  it('uploads a large body with Block1 following the server SZX, then reads it back', async () => {
    const data = body(1500, 3);
    const s = makeServer({ serverSzx: 5 });
    const r = await requestBlockwise(put('/up', data), s.sendOne, { preferredSzx: 6 });
    assert.equal(r.code, Code.CHANGED);
    assert.ok(equalBytes(s.stored(), data));
    // first block at 1024, then the server's 512 from offset 1024: NUM 2
    assert.deepEqual(s.log, ['1:0/1/1024', '1:2/0/512']);
    const back = await requestBlockwise(get('/up'), s.sendOne, { preferredSzx: 2 });
    assert.ok(equalBytes(back.payload, data));
  });
  it('a changed representation restarts the download and still returns one consistent body', async () => {
    let version = 1;
    const s = makeServer({ serverSzx: 4, resource: () => body(1000, version) });
    let calls = 0;
    const flaky = async (req: Message) => {
      if (++calls === 2) version = 2; // changes after the first block was served
      return s.sendOne(req);
    };
    const r = await requestBlockwise(get('/big'), flaky, {});
    assert.ok(equalBytes(r.payload, body(1000, 2)));
  });
  it('a representation that keeps changing fails with BlockwiseError after the restart budget', async () => {
    let version = 1;
    const s = makeServer({ serverSzx: 4, resource: () => body(1000, version++) });
    await assert.rejects(requestBlockwise(get('/big'), s.sendOne, { maxRestarts: 2 }), BlockwiseError);
  });
  it('refuses a response body over maxBodyBytes', async () => {
    const s = makeServer({ serverSzx: 4, resource: () => body(5000) });
    await assert.rejects(requestBlockwise(get('/big'), s.sendOne, { maxBodyBytes: 2000 }), /larger than 2000/);
  });
  it('streams: a body source is read block by block, a body sink gets each block in order, no limit applies', async () => {
    const data = body(5000, 4);
    const s = makeServer({ serverSzx: 4, maxBody: 8000 });
    const reads: string[] = [];
    const source = { size: data.length, read: (o: number, n: number) => (reads.push(o + '+' + n), data.slice(o, o + n)) };
    const up = await requestBlockwise(put('/up', new Uint8Array(0)), s.sendOne, { preferredSzx: 6, bodySource: source });
    assert.equal(up.code, Code.CHANGED);
    assert.ok(equalBytes(s.stored(), data));
    assert.deepEqual(reads.slice(0, 3), ['0+1024', '1024+256', '1280+256'], 'only the block being sent is read');
    const got: string[] = [];
    const chunks: Uint8Array[] = [];
    const sink = {
      write: async (b: Uint8Array, offset: number, head: Message) => {
        got.push(offset + ':' + b.length + ':' + getUintOption(head, Option.SIZE2));
        chunks.push(b.slice());
      },
    };
    // maxBodyBytes is for collected bodies; a sink takes any size.
    const r = await requestBlockwise(get('/up'), s.sendOne, { preferredSzx: 6, maxBodyBytes: 1000, bodySink: sink });
    assert.equal(r.code, Code.CONTENT);
    assert.equal(r.payload.length, 0, 'the body went to the sink');
    assert.equal(got.length, Math.ceil(5000 / 256));
    assert.deepEqual(got.slice(0, 2), ['0:256:5000', '256:256:5000']);
    let o = 0;
    for (const c of chunks) assert.ok(equalBytes(c, data.subarray(o, (o += c.length))));
    assert.equal(o, 5000);
    // A one-block success goes to the sink too; an error response keeps its payload and touches no sink.
    got.length = 0;
    const small = makeServer({ serverSzx: 6, resource: () => body(10) });
    assert.equal((await requestBlockwise(get('/s'), small.sendOne, { bodySink: sink })).payload.length, 0);
    assert.deepEqual(got, ['0:10:undefined']);
    got.length = 0;
    const err = await requestBlockwise(put('/up', body(3000)), makeServer({ serverSzx: 6, maxBody: 1000 }).sendOne, { bodySink: sink });
    assert.equal(err.code, Code.REQUEST_ENTITY_TOO_LARGE);
    assert.deepEqual(got, []);
  });
  it('a streamed download whose representation changes fails instead of restarting (written bytes cannot be taken back)', async () => {
    let version = 1;
    const s = makeServer({ serverSzx: 4, resource: () => body(1000, version) });
    let calls = 0;
    const flaky = async (req: Message) => {
      if (++calls === 2) version = 2;
      return s.sendOne(req);
    };
    let written = 0;
    await assert.rejects(requestBlockwise(get('/big'), flaky, { bodySink: { write: (b) => void (written += b.length) } }), (e: unknown) => e instanceof BlockwiseError && /changed during the Block2 transfer/.test((e as Error).message));
    assert.equal(written, 256);
  });
  it('an upload over the server limit comes back as 4.13 with Size1', async () => {
    const s = makeServer({ serverSzx: 6, maxBody: 1000 });
    const r = await requestBlockwise(put('/up', body(3000)), s.sendOne, {});
    assert.equal(r.code, Code.REQUEST_ENTITY_TOO_LARGE);
    assert.equal(getUintOption(r, Option.SIZE1), 1000);
  });
  it('blocks that do not line up are rejected (BlockwiseError)', async () => {
    const lying = async (req: Message) => {
      const b2 = readBlock(req, Option.BLOCK2);
      const r = createMessage({ code: Code.CONTENT, payload: body(64) });
      writeBlock(r, Option.BLOCK2, { num: b2 ? b2.num + 1 : 0, more: true, szx: 2 });
      return r;
    };
    await assert.rejects(requestBlockwise(get('/x'), lying, {}), /unexpected offset/);
  });
  it('concurrent uploads to one resource carry distinct Request-Tags and do not mix', async () => {
    const tags = new RequestTagAllocator();
    const clock = new ManualClock();
    const reasm = new Block1Reassembly(clock);
    const results: Uint8Array[] = [];
    const seenTags = new Set<string>();
    // interleave the two operations: each sendOne yields to the other
    const sendOne = async (req: Message): Promise<Message> => {
      await Promise.resolve();
      seenTags.add(requestTagKey(req));
      const o = reasm.receive('peer', req);
      if (o.kind === 'continue') {
        const r = createMessage({ code: Code.CONTINUE });
        writeBlock(r, Option.BLOCK1, o.block1);
        return r;
      }
      if (o.kind === 'complete') results.push(o.body);
      return createMessage({ code: o.kind === 'complete' ? Code.CHANGED : Code.REQUEST_ENTITY_INCOMPLETE });
    };
    const a = body(600, 1);
    const b = body(600, 2);
    const [ra, rb] = await Promise.all([
      requestBlockwise(put('/same', a), sendOne, { preferredSzx: 2, requestTags: tags, operationKey: 'peer/same' }),
      requestBlockwise(put('/same', b), sendOne, { preferredSzx: 2, requestTags: tags, operationKey: 'peer/same' }),
    ]);
    assert.equal(ra.code, Code.CHANGED);
    assert.equal(rb.code, Code.CHANGED);
    assert.equal(seenTags.size, 2);
    assert.equal(results.length, 2);
    assert.ok(results.some((r) => equalBytes(r, a)) && results.some((r) => equalBytes(r, b)));
    assert.equal(tags.activeCount('peer/same'), 0);
  });
  it('without Request-Tags the same interleaving corrupts nothing silently: the server reports 4.08', async () => {
    const reasm = new Block1Reassembly(new ManualClock());
    const codes: number[] = [];
    const sendOne = async (req: Message): Promise<Message> => {
      await Promise.resolve();
      const o = reasm.receive('peer', req);
      if (o.kind === 'continue') {
        const r = createMessage({ code: Code.CONTINUE });
        writeBlock(r, Option.BLOCK1, o.block1);
        return r;
      }
      const r = createMessage({ code: o.kind === 'complete' ? Code.CHANGED : (o as { code: number }).code });
      codes.push(r.code);
      return r;
    };
    await Promise.all([requestBlockwise(put('/same', body(600, 1)), sendOne, { preferredSzx: 2 }), requestBlockwise(put('/same', body(600, 2)), sendOne, { preferredSzx: 2 })]);
    assert.ok(codes.includes(Code.REQUEST_ENTITY_INCOMPLETE));
  });
  it('a large notification whose state changes mid-download comes back whole, consistent, and still a notification', async () => {
    let version = 1;
    const s = makeServer({ serverSzx: 4, resource: () => body(1000, version) });
    const first = sliceBlock2(get('/obs'), content(body(1000, 1)), 4);
    setOption(first, Option.OBSERVE, new Uint8Array([5]));
    version = 2;
    const whole = await collectBlock2(get('/obs'), first, s.sendOne, {});
    assert.ok(equalBytes(whole.payload, body(1000, 2)));
    assert.equal(getUintOption(whole, Option.OBSERVE), 5);
    assert.equal(getOption(whole, Option.BLOCK2), undefined);
  });
  it('collectBlock2 leaves a one-block response alone', async () => {
    const one = content(body(10));
    assert.equal(await collectBlock2(get('/x'), one, async () => assert.fail('no request expected')), one);
  });
});

describe('coap-ext Request-Tag (RFC 9175 §3)', () => {
  it('absent, empty and non-empty tags are all different keys', () => {
    const a = get('/x');
    const e = get('/x');
    setOption(e, Option.REQUEST_TAG, new Uint8Array(0));
    const one = get('/x');
    setOption(one, Option.REQUEST_TAG, fromHex('01'));
    assert.equal(new Set([requestTagKey(a), requestTagKey(e), requestTagKey(one)]).size, 3);
  });
  it('the allocator never hands the same tag to two live operations on one key', () => {
    const t = new RequestTagAllocator();
    const got = [t.acquire('k'), t.acquire('k'), t.acquire('k')];
    assert.equal(got[0], undefined);
    assert.equal(new Set(got.map((g) => (g ? toHex(g) : '-'))).size, 3);
    t.release('k', got[0]);
    assert.equal(t.acquire('k'), undefined); // absent is free again
    assert.equal(t.acquire('other'), undefined); // keys are independent
    for (const g of got.slice(1)) t.release('k', g);
    t.release('k', undefined);
    assert.equal(t.activeCount('k'), 0);
  });
});

describe('coap-ext Block1 reassembly under hostile input (seeded)', () => {
  it('random blocks from many peers never throw, never exceed the memory limit, and account bytes exactly', () => {
    const clock = new ManualClock();
    const limits = { maxTotalBytes: 4096, maxBodyBytes: 2048, maxTransfers: 6, expiryMs: 3000 };
    const r = new Block1Reassembly(clock, limits);
    let s = 12345;
    const rnd = (n: number) => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return (s >>> 8) % n;
    };
    const completed: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const m = put('/p' + rnd(3), new Uint8Array(0));
      const szx = rnd(8); // includes the reserved 7
      const size = szx < 7 ? 16 << szx : 16;
      const more = rnd(4) !== 0;
      const len = rnd(5) === 0 ? rnd(size + 5) : more ? size : 1 + rnd(size);
      m.payload = new Uint8Array(len);
      setOption(m, Option.BLOCK1, new Uint8Array([(rnd(6) << 4) | (more ? 8 : 0) | szx]));
      if (rnd(10) === 0) setOption(m, Option.SIZE1, new Uint8Array([rnd(256), rnd(256)]));
      if (rnd(3) === 0) setOption(m, Option.REQUEST_TAG, new Uint8Array([rnd(2)]));
      const o = r.receive('peer' + rnd(4), m);
      if (o.kind === 'complete') {
        completed.push(o.body.length);
        assert.ok(o.body.length <= limits.maxBodyBytes);
      }
      if (szx === 7) assert.equal(o.kind, 'error');
      assert.ok(r.bytesInUse >= 0 && r.bytesInUse <= limits.maxTotalBytes);
      assert.ok(r.transferCount <= limits.maxTransfers);
      const held = [...(r as unknown as { transfers: Map<string, { received: number }> }).transfers.values()].reduce((a, t) => a + t.received, 0);
      assert.equal(held, r.bytesInUse);
      if (rnd(50) === 0) clock.advance(rnd(5000));
    }
    assert.ok(completed.length > 50, 'some transfers complete: ' + completed.length);
    clock.advance(10_000);
    assert.equal(r.bytesInUse, 0);
    assert.equal(r.transferCount, 0);
  });
  it('a malformed block in the middle of a transfer leaves the transfer as it was', () => {
    const r = new Block1Reassembly(new ManualClock());
    r.receive('p', withBlock(put('/up', body(64)), 27, 0, true, 2));
    const before = r.bytesInUse;
    assert.equal((r.receive('p', withBlock(put('/up', body(10)), 27, 1, true, 2)) as { code: number }).code, Code.BAD_REQUEST);
    const bad = put('/up', body(64));
    setOption(bad, Option.BLOCK1, fromHex('1f')); // SZX 7
    assert.equal((r.receive('p', bad) as { code: number }).code, Code.BAD_REQUEST);
    assert.equal(r.bytesInUse, before);
    assert.equal(r.receive('p', withBlock(put('/up', body(20)), 27, 1, false, 2)).kind, 'complete');
  });
});
