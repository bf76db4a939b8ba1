/**
 * A device workload for the power-cut tests and the persistence benchmark (not a test file).
 *
 * Several OSCORE security contexts (the real SenderSequence and ReplayWindow of src/oscore on a
 * FlashContextStore each) share one RecordLog on a simulated NOR flash. The device sends (takes
 * sender sequence numbers) and receives (a peer's Partial IVs into the replay window), shuts down
 * cleanly or crashes, and reboots. Every flash write and erase of the run is explored: for each
 * byte position k a copy of the flash gets the same operation cut after k bytes, is rebooted,
 * recovered and checked — no sequence number handed out before may come back, the replay window is
 * 'unknown' unless the exact one is still accurate — and then used a little (take, close, reopen)
 * to prove the recovered log keeps working. Optionally the cuts during that recovery are explored
 * too (depth 2), and the main run itself suffers random real cuts.
 */
import assert from 'node:assert/strict';
import { NorFlash, PowerCut } from '../src/sim/nor-flash.js';
import { Prng } from '../src/sim/prng.js';
import type { FlashPort } from '../src/ports.js';
import { RecordLog } from '../src/persist/record-log.js';
import { FlashContextStore } from '../src/persist/flash-context-store.js';
import { SenderSequence } from '../src/oscore/sequence.js';
import { ReplayWindow } from '../src/oscore/replay.js';
import type { ReplayState, ReplayWindowSnapshot } from '../src/oscore/store.js';
import { ReplayError } from '../src/errors.js';
import { utf8Encode } from '../src/bytes.js';

export interface WorkloadOptions {
  ops: number;
  seed: number;
  sectors: number;
  blockSize: number;
  contexts: number;
  /** Explore every k-th cut position of erases (1: every byte). Writes: every byte when writeStride is 1. */
  eraseStride: number;
  writeStride: number;
  /** 0: no exploration; 1: cuts of the run's writes; 2: also cuts of the recovery after each of those. */
  depth: number;
  /** Probability per operation of a real power cut in the main run, at a random byte. */
  mainCutRate: number;
  /** Operations between shutdowns (clean or crash), uniformly in [1, closeEvery]. */
  closeEvery: number;
  /** Share of shutdowns that are crashes rather than clean closes. */
  crashShare: number;
}

export interface WorkloadResult {
  ops: number;
  sends: number;
  receives: number;
  replaysRejected: number;
  boots: number;
  cleanCloses: number;
  crashes: number;
  mainCuts: number;
  cutPointsChecked: number;
  /** Largest count of reserved-but-unused numbers skipped by one recovery. */
  maxLost: number;
  flashWrites: number;
  flashErases: number;
}

interface Oracle {
  used: Set<number>;
  maxUsed: number;
  /** Windows a recovery may legitimately return besides 'unknown'. */
  exact: ReplayState[];
}

type Op = { kind: 'write'; offset: number; data: Uint8Array } | { kind: 'erase'; sector: number };

/** A FlashPort in front of a NorFlash that reports every write and erase before doing it. */
class ExploringFlash implements FlashPort {
  readonly blockSize: number;
  readonly byteLength: number;
  enabled = true;
  constructor(readonly inner: NorFlash, private readonly explore: (op: Op) => void) {
    this.blockSize = inner.blockSize;
    this.byteLength = inner.byteLength;
  }
  read(offset: number, length: number): Uint8Array {
    return this.inner.read(offset, length);
  }
  write(offset: number, data: Uint8Array): void {
    if (this.enabled) this.explore({ kind: 'write', offset, data: data.slice() });
    this.inner.write(offset, data);
  }
  erase(sector: number): void {
    if (this.enabled) this.explore({ kind: 'erase', sector });
    this.inner.erase(sector);
  }
}

function apply(f: FlashPort, op: Op): void {
  if (op.kind === 'write') f.write(op.offset, op.data);
  else f.erase(op.sector);
}

function positions(size: number, stride: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < size; k++) if (stride <= 1 || k < 4 || k >= size - 4 || k % stride === 0) out.push(k);
  return out;
}

