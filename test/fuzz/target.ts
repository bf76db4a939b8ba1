/**
 * The shape of a reliability fuzz target and its runner (not a test file). A target builds a
 * fast-check property plus counters of what happened (accepted, rejected by kind, ...). The same
 * target runs with a fixed seed and a small count in `npm test` (both engines) and with ≥ 10^6
 * inputs in `npm run fuzz` (scripts/fuzz.mjs, Node, resumable per target).
 *
 * Common property helpers: `typedOnly` turns anything that is not an OscoreXsError into a failure
 * (the "only typed errors" property); `slowest` tracks the slowest input (no hang).
 */
import { fc } from './fc.js';
import { OscoreXsError } from '../../src/errors.js';

export type Counts = Record<string, number>;

export interface FuzzInstance {
  /** A synchronous property (every target is). */
  property: fc.IProperty<any>;
  counts: Counts;
}

export interface FuzzTarget {
  name: string;
  /** One line for RELIABILITY.md: what is generated and what must hold. */
  description: string;
  create(): FuzzInstance;
}

export function bump(counts: Counts, key: string, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by;
}

/** Rethrow anything that is not one of our typed errors (or not of the expected class) as a property failure. */
export function typedOnly(e: unknown, expected: abstract new (...args: any[]) => OscoreXsError = OscoreXsError): OscoreXsError {
  if (e instanceof expected) return e;
  const what = e instanceof Error ? e.name + ': ' + e.message : String(e);
  throw new Error('untyped or unexpected error (wanted ' + expected.name + '): ' + what);
}

/** Run `numRuns` inputs of a target with `seed`; throws (with fast-check's shrunk counterexample) on a violation. */
export function runTarget(target: FuzzTarget, seed: number, numRuns: number, instance: FuzzInstance = target.create()): Counts {
  const start = Date.now();
  const details = fc.check(instance.property, { seed, numRuns });
  if (details.failed) {
    const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    throw new Error(target.name + ': property failed (seed ' + seed + ', path "' + details.counterexamplePath + '"): ' + cause + '\ncounterexample: ' + fc.stringify(details.counterexample));
  }
  instance.counts.inputs = (instance.counts.inputs ?? 0) + numRuns;
  instance.counts.ms = (instance.counts.ms ?? 0) + (Date.now() - start);
  return instance.counts;
}
