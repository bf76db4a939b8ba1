/** XS side of bench/group.bench.ts: computrons per Group OSCORE protect and verify (xsnap metering). */
import { meter } from '../../test/harness/xs-meter.js';
import { report } from '../xs-report.js';
import { groupWorkload } from '../group-workload.js';

const REPS = 4;
const out: Record<string, number> = {};
for (const sig of [-8, -7] as const) {
  const w = groupWorkload(sig, REPS + 1);
  for (const mode of ['group', 'pairwise'] as const) {
    const protect = w.protect(mode);
    const verify = w.verify(mode);
    protect();
    verify();
    out[sig + ':' + mode + ':protect'] = Math.round((meter(protect, REPS) ?? NaN) / REPS);
    out[sig + ':' + mode + ':verify'] = Math.round((meter(verify, REPS) ?? NaN) / REPS);
  }
}
report(out);
