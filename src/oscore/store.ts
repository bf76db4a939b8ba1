/**
 * The persistence contract of a security context (RFC 8613 §7.5, Appendix B.1): what OSCORE sees
 * of storage. `src/persist` implements it on NOR flash, `targets/node` in aiocoap's context
 * directory format; `MemoryContextStore` here serves tests and ephemeral contexts.
 *
 * - `load()` once when the context is opened: the next sender sequence number that is safe to use
 *   (after an unclean stop: the old reservation limit, App. B.1.1) and the replay window
 *   (`'unknown'` after an unclean stop, App. B.1.2).
 * - `reserve(upTo)` before a sequence number at or above the current limit is used: the store makes
 *   a limit L ≥ upTo durable and returns it; every seq < L may then be used without asking again.
 * - `close(nextSeq, window)` at clean shutdown writes the exact state.
 */
import { LoadError } from '../errors.js';

/**
 * A replay window at rest. Bit i of `mask` (byte i >> 3, bit i & 7) is set when sequence number
 * (highest − i) was received; `highest` is -1 when nothing was received yet.
 */
export interface ReplayWindowSnapshot {
  size: number;
  highest: number;
  /** ceil(size / 8) bytes. */
  mask: Uint8Array;
}

/** 'fresh': a new context, nothing received. 'unknown': unclean stop, freshness must be re-proven (App. B.1.2). */
export type ReplayState = ReplayWindowSnapshot | 'fresh' | 'unknown';

export interface ContextStore {
  /** Called once, when the context is opened. */
  load(): { nextSeq: number; window: ReplayState };
  /** Durable before returning; returns a limit L ≥ upTo: every seq < L may be used. */
  reserve(upTo: number): number;
  /**
   * Clean shutdown: the exact state. `window` is `'unknown'` only when the context was opened
   * after an unclean stop and no request has proven freshness since (App. B.1.2).
   */
  close(nextSeq: number, window: ReplayWindowSnapshot | 'unknown'): void;
}

function copyState(w: ReplayState): ReplayState {
  return typeof w === 'string' ? w : { size: w.size, highest: w.highest, mask: w.mask.slice() };
}

/**
 * The store a SecurityContext uses when it is given none: the state lives in this object only,
 * so nothing survives a reset (no App. B.1 guarantees; a device passes a flash store). Reservations
 * are exact (the limit is what was asked). One live security context at a time: load() again
 * before close() is a LoadError.
 */
export class VolatileContextStore implements ContextStore {
  protected nextSeq: number;
  protected window: ReplayState;
  /** Loaded by a security context and not closed (or crashed) since: one live copy at a time. */
  protected live = false;

  constructor(nextSeq = 0, window: ReplayState = 'fresh') {
    this.nextSeq = nextSeq;
    this.window = copyState(window);
  }

  load(): { nextSeq: number; window: ReplayState } {
    // A second live context on one store would send with the same sequence numbers (nonce reuse).
    if (this.live) throw new LoadError('context store: already loaded by a live context');
    this.live = true;
    return { nextSeq: this.nextSeq, window: copyState(this.window) };
  }

  reserve(upTo: number): number {
    return upTo;
  }

  close(nextSeq: number, window: ReplayWindowSnapshot | 'unknown'): void {
    this.nextSeq = nextSeq;
    this.window = copyState(window);
    this.live = false;
  }
}

/**
 * A ContextStore in memory for tests and tools. `reserveStep` models how far ahead a real store
 * reserves (K of §7.5.1); `crash()` models an unclean stop so tests can exercise App. B.1 without
 * flash; `reserveCalls` and `closed` show what a flash store would have written.
 */
export class MemoryContextStore extends VolatileContextStore {
  private readonly reserveStep: number;
  /** Highest limit handed out by reserve(). */
  limit: number;
  /** Number of reserve() calls (what a flash store would write). */
  reserveCalls = 0;
  /** Set by close(). */
  closed = false;

  constructor(init: { nextSeq?: number; window?: ReplayState; reserveStep?: number } = {}) {
    super(init.nextSeq, init.window);
    this.reserveStep = init.reserveStep ?? 1;
    if (!Number.isInteger(this.reserveStep) || this.reserveStep < 1) throw new RangeError('reserveStep must be a positive integer');
    this.limit = this.nextSeq;
  }

  override load(): { nextSeq: number; window: ReplayState } {
    const loaded = super.load();
    this.closed = false;
    return loaded;
  }

  override reserve(upTo: number): number {
    this.reserveCalls++;
    return (this.limit = Math.max(this.limit, upTo - 1 + this.reserveStep));
  }

  override close(nextSeq: number, window: ReplayWindowSnapshot | 'unknown'): void {
    super.close(nextSeq, window);
    this.limit = Math.max(this.limit, nextSeq);
    this.closed = true;
  }

  /** An unclean stop: the next load() resumes at the reservation limit with an unknown window. */
  crash(): void {
    this.nextSeq = Math.max(this.nextSeq, this.limit);
    this.window = 'unknown';
    this.live = false;
  }
}
