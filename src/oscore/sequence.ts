/**
 * The Sender Sequence Number (RFC 8613 §7.2.1, §7.5.1, App. B.1.1): the next Partial IV this
 * endpoint sends. Before a number at or above the durable limit is used, the ContextStore is asked
 * to reserve (`reserve(seq + 1)`), so a reboot never reuses a nonce. The largest Partial IV is
 * 2^40 − 1 (5 bytes); after it the context is exhausted — the number never wraps.
 */
import { ContextUnavailable, LoadError } from '../errors.js';
import type { ContextStore, ReplayState } from './store.js';

/** The largest Sender Sequence Number (§7.2.1: less than 2^40). */
export const MAX_SEQUENCE_NUMBER = 2 ** 40 - 1;

export class SenderSequence {
  private nextSeq: number;
  /** Every seq below this is durably reserved. */
  private limit: number;
  private readonly store: ContextStore;

  constructor(store: ContextStore, nextSeq: number) {
    if (!Number.isSafeInteger(nextSeq) || nextSeq < 0) throw new RangeError('sender sequence number: not a safe integer >= 0: ' + nextSeq);
    this.store = store;
    this.nextSeq = nextSeq;
    this.limit = nextSeq;
  }

  /** The number the next take() returns (no side effect). */
  get next(): number {
    return this.nextSeq;
  }

  /**
   * Take the next number for a message about to be protected. Reserves through the store first
   * when needed; a store that fails (or returns a limit that does not cover the number) makes the
   * context unavailable and leaves the sequence unchanged.
   */
  take(): number {
    const seq = this.nextSeq;
    if (seq > MAX_SEQUENCE_NUMBER) throw new ContextUnavailable('sender sequence number exhausted: a new context is needed');
    if (seq >= this.limit) {
      let limit: number;
      try {
        limit = this.store.reserve(seq + 1);
      } catch (e) {
        throw new ContextUnavailable('sender sequence reservation failed: ' + (e instanceof Error ? e.message : String(e)));
      }
      if (!(limit >= seq + 1)) throw new ContextUnavailable('sender sequence reservation: limit ' + limit + ' below ' + (seq + 1));
      this.limit = limit;
    }
    this.nextSeq = seq + 1;
    return seq;
  }
}

/**
 * Open a context's persisted state (RFC 8613 App. B.1) for a security context: the sender
 * sequence and the stored replay state. Whatever the store throws becomes a LoadError; a
 * sequence number outside 0 … 2^40 is refused.
 */
export function openSenderState(store: ContextStore): { sequence: SenderSequence; window: ReplayState } {
  let loaded: ReturnType<ContextStore['load']>;
  try {
    loaded = store.load();
  } catch (e) {
    if (e instanceof LoadError) throw e;
    throw new LoadError('store: ' + (e instanceof Error ? e.message : String(e)));
  }
  if (!Number.isSafeInteger(loaded.nextSeq) || loaded.nextSeq < 0 || loaded.nextSeq > MAX_SEQUENCE_NUMBER + 1) throw new LoadError('store: bad sender sequence number ' + String(loaded.nextSeq));
  return { sequence: new SenderSequence(store, loaded.nextSeq), window: loaded.window };
}
