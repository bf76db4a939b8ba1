// Which property names the device build may shorten (terser's mangle.properties), found by the
// TypeScript compiler, and the one short name each gets in every device bundle.
//
// Why this is safe: a name is shortened only if it is declared `private` on a class of ours and
// every use of that name as a property anywhere in the projects (tsconfig.json: src, targets/node,
// targets/xs-sim, examples, test, bench; tsconfig.moddable.json: targets/moddable, the Moddable
// example apps, bench/mcsim) resolves, by the type checker, to such a private declaration. Any
// other appearance of the name excludes it:
//   - a public or protected member, an interface/type member, an object-literal key, a
//     destructured property, an enum member, an import/export name;
//   - a property access the checker cannot resolve to a private declaration (`any`, host objects);
//   - a string literal with that text (`o['name']`, `'name' in o`, config keys);
//   - a name declared in any declaration file of the programs (the ES library, Moddable's typings,
//     our declarations of Moddable modules) or found in the JavaScript of a bundled dependency;
//   - a class whose instances are read by key (`o[k]` with a computed key, spread, Object.keys…,
//     JSON.stringify, for…in): none of its private names is shortened.
// The short names come from one fixed assignment (most used first), the same for every bundle
// (the example apps, the platform modules and oscore-xs.js that mcconfig links with them), and
// never one of the names above: assertMangleSafe() throws, failing the build, if one would be.
import ts from 'typescript';
import { parseAst } from 'rollup/parseAst';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The bundled JavaScript dependencies whose own property names must keep their meaning. */
const BUNDLED_JS = ['node_modules/@noble/ciphers', 'node_modules/@noble/hashes', 'node_modules/@noble/curves'];
/**
 * Where the device bundles' code, and the runtime objects it meets, are declared: the modules
 * rollup puts into a device bundle, the Moddable apps, the runtime stand-ins the tests give
 * them, and the declaration files of the ES library, Moddable and the bundled dependencies (plus
 * the project's own). A short name never equals a property name or string found there. (A name
 * found only in Node code — the CLI, tests — still keeps its private member from being
 * shortened, but may serve as a short name: Node code never sees a device bundle's objects.)
 */
const DEVICE_SCOPE = ['src/', 'targets/moddable/', 'targets/xs-sim/', 'examples/', 'bench/mcsim/', 'test/device/', 'node_modules/typescript/lib/lib.', 'node_modules/@moddable/', 'node_modules/@noble/'];
/** Calls that read an object's own keys: their argument's private names must stay. */
const KEY_READERS = new Set(['keys', 'values', 'entries', 'getOwnPropertyNames', 'getOwnPropertyDescriptors', 'assign', 'stringify', 'structuredClone', 'fromEntries']);

const identifierLike = /^[A-Za-z_$][\w$]*$/;

