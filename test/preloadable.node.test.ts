/**
 * The library can be preloaded on Moddable (issue 16): no module in src/ or targets/moddable/
 * keeps mutable module-level state — no top-level `let`/`var`, and no top-level object that is
 * written after the module ran (test/harness/module-state.ts says what counts). The checker is
 * run on known-bad snippets first, so a checker that finds nothing cannot pass unnoticed. And the
 * example manifests preload the library module of their app. The same rule is checked for real by
 * Moddable's linker (xsl warns "no const" / "not frozen" for each violation when it preloads);
 * test/device-preloaded.test.ts runs the device paths with the exported objects frozen.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { moduleStateViolations } from './harness/module-state.js';

const ROOT = process.cwd();

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

describe('preloadable: no mutable module-level state', () => {
  it('the checker finds each kind of module state in known-bad code', () => {
    const bad = [
      ['let counter = 0;\nexport function next() { return counter++; }', /module-level let counter/],
      ['var cache;\n', /module-level var cache/],
      ['const scratch = new Uint8Array(16);\nexport function f() { scratch.fill(0); }', /calls scratch\.fill\(\)/],
      ['const seen = new WeakMap();\nexport function f(k) { seen.set(k, 1); }', /calls seen\.set\(\)/],
      ['export const TABLE = { a: 1 };\nexport function f() { TABLE.a = 2; }', /assigns to TABLE\.a/],
      ['const list = [];\nexport function f(x) { if (x) { list.push(x); } }', /calls list\.push\(\)/],
      ['export class K { static n = 0; }\nexport function f() { K.n++; }', /increments K\.n/],
      ['const o = {};\nexport function f() { Object.assign(o, { a: 1 }); }', /Object\.assign\(o/],
      ['const o = { a: 1 };\nexport function f() { delete o.a; }', /deletes o\.a/],
    ] as const;
    for (const [code, want] of bad) {
      const found = moduleStateViolations('bad.ts', code);
      assert.ok(found.some((v) => want.test(v)), code + ' → ' + JSON.stringify(found));
    }
  });

  it('and leaves alone what is not module state', () => {
    const fine = [
      'const TABLE = Object.freeze({ a: 1 });\nexport function f() { return TABLE.a; }',
      'const scratch = 1;\nexport function f() { const scratch = new Uint8Array(4); scratch.fill(1); return scratch; }',
      'export function f(list) { list.push(1); }',
      'export class C { n = 0; bump() { this.n++; } }',
      'export const enumLike = Object.freeze({ A: 0 });\nfor (const k of Object.keys(enumLike)) void k;',
    ];
    for (const code of fine) assert.deepEqual(moduleStateViolations('fine.ts', code), [], code);
  });

  for (const dir of ['src', 'targets/moddable']) {
    it(dir + '/ has none', () => {
      const files = walk(resolve(ROOT, dir));
      assert.ok(files.length > 5, files.length + ' files');
      const found: string[] = [];
      for (const f of files) for (const v of moduleStateViolations(f, readFileSync(f, 'utf8'))) found.push(relative(ROOT, f) + ':' + v);
      assert.deepEqual(found, []);
    });
  }

  it('the example manifests preload the library module of their app', () => {
    for (const [file, app] of [['examples/device/manifest.json', 'example-server'], ['examples/device/manifest_client.json', 'example-client']]) {
      const m = JSON.parse(readFileSync(join(ROOT, file), 'utf8')) as { modules: Record<string, string>; preload?: string[] };
      assert.equal(m.modules[app + '-lib'], '../../dist/device/' + app + '-lib', file);
      assert.ok(m.preload?.includes(app + '-lib'), file + ' preloads ' + app + '-lib');
      assert.equal(m.modules.main, '../../dist/device/' + app, file);
      assert.ok(!m.preload?.includes('main'), 'the app itself starts at boot: not preloaded');
    }
    const lib = JSON.parse(readFileSync(join(ROOT, 'targets/moddable/manifest.json'), 'utf8')) as { preload?: string[] };
    assert.ok(lib.preload?.includes('oscore-xs/platform'));
  });
});
