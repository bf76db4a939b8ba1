import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { simWorld } from './coap-support.js';
import { TimeoutError } from '../src/errors.js';
import { Code } from '../src/coap/numbers.js';

/**
 * RFC 7252 §4 under a hostile network: 20 % loss, 10 % duplication, 30 % reordering.
 * Every CON exchange either completes with the response to *its* request or fails with
 * TimeoutError; no request reaches a resource twice; no timer is left behind.
 */
async function lossyRun(seed: number, loss = 0.2) {
  const w = simWorld({ loss, duplicate: 0.1, reorder: 0.3, reorderDelay: 1500, delay: 5, jitter: 20 }, seed);
  const srv = w.endpoint('srv');
  const seen = new Map<string, number>();
  const count = (id: string) => seen.set(id, (seen.get(id) ?? 0) + 1);
  srv.resource('/fast', { POST: (req) => { count(req.text()); return { code: Code.CHANGED, payload: 'ack:' + req.text() }; } });
  srv.resource('/slow', {
    POST: (req) => {
      count(req.text());
      // slower than emptyAckDelay: empty ACK first, then a separate CON response
      return new Promise((resolve) => w.clock.setTimer(1500, () => resolve({ code: Code.CHANGED, payload: 'ack:' + req.text() })));
    },
  });
  const outcomes: { ok: number; timeout: number; wrong: number; other: string[] } = { ok: 0, timeout: 0, wrong: 0, other: [] };
  const clients = [0, 1, 2].map((i) => w.endpoint('cli' + i));
  let running = clients.length;
  const runs = clients.map(async (cli, ci) => {
    for (let i = 0; i < 25; i++) {
      const id = ci + '-' + i;
      try {
        const r = await cli.request({ uri: 'coap://srv/' + (i % 3 === 0 ? 'slow' : 'fast'), method: 'POST', payload: id });
        if (r.text() === 'ack:' + id) outcomes.ok++;
        else outcomes.wrong++;
      } catch (e) {
        if (e instanceof TimeoutError) outcomes.timeout++;
        else outcomes.other.push(String(e));
      }
    }
    running--;
  });
  // Drive the virtual clock timer by timer until every client is done.
  while (running > 0) {
    const next = w.clock.nextDue();
    await w.clock.advanceAsync(next === undefined ? 1 : Math.max(0, next - w.clock.now()));
  }
  await Promise.all(runs);
  for (const c of clients) c.close();
  srv.close();
  await w.clock.runAll();
  return { outcomes, seen, w };
}

describe('coap over a lossy simulated network', () => {
  for (const seed of [1, 2, 3]) {
    it('seed ' + seed + ': every CON exchange completes or times out; no duplicate delivery', async (t) => {
      const { outcomes, seen, w } = await lossyRun(seed);
      t.diagnostic('seed ' + seed + ' ' + JSON.stringify(outcomes) + ' ' + JSON.stringify(w.network.stats));
      assert.deepEqual(outcomes.other, []);
      assert.equal(outcomes.wrong, 0);
      assert.equal(outcomes.ok + outcomes.timeout, 75);
      assert.ok(outcomes.ok >= 65, 'most exchanges complete: ' + JSON.stringify(outcomes));
      for (const [id, n] of seen) assert.equal(n, 1, 'request ' + id + ' delivered ' + n + ' times');
      assert.ok(seen.size >= outcomes.ok);
      // the network really was hostile
      assert.ok(w.network.stats.lost > 10 && w.network.stats.duplicated > 5, JSON.stringify(w.network.stats));
      assert.equal(w.clock.pending, 0);
    });
  }

  it('60 % loss: timeouts happen, and still no request reaches a resource twice', async (t) => {
    const { outcomes, seen, w } = await lossyRun(4, 0.6);
    t.diagnostic(JSON.stringify(outcomes) + ' ' + JSON.stringify(w.network.stats));
    assert.deepEqual(outcomes.other, []);
    assert.equal(outcomes.wrong, 0);
    assert.equal(outcomes.ok + outcomes.timeout, 75);
    assert.ok(outcomes.timeout > 0 && outcomes.ok > 0);
    for (const [id, n] of seen) assert.equal(n, 1, 'request ' + id + ' delivered ' + n + ' times');
    assert.equal(w.clock.pending, 0);
  });
});
