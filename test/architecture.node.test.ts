/**
 * The rule ARCHITECTURE.md states: src/ is platform-free. Every import in src/ is relative (to
 * src/) or one of the pure-JS packages that run on XS; no Node or Moddable module, no Node globals.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve, dirname, relative } from 'node:path';

const SRC = resolve('src');
const ALLOWED_PACKAGES = [/^@noble\/(ciphers|hashes|curves)(\/|$)/];
const FORBIDDEN_GLOBALS = [/\bprocess\./, /\bBuffer\./, /\bsetTimeout\(/, /\bsetInterval\(/, /\brequire\(/, /new TextEncoder\(/, /\bcrypto\.getRandomValues\(/];

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Source text without comments, so prose that mentions setTimeout does not count. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

describe('architecture: src/ is platform-free', () => {
  const files = walk(SRC);
  it('finds the sources', () => assert.ok(files.length > 40, `${files.length} files`));
  it('imports only relative modules inside src/ or pure-JS packages', () => {
    const bad: string[] = [];
    for (const f of files) {
      for (const m of code(readFileSync(f, 'utf8')).matchAll(/(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
        const spec = m[1] ?? m[2];
        if (spec.startsWith('.')) {
          const target = resolve(dirname(f), spec);
          if (relative(SRC, target).startsWith('..')) bad.push(`${relative(SRC, f)}: ${spec} (outside src/)`);
        } else if (!ALLOWED_PACKAGES.some((re) => re.test(spec))) bad.push(`${relative(SRC, f)}: ${spec}`);
      }
    }
    assert.deepEqual(bad, []);
  });
  it('uses no Node or browser globals', () => {
    const bad: string[] = [];
    for (const f of files) {
      const text = code(readFileSync(f, 'utf8'));
      for (const re of FORBIDDEN_GLOBALS) if (re.test(text)) bad.push(`${relative(SRC, f)}: ${re}`);
    }
    assert.deepEqual(bad, []);
  });
});
