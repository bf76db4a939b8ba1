/** Stand-in timers for XS, so fast-check's module can load (see fc.ts); they refuse to be used. */
const g = globalThis as Record<string, unknown>;
if (typeof g.setTimeout !== 'function') {
  g.setTimeout = () => {
    throw new Error('setTimeout is not available on XS: use the virtual clock');
  };
  g.clearTimeout = () => {};
}
