// Test discovery and bundling shared by the Node and XS runners.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as esbuild from 'esbuild';

export const ROOT = process.cwd();

/** All test files (test/**\/*.test.ts), optionally filtered by substrings from argv. */
export function findTests(filters = []) {
  const out = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.test.ts')) out.push(relative(ROOT, p));
    }
  };
  walk(join(ROOT, 'test'));
  return filters.length ? out.filter((f) => filters.some((x) => f.includes(x))) : out;
}

/** Tests that need Node (sockets, files, processes) are named *.node.test.ts and skipped on XS. */
export const needsNode = (file) => file.endsWith('.node.test.ts');

/** Fixture files may be imported as text (captures, context files). */
export const TEXT_LOADERS = { '.jsonl': 'text', '.conf': 'text', '.txt': 'text', '.hex': 'text', '.csv': 'text' };

/**
 * xsnap's XS throws "get ?: not initialized yet" when a class with instance fields is constructed
 * inside one of its own static field initialisers (@noble/curves' `static BASE = new Point(…)`).
 * Lowering class fields to assignments (esbuild) avoids it; semantics are unchanged.
 */
export const XS_SUPPORTED = { 'class-field': false, 'class-static-field': false };

export async function bundle(entry, outfile, engine) {
  const shim = join(ROOT, 'test/harness/xs-shim.ts');
  await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    sourcemap: engine === 'node' ? 'inline' : false,
    format: engine === 'node' ? 'esm' : 'iife',
    platform: engine === 'node' ? 'node' : 'neutral',
    mainFields: ['module', 'main'],
    target: 'es2022',
    supported: engine === 'xs' ? XS_SUPPORTED : undefined,
    packages: engine === 'node' ? 'external' : undefined,
    alias: engine === 'xs' ? { 'node:test': shim, 'node:assert/strict': shim, 'node:assert': shim } : undefined,
    loader: TEXT_LOADERS,
    logLevel: 'error',
    // XS has no `process`; tests that branch on the engine use globalThis checks.
    define: engine === 'xs' ? { 'process.env.XS': '"1"' } : undefined,
  });
}
