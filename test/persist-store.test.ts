/**
 * FlashContextStore (RFC 8613 App. B.1): sender reservations in chunks 10 → 10,000 (B.1.1), the
 * replay window marked 'unknown' before OSCORE runs and exact after a clean close (B.1.2), every
 * rejection path leaving the flash unchanged, moving a context, the rate-bounded chunk rule, and
 * the wear of a long run (the full 10^6-message figures are in the benchmark).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NorFlash } from '../src/sim/nor-flash.js';
import { RecordLog, counterLength } from '../src/persist/record-log.js';
import { FlashContextStore, doublingChunks, rateBoundedChunks, SEQUENCE_SPACE } from '../src/persist/flash-context-store.js';
import { exportContextState, destroyContext } from '../src/persist/context-move.js';
import { SenderSequence } from '../src/oscore/sequence.js';
import { ReplayWindow } from '../src/oscore/replay.js';
import { ContextUnavailable, LoadError } from '../src/errors.js';
import { utf8Encode, toHex } from '../src/bytes.js';

const KEY = utf8Encode('ctx');

function fresh(sectors = 2, blockSize = 4096) {
  const flash = new NorFlash({ sectors, blockSize });
  const log = RecordLog.open(flash);
  FlashContextStore.create(log, KEY);
  return { flash, log };
}

/** Run `fn` and check it throws `err` and leaves every byte of the flash as it was. */
function rejectsUnchanged(flash: NorFlash, fn: () => unknown, err: Function | RegExp) {
  const before = toHex(flash.bytes);
  const writes = flash.writes;
  assert.throws(fn, err as RegExp);
  assert.equal(toHex(flash.bytes), before);
  assert.equal(flash.writes, writes);
}

