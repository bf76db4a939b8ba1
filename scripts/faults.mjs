#!/usr/bin/env node
// Fault injection across the stack, long run (RELIABILITY.md): ≥ 10^4 cycles of power cuts, kills,
// loss/duplication/reordering and clock jumps on a client/server pair with flash-backed contexts.
// Resumable (.build/fuzz/faults.json); `--reset`, `--cycles N`. Node only.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { bundle, ROOT } from './test-files.mjs';

const outDir = join(ROOT, '.build/fuzz');
mkdirSync(outDir, { recursive: true });
const out = join(outDir, 'faults-main.mjs');
await bundle(join(ROOT, 'test/fuzz/faults-main.ts'), out, 'node');
const r = spawnSync(process.execPath, ['--enable-source-maps', out, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
