/**
 * Soak: an OSCORE client and server over loopback UDP (targets/node) for a bounded time, four
 * request loops at once — protected POST, Block-wise GET (RFC 7959 Block2) and PUT (Block1) — and
 * an Observe stream notified every 50 ms. Every exchange either returns exactly what was sent /
 * expected or fails with a typed error (none is lost silently); notifications arrive in order;
 * the heap after GC stays flat. SOAK_MS sets the duration (default 4 s; `node scripts/soak.mjs`).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { openNodeEndpoint } from '../targets/node/coap.js';
import { nodeClock, nodeRandom } from '../targets/node/ports.js';
import { oscoreLayer } from '../src/coap/oscore-layer.js';
import { contextLookup } from '../src/oscore/unprotect.js';
import { contextPair } from './fuzz/oscore-world.js';
import { Code } from '../src/coap/numbers.js';
import { OscoreXsError } from '../src/errors.js';

setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;
const DURATION = Number(process.env.SOAK_MS ?? 4000);
const BIG = 'abcdefghij'.repeat(250); // 2,500 bytes: ten 256-byte blocks

function heapMB(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 1048576;
}

describe('soak over loopback UDP', () => {
  it('protected requests with Block-wise and Observe: nothing lost silently, heap flat', async () => {
    const { client: cctx, server: sctx } = contextPair('01', '');
    const { endpoint: srv, udp } = await openNodeEndpoint({ host: '127.0.0.1', oscore: oscoreLayer({ lookup: contextLookup([sctx]), clock: nodeClock, random: nodeRandom }), blockwise: { preferredSzx: 4 } });
    let tick = 0;
    srv.resource('/r', { POST: (q) => ({ code: Code.CHANGED, payload: q.text() }) }, { requireOscore: true });
    srv.resource('/big', { GET: () => ({ payload: BIG }) }, { requireOscore: true });
    srv.resource('/up', { PUT: (q) => ({ code: Code.CHANGED, payload: String(q.payload.length) + ':' + q.text().slice(-8) }) }, { requireOscore: true });
    srv.resource('/obs', { GET: () => ({ payload: String(tick) }) }, { requireOscore: true, observable: true });
    const { endpoint: cli } = await openNodeEndpoint({ host: '127.0.0.1', oscore: oscoreLayer({ contextFor: () => cctx }), blockwise: { preferredSzx: 4 } });
    const base = 'coap://127.0.0.1:' + udp.localPort;
    const stats = { started: 0, ok: 0, typedErrors: 0, wrong: 0, notifications: 0, outOfOrder: 0 };
    const heap: number[] = [];
    const end = Date.now() + DURATION;
    // Everything opened is closed in `finally`, whatever fails (sockets and timers would keep Node alive).
    const notifier = setInterval(() => (tick++, srv.notify('/obs')), 50);
    let observation: ReturnType<typeof cli.observe> | undefined;
    let watching: Promise<void> | undefined;
    try {
      observation = cli.observe({ uri: base + '/obs' });
      const stream = observation;
      watching = (async () => {
        let last = -1;
        for await (const n of stream) {
          const v = Number(n.text());
          if (v < last) stats.outOfOrder++;
          last = v;
          stats.notifications++;
        }
      })().catch((e) => { if (!(e instanceof OscoreXsError)) throw e; });
      const loop = async (w: number) => {
        for (let i = 0; Date.now() < end; i++) {
          stats.started++;
          const id = 'w' + w + '-' + i;
          try {
            const kind = (i + w) % 3;
            if (kind === 0) {
              const r = await cli.request({ uri: base + '/r', method: 'POST', payload: id });
              r.text() === id && r.codeString === '2.04' ? stats.ok++ : stats.wrong++;
            } else if (kind === 1) {
              const r = await cli.request({ uri: base + '/big' });
              r.text() === BIG ? stats.ok++ : stats.wrong++;
            } else {
              const body = id.padStart(1000 + (i % 700), '#');
              const r = await cli.request({ uri: base + '/up', method: 'PUT', payload: body });
              r.text() === body.length + ':' + body.slice(-8) ? stats.ok++ : stats.wrong++;
            }
          } catch (e) {
            if (!(e instanceof OscoreXsError)) throw e;
            stats.typedErrors++;
          }
          if (i % 50 === 0 && (heap.length === 0 || Date.now() > end - DURATION * (1 - heap.length / 8))) heap.push(heapMB());
        }
      };
      await Promise.all([0, 1, 2, 3].map(loop));
    } finally {
      clearInterval(notifier);
      await observation?.cancel();
      await watching;
      cli.close();
      srv.close();
    }
    heap.push(heapMB());
    const growth = heap[heap.length - 1] - heap[1 < heap.length - 1 ? 1 : 0];
    const report = JSON.stringify({ ...stats, seconds: DURATION / 1000, heapMB: heap.map((h) => Math.round(h * 10) / 10) });
    console.log('# soak ' + report);
    assert.equal(stats.wrong, 0, report);
    assert.equal(stats.started, stats.ok + stats.typedErrors, report);
    assert.ok(stats.ok > 20 && stats.notifications > 10 && stats.outOfOrder === 0, report);
    assert.ok(growth < 3, 'heap grew ' + growth.toFixed(1) + ' MB: ' + report);
  });
});
