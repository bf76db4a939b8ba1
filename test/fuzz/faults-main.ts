/**
 * The long fault-injection run (Node only; started by scripts/faults.mjs, not a test file):
 * `--cycles N` (default 10^4) in runs of 500 cycles, each run a fresh client/server pair with its
 * own seed. Progress is saved after each run in .build/fuzz/faults.json (resumable; `--reset`).
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { runFaults, type FaultStats } from './faults.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = args.indexOf('--' + name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const total = opt('cycles', 10_000);
const per = opt('per-run', 500);
const file = '.build/fuzz/faults.json';
mkdirSync('.build/fuzz', { recursive: true });
let state: { runs: number; stats: Partial<FaultStats>; ms: number } = { runs: 0, stats: {}, ms: 0 };
if (existsSync(file) && !args.includes('--reset')) state = JSON.parse(readFileSync(file, 'utf8'));

while ((state.stats.cycles ?? 0) < total) {
  const t = Date.now();
  const s = await runFaults(0xfa170000 + state.runs, Math.min(per, total - (state.stats.cycles ?? 0)));
  for (const [k, v] of Object.entries(s)) (state.stats as Record<string, number>)[k] = ((state.stats as Record<string, number>)[k] ?? 0) + v;
  state.runs++;
  state.ms += Date.now() - t;
  writeFileSync(file, JSON.stringify(state, null, 1));
  process.stdout.write('\rfault cycles: ' + state.stats.cycles + ' / ' + total + '   ');
}
console.log('\nfault injection: ' + JSON.stringify(state.stats) + ' in ' + Math.round(state.ms / 1000) + ' s');
