#!/usr/bin/env node
// Builds the Node package: dist/node/index.js (ESM bundle of targets/node/index.ts, dependencies
// external) and dist/types (declarations from tsc). The CLI bundle is bin/build-cli.mjs's job and
// the device bundle rollup's (rollup.config.mjs).
import * as esbuild from 'esbuild';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

await esbuild.build({
  entryPoints: ['targets/node/index.ts'],
  outfile: 'dist/node/index.js',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'error',
});
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
