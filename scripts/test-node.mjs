#!/usr/bin/env node
// Runs every test under test/ on Node with node:test: bundle each file with esbuild
// (ESM, packages external, inline source maps) and hand the bundles to `node --test`.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { findTests, bundle, ROOT } from './test-files.mjs';

const filters = process.argv.slice(2);
const files = findTests(filters);
const outDir = join(ROOT, '.build/node');
mkdirSync(outDir, { recursive: true });
const outs = await Promise.all(
  files.map(async (file) => {
    const out = join(outDir, file.replace(/[\/\\]/g, '__').replace(/\.ts$/, '.mjs'));
    await bundle(join(ROOT, file), out, 'node');
    return out;
  }),
);
const child = spawn(process.execPath, ['--enable-source-maps', '--test', '--test-concurrency=2', ...outs], { stdio: 'inherit' });
child.on('close', (code) => process.exit(code ?? 1));
