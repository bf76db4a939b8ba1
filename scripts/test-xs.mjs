#!/usr/bin/env node
// Runs every test under test/ on the real XS engine (xsnap): bundle each file with the
// node:test/assert shim (esbuild, IIFE, ES2022), run it, parse per-test lines, and close with
// "N passed, N failed, N skipped". Files named *.node.test.ts need Node and are skipped visibly.
import { spawn } from 'node:child_process';
import { mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { findTests, needsNode, bundle, ROOT } from './test-files.mjs';
import { XSNAP_CLI } from './xsnap-paths.mjs';

const filters = process.argv.slice(2);
const files = findTests(filters);
const outDir = join(ROOT, '.build/xs');
mkdirSync(outDir, { recursive: true });
if (!existsSync(XSNAP_CLI)) {
  console.error('XS engine not built: run `node scripts/build-xsnap.mjs` (needs make and a C compiler)');
  process.exit(1);
}

const FILE_TIMEOUT_MS = Number(process.env.XS_TEST_TIMEOUT_MS ?? 300000);
let passed = 0, failed = 0, skipped = 0;
const nodeOnly = files.filter(needsNode);
const runnable = files.filter((f) => !needsNode(f));

function runOne(file) {
  return new Promise((resolve) => {
    const out = join(outDir, file.replace(/[\/\\]/g, '__').replace(/\.ts$/, '.js'));
    bundle(join(ROOT, file), out, 'xs').then(
      () => {
        const child = spawn(XSNAP_CLI, [out], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '', stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        const timer = setTimeout(() => { child.kill('SIGKILL'); stderr += '\n(timed out after ' + FILE_TIMEOUT_MS + ' ms)'; }, FILE_TIMEOUT_MS);
        child.on('close', (code) => { clearTimeout(timer); resolve({ file, stdout, stderr, code }); });
      },
      (err) => resolve({ file, stdout: '', stderr: 'bundle failed: ' + err.message, code: -1 }),
    );
  });
}

const results = [];
const queue = runnable.slice();
const workers = Array.from({ length: Math.max(1, Number(process.env.XS_TEST_JOBS ?? 2)) }, async () => {
  while (queue.length) results.push(await runOne(queue.shift()));
});
await Promise.all(workers);
results.sort((a, b) => a.file.localeCompare(b.file));

for (const r of results) {
  console.log('# ' + r.file);
  let sawSummary = false;
  for (const line of r.stdout.split('\n')) {
    if (line.startsWith('XS-TEST pass ')) { passed++; console.log('  ok   ' + line.slice(13)); }
    else if (line.startsWith('XS-TEST fail ')) { failed++; console.log('  FAIL ' + line.slice(13)); }
    else if (line.startsWith('XS-TEST skip ')) { skipped++; console.log('  skip ' + line.slice(13)); }
    else if (line.startsWith('XS-ERROR ')) console.log('       ' + line.slice(9));
    else if (line.startsWith('XS-SUMMARY ')) sawSummary = true;
    else if (line.trim()) console.log('  | ' + line);
  }
  if (!sawSummary) {
    failed++;
    console.log('  FAIL ' + r.file + ' did not finish on XS (exit ' + r.code + ')');
    for (const l of r.stderr.trim().split('\n').slice(-15)) console.log('       ' + l);
  }
}
if (nodeOnly.length) {
  skipped += nodeOnly.length;
  console.log('# skipped on XS (need Node: sockets, files or processes): ' + nodeOnly.length + ' files');
  for (const f of nodeOnly) console.log('  skip ' + f);
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || (passed === 0 && runnable.length > 0) ? 1 : 0);
