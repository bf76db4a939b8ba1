/**
 * Benchmark harness shared by bench/*.bench.ts.
 * - `opsPerSecond` times a function on Node (warm-up, then a fixed time budget).
 * - `runOnXs(entry)` bundles a TypeScript entry for XS and runs it in xsnap; the entry calls
 *   `report(value)` (from ./xs-report.js) and the value comes back as JSON. Use it with `meter()`
 *   from test/harness/xs-meter.ts to count computrons (deterministic, unlike time).
 * A bench file default-exports `async () => Section[]`; scripts/bench.mjs writes BENCHMARKS.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, basename } from 'node:path';
import * as esbuild from 'esbuild';

/** Class fields lowered for xsnap (its XS mis-handles @noble/curves' static fields; see scripts/test-files.mjs). */
const XS_SUPPORTED = { 'class-field': false, 'class-static-field': false };

export interface Section {
  title: string;
  /** Command that reproduces these figures. */
  command: string;
  columns: string[];
  rows: (string | number)[][];
  notes?: string;
}

export function opsPerSecond(fn: () => void, budgetMs = 500): number {
  for (let i = 0; i < 200; i++) fn();
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < budgetMs) {
    for (let i = 0; i < 50; i++) fn();
    n += 50;
    now = performance.now();
  }
  return (n * 1000) / (now - start);
}

export async function opsPerSecondAsync(fn: () => Promise<void>, budgetMs = 1000): Promise<number> {
  for (let i = 0; i < 20; i++) await fn();
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < budgetMs) {
    await fn();
    n++;
  }
  return (n * 1000) / (performance.now() - start);
}

const ROOT = process.cwd();

export async function runOnXs(entry: string): Promise<unknown> {
  const { XSNAP_CLI } = (await import(join(ROOT, 'scripts/xsnap-paths.mjs'))) as { XSNAP_CLI: string };
  const outDir = join(ROOT, '.build/bench-xs');
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, basename(entry).replace(/\.ts$/, '.js'));
  await esbuild.build({ entryPoints: [join(ROOT, entry)], outfile, bundle: true, format: 'iife', platform: 'neutral', mainFields: ['module', 'main'], target: 'es2022', supported: XS_SUPPORTED, logLevel: 'error' });
  const out = execFileSync(XSNAP_CLI, [outfile], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const line = out.split('\n').find((l) => l.startsWith('XS-RESULT '));
  if (!line) throw new Error('no XS-RESULT from ' + entry + ':\n' + out.slice(-2000));
  return JSON.parse(line.slice('XS-RESULT '.length));
}

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}
