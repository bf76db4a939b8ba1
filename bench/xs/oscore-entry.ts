/** XS side of bench/oscore.bench.ts: computrons per operation (xsnap metering). */
import { meter } from '../../test/harness/xs-meter.js';
import { report } from '../xs-report.js';
import { makeWorkload } from '../oscore-workload.js';

const REPS = 50;
const w = makeWorkload();
function perOp(fn: () => void): number {
  fn();
  return Math.round((meter(fn, REPS) ?? NaN) / REPS);
}
report({ request: perOp(w.protectUnprotectRequest), response: perOp(w.protectUnprotectResponse), bare: perOp(w.bareCcm), bareResponse: perOp(w.bareCcmResponse) });
