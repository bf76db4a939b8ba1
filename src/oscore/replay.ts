/**
 * The server's Replay Window (RFC 8613 §7.4): a sliding bitmap of the last `size` Partial IVs
 * below and including the highest one received (default 32, configurable). `check` only reads;
 * `accept` is called after the request authenticated, so a forged or malformed message never
 * moves the window. After an unclean stop the window is `'unknown'` (App. B.1.2): every request is
 * answered with an Echo challenge until one whose inner Echo proves freshness re-initialises it,
 * with that request's Partial IV as the lower limit (everything at or below it counts as received).
 */
import { LoadError, ReplayError } from '../errors.js';
import type { ReplayState, ReplayWindowSnapshot } from './store.js';
import { MAX_SEQUENCE_NUMBER } from './sequence.js';

export const DEFAULT_REPLAY_WINDOW_SIZE = 32;
/** A bound so a configuration typo cannot allocate much (the bitmap is size/8 bytes). */
export const MAX_REPLAY_WINDOW_SIZE = 4096;

export class ReplayWindow {
  readonly size: number;
  private unknown = false;
  /** -1: nothing received yet. */
  private highest = -1;
  /** Bit i (byte i >> 3, bit i & 7) set ⇔ seq (highest − i) was received. */
  private readonly mask: Uint8Array;

  constructor(size: number = DEFAULT_REPLAY_WINDOW_SIZE, state: ReplayState = 'fresh') {
    if (!Number.isInteger(size) || size < 1 || size > MAX_REPLAY_WINDOW_SIZE) throw new RangeError('replay window size must be 1..' + MAX_REPLAY_WINDOW_SIZE + ', got ' + size);
    this.size = size;
    this.mask = new Uint8Array((size + 7) >> 3);
    this.restore(state);
  }

  /** True after an unclean stop until a request proved freshness (App. B.1.2). */
  get isUnknown(): boolean {
    return this.unknown;
  }

  /** The highest Partial IV accepted so far (-1: none, or unknown). */
  get highestReceived(): number {
    return this.unknown ? -1 : this.highest;
  }

  private bit(i: number): boolean {
    return ((this.mask[i >> 3] >> (i & 7)) & 1) === 1;
  }

  /** Throws ReplayError when `seq` was received before or is too old to tell. Changes nothing. */
  check(seq: number): void {
    if (this.unknown) throw new ReplayError('Replay window unknown');
    if (seq > this.highest) return;
    const age = this.highest - seq;
    if (age >= this.size) throw new ReplayError('Partial IV ' + seq + ' is older than the replay window (highest ' + this.highest + ', size ' + this.size + ')');
    if (this.bit(age)) throw new ReplayError('Partial IV ' + seq + ' was already received');
  }

  /** Mark `seq` received (call only after the message authenticated). Throws like check(). */
  accept(seq: number): void {
    this.check(seq);
    if (seq > this.highest) {
      this.shiftUp(this.highest < 0 ? this.size : seq - this.highest);
      this.highest = seq;
      this.mask[0] |= 1;
    } else {
      const age = this.highest - seq;
      this.mask[age >> 3] |= 1 << (age & 7);
    }
  }

  /**
   * App. B.1.2: a request with Partial IV `seq` proved its freshness (Echo); it becomes the lower
   * limit of the window: `seq` and everything below count as received.
   */
  initialiseFromFreshRequest(seq: number): void {
    this.unknown = false;
    this.highest = seq;
    this.mask.fill(0xff);
    this.clearBeyondSize();
  }

  /** Move every bit `k` positions up (older), dropping those past the window. */
  private shiftUp(k: number): void {
    const m = this.mask;
    if (k >= this.size) {
      m.fill(0);
      return;
    }
    const bytes = k >> 3;
    const bits = k & 7;
    for (let j = m.length - 1; j >= 0; j--) {
      const src = j - bytes;
      let v = src >= 0 ? m[src] << bits : 0;
      if (bits !== 0 && src - 1 >= 0) v |= m[src - 1] >> (8 - bits);
      m[j] = v & 0xff;
    }
    this.clearBeyondSize();
  }

  private clearBeyondSize(): void {
    const extra = this.mask.length * 8 - this.size;
    if (extra > 0) this.mask[this.mask.length - 1] &= 0xff >> extra;
  }

  /** The window at rest, for ContextStore.close(). */
  snapshot(): ReplayWindowSnapshot | 'unknown' {
    if (this.unknown) return 'unknown';
    return { size: this.size, highest: this.highest, mask: this.mask.slice() };
  }

  /**
   * Load a stored state. A snapshot of a different size is converted conservatively: positions
   * the stored window did not cover count as received. Malformed snapshots throw LoadError.
   */
  restore(state: ReplayState): void {
    this.mask.fill(0);
    this.highest = -1;
    this.unknown = false;
    if (state === 'fresh') return;
    if (state === 'unknown') {
      this.unknown = true;
      return;
    }
    const { size, highest, mask } = state;
    if (!Number.isInteger(size) || size < 1 || size > MAX_REPLAY_WINDOW_SIZE) throw new LoadError('replay window snapshot: bad size ' + size);
    if (!(mask instanceof Uint8Array) || mask.length !== (size + 7) >> 3) throw new LoadError('replay window snapshot: mask must be ' + ((size + 7) >> 3) + ' bytes');
    if (!Number.isInteger(highest) || highest < -1 || highest > MAX_SEQUENCE_NUMBER) throw new LoadError('replay window snapshot: bad highest ' + highest);
    this.highest = highest;
    if (highest < 0) return;
    for (let i = 0; i < this.size; i++) {
      const received = i < size ? ((mask[i >> 3] >> (i & 7)) & 1) === 1 : true;
      if (received) this.mask[i >> 3] |= 1 << (i & 7);
    }
  }
}
