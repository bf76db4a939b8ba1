/**
 * The server's Replay Window (RFC 8613 §7.4): a sliding bitmap of the last `size` Partial IVs
 * below and including the highest one received (default 32, configurable). `check` only reads;
 * `accept` is called after the request authenticated, so a forged or malformed message never
 * moves the window. After an unclean stop the window is `'unknown'` (App. B.1.2): every request is
 * answered with an Echo challenge until one whose inner Echo proves freshness re-initialises it,
 * with that request's Partial IV as the lower limit (everything at or below it counts as received).
 *
 * A window of up to 32 positions (the default) is one 32-bit number, so it costs no allocation
 * (a device holds one per security context); a larger one is a byte array. Same bits either way:
 * bit i (of the number, or byte i >> 3, bit i & 7) set ⇔ seq (highest − i) was received.
 */
import { LoadError, ReplayError } from '../errors.js';
import type { ReplayState, ReplayWindowSnapshot } from './store.js';
import { MAX_SEQUENCE_NUMBER } from './sequence.js';

export const DEFAULT_REPLAY_WINDOW_SIZE = 32;
/** A bound so a configuration typo cannot allocate much (the bitmap is size/8 bytes). */
export const MAX_REPLAY_WINDOW_SIZE = 4096;
/** `highest` after an unclean stop, until freshness is proven (App. B.1.2). */
const UNKNOWN = -2;

export class ReplayWindow {
  readonly size: number;
  /** The highest Partial IV received; -1: nothing yet; UNKNOWN: after an unclean stop. */
  private highest = -1;
  /** The received bits: a number when size ≤ 32, else ceil(size / 8) bytes. */
  private mask: number | Uint8Array;

  constructor(size: number = DEFAULT_REPLAY_WINDOW_SIZE, state: ReplayState = 'fresh') {
    if (!Number.isInteger(size) || size < 1 || size > MAX_REPLAY_WINDOW_SIZE) throw new RangeError('replay window size must be 1..' + MAX_REPLAY_WINDOW_SIZE + ', got ' + size);
    this.size = size;
    this.mask = size > 32 ? new Uint8Array((size + 7) >> 3) : 0;
    this.restore(state);
  }

  /** True after an unclean stop until a request proved freshness (App. B.1.2). */
  get isUnknown(): boolean {
    return this.highest === UNKNOWN;
  }

  /** The highest Partial IV accepted so far (-1: none, or unknown). */
  get highestReceived(): number {
    return this.highest < 0 ? -1 : this.highest;
  }

  /** Whether seq (highest − i) was received. */
  private bit(i: number): boolean {
    const m = this.mask;
    return ((typeof m === 'number' ? m >>> i : m[i >> 3] >> (i & 7)) & 1) === 1;
  }

  /** Mark seq (highest − i) received. */
  private setBit(i: number): void {
    const m = this.mask;
    if (typeof m === 'number') this.mask = m | (1 << i);
    else m[i >> 3] |= 1 << (i & 7);
  }

  /** Throws ReplayError when `seq` was received before or is too old to tell. Changes nothing. */
  check(seq: number): void {
    if (this.highest === UNKNOWN) throw new ReplayError('Replay window unknown');
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
    }
    this.setBit(this.highest - seq);
  }

  /**
   * App. B.1.2: a request with Partial IV `seq` proved its freshness (Echo); it becomes the lower
   * limit of the window: `seq` and everything below count as received.
   */
  initialiseFromFreshRequest(seq: number): void {
    this.highest = seq;
    for (let i = 0; i < this.size; i++) this.setBit(i);
  }

  /**
   * Move every bit `k` positions up (older). Bits that move past the window stay unread (check()
   * answers "too old" first, snapshot() reads positions below `size`) until shifted out.
   */
  private shiftUp(k: number): void {
    const m = this.mask;
    if (k >= this.size) {
      this.mask = typeof m === 'number' ? 0 : m.fill(0);
    } else if (typeof m === 'number') {
      this.mask = m << k;
    } else {
      const bytes = k >> 3;
      const bits = k & 7;
      for (let j = m.length - 1; j >= 0; j--) {
        const src = j - bytes;
        let v = src >= 0 ? m[src] << bits : 0;
        if (bits !== 0 && src - 1 >= 0) v |= m[src - 1] >> (8 - bits);
        m[j] = v;
      }
    }
  }

  /** The window at rest, for ContextStore.close(). */
  snapshot(): ReplayWindowSnapshot | 'unknown' {
    if (this.highest === UNKNOWN) return 'unknown';
    const mask = new Uint8Array((this.size + 7) >> 3);
    for (let i = 0; i < this.size; i++) if (this.bit(i)) mask[i >> 3] |= 1 << (i & 7);
    return { size: this.size, highest: this.highest, mask };
  }

  /**
   * Load a stored state. A snapshot of a different size is converted conservatively: positions
   * the stored window did not cover count as received. Malformed snapshots throw LoadError.
   */
  restore(state: ReplayState): void {
    this.shiftUp(this.size); // all clear
    this.highest = -1;
    if (state === 'fresh') return;
    if (state === 'unknown') {
      this.highest = UNKNOWN;
      return;
    }
    const { size, highest, mask } = state;
    if (!Number.isInteger(size) || size < 1 || size > MAX_REPLAY_WINDOW_SIZE) throw new LoadError('replay window snapshot: bad size ' + size);
    if (!(mask instanceof Uint8Array) || mask.length !== (size + 7) >> 3) throw new LoadError('replay window snapshot: mask must be ' + ((size + 7) >> 3) + ' bytes');
    if (!Number.isInteger(highest) || highest < -1 || highest > MAX_SEQUENCE_NUMBER) throw new LoadError('replay window snapshot: bad highest ' + highest);
    this.highest = highest;
    if (highest < 0) return;
    for (let i = 0; i < this.size; i++) if (i >= size || ((mask[i >> 3] >> (i & 7)) & 1) === 1) this.setBit(i);
  }
}
