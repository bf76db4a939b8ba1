#!/usr/bin/env node
// Build the XS engine (xsnap CLI + worker) from the sources shipped in @agoric/xsnap.
// npm does not run that package's install script here, so we do it; idempotent (skips when built).
// Needs make and a C compiler (build-essential).
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { XSNAP_PKG, XSNAP_CLI, XSNAP_WORKER } from './xsnap-paths.mjs';

const makefiles = join(XSNAP_PKG, 'xsnap-native/xsnap/makefiles/lin');
const moddable = join(XSNAP_PKG, 'moddable');
const version = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(join(XSNAP_PKG, 'package.json'), 'utf8'))).version;

function make(mk, extra = []) {
  execFileSync('make', [`MODDABLE=${moddable}`, 'GOAL=release', `XSNAP_VERSION=${version}`, ...extra, '-f', mk], {
    cwd: makefiles,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

if (process.platform !== 'linux') {
  console.error('build-xsnap: only Linux is set up here; XS tests will be skipped');
  process.exit(0);
}
if (!existsSync(XSNAP_CLI)) {
  console.error('build-xsnap: building the xsnap CLI (about 20 s)…');
  make('xsnap.mk');
}
if (!existsSync(XSNAP_WORKER)) {
  console.error('build-xsnap: building xsnap-worker…');
  make('xsnap-worker.mk', ['CC=cc "-D__has_builtin(x)=1"']);
}
for (const p of [XSNAP_CLI, XSNAP_WORKER]) if (!existsSync(p)) throw new Error('build-xsnap: missing ' + p);
