/**
 * XS metering: computrons used by a function, read from xsnap's meter
 * (`resetMeter(limit, index)` returns the meter index reached and resets it).
 * Deterministic for the same code and inputs — the benchmarks' unit on the device engine.
 * Returns undefined on engines without a meter (Node).
 */
declare const resetMeter: ((limit: number, index: number) => number) | undefined;

export function hasMeter(): boolean {
  return typeof resetMeter === 'function';
}

/** Computrons used by `fn()` (run `times` times, total). */
export function meter(fn: () => void, times = 1): number | undefined {
  if (typeof resetMeter !== 'function') {
    for (let i = 0; i < times; i++) fn();
    return undefined;
  }
  const saved = resetMeter(0, 0);
  for (let i = 0; i < times; i++) fn();
  const used = resetMeter(0, saved);
  return used;
}