/** Each source and declaration file of the project's two type-checking configurations. */
function programs(root, configs) {
  return configs.map((file) => {
    const path = join(root, file);
    const parsed = ts.getParsedCommandLineOfConfigFile(path, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')); } });
    return ts.createProgram({ rootNames: parsed.fileNames, options: { ...parsed.options, noEmit: true } });
  });
}

/** The package's public entry modules: their classes' protected members are API for subclasses. */
const PUBLIC_ENTRIES = ['src/index.ts', 'targets/node/index.ts', 'targets/moddable/library.ts', 'targets/moddable/index.ts'];

const isPrivate = (node) => (ts.getCombinedModifierFlags(node) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) !== 0;
const isProtected = (node) => (ts.getCombinedModifierFlags(node) & ts.ModifierFlags.Protected) !== 0;

/** Class declarations a user of the package can extend: exported ones and their base classes. */
function publicClasses(root, program, checker) {
  const classes = new Set();
  const add = (type) => {
    const decls = type.symbol?.declarations ?? [];
    for (const d of decls) if (ts.isClassLike(d)) classes.add(d);
    if (type.isClassOrInterface()) for (const b of checker.getBaseTypes(type)) add(b);
  };
  for (const entry of PUBLIC_ENTRIES) {
    const sf = program.getSourceFile(join(root, entry));
    const module = sf && checker.getSymbolAtLocation(sf);
    if (!module) continue;
    for (let sym of checker.getExportsOfModule(module)) {
      if (sym.flags & ts.SymbolFlags.Alias) sym = checker.getAliasedSymbol(sym);
      if (sym.flags & ts.SymbolFlags.Class) add(checker.getDeclaredTypeOfSymbol(sym));
    }
  }
  return classes;
}

/** A class member (or constructor parameter property) declared `private`, named by an identifier. */
function privateMember(node) {
  if (!node.name || !ts.isIdentifier(node.name)) return false;
  if (ts.isParameter(node)) return ts.isParameterPropertyDeclaration(node, node.parent) && isPrivate(node);
  return (ts.isPropertyDeclaration(node) || ts.isMethodDeclaration(node) || ts.isGetAccessorDeclaration(node) || ts.isSetAccessorDeclaration(node)) && ts.isClassLike(node.parent) && isPrivate(node);
}

/** Where a name is a property name (not a variable): the declaration or use of a property. */
function propertyNameUse(node) {
  const p = node.parent;
  if (!p) return false;
  if (ts.isPropertyAccessExpression(p) || ts.isQualifiedName(p)) return p.name === node || p.right === node;
  if (ts.isPropertyAssignment(p) || ts.isShorthandPropertyAssignment(p) || ts.isPropertySignature(p) || ts.isMethodSignature(p) || ts.isEnumMember(p) || ts.isPropertyDeclaration(p) || ts.isMethodDeclaration(p) || ts.isGetAccessorDeclaration(p) || ts.isSetAccessorDeclaration(p)) return p.name === node;
  if (ts.isParameter(p)) return p.name === node && ts.isParameterPropertyDeclaration(p, p.parent);
  if (ts.isBindingElement(p)) return p.propertyName === node || (p.name === node && !p.propertyName && ts.isObjectBindingPattern(p.parent));
  if (ts.isImportSpecifier(p) || ts.isExportSpecifier(p) || ts.isPropertyAccessChain?.(p) || ts.isJsxAttribute(p)) return true;
  if (ts.isNamespaceExport?.(p) || ts.isExportAssignment(p)) return true;
  return false;
}

/**
 * The analysis itself: `{ candidates: Map<name, uses>, excluded: Map<name, why>, reserved: Set<name> }`.
 * `reserved` is every property name, string and declared name that must keep its meaning (the
 * short names avoid it). `root` is the project directory.
 */
export function analyse(root, configs = ['tsconfig.json', 'tsconfig.moddable.json'], bundledJs = BUNDLED_JS) {
  const candidates = new Map();
  const excluded = new Map();
  const reserved = new Set();
  /** `device`: the name appears where a device bundle or the runtime under it can see it. */
  const exclude = (name, why, device) => { if (device) reserved.add(name); if (!excluded.has(name)) excluded.set(name, why); };
  const uses = (name) => candidates.set(name, (candidates.get(name) ?? 0) + 1);
  const where = (node) => { const sf = node.getSourceFile(); return relative(root, sf.fileName) + ':' + (sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1); };

  for (const program of programs(root, configs)) {
    const checker = program.getTypeChecker();
    const ours = (sf) => !sf.isDeclarationFile && !relative(root, sf.fileName).startsWith('node_modules') && !relative(root, sf.fileName).startsWith('..');
    const device = (sf) => DEVICE_SCOPE.some((d) => relative(root, sf.fileName).startsWith(d)) || (sf.isDeclarationFile && !relative(root, sf.fileName).startsWith('node_modules'));
    const privateDecls = new Set();
    const extensible = publicClasses(root, program, checker);
    // Pass 1: the private declarations (and the protected ones of classes users cannot extend).
    for (const sf of program.getSourceFiles()) {
      if (!ours(sf)) continue;
      const visit = (node) => {
        if (privateMember(node)) {
          privateDecls.add(node);
          if (!candidates.has(node.name.text)) candidates.set(node.name.text, 0);
          if (device(sf)) uses(node.name.text);
          const cls = ts.isParameter(node) ? node.parent.parent : node.parent;
          if (isProtected(node) && extensible.has(cls)) exclude(node.name.text, 'protected in ' + (cls.name?.text ?? 'a class') + ', which the package exports (a subclass may use it)', true);
        }
        ts.forEachChild(node, visit);
      };
      visit(sf);
    }
    /** The private names of the class(es) of an expression's type. */
    const privateNamesOf = (expr) => {
      // Through casts too: `(this as Record<string, unknown>)[k]` still reads this class's keys.
      const type = checker.getTypeAtLocation(ts.skipOuterExpressions(expr));
      const types = type.isUnionOrIntersection() ? type.types : [type];
      const names = [];
      for (const t of types) for (const s of t.getProperties()) if (s.declarations?.some((d) => privateDecls.has(d))) names.push(s.name);
      return names;
    };
    const excludeReadByKey = (expr, why) => { for (const n of privateNamesOf(expr)) exclude(n, why + ' at ' + where(expr), true); };
    // Pass 2: every other appearance of a name.
    for (const sf of program.getSourceFiles()) {
      if (!ours(sf)) {
        // Declaration files (ES library, Moddable typings, ours, dependencies): each property
        // name they declare is an API name.
        const inDevice = device(sf);
        const visit = (node) => {
          if (ts.isIdentifier(node) && propertyNameUse(node)) exclude(node.text, 'declared in ' + relative(root, sf.fileName), inDevice);
          else if (ts.isStringLiteralLike(node) && identifierLike.test(node.text)) exclude(node.text, 'a string in ' + relative(root, sf.fileName), inDevice);
          ts.forEachChild(node, visit);
        };
        visit(sf);
        continue;
      }
      const inDevice = device(sf);
      const visit = (node) => {
        if (ts.isIdentifier(node) && propertyNameUse(node)) {
          const name = node.text;
          if (privateMember(node.parent) && node.parent.name === node) {
            // the private declaration itself
          } else if (ts.isPropertyAccessExpression(node.parent) || ts.isQualifiedName(node.parent)) {
            const symbol = checker.getSymbolAtLocation(node);
            const decls = symbol?.declarations ?? [];
            if (decls.length === 0 || !decls.every((d) => privateDecls.has(d))) exclude(name, (decls.length ? 'a non-private member' : 'an unresolved property') + ' at ' + where(node), inDevice);
            else if (inDevice) uses(name);
          } else {
            exclude(name, 'a property name at ' + where(node), inDevice);
          }
        } else if (ts.isStringLiteralLike(node)) {
          if (identifierLike.test(node.text)) exclude(node.text, 'a string at ' + where(node), inDevice);
        } else if (ts.isTemplateExpression(node)) {
          for (const part of [node.head, ...node.templateSpans.map((s) => s.literal)]) for (const w of part.text.match(/[A-Za-z_$][\w$]*/g) ?? []) if (inDevice) reserved.add(w);
        } else if (ts.isElementAccessExpression(node) && !ts.isStringLiteralLike(node.argumentExpression) && !ts.isNumericLiteral(node.argumentExpression)) {
          excludeReadByKey(node.expression, 'read by a computed key');
        } else if (ts.isSpreadAssignment(node) || ts.isSpreadElement(node)) {
          excludeReadByKey(node.expression, 'spread');
        } else if (ts.isForInStatement(node)) {
          excludeReadByKey(node.expression, 'for…in');
        } else if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && KEY_READERS.has(node.expression.name.text)) {
          for (const a of node.arguments) excludeReadByKey(a, node.expression.name.text + '()');
        }
        ts.forEachChild(node, visit);
      };
      visit(sf);
    }
  }
  // Every ES edition's library (XS implements newer editions than the ES2022 the programs check):
  // a name a newer built-in declares is an API name too.
  const libDir = dirname(ts.getDefaultLibFilePath({}));
  for (const f of readdirSync(libDir).filter((f) => /^lib\.es(next|\d{4})?[\w.]*\.d\.ts$/.test(f))) {
    const sf = ts.createSourceFile(f, readFileSync(join(libDir, f), 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node) => {
      if (ts.isIdentifier(node) && propertyNameUse(node)) exclude(node.text, 'declared in the ES library (' + f + ')', true);
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  // The JavaScript of bundled dependencies: each property name and string in it keeps its meaning.
  for (const dir of bundledJs) for (const file of jsFiles(join(root, dir))) {
    for (const w of jsPropertyNames(readFileSync(file, 'utf8'))) exclude(w, 'a property name in ' + relative(root, file), true);
  }
  return { candidates, excluded, reserved };
}

/** Property names (keys, members, non-computed accesses) and identifier-like strings of a JavaScript module. */
function jsPropertyNames(code) {
  const names = new Set();
  const key = (k) => { if (k?.type === 'Identifier') names.add(k.name); else if (k?.type === 'Literal' && typeof k.value === 'string') names.add(k.value); };
  const visit = (node) => {
    if (!node || typeof node.type !== 'string') return;
    if (node.type === 'MemberExpression' && !node.computed) key(node.property);
    else if ((node.type === 'Property' || node.type === 'MethodDefinition' || node.type === 'PropertyDefinition') && !node.computed) key(node.key);
    else if (node.type === 'Literal' && typeof node.value === 'string' && identifierLike.test(node.value)) names.add(node.value);
    else if (node.type === 'ImportSpecifier' || node.type === 'ExportSpecifier') { key(node.imported); key(node.exported); key(node.local); }
    for (const k in node) {
      const v = node[k];
      if (Array.isArray(v)) v.forEach(visit);
      else if (v && typeof v === 'object' && typeof v.type === 'string') visit(v);
    }
  };
  visit(parseAst(code));
  return names;
}

function jsFiles(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) { if (e.name !== 'node_modules') out.push(...jsFiles(p)); }
    else if (/\.(m?js|cjs)$/.test(e.name)) out.push(p);
  }
  return out;
}

/** Short property names in order: a…z A…Z _ $ then two characters, as terser makes them. */
function* shortNames() {
  const first = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_$';
  const rest = first + '0123456789';
  for (const c of first) yield c;
  for (const c of first) for (const d of rest) yield c + d;
  for (const c of first) for (const d of rest) for (const e of rest) yield c + d + e;
}

/** Names JavaScript or terser treat specially as a property (never a short name). */
const SPECIAL = new Set(['__proto__', 'constructor', 'prototype', 'length', 'name', 'caller', 'arguments', 'then', 'toString', 'valueOf', 'toJSON', 'do', 'if', 'in', 'for', 'let', 'new', 'try', 'var', 'int']);

/**
 * `{ names: Map<name, short> }`: the private names to shorten (most used first get the shortest)
 * and `excluded`/`reserved` from the analysis. Short names avoid every reserved name, every
 * candidate name and terser's list of DOM/built-in property names.
 */
export function assign(analysis, domprops = []) {
  const { candidates, excluded, reserved } = analysis;
  const keep = [...candidates.keys()].filter((n) => !excluded.has(n) && !SPECIAL.has(n) && !domprops.includes(n));
  keep.sort((a, b) => candidates.get(b) - candidates.get(a) || (a < b ? -1 : 1));
  const avoid = new Set([...reserved, ...candidates.keys(), ...domprops, ...SPECIAL]);
  const names = new Map();
  const gen = shortNames();
  for (const n of keep) {
    let s;
    do s = gen.next().value; while (avoid.has(s));
    if (s.length >= n.length) continue; // no gain
    names.set(n, s);
  }
  assertMangleSafe(names, analysis, domprops);
  return names;
}

/** Throws (failing the build) if a shortened name, or its short name, could meet another meaning. */
export function assertMangleSafe(names, { excluded, reserved, candidates }, domprops = []) {
  const shorts = new Set();
  for (const [name, short] of names) {
    if (excluded.has(name)) throw new Error('property mangling: "' + name + '" is ' + excluded.get(name) + ', it must not be shortened');
    if (!candidates.has(name)) throw new Error('property mangling: "' + name + '" is not a private member');
    if (reserved.has(short) || candidates.has(short) || domprops.includes(short) || SPECIAL.has(short)) throw new Error('property mangling: short name "' + short + '" (for "' + name + '") is also a name in use');
    if (shorts.has(short)) throw new Error('property mangling: short name "' + short + '" given twice');
    shorts.add(short);
  }
}

/** Everything the analysis reads, hashed: the cache key. */
function inputsHash(root, configs) {
  const h = createHash('sha256');
  h.update(ts.version + '\0' + readFileSync(new URL(import.meta.url)));
  const walk = (dir) => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|mts|json)$/.test(e.name)) h.update(relative(root, p) + '\0' + statSync(p).size + '\0').update(readFileSync(p));
    }
  };
  for (const c of configs) h.update(readFileSync(join(root, c)));
  for (const d of ['src', 'targets', 'examples', 'test', 'bench']) walk(join(root, d));
  h.update(readFileSync(join(root, 'package-lock.json')));
  return h.digest('hex');
}