function sameWindow(a: ReplayState, b: ReplayState): boolean {
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  if (a.size !== b.size || a.highest !== b.highest || a.mask.length !== b.mask.length) return false;
  for (let i = 0; i < a.mask.length; i++) if (a.mask[i] !== b.mask[i]) return false;
  return true;
}

export function runWorkload(o: WorkloadOptions): WorkloadResult {
  const rng = new Prng(o.seed);
  const keys = Array.from({ length: o.contexts }, (_, i) => utf8Encode('ctx' + i));
  const oracle: Oracle[] = keys.map(() => ({ used: new Set<number>(), maxUsed: -1, exact: ['fresh'] }));
  const peer = keys.map(() => ({ next: 0, received: new Set<number>(), recent: [] as number[] }));
  const r: WorkloadResult = { ops: 0, sends: 0, receives: 0, replaysRejected: 0, boots: 0, cleanCloses: 0, crashes: 0, mainCuts: 0, cutPointsChecked: 0, maxLost: 0, flashWrites: 0, flashErases: 0 };

  /** Recovery checks shared by the main run and every explored cut. Returns the opened stores. */
  const checkLoaded = (ctx: number, loaded: { nextSeq: number; window: ReplayState }) => {
    const or = oracle[ctx];
    assert.ok(loaded.nextSeq > or.maxUsed, `ctx${ctx}: recovered next seq ${loaded.nextSeq} ≤ a used one (${or.maxUsed})`);
    r.maxLost = Math.max(r.maxLost, loaded.nextSeq - (or.maxUsed + 1));
    if (loaded.window !== 'unknown') assert.ok(or.exact.some((w) => sameWindow(w, loaded.window)), `ctx${ctx}: recovered a stale replay window`);
  };

  const verifyRecovered = (flash: NorFlash, depth: number): void => {
    r.cutPointsChecked++;
    const front = new ExploringFlash(flash, (op) => { if (depth < o.depth) explore(flash, op, depth + 1); });
    front.enabled = depth < o.depth;
    const log = RecordLog.open(front);
    front.enabled = false;
    // Use the recovered log: take numbers, close, reopen: the exact state must come back.
    const closed: { nextSeq: number; window: ReplayWindowSnapshot | 'unknown' }[] = [];
    keys.forEach((key, ctx) => {
      const store = FlashContextStore.open(log, key);
      const loaded = store.load();
      checkLoaded(ctx, loaded);
      const seq = new SenderSequence(store, loaded.nextSeq);
      for (let i = 0; i < 2; i++) assert.ok(!oracle[ctx].used.has(seq.take()), 'a used number came back after recovery');
      const window = new ReplayWindow(32, loaded.window).snapshot();
      store.close(seq.next, window);
      closed.push({ nextSeq: seq.next, window });
    });
    const again = RecordLog.open(flash);
    keys.forEach((key, ctx) => {
      const loaded = FlashContextStore.open(again, key).load();
      assert.equal(loaded.nextSeq, closed[ctx].nextSeq);
      assert.ok(sameWindow(loaded.window, closed[ctx].window), 'window not exact after a clean close');
    });
  };

  /** Try the operation on copies of `flash`, cut after every (k-th) byte, and verify each. */
  const explore = (flash: NorFlash, op: Op, depth: number): void => {
    const size = op.kind === 'write' ? op.data.length : flash.blockSize;
    for (const k of positions(size, op.kind === 'write' ? o.writeStride : o.eraseStride)) {
      const copy = flash.clone({ seed: k * 31 + depth });
      copy.cutPowerAfter(k);
      assert.throws(() => apply(copy, op), PowerCut);
      copy.reboot();
      try {
        verifyRecovered(copy, depth);
      } catch (e) {
        if (e instanceof Error) e.message = '[cut depth ' + depth + ' ' + (op.kind === 'write' ? 'write ' + op.data.length + '@' + op.offset : 'erase ' + op.sector) + ' after ' + k + '] ' + e.message;
        throw e;
      }
    }
  };

  const main = new NorFlash({ sectors: o.sectors, blockSize: o.blockSize, seed: o.seed });
  const front = new ExploringFlash(main, (op) => { if (o.depth > 0) explore(main, op, 1); });
  front.enabled = false;
  {
    const log = RecordLog.open(front);
    for (const key of keys) FlashContextStore.create(log, key);
  }
  front.enabled = true;

  let ops = 0;
  while (ops < o.ops) {
    // Boot.
    r.boots++;
    let log: RecordLog;
    const stores: FlashContextStore[] = [];
    const senders: SenderSequence[] = [];
    const windows: ReplayWindow[] = [];
    try {
      log = RecordLog.open(front);
      keys.forEach((key, ctx) => {
        const store = FlashContextStore.open(log, key);
        const loaded = store.load();
        checkLoaded(ctx, loaded);
        stores.push(store);
        senders.push(new SenderSequence(store, loaded.nextSeq));
        windows.push(new ReplayWindow(32, loaded.window));
      });
    } catch (e) {
      if (!(e instanceof PowerCut)) throw e;
      r.mainCuts++;
      main.reboot();
      continue;
    }
    // No replay is accepted after a boot, whatever the window's state.
    keys.forEach((_, ctx) => {
      for (const s of peer[ctx].recent) {
        assert.throws(() => windows[ctx].accept(s), ReplayError);
        r.replaysRejected++;
      }
    });
    const runFor = 1 + rng.int(o.closeEvery);
    let crashed = false;
    for (let i = 0; i < runFor && ops < o.ops; i++, ops++) {
      if (o.mainCutRate > 0 && rng.float() < o.mainCutRate) main.cutPowerAfter(rng.int(400));
      const ctx = rng.int(keys.length);
      const or = oracle[ctx];
      const p = peer[ctx];
      try {
        if (rng.int(2) === 0) {
          const s = senders[ctx].take();
          assert.ok(!or.used.has(s), 'sequence number ' + s + ' reused');
          or.used.add(s);
          or.maxUsed = Math.max(or.maxUsed, s);
          r.sends++;
        } else {
          const w = windows[ctx];
          if (w.isUnknown) {
            // App. B.1.2: the request is answered with Echo; its repetition (new Partial IV) proves freshness.
            const fresh = p.next++;
            w.initialiseFromFreshRequest(fresh);
            p.received.add(fresh);
            or.exact = [];
          }
          const s = p.next;
          p.next += rng.int(8) === 0 ? 2 : 1;
          assert.ok(!p.received.has(s));
          w.accept(s);
          p.received.add(s);
          p.recent.push(s);
          if (p.recent.length > 4) p.recent.shift();
          or.exact = [];
          const replay = p.recent[rng.int(p.recent.length)];
          assert.throws(() => w.accept(replay), ReplayError);
          r.replaysRejected++;
          r.receives++;
        }
      } catch (e) {
        if (!main.isOff) throw e;
        crashed = true;
        break;
      }
      if (main.isOff) { crashed = true; break; }
    }
    r.ops = ops;
    if (crashed) {
      r.mainCuts++;
      main.reboot();
      continue;
    }
    if (rng.float() < o.crashShare) {
      r.crashes++;
      continue; // power simply goes away between writes
    }
    try {
      keys.forEach((_, ctx) => {
        const snapshot = windows[ctx].snapshot();
        // The close being written may survive a cut (a fully programmed commit): both states are fine.
        oracle[ctx].exact.push(snapshot);
        stores[ctx].close(senders[ctx].next, snapshot);
        oracle[ctx].exact = [snapshot];
      });
      r.cleanCloses++;
      // A clean shutdown must come back exactly.
      const check = RecordLog.open(main.clone());
      keys.forEach((key, ctx) => {
        const loaded = FlashContextStore.open(check, key).load();
        assert.equal(loaded.nextSeq, senders[ctx].next, 'next seq not exact after a clean close');
        assert.ok(sameWindow(loaded.window, windows[ctx].snapshot()), 'window not exact after a clean close');
      });
    } catch (e) {
      if (!(e instanceof PowerCut)) throw e;
      r.mainCuts++;
      main.reboot();
    }
  }
  main.reboot();
  r.flashWrites = main.writes;
  r.flashErases = main.erases;
  return r;
}
