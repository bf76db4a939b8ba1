/**
 * XS side of bench/persist.bench.ts: computrons (xsnap metering) of a reservation write, of boot
 * recovery (RecordLog.open) on a 2- and an 8-sector partition holding a realistic log, of opening
 * and loading one context, and of the simulated flash itself (to subtract: on the device the
 * flash driver is native). Prints one XS-RESULT line.
 */
import { meter } from '../../test/harness/xs-meter.js';
import { report } from '../xs-report.js';
import { NorFlash } from '../../src/sim/nor-flash.js';
import { RecordLog } from '../../src/persist/record-log.js';
import { FlashContextStore } from '../../src/persist/flash-context-store.js';
import { utf8Encode } from '../../src/bytes.js';

const out: Record<string, number> = {};
const keys = [0, 1, 2, 3].map((i) => utf8Encode('oscore-ctx-' + i));

/** A partition with 4 contexts and its active sector about half full of records. */
function partition(sectors: number): NorFlash {
  const flash = new NorFlash({ sectors, blockSize: 4096 });
  const log = RecordLog.open(flash);
  for (const k of keys) FlashContextStore.create(log, k);
  for (let boot = 0; boot < 8; boot++) {
    for (const k of keys) {
      const s = FlashContextStore.open(log, k);
      const { nextSeq } = s.load();
      for (let i = 0; i < 4; i++) s.reserve(s.reservedLimit + 1);
      s.close(nextSeq + 100, { size: 32, highest: 1000, mask: new Uint8Array(4).fill(0xff) });
    }
  }
  return flash;
}

for (const sectors of [2, 8]) {
  const flash = partition(sectors);
  RecordLog.open(flash.clone());
  out[`recover-${sectors}`] = meter(() => { RecordLog.open(flash.clone()); }) ?? NaN;
  out[`clone-${sectors}`] = meter(() => { flash.clone(); }) ?? NaN;
}

{
  const flash = partition(2);
  const log = RecordLog.open(flash);
  out['open-load'] = meter(() => { FlashContextStore.open(log, keys[0]).load(); }) ?? NaN;
  const store = FlashContextStore.open(log, keys[1]);
  store.load();
  const reps = 20;
  out['reserve'] = Math.round((meter(() => { store.reserve(store.reservedLimit + 1); }, reps) ?? NaN) / reps);
  out['reserve-no-write'] = Math.round((meter(() => { store.reserve(store.reservedLimit); }, reps) ?? NaN) / reps);
  const f = new NorFlash({ sectors: 2, blockSize: 4096 });
  let at = 0;
  const rec = new Uint8Array(32).fill(0x5a);
  const zero = new Uint8Array(4);
  out['sim-flash-write'] = Math.round((meter(() => { f.write(at, rec); f.write(at + 4, zero); at += 32; }, reps) ?? NaN) / reps);
}
report(out);
