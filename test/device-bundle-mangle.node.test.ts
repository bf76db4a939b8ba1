/**
 * The device bundles shorten private member names (scripts/private-names.mjs, used by
 * rollup.config.mjs). A wrong shortening shows only at run time, on the device, so this file
 * tries to make it shorten a name it must not: a name that is also an interface member, an
 * object-literal key, a string, an ES library or Moddable API name, a destructured name, a
 * property read through `any`, a key read by spread/Object.keys/a computed key, a public member
 * elsewhere, a bundled dependency's property, a protected member of an exported class. Each must
 * stay, and the build must fail if a short name meets a name already in use.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { rollup, type RollupOptions, type OutputOptions } from 'rollup';

const ROOT = process.cwd();
const FIXTURE = join(ROOT, 'test/fixtures/private-names');

interface Analysis { candidates: Map<string, number>; excluded: Map<string, string>; reserved: Set<string> }
interface PrivateNames {
  analyse(root: string, configs?: string[], bundledJs?: string[]): Analysis;
  assign(a: Analysis, domprops?: string[]): Map<string, string>;
  assertMangleSafe(names: Map<string, string>, a: Analysis, domprops?: string[]): void;
  assertChunkFreeOfShortNames(code: string, names: Map<string, string>): string | undefined;
  privateNameTable(root?: string): Promise<Map<string, string>>;
}
const lib = async (): Promise<PrivateNames> => (await import(pathToFileURL(join(ROOT, 'scripts/private-names.mjs')).href)) as PrivateNames;

describe('private member names in the device bundles', () => {
  it('shortens a private name only its class uses, and none that appears anywhere else', async () => {
    const { analyse, assign } = await lib();
    const a = analyse(FIXTURE, ['tsconfig.json'], ['dep']);
    const names = assign(a);
    for (const only of ['onlyByInterface', 'onlyByObjectKey', 'onlyByString', 'onlyByLibrary', 'onlyByDestructuring', 'onlyByUntypedAccess', 'onlyByPublicElsewhere', 'onlyByDependency', 'onlyExtensible', 'onlyInternal']) {
      assert.ok(names.has(only), only + ' is shortened');
    }
    const kept: Record<string, RegExp> = {
      port: /property name/, // an interface member
      key: /property name/, // an object-literal key
      label: /string/, // 'label' in o
      push: /lib\.es5\.d\.ts/, // Array.prototype.push
      picked: /property name/, // const { picked } = o
      loose: /unresolved/, // (o as any).loose
      spreadField: /spread/, // { ...this }
      computedField: /computed key/, // (this as Record<…>)[k]
      keysField: /keys\(\)/, // Object.keys(this)
      widthMm: /property name/, // a public field of another class
      fromDependency: /dep\/dep\.js/, // a bundled dependency's property
      forSubclasses: /protected in Extensible/, // exported by the entry
    };
    for (const [name, why] of Object.entries(kept)) {
      assert.ok(a.candidates.has(name), name + ' is a private member of the fixture');
      assert.ok(!names.has(name), name + ' must not be shortened');
      assert.match(a.excluded.get(name) ?? '', why, name);
    }
    // The short names are distinct and none is a name the fixture uses.
    assert.equal(new Set(names.values()).size, names.size);
    for (const short of names.values()) assert.ok(!a.reserved.has(short) && !a.candidates.has(short), short);
  });

  it('refuses a table that shortens a kept name, reuses a short name or picks one in use (the build fails)', async () => {
    const { assertMangleSafe } = await lib();
    const a: Analysis = { candidates: new Map([['mine', 2], ['other', 1], ['port', 1]]), excluded: new Map([['port', 'a property name at x.ts:1']]), reserved: new Set(['port', 'q']) };
    assert.doesNotThrow(() => assertMangleSafe(new Map([['mine', 'a'], ['other', 'b']]), a));
    assert.throws(() => assertMangleSafe(new Map([['port', 'a']]), a), /"port" is a property name/);
    assert.throws(() => assertMangleSafe(new Map([['notPrivate', 'a']]), a), /not a private member/);
    assert.throws(() => assertMangleSafe(new Map([['mine', 'q']]), a), /short name "q"/);
    assert.throws(() => assertMangleSafe(new Map([['mine', 'other']]), a), /short name "other"/);
    assert.throws(() => assertMangleSafe(new Map([['mine', 'a'], ['other', 'a']]), a), /given twice/);
    assert.throws(() => assertMangleSafe(new Map([['mine', 'length']]), a), /short name "length"/);
  });

  it('finds a short name already used as a property or string in a chunk', async () => {
    const { assertChunkFreeOfShortNames } = await lib();
    const names = new Map([['aFieldName', 'K']]);
    assert.equal(assertChunkFreeOfShortNames('class A { constructor() { this.aFieldName = new Map(); } } export const o = { a: 1 };', names), undefined);
    for (const code of ['export const o = { K: 1 };', 'export const f = (o) => o.K;', "export const f = (o) => 'K' in o;", 'export class B { K() {} }']) {
      assert.match(assertChunkFreeOfShortNames(code, names) ?? '', /"K" is also the short name of the private member "aFieldName"/, code);
    }
  });

  it('the repository\'s table shortens no name the ES library or Moddable declares, and the built app carries none of the long names', async () => {
    const { privateNameTable } = await lib();
    const names = await privateNameTable(ROOT);
    assert.ok(names.size > 50, names.size + ' names shortened');
    // Independently of the analysis: every member name the ES library and Moddable's typings declare.
    const declared = new Set<string>();
    const files = [...ts.sys.readDirectory(join(ROOT, 'node_modules/@moddable/typings'), ['.d.ts']), ...ts.sys.readDirectory(join(ROOT, 'targets/moddable/types'), ['.d.ts']), ...ts.sys.readDirectory(join(ROOT, 'node_modules/typescript/lib'), ['.d.ts']).filter((f) => /\/lib\.es[\w.]*\.d\.ts$/.test(f))];
    for (const file of files) {
      const sf = ts.createSourceFile(file, ts.sys.readFile(file) ?? '', ts.ScriptTarget.Latest);
      const visit = (n: ts.Node): void => {
        if ((ts.isPropertySignature(n) || ts.isMethodSignature(n) || ts.isPropertyDeclaration(n) || ts.isMethodDeclaration(n) || ts.isGetAccessor(n) || ts.isSetAccessor(n)) && ts.isIdentifier(n.name)) declared.add(n.name.text);
        ts.forEachChild(n, visit);
      };
      visit(sf);
    }
    assert.ok(declared.has('onReadable') && declared.has('push') && declared.has('subarray'), 'the declarations were read');
    for (const [name, short] of names) {
      assert.ok(!declared.has(name), name + ' is an API name: it must not be shortened');
      assert.ok(!declared.has(short), short + ' (for ' + name + ') is an API name');
    }
    // The example server app as rollup.config.mjs builds it: no long private name left as a property.
    type Entry = RollupOptions & { output: OutputOptions };
    const config = (await import(pathToFileURL(join(ROOT, 'rollup.config.mjs')).href)).default as Entry[];
    const e = config.find((c) => c.output.entryFileNames === 'example-server.js')!;
    const b = await rollup({ ...e, onwarn: () => {} });
    const { output } = await b.generate(e.output);
    await b.close();
    const code = output.map((o) => (o.type === 'chunk' ? o.code : '')).join('\n');
    const long = [...names.keys()].filter((n) => new RegExp('[.{,]' + n.replace(/\$/g, '\\$') + '[^\\w$]').test(code));
    assert.deepEqual(long, [], 'private names left unshortened in example-server');
  });
});
