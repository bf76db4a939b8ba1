#!/usr/bin/env node
// Builds dist/cli.mjs, the oscore-xs CLI as one ESM file for Node (esbuild bundle of
// targets/node/cli/entry.ts with its dependencies). Run by `npm run build:cli` / `prepare`, and by
// bin/oscore-xs.mjs on the fly in a checkout when the bundle is missing or older than the sources.
import { readdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const BUNDLE = join(ROOT, 'dist/cli.mjs');
const SOURCE_DIRS = ['src', 'targets/node'];

function newestSource() {
  let newest = 0;
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (name.endsWith('.ts')) newest = Math.max(newest, st.mtimeMs);
    }
  };
  for (const d of SOURCE_DIRS) {
    try {
      walk(join(ROOT, d));
    } catch {
      // An installed package has no sources: the shipped bundle is current by definition.
    }
  }
  return newest;
}

/** True when dist/cli.mjs is missing or older than a source file. */
export function bundleIsStale() {
  let built = 0;
  try {
    built = statSync(BUNDLE).mtimeMs;
  } catch {
    return true;
  }
  return newestSource() > built;
}

export async function buildCli() {
  const esbuild = await import('esbuild');
  // Build beside the bundle and rename: a second oscore-xs starting meanwhile never reads half a file.
  const tmp = BUNDLE + '.' + process.pid + '.tmp';
  await esbuild.build({
    entryPoints: [join(ROOT, 'targets/node/cli/entry.ts')],
    outfile: tmp,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // The native flock binding (an optional dependency) stays a package: it loads a compiled addon.
    external: ['fs-ext'],
    logLevel: 'error',
    banner: { js: '// oscore-xs CLI bundle, built by bin/build-cli.mjs — do not edit.' },
  });
  renameSync(tmp, BUNDLE);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await buildCli();
