#!/usr/bin/env node
// The oscore-xs command. Runs the bundled CLI (dist/cli.mjs); in a source checkout it (re)builds
// the bundle first when it is missing or older than the TypeScript sources (esbuild, ~0.1 s).
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { BUNDLE, buildCli, bundleIsStale } from './build-cli.mjs';

if (bundleIsStale()) {
  try {
    await buildCli();
  } catch (e) {
    if (!existsSync(BUNDLE)) {
      process.stderr.write('oscore-xs: cannot build dist/cli.mjs (' + (e?.message ?? e) + '); run `npm install` first\n');
      process.exit(70);
    }
    // A stale bundle still runs; say so rather than fail.
    process.stderr.write('oscore-xs: warning: using an outdated dist/cli.mjs (' + (e?.message ?? e) + ')\n');
  }
}
await import(pathToFileURL(BUNDLE).href);