async function terserDomprops(root) {
  const file = join(root, 'node_modules/terser/tools/domprops.js');
  return existsSync(file) ? (await import(pathToFileURL(file).href)).domprops : [];
}

/**
 * The name table for the device build: `Map<name, short>`, computed once per change of the
 * sources and kept in .build/private-names.json (the type check takes seconds; rollup.config.mjs
 * is loaded by many tests).
 */
export async function privateNameTable(root = process.cwd()) {
  const configs = ['tsconfig.json', 'tsconfig.moddable.json'];
  const key = inputsHash(root, configs);
  const cache = join(root, '.build/private-names.json');
  if (existsSync(cache)) {
    try {
      const c = JSON.parse(readFileSync(cache, 'utf8'));
      if (c.key === key) return new Map(c.names);
    } catch { /* rebuilt below */ }
  }
  const domprops = await terserDomprops(root);
  const names = assign(analyse(root, configs), domprops);
  mkdirSync(dirname(cache), { recursive: true });
  const tmp = cache + '.' + process.pid + '.tmp';
  writeFileSync(tmp, JSON.stringify({ key, names: [...names] }));
  renameSync(tmp, cache);
  return names;
}

/** terser options for the table: mangle exactly these names, to exactly these short names. */
export function terserPropertyMangling(names) {
  const escape = (s) => s.replace(/[$]/g, '\\$');
  const props = {};
  for (const [name, short] of names) props['$' + name] = short;
  return {
    mangle: { properties: { regex: '^(?:' + [...names.keys()].map(escape).join('|') + ')$' } },
    nameCache: { props: { props } },
  };
}

/**
 * The last check, on the bundle itself before terser: a message if the chunk already uses one of
 * the short names as a property name or string (the shortened property would then meet it).
 */
export function assertChunkFreeOfShortNames(code, names) {
  const shorts = new Map([...names].map(([n, s]) => [s, n]));
  for (const w of jsPropertyNames(code)) if (shorts.has(w)) return 'property "' + w + '" is also the short name of the private member "' + shorts.get(w) + '" (scripts/private-names.mjs)';
  return undefined;
}

// `node scripts/private-names.mjs [--excluded]`: print the table (and why the others stay).
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const root = process.cwd();
  const a = analyse(root);
  const names = assign(a, await terserDomprops(root));
  for (const [n, s] of names) console.log(s.padEnd(4), n, a.candidates.get(n));
  console.log(names.size + ' of ' + a.candidates.size + ' private names shortened');
  if (process.argv.includes('--excluded')) for (const n of a.candidates.keys()) if (a.excluded.has(n)) console.log('kept', n, '—', a.excluded.get(n));
}
