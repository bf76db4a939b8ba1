#!/usr/bin/env node
// The long soak (RELIABILITY.md): runs test/reliability-soak.node.test.ts for `--seconds N`
// (default 600) over loopback UDP and prints its figures (exchanges, errors, heap samples).
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { bundle, ROOT } from './test-files.mjs';

const args = process.argv.slice(2);
const i = args.indexOf('--seconds');
const seconds = i >= 0 ? Number(args[i + 1]) : 600;
const outDir = join(ROOT, '.build/fuzz');
mkdirSync(outDir, { recursive: true });
const out = join(outDir, 'soak.test.mjs');
await bundle(join(ROOT, 'test/reliability-soak.node.test.ts'), out, 'node');
const r = spawnSync(process.execPath, ['--enable-source-maps', '--test', '--test-timeout=' + (seconds * 1000 + 120000), out], { stdio: 'inherit', env: { ...process.env, SOAK_MS: String(seconds * 1000) } });
process.exit(r.status ?? 1);
