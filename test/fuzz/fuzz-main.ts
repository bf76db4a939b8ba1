/**
 * The long fuzz run (Node only; started by scripts/fuzz.mjs, not a test file). Runs every target
 * (or those named) in chunks of fixed seeds until each has seen `--inputs` inputs (default 10^6),
 * saving progress after each chunk in .build/fuzz/progress.json, so an interrupted run resumes
 * where it stopped. `--reset` starts over. Prints the counts per target and the heap after each.
 * To split one long run over cores: `--state DIR` keeps that run's progress apart and
 * `--first-chunk N` starts a fresh run at seed chunk N (e.g. two runs of 5·10^6 inputs with
 * `--first-chunk 0` and `--first-chunk 250`, chunks of 20,000: no seed is run twice).
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { ALL_TARGETS } from './targets.js';
import { runTarget, type Counts } from './target.js';

interface Progress {
  [target: string]: { chunks: number; inputs: number; counts: Counts; heapMB: number[] };
}

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = args.indexOf('--' + name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const wanted = args.filter((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--') && args[i - 1] !== '--reset'));
const total = opt('inputs', 1_000_000);
const chunk = opt('chunk', 20_000);
const stateAt = args.indexOf('--state');
const dir = stateAt >= 0 ? args[stateAt + 1] : '.build/fuzz';
const firstChunk = opt('first-chunk', 0);
const file = dir + '/progress.json';
mkdirSync(dir, { recursive: true });
let progress: Progress = {};
if (existsSync(file) && !args.includes('--reset')) progress = JSON.parse(readFileSync(file, 'utf8')) as Progress;
const gc = (globalThis as { gc?: () => void }).gc;

for (const t of ALL_TARGETS) {
  if (wanted.length && !wanted.some((w) => t.name.includes(w))) continue;
  const p = (progress[t.name] ??= { chunks: firstChunk, inputs: 0, counts: {}, heapMB: [] });
  const instance = t.create();
  // The property's own counters continue from the saved ones.
  Object.assign(instance.counts, p.counts);
  p.counts = instance.counts;
  while (p.inputs < total) {
    const n = Math.min(chunk, total - p.inputs);
    // One fixed seed per chunk: a resumed run continues with the next seed, never repeats one.
    runTarget(t, 0xf022 * 1000 + p.chunks, n, instance);
    p.chunks++;
    p.inputs += n;
    gc?.();
    const heap = Math.round((process.memoryUsage().heapUsed / 1048576) * 10) / 10;
    if (p.heapMB.length === 0 || p.chunks % 10 === 0) p.heapMB.push(heap);
    writeFileSync(file, JSON.stringify(progress, null, 1));
    process.stdout.write('\r' + t.name + ': ' + p.inputs + ' / ' + total + ' inputs, heap ' + heap + ' MB   ');
  }
  process.stdout.write('\n' + t.name + ' ' + JSON.stringify(p.counts) + '\n');
}
console.log('\nsummary (inputs per target):');
for (const [name, p] of Object.entries(progress)) console.log('  ' + name.padEnd(28) + String(p.inputs).padStart(9) + '  heap MB ' + p.heapMB.join(' → ') + '  ' + Math.round((p.counts.ms ?? 0) / 1000) + ' s');
