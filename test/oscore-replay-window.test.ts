/**
 * The replay window (src/oscore/replay.ts, RFC 8613 §7.4) against a model: a set of received
 * Partial IVs and the highest one. Windows of up to 32 positions are a number, larger ones bytes;
 * both must answer every check as the model does, and snapshot to the same bytes (the stored
 * format, src/persist), for sizes around the 32 boundary and the byte boundaries.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { toHex } from '../src/bytes.js';
import { ReplayError } from '../src/errors.js';
import { ReplayWindow } from '../src/oscore/replay.js';
import { Prng } from '../src/sim/prng.js';

const SIZES = [1, 7, 8, 9, 31, 32, 33, 40, 64, 100];

/** What the window must say about `seq`: 'new', 'replay' or 'old'. */
function modelVerdict(received: Set<number>, highest: number, size: number, seq: number): string {
  if (seq > highest) return 'new';
  if (highest - seq >= size) return 'old';
  return received.has(seq) ? 'replay' : 'new';
}

function verdict(w: ReplayWindow, seq: number): string {
  try {
    w.check(seq);
    return 'new';
  } catch (e) {
    assert.ok(e instanceof ReplayError);
    return /older than the replay window/.test(e.message) ? 'old' : 'replay';
  }
}

/** The stored mask the model implies: bit i (byte i >> 3, bit i & 7) ⇔ highest − i received. */
function modelMask(received: Set<number>, highest: number, size: number): string {
  const m = new Uint8Array((size + 7) >> 3);
  for (let i = 0; i < size; i++) if (received.has(highest - i)) m[i >> 3] |= 1 << (i & 7);
  return toHex(m);
}

describe('replay window against a model (§7.4)', () => {
  for (const size of SIZES) {
    it('size ' + size + ': accept/check agree with the model over random Partial IVs; snapshots as stored bytes', () => {
      const rng = new Prng(size);
      const w = new ReplayWindow(size);
      const received = new Set<number>();
      let highest = -1;
      for (let step = 0; step < 600; step++) {
        const r = rng.next();
        // Mostly near the top of the window, sometimes far ahead or far behind.
        const base = highest < 0 ? 0 : highest;
        const seq = Math.max(0, r % 10 === 0 ? base + (r % 97) : base - (r % (size + 3)) + (r % 3));
        const expected = modelVerdict(received, highest, size, seq);
        assert.equal(verdict(w, seq), expected, 'seq ' + seq + ' at step ' + step);
        if (expected === 'new') {
          w.accept(seq);
          received.add(seq);
          highest = Math.max(highest, seq);
        } else assert.throws(() => w.accept(seq), ReplayError);
        assert.equal(w.highestReceived, highest);
        if (step % 50 === 0) {
          const snap = w.snapshot();
          assert.ok(snap !== 'unknown');
          assert.equal(snap.size, size);
          assert.equal(snap.highest, highest);
          assert.equal(toHex(snap.mask), modelMask(received, highest, size));
          const back = new ReplayWindow(size, snap);
          for (let s = Math.max(0, highest - size - 2); s <= highest + 2; s++) assert.equal(verdict(back, s), verdict(w, s), 'restored, seq ' + s);
        }
      }
    });
  }

  it('a snapshot restored into another size: positions it did not cover count as received', () => {
    for (const [from, to] of [[32, 33], [33, 32], [20, 64], [64, 20], [1, 32], [100, 9]]) {
      const w = new ReplayWindow(from);
      for (const s of new Set([1000, 998, 1000 - from + 1])) if (1000 - s < from) w.accept(s);
      const r = new ReplayWindow(to, w.snapshot());
      for (let age = 0; age < to; age++) {
        const seq = 1000 - age;
        const stored = age < from ? verdict(w, seq) : 'replay';
        assert.equal(verdict(r, seq), stored, from + ' → ' + to + ', age ' + age);
      }
      assert.equal(verdict(r, 1000 - to), 'old');
    }
  });

  it('unknown → initialised from a fresh request: that number and every one below count as received', () => {
    for (const size of [5, 32, 33, 64]) {
      const w = new ReplayWindow(size, 'unknown');
      assert.equal(w.isUnknown, true);
      assert.equal(w.highestReceived, -1);
      assert.throws(() => w.check(7), /Replay window unknown/);
      assert.throws(() => w.accept(7), ReplayError);
      assert.equal(w.snapshot(), 'unknown');
      w.initialiseFromFreshRequest(500);
      assert.equal(w.isUnknown, false);
      for (let age = 0; age < size; age++) assert.equal(verdict(w, 500 - age), 'replay', 'size ' + size + ', age ' + age);
      assert.equal(verdict(w, 500 - size), 'old');
      const snap = w.snapshot();
      assert.ok(snap !== 'unknown');
      assert.equal(toHex(snap.mask), modelMask(new Set(Array.from({ length: size }, (_, i) => 500 - i)), 500, size));
      w.accept(501);
      assert.equal(verdict(w, 501), 'replay');
    }
  });

  it('a jump of the whole window or more forgets everything below; a forged snapshot is refused, state unchanged', () => {
    for (const size of [32, 33]) {
      const w = new ReplayWindow(size);
      for (const s of [3, 4, 5]) w.accept(s);
      w.accept(5 + size);
      assert.equal(verdict(w, 5), 'old');
      assert.equal(verdict(w, 6), 'new');
      const before = JSON.stringify(w.snapshot(), (_k, v) => (v instanceof Uint8Array ? toHex(v) : v));
      assert.throws(() => new ReplayWindow(size, { size, highest: 2, mask: new Uint8Array(1 + ((size + 7) >> 3)) }), /mask must be/);
      assert.equal(JSON.stringify(w.snapshot(), (_k, v) => (v instanceof Uint8Array ? toHex(v) : v)), before);
    }
  });
});
