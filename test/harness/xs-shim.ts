/**
 * A small node:test + node:assert compatible subset for running the same test files on XS
 * (xsnap). esbuild aliases `node:test` and `node:assert[/strict]` to this module when it
 * bundles a test for XS. Results print one line per test; the runner parses them.
 */
declare const print: (...args: unknown[]) => void;

type Fn = (t?: unknown) => unknown;
interface Opts { skip?: boolean | string; todo?: boolean | string; timeout?: number; only?: boolean }
interface Suite { name: string; children: (Suite | Case)[]; before: Fn[]; after: Fn[]; beforeEach: Fn[]; afterEach: Fn[]; skip: boolean }
interface Case { name: string; fn: Fn; skip: boolean }

const root: Suite = { name: '', children: [], before: [], after: [], beforeEach: [], afterEach: [], skip: false };
let current: Suite = root;
let scheduled = false;

function parseArgs(a: unknown, b: unknown, c: unknown): { name: string; opts: Opts; fn: Fn } {
  let name = '';
  let opts: Opts = {};
  let fn: Fn = () => {};
  for (const x of [a, b, c]) {
    if (typeof x === 'string') name = x;
    else if (typeof x === 'function') fn = x as Fn;
    else if (x && typeof x === 'object') opts = x as Opts;
  }
  return { name, opts, fn };
}

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  Promise.resolve().then(() => Promise.resolve()).then(runAll);
}

export function describe(a: unknown, b?: unknown, c?: unknown): void {
  const { name, opts, fn } = parseArgs(a, b, c);
  const suite: Suite = { name, children: [], before: [], after: [], beforeEach: [], afterEach: [], skip: !!opts.skip || !!opts.todo };
  current.children.push(suite);
  const parent = current;
  current = suite;
  try {
    fn();
  } finally {
    current = parent;
  }
  schedule();
}
describe.skip = (a: unknown, b?: unknown) => describe(a, { skip: true }, b);

export function it(a: unknown, b?: unknown, c?: unknown): void {
  const { name, opts, fn } = parseArgs(a, b, c);
  current.children.push({ name, fn, skip: !!opts.skip || !!opts.todo });
  schedule();
}
it.skip = (a: unknown, b?: unknown) => it(a, { skip: true }, b);
it.todo = (a: unknown, b?: unknown) => it(a, { skip: true }, b);
export const test = it;
export const suite = describe;
export function before(fn: Fn): void { current.before.push(fn); }
export function after(fn: Fn): void { current.after.push(fn); }
export function beforeEach(fn: Fn): void { current.beforeEach.push(fn); }
export function afterEach(fn: Fn): void { current.afterEach.push(fn); }

/** The `t` context passed to tests: enough of node's TestContext for common use. */
function makeContext(name: string) {
  return {
    name,
    skip(_msg?: string) { throw new SkipSignal(); },
    diagnostic(msg: string) { print('# ' + msg); },
    mock: undefined,
  };
}
class SkipSignal {}

let passed = 0;
let failed = 0;
let skipped = 0;

async function runSuite(s: Suite, path: string[], inheritedEach: { be: Fn[]; ae: Fn[] }, skip: boolean): Promise<void> {
  const be = inheritedEach.be.concat(s.beforeEach);
  const ae = s.afterEach.concat(inheritedEach.ae);
  skip = skip || s.skip;
  if (!skip) for (const f of s.before) await f();
  for (const child of s.children) {
    if ('children' in child) {
      await runSuite(child, child.name ? path.concat(child.name) : path, { be, ae }, skip);
      continue;
    }
    const full = path.concat(child.name).join(' > ');
    if (skip || child.skip) {
      skipped++;
      print('XS-TEST skip ' + full);
      continue;
    }
    try {
      for (const f of be) await f();
      await child.fn(makeContext(child.name));
      for (const f of ae) await f();
      passed++;
      print('XS-TEST pass ' + full);
    } catch (e) {
      if (e instanceof SkipSignal) {
        skipped++;
        print('XS-TEST skip ' + full);
        continue;
      }
      failed++;
      const err = e as { name?: string; message?: string; stack?: string };
      print('XS-TEST fail ' + full);
      print('XS-ERROR ' + String(err && err.name) + ': ' + String(err && err.message).split('\n').join('\nXS-ERROR '));
      if (err && err.stack) print('XS-ERROR ' + String(err.stack).split('\n').slice(0, 6).join('\nXS-ERROR '));
    }
  }
  if (!skip) for (const f of s.after) await f();
}

async function runAll(): Promise<void> {
  try {
    await runSuite(root, [], { be: [], ae: [] }, false);
  } catch (e) {
    failed++;
    print('XS-TEST fail (suite hook) ' + String(e && (e as Error).message));
  }
  print('XS-SUMMARY ' + passed + ' ' + failed + ' ' + skipped);
}

// ---- assert ----

export class AssertionError extends Error {
  actual: unknown;
  expected: unknown;
  constructor(message: string, actual?: unknown, expected?: unknown) {
    super(message);
    this.name = 'AssertionError';
    this.actual = actual;
    this.expected = expected;
  }
}

function show(v: unknown): string {
  if (v instanceof Uint8Array) return 'Uint8Array[' + Array.prototype.join.call(v, ',') + ']';
  if (typeof v === 'bigint') return v + 'n';
  try {
    const s = JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x + 'n' : x instanceof Uint8Array ? 'Uint8Array[' + Array.prototype.join.call(x, ',') + ']' : x));
    return s === undefined ? String(v) : s.length > 400 ? s.slice(0, 400) + '…' : s;
  } catch {
    return String(v);
  }
}

