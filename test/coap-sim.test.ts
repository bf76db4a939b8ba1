import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from '../src/sim/virtual-clock.js';
import { SimNetwork } from '../src/sim/sim-network.js';
import { Prng } from '../src/sim/prng.js';

describe('simulation support', () => {
  it('VirtualClock runs due timers in order, including timers they set, and only when advanced', () => {
    const c = new VirtualClock(1000);
    const log: string[] = [];
    c.setTimer(30, () => log.push('c@' + c.now()));
    c.setTimer(10, () => {
      log.push('a@' + c.now());
      c.setTimer(5, () => log.push('nested@' + c.now()));
    });
    const h = c.setTimer(20, () => log.push('cancelled'));
    c.setTimer(10, () => log.push('b@' + c.now())); // same due time: creation order
    c.clearTimer(h);
    assert.deepEqual(log, []);
    c.advance(14);
    assert.deepEqual(log, ['a@1010', 'b@1010']);
    assert.equal(c.now(), 1014);
    c.advance(100);
    assert.deepEqual(log, ['a@1010', 'b@1010', 'nested@1015', 'c@1030']);
    assert.equal(c.now(), 1114);
    assert.equal(c.pending, 0);
  });

  it('advanceAsync lets promise continuations set the next timer', async () => {
    const c = new VirtualClock();
    const sleep = (ms: number) => new Promise<void>((r) => c.setTimer(ms, r));
    const seen: number[] = [];
    const task = (async () => {
      for (let i = 0; i < 3; i++) {
        await sleep(100);
        seen.push(c.now());
      }
    })();
    await c.advanceAsync(1000);
    await task;
    assert.deepEqual(seen, [100, 200, 300]);
  });

  it('Prng is deterministic per seed and differs between seeds', () => {
    const a = new Prng(5).bytes(16);
    assert.deepEqual(new Prng(5).bytes(16), a);
    assert.notDeepEqual(new Prng(6).bytes(16), a);
    const r = new Prng(1);
    let sum = 0;
    for (let i = 0; i < 10000; i++) sum += r.float();
    assert.ok(Math.abs(sum / 10000 - 0.5) < 0.02);
  });

  it('SimNetwork: delay, MTU, loss and duplication as configured, same seed same outcome', () => {
    const run = (seed: number) => {
      const c = new VirtualClock();
      const net = new SimNetwork(c, { seed, loss: 0.3, duplicate: 0.2, delay: 10, jitter: 5, reorder: 0.5, reorderDelay: 50, mtu: 100 });
      const a = net.port('a', 1);
      const b = net.port('b', 2);
      const got: [number, number][] = [];
      b.onReceive((d, addr, port) => {
        assert.equal(addr, 'a');
        assert.equal(port, 1);
        got.push([d[0], c.now()]);
      });
      for (let i = 0; i < 200; i++) a.send(new Uint8Array([i]), 'b', 2);
      a.send(new Uint8Array(101), 'b', 2); // above the MTU
      c.advance(1000);
      return { got, stats: { ...net.stats } };
    };
    const x = run(3);
    assert.deepEqual(run(3), x);
    assert.notDeepEqual(run(4).got, x.got);
    assert.equal(x.stats.tooBig, 1);
    assert.ok(x.stats.lost > 30 && x.stats.lost < 90, JSON.stringify(x.stats));
    assert.ok(x.stats.duplicated > 10, JSON.stringify(x.stats));
    assert.equal(x.got.length, x.stats.delivered);
    assert.ok(x.got.every(([, t]) => t >= 10 && t <= 65));
    const order = x.got.map(([v]) => v);
    assert.notDeepEqual(order, [...order].sort((p, q) => p - q), 'some datagrams were reordered');
  });

  it('SimNetwork: closed ports receive nothing; the datagram is a copy', () => {
    const c = new VirtualClock();
    const net = new SimNetwork(c);
    const a = net.port('a', 1);
    const b = net.port('b', 2);
    const got: Uint8Array[] = [];
    b.onReceive((d) => got.push(d));
    const buf = new Uint8Array([1, 2, 3]);
    a.send(buf, 'b', 2);
    buf[0] = 9;
    c.advance(5);
    assert.deepEqual(got, [new Uint8Array([1, 2, 3])]);
    b.close();
    a.send(buf, 'b', 2);
    c.advance(5);
    assert.equal(got.length, 1);
    assert.equal(net.stats.unreachable, 1);
    assert.throws(() => net.port('a', 1), /in use/);
  });
});
