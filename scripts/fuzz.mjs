#!/usr/bin/env node
// The long reliability runs (RELIABILITY.md): `npm run fuzz` fuzzes every target of test/fuzz with
// ≥ 10^6 inputs each (resumable: progress in .build/fuzz/progress.json; `-- --reset` starts over,
// `-- --inputs N`, `-- <target substring>` to pick), then runs the fault-injection cycles
// (scripts/faults.mjs) unless `-- --no-faults`. Node only; bundles test/fuzz/fuzz-main.ts with esbuild.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { bundle, ROOT } from './test-files.mjs';

const args = process.argv.slice(2);
const outDir = join(ROOT, '.build/fuzz');
mkdirSync(outDir, { recursive: true });
const out = join(outDir, 'fuzz-main.mjs');
await bundle(join(ROOT, 'test/fuzz/fuzz-main.ts'), out, 'node');
const fuzzArgs = args.filter((a) => a !== '--no-faults');
let r = spawnSync(process.execPath, ['--expose-gc', '--enable-source-maps', out, ...fuzzArgs], { stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);
if (!args.includes('--no-faults')) {
  r = spawnSync(process.execPath, [join(ROOT, 'scripts/faults.mjs')], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