function deepEq(a: unknown, b: unknown, strict: boolean): boolean {
  if (Object.is(a, b)) return true;
  if (!strict && a == b && (typeof a !== 'object' || a === null)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (strict && Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) {
    const x = a as unknown as ArrayLike<unknown>;
    const y = b as unknown as ArrayLike<unknown>;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
    return true;
  }
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !deepEq(v, b.get(k), strict)) return false;
    return true;
  }
  if (a instanceof Set && b instanceof Set) {
    if (a.size !== b.size) return false;
    for (const k of a) if (!b.has(k)) return false;
    return true;
  }
  if (a instanceof Error && b instanceof Error && (a.message !== b.message || a.name !== b.name)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, k)) return false;
    if (!deepEq((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], strict)) return false;
  }
  return true;
}

type Expected = RegExp | Function | Record<string, unknown> | undefined;

function checkError(e: unknown, expected: Expected, message?: string): void {
  if (expected === undefined) return;
  if (expected instanceof RegExp) {
    if (!expected.test(String(e && (e as Error).message !== undefined ? (e as Error).message : e)) && !expected.test(String(e)))
      throw new AssertionError(message ?? 'error ' + show(String(e)) + ' does not match ' + expected);
    return;
  }
  if (typeof expected === 'function') {
    if (expected.prototype !== undefined && e instanceof (expected as new () => unknown)) return;
    if (Error.isPrototypeOf(expected) || expected === Error) throw new AssertionError(message ?? 'expected ' + (expected as Function).name + ', got ' + show((e as Error)?.name) + ': ' + show((e as Error)?.message));
    const r = (expected as (e: unknown) => unknown)(e);
    if (r !== true) throw new AssertionError(message ?? 'validation function rejected the error');
    return;
  }
  for (const k of Object.keys(expected)) {
    const want = (expected as Record<string, unknown>)[k];
    const got = (e as Record<string, unknown>)[k];
    if (want instanceof RegExp && typeof got === 'string' ? !want.test(got) : !deepEq(got, want, true))
      throw new AssertionError(message ?? 'error.' + k + ' is ' + show(got) + ', expected ' + show(want));
  }
}

function ok(v: unknown, message?: string): void {
  if (!v) throw new AssertionError(message ?? 'expected truthy, got ' + show(v), v, true);
}

export const assert = Object.assign(ok, {
  ok,
  AssertionError,
  equal(a: unknown, b: unknown, m?: string) { if (!Object.is(a, b)) throw new AssertionError(m ?? show(a) + ' !== ' + show(b), a, b); },
  strictEqual(a: unknown, b: unknown, m?: string) { if (!Object.is(a, b)) throw new AssertionError(m ?? show(a) + ' !== ' + show(b), a, b); },
  notEqual(a: unknown, b: unknown, m?: string) { if (Object.is(a, b)) throw new AssertionError(m ?? show(a) + ' === ' + show(b), a, b); },
  notStrictEqual(a: unknown, b: unknown, m?: string) { if (Object.is(a, b)) throw new AssertionError(m ?? show(a) + ' === ' + show(b), a, b); },
  deepEqual(a: unknown, b: unknown, m?: string) { if (!deepEq(a, b, true)) throw new AssertionError(m ?? show(a) + ' not deep-equal ' + show(b), a, b); },
  deepStrictEqual(a: unknown, b: unknown, m?: string) { if (!deepEq(a, b, true)) throw new AssertionError(m ?? show(a) + ' not deep-equal ' + show(b), a, b); },
  notDeepEqual(a: unknown, b: unknown, m?: string) { if (deepEq(a, b, true)) throw new AssertionError(m ?? show(a) + ' deep-equals ' + show(b), a, b); },
  notDeepStrictEqual(a: unknown, b: unknown, m?: string) { if (deepEq(a, b, true)) throw new AssertionError(m ?? show(a) + ' deep-equals ' + show(b), a, b); },
  match(s: string, re: RegExp, m?: string) { if (!re.test(s)) throw new AssertionError(m ?? show(s) + ' does not match ' + re, s, re); },
  doesNotMatch(s: string, re: RegExp, m?: string) { if (re.test(s)) throw new AssertionError(m ?? show(s) + ' matches ' + re, s, re); },
  fail(m?: string): never { throw new AssertionError(m ?? 'Failed'); },
  throws(fn: () => unknown, expected?: Expected | string, m?: string) {
    if (typeof expected === 'string') { m = expected; expected = undefined; }
    try {
      fn();
    } catch (e) {
      checkError(e, expected, m);
      return;
    }
    throw new AssertionError(m ?? 'Missing expected exception');
  },
  doesNotThrow(fn: () => unknown, m?: string) {
    try { fn(); } catch (e) { throw new AssertionError((m ?? 'Got unwanted exception') + ': ' + String(e)); }
  },
  async rejects(p: Promise<unknown> | (() => Promise<unknown>), expected?: Expected | string, m?: string) {
    if (typeof expected === 'string') { m = expected; expected = undefined; }
    try {
      await (typeof p === 'function' ? p() : p);
    } catch (e) {
      checkError(e, expected, m);
      return;
    }
    throw new AssertionError(m ?? 'Missing expected rejection');
  },
  async doesNotReject(p: Promise<unknown> | (() => Promise<unknown>), m?: string) {
    try { await (typeof p === 'function' ? p() : p); } catch (e) { throw new AssertionError((m ?? 'Got unwanted rejection') + ': ' + String(e)); }
  },
});
(assert as unknown as Record<string, unknown>).strict = assert;
export default assert;
