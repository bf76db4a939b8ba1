/**
 * A clone of the repository alone must pass `npm test`: no file the tests, the library, the tools or
 * the examples read may refer to a sibling `shared` folder that exists only beside a CI checkout.
 * Interop captures live in test/fixtures/interop (see its README).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const DIRS = ['test', 'src', 'targets', 'scripts', 'bench', 'examples', 'docs', '.ci'];
const TEXT = /\.(ts|mts|mjs|js|cjs|json|md|sh|conf|txt)$|^run$/;
// The sibling folder as a relative path (one or more "../" then the folder name), built from parts so this file does not match itself.
const SIBLING = new RegExp('\\.\\./(\\.\\./)*' + 'shared' + '(/|\\b)');

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'build' || name === 'dist') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (TEXT.test(name)) out.push(p);
  }
  return out;
}

describe('self-contained repository', () => {
  const files = DIRS.filter((d) => existsSync(d)).flatMap((d) => walk(d));
  it('finds the files', () => assert.ok(files.length > 100, `${files.length} files`));
  it('has the interop fixtures the tests import', () => {
    for (const f of ['libcoap-oscore-interop.jsonl', 'aiocoap-seed-fileserver.jsonl', 'libcoap-contexts/b_server.conf', 'aiocoap-seed-example/client1.json', 'aiocoap-plugtest-contexts/d/settings.json']) {
      assert.ok(existsSync(join('test/fixtures/interop', f)), f);
    }
  });
  it('no file refers to a sibling shared folder', () => {
    const bad: string[] = [];
    for (const f of files) {
      // .ci/run may offer the SDK from the CI's shared folder when present; nothing else may.
      if (relative('.', f) === join('.ci', 'run')) continue;
      readFileSync(f, 'utf8').split('\n').forEach((line, i) => { if (SIBLING.test(line)) bad.push(`${f}:${i + 1}: ${line.trim().slice(0, 100)}`); });
    }
    assert.deepEqual(bad, []);
  });
});