describe('FlashContextStore', () => {
  it('reserves in chunks 10, 20, 40, … up to 10,000, one write each', () => {
    const { flash, log } = fresh();
    const store = FlashContextStore.open(log, KEY);
    const { nextSeq, window } = store.load();
    assert.equal(nextSeq, 0);
    assert.equal(window, 'fresh');
    assert.equal(store.reservedLimit, 10, 'load marks the window unknown together with the first chunk');
    const seq = new SenderSequence(store, nextSeq);
    const limits: number[] = [store.reservedLimit];
    for (let i = 0; i < 60000; i++) {
      seq.take();
      if (store.reservedLimit !== limits[limits.length - 1]) limits.push(store.reservedLimit);
    }
    const chunks = limits.map((l, i) => (i === 0 ? l : l - limits[i - 1]));
    assert.deepEqual(chunks, [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 5120, 10000, 10000, 10000, 10000, 10000]);
    assert.equal(store.writes, chunks.length);
    assert.equal(flash.writes, 4 * (1 + chunks.length), 'record, commit and its bit in the two counters per write (create included)');
  });

  it('after a crash: resumes at the stored limit with an unknown window and writes nothing at load', () => {
    const { flash, log } = fresh();
    const store = FlashContextStore.open(log, KEY);
    const seq = new SenderSequence(store, store.load().nextSeq);
    for (let i = 0; i < 25; i++) seq.take(); // limit 10 → 30
    const writes = flash.writes;
    const again = FlashContextStore.open(RecordLog.open(flash), KEY);
    const loaded = again.load();
    assert.deepEqual(loaded, { nextSeq: 30, window: 'unknown' });
    assert.equal(flash.writes, writes, 'the stored window was already unknown');
    assert.equal(again.reserve(31), 40, 'the chunk restarts at 10 after a boot');
  });

  it('a clean close stores the exact state; the next load hands it out once and marks it unknown at once', () => {
    const { flash, log } = fresh();
    const store = FlashContextStore.open(log, KEY);
    const loaded = store.load();
    const seq = new SenderSequence(store, loaded.nextSeq);
    const w = new ReplayWindow(64, loaded.window);
    for (let i = 0; i < 17; i++) seq.take();
    for (const s of [3, 5, 9, 4, 40]) w.accept(s);
    const snapshot = w.snapshot();
    store.close(seq.next, snapshot);
    const log2 = RecordLog.open(flash);
    const s2 = FlashContextStore.open(log2, KEY);
    assert.deepEqual(s2.load(), { nextSeq: 17, window: snapshot });
    // A crash now must not bring the exact (soon stale) window back.
    const s3 = FlashContextStore.open(RecordLog.open(flash), KEY);
    assert.deepEqual(s3.load(), { nextSeq: 27, window: 'unknown' });
  });

  it('rejections leave the flash unchanged', () => {
    const { flash, log } = fresh();
    rejectsUnchanged(flash, () => FlashContextStore.create(log, KEY), LoadError);
    rejectsUnchanged(flash, () => FlashContextStore.open(log, utf8Encode('nope')), LoadError);
    const store = FlashContextStore.open(log, KEY);
    rejectsUnchanged(flash, () => store.reserve(1), /load\(\) first/);
    store.load();
    rejectsUnchanged(flash, () => store.load(), /once/);
    rejectsUnchanged(flash, () => store.reserve(SEQUENCE_SPACE + 1), RangeError);
    rejectsUnchanged(flash, () => store.reserve(-1), RangeError);
    rejectsUnchanged(flash, () => store.reserve(1.5), RangeError);
    rejectsUnchanged(flash, () => store.close(5, { size: 32, highest: 3, mask: new Uint8Array(3) }), RangeError);
    rejectsUnchanged(flash, () => store.close(5, { size: 32, highest: SEQUENCE_SPACE, mask: new Uint8Array(4) }), RangeError);
    rejectsUnchanged(flash, () => exportContextState(store), /after close/);
    rejectsUnchanged(flash, () => destroyContext(store), /after close/);
    store.close(0, 'unknown');
    rejectsUnchanged(flash, () => store.reserve(100), /no close/);
    rejectsUnchanged(flash, () => store.close(0, 'unknown'), /once/);
    // Going below a loaded sequence number would hand out numbers again.
    const s2 = FlashContextStore.open(RecordLog.open(flash), KEY);
    s2.load(); // writes the marker
    rejectsUnchanged(flash, () => s2.close(-1, 'unknown'), RangeError);
    const { flash: f3, log: l3 } = fresh();
    const s3 = FlashContextStore.open(l3, KEY);
    const seq = new SenderSequence(s3, s3.load().nextSeq);
    for (let i = 0; i < 10; i++) seq.take();
    const s4 = FlashContextStore.open(RecordLog.open(f3), KEY);
    assert.equal(s4.load().nextSeq, 10);
    rejectsUnchanged(f3, () => s4.close(9, 'unknown'), RangeError);
  });

  it('malformed or damaged stored state is a LoadError, never a guess', () => {
    const { flash, log } = fresh();
    log.append(KEY, new Uint8Array([0, 0, 0, 0, 0, 0, 9])); // unknown window kind
    assert.throws(() => FlashContextStore.open(RecordLog.open(flash), KEY), LoadError);
    log.append(KEY, new Uint8Array([0, 0, 0, 0, 0, 2])); // seq 2^41: beyond 2^40
    assert.throws(() => FlashContextStore.open(RecordLog.open(flash), KEY), LoadError);
    log.append(KEY, new Uint8Array([0, 0, 0, 0, 0, 0, 2, 32, 0, 0, 0, 0, 0, 0, 0, 1])); // mask too short
    assert.throws(() => FlashContextStore.open(RecordLog.open(flash), KEY), LoadError);
    // Damage in the middle of the log, before newer records of another key.
    const f2 = new NorFlash({ sectors: 2, blockSize: 4096 });
    const l2 = RecordLog.open(f2);
    FlashContextStore.create(l2, KEY);
    const s = FlashContextStore.open(l2, KEY);
    s.load();
    s.reserve(100);
    FlashContextStore.create(l2, utf8Encode('other'));
    f2.bytes[2 * counterLength(4096) + 60 + 18] ^= 0x10; // inside KEY's newest record (the reservation), before 'other'
    const l3 = RecordLog.open(f2);
    assert.equal(l3.recovery.damagedKeys, 1);
    assert.throws(() => FlashContextStore.open(l3, KEY), LoadError);
    assert.throws(() => FlashContextStore.open(RecordLog.open(f2), KEY), LoadError, 'the damage mark is durable');
    assert.deepEqual(FlashContextStore.open(l3, utf8Encode('other')).load().window, 'fresh');
    // A context lost entirely cannot be told from a new one: creating needs new keys, durably.
    const l4 = RecordLog.open(f2);
    assert.ok(l4.damageSeen);
    rejectsUnchanged(f2, () => FlashContextStore.create(l4, utf8Encode('lost?')), LoadError);
    FlashContextStore.create(l4, utf8Encode('lost?'), undefined, { newKeyMaterial: true });
  });

  it('a failed reservation (power cut) hands out no number; after reboot the sender resumes at the old limit', () => {
    const { flash, log } = fresh();
    const store = FlashContextStore.open(log, KEY);
    const seq = new SenderSequence(store, store.load().nextSeq);
    for (let i = 0; i < 10; i++) seq.take();
    flash.cutPowerAfter(5);
    assert.throws(() => seq.take(), ContextUnavailable);
    assert.equal(seq.next, 10);
    assert.equal(store.reservedLimit, 10);
    flash.reboot();
    assert.deepEqual(FlashContextStore.open(RecordLog.open(flash), KEY).load(), { nextSeq: 10, window: 'unknown' });
  });

  it('moves a context: export after close, destroy the source, create on the target', () => {
    const a = fresh();
    const src = FlashContextStore.open(a.log, KEY);
    const seq = new SenderSequence(src, src.load().nextSeq);
    for (let i = 0; i < 42; i++) seq.take();
    const w = new ReplayWindow(32, 'fresh');
    w.accept(7);
    src.close(seq.next, w.snapshot());
    const state = exportContextState(src);
    destroyContext(src);
    assert.throws(() => FlashContextStore.open(RecordLog.open(a.flash), KEY), LoadError, 'the source cannot be opened again');
    const target = new NorFlash({ sectors: 4 });
    const dst = FlashContextStore.create(RecordLog.open(target), KEY, state);
    assert.deepEqual(FlashContextStore.open(RecordLog.open(target), KEY).load(), { nextSeq: 42, window: w.snapshot() });
    assert.ok(dst);
    assert.throws(() => FlashContextStore.open(RecordLog.open(new NorFlash()), KEY), LoadError);
  });

  it('rate-bounded chunks: like aiocoap at low rates, writes per hour bounded at high rates', () => {
    const perHour = (rate: number, rule: 'doubling' | 'rate') => {
      let now = 0;
      const { log } = fresh(8);
      const store = FlashContextStore.open(log, KEY, { chunks: rule === 'rate' ? rateBoundedChunks(() => now, 60000) : doublingChunks() });
      store.load();
      // Every number of a chunk is used before the next reservation: jump from chunk to chunk.
      let used = store.reservedLimit;
      const n = rate * 3600 * 3;
      while (used < n) {
        now = (used * 1000) / rate;
        used = store.reserve(used + 1);
      }
      return store.writes / 3;
    };
    const d1000 = perHour(1000, 'doubling');
    const r1000 = perHour(1000, 'rate');
    const d1 = perHour(1, 'doubling');
    const r1 = perHour(1, 'rate');
    assert.ok(d1000 >= 360 && d1000 <= 365, 'doubling at 1000/s: ' + d1000);
    assert.ok(r1000 <= 60, 'rate-bounded at 1000/s: ' + r1000);
    assert.equal(r1, d1, 'at 1 msg/s both rules write the same');
    const chunks = rateBoundedChunks(() => 0);
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map(() => chunks.next()), [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 5120, 10000, 20000]);
  });

  it('wear: 300,000 messages on a 2-sector partition erase nothing; erases spread over 8 sectors', () => {
    const { flash, log } = fresh(2, 4096);
    const store = FlashContextStore.open(log, KEY);
    const seq = new SenderSequence(store, store.load().nextSeq);
    for (let i = 0; i < 300000; i++) seq.take();
    assert.equal(flash.erases, 0);
    assert.ok(store.writes <= 11 + 30, 'writes ' + store.writes);
    // Many boots on small sectors force rotations: every sector takes its share.
    const f8 = new NorFlash({ sectors: 8, blockSize: 256 });
    RecordLog.open(f8);
    FlashContextStore.create(RecordLog.open(f8), KEY);
    for (let boot = 0; boot < 400; boot++) {
      const s = FlashContextStore.open(RecordLog.open(f8), KEY);
      const q = new SenderSequence(s, s.load().nextSeq);
      for (let i = 0; i < 40; i++) q.take();
      s.close(q.next, 'unknown');
    }
    const e = f8.erasesPerSector;
    assert.ok(Math.max(...e) - Math.min(...e) <= 1 && Math.min(...e) > 10, 'erases per sector ' + e.join(','));
  });
});
