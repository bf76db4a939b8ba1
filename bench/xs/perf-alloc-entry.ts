/**
 * Evaluated in xsnap-worker by bench/perf.bench.ts, target 4: XS slots allocated per protected
 * exchange. The worker reports its live slot count after every delivery; between `gc()` and a run
 * of k exchanges no collection happens (the heap starts at 256 K slots), so the growth divided by
 * k is what one exchange allocates: objects, closures, arrays, typed-array headers. Byte buffers
 * live in the chunk heap, which the worker does not report.
 */
import { makeExchange } from '../perf-workload.js';

const x = makeExchange();
for (let i = 0; i < 20; i++) x.exchange(); // steady state: dedup map full-size, inline caches warm
(globalThis as unknown as { run: (k: number) => void }).run = (k: number) => {
  for (let i = 0; i < k; i++) x.exchange();
};
