/**
 * FlashContextStore: the ContextStore (src/oscore/store.ts) of one security context, kept as one
 * key in a RecordLog shared by every context of the partition (RFC 8613 App. B.1).
 *
 * - Sender sequence (App. B.1.1): `reserve(upTo)` writes a record with a limit L ≥ upTo before it
 *   returns; every seq < L may then be used with no further write. The chunk by which L moves
 *   ahead follows a ChunkRule: aiocoap's (10, doubling up to 10,000) by default, or the
 *   rate-bounded rule that also keeps writes per hour bounded at high message rates. After an unclean stop the sender resumes at the stored
 *   limit: at most one chunk of numbers is skipped, none is reused.
 * - Replay window (App. B.1.2): load() hands OSCORE the stored state; if that state is exact (a
 *   clean close, or a fresh context) it is overwritten *before load returns* by a record that says
 *   'unknown' (together with the first reservation), so a crash can never bring back a stale
 *   window. close() writes the exact next seq and window: nothing is lost at a clean shutdown.
 *
 * One live copy (App. B.1, "a context is never copied, only moved"): from load() to close() the
 * key is held, and another store opening or loading it over the same RecordLog is refused with a
 * LoadError — two live copies would send with the same sequence numbers (nonce reuse). After a
 * reboot (RecordLog.open over the same flash again) the first of the two logs to write retires the
 * other, and every store on it (record-log.ts), so an old copy can neither reserve nor close.
 *
 * Record body: seq as 6 bytes LE, alone (6 bytes: running, window unknown, seq = reservation
 * limit) or followed by the window (closed, seq = exact next seq): kind (0 fresh, 1 unknown,
 * 2 snapshot) and, for a snapshot, size u16 · highest + 1 as 6 bytes · mask. Running records are
 * the ones written all the time: they are kept to 6 bytes.
 */
import type { ContextStore, ReplayState, ReplayWindowSnapshot } from '../oscore/store.js';
import { LoadError } from '../errors.js';
import { toHex } from '../bytes.js';
import { RecordLog } from './record-log.js';

/** Partial IVs are at most 5 bytes (§7.2.1): every seq < 2^40 may be used. */
export const SEQUENCE_SPACE = 2 ** 40;

const WINDOW_FRESH = 0;
const WINDOW_UNKNOWN = 1;
const WINDOW_SNAPSHOT = 2;
const MAX_WINDOW = 4096;

/** How far each reservation reaches ahead. `next()` is asked once per reservation write. */
export interface ChunkRule {
  next(): number;
}

/** aiocoap's rule: 10, 20, 40, … doubling up to 10,000, restarting at every boot. */
export function doublingChunks(start = 10, max = 10000): ChunkRule {
  let chunk = start;
  return {
    next() {
      const c = chunk;
      chunk = Math.min(chunk * 2, max);
      return c;
    },
  };
}

/**
 * Rate-bounded rule (our improvement on aiocoap's): chunks double from `start` to `floor` as in
 * aiocoap, and beyond `floor` keep doubling (up to `max`) while a chunk lasted less than
 * `intervalMs`; a chunk that lasted over 4 × `intervalMs` is halved (not below `floor`). At low
 * rates it writes exactly like aiocoap; at high rates writes stay near one per interval (about
 * 3600 s / interval per hour) instead of growing with the rate. A crash skips at most one chunk:
 * max(floor, about 2 × rate × interval) numbers — negligible against 2^40.
 */
export function rateBoundedChunks(now: () => number, intervalMs = 60000, start = 10, floor = 10000, max = 2 ** 24): ChunkRule {
  let chunk = start;
  let last = -Infinity;
  return {
    next() {
      // `lasted`: how long the previous chunk lasted (this call comes when it ran out).
      const t = now();
      const lasted = t - last;
      const first = last === -Infinity;
      last = t;
      if (first) return chunk;
      if (chunk < floor) chunk = Math.min(chunk * 2, floor);
      else if (lasted < intervalMs) chunk = Math.min(chunk * 2, max);
      else if (lasted > 4 * intervalMs) chunk = Math.max(floor, Math.floor(chunk / 2));
      return chunk;
    },
  };
}

export interface StoredContextState {
  nextSeq: number;
  window: ReplayState;
}

function putSeq(b: Uint8Array, at: number, v: number): void {
  for (let i = 0; i < 6; i++) {
    b[at + i] = v % 256;
    v = Math.floor(v / 256);
  }
}

function getSeq(b: Uint8Array, at: number): number {
  let v = 0;
  for (let i = 5; i >= 0; i--) v = v * 256 + b[at + i];
  return v;
}

/** A record body: the seq alone (running), or followed by the window (closed). */
function encodeState(seq: number, window?: ReplayState): Uint8Array {
  const snapshot = typeof window === 'object';
  const b = new Uint8Array(window === undefined ? 6 : snapshot ? 15 + window.mask.length : 7);
  putSeq(b, 0, seq);
  if (snapshot) {
    b[6] = WINDOW_SNAPSHOT;
    b[7] = window.size & 0xff;
    b[8] = window.size >>> 8;
    putSeq(b, 9, window.highest + 1);
    b.set(window.mask, 15);
  } else if (window) b[6] = window === 'fresh' ? WINDOW_FRESH : WINDOW_UNKNOWN;
  return b;
}

/** A LoadError about the stored context `name` (its key in hex). */
function contextError(name: string, why: string): LoadError {
  return new LoadError('stored context ' + name + ': ' + why);
}

/** Decode a record body (LoadError naming the context and the field when it is malformed). */
export function decodeState(b: Uint8Array, name: string): { running: boolean; seq: number; window: ReplayState } {
  const bad = (why: string) => contextError(name, why);
  if (b.length < 6) throw bad('record too short');
  const seq = getSeq(b, 0);
  if (seq > SEQUENCE_SPACE) throw bad('sequence number ' + seq + ' out of range');
  const kind = b[6];
  if (b.length === 6) return { running: true, seq, window: 'unknown' };
  if (kind === WINDOW_FRESH || kind === WINDOW_UNKNOWN) {
    if (b.length !== 7) throw bad('bad closed record length');
    return { running: false, seq, window: kind === WINDOW_FRESH ? 'fresh' : 'unknown' };
  }
  if (kind !== WINDOW_SNAPSHOT) throw bad('bad replay window kind');
  // (Too short for a snapshot: the size or the mask is wrong.)
  const window = { size: b[7] | (b[8] << 8), highest: getSeq(b, 9) - 1, mask: b.slice(15) };
  const fault = windowFault(window);
  if (fault) throw bad('bad replay window ' + fault);
  return { running: false, seq, window };
}

/** The stored state of `key`, read for a store that is about to hold it (LoadError when it cannot). */
export function readState(log: RecordLog, key: Uint8Array): { running: boolean; seq: number; window: ReplayState } {
  const name = toHex(key);
  if (log.retired) throw contextError(name, 'record log retired; open it on the newer one');
  if (log.liveKeys.has(name)) throw alreadyLive(name);
  const body = log.read(key);
  if (!body) throw contextError(name, 'not found');
  return decodeState(body, name);
}

/** The field of a replay window snapshot that is malformed or out of range, '' when none. */
function windowFault(w: ReplayWindowSnapshot): string {
  return !w || !Number.isInteger(w.size) || w.size < 1 || w.size > MAX_WINDOW ? 'size (1..' + MAX_WINDOW + ')'
    : !(w.mask instanceof Uint8Array) || w.mask.length !== (w.size + 7) >> 3 ? 'mask (ceil(size/8) bytes)'
    : !Number.isInteger(w.highest) || w.highest < -1 || w.highest >= SEQUENCE_SPACE ? 'highest ' + w.highest : '';
}

function checkWindow(w: ReplayState): void {
  const fault = w === 'fresh' || w === 'unknown' ? '' : windowFault(w);
  if (fault) throw new RangeError('replay window ' + fault + ' out of range');
}

function checkSeq(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0 || n > SEQUENCE_SPACE) throw new RangeError(what + ' must be an integer in 0..2^40, got ' + n);
}

function alreadyLive(name: string): LoadError {
  return contextError(name, 'already open (a second live copy would reuse nonces)');
}

export interface FlashContextStoreOptions {
  /** Default: doublingChunks() (aiocoap: 10 doubling to 10,000). */
  chunks?: ChunkRule;
  /**
   * create() only: the caller guarantees the context's keys are new (never used with any stored
   * sequence number). Required once damage was found in the partition, where a context whose
   * records were all destroyed would otherwise be silently re-created at sequence number 0.
   */
  newKeyMaterial?: boolean;
}

/** A store's states: opened (not loaded yet), loaded (it holds its key), closed. */
const OPENED = 0;
const LOADED = 1;
const CLOSED = 2;

export class FlashContextStore implements ContextStore {
  readonly log: RecordLog;
  readonly key: Uint8Array;
  private readonly chunks: ChunkRule;
  private state = OPENED;
  private limit = 0;
  private loadedSeq = 0;
  /** Reservation records written by this store (load marker included). */
  writes = 0;

  private constructor(log: RecordLog, key: Uint8Array, options: FlashContextStoreOptions) {
    this.log = log;
    this.key = key.slice();
    this.chunks = options.chunks ?? doublingChunks();
  }

  /**
   * Store a new security context (fresh keys, or one moved here with `exportContextState` from a
   * closed store that was then destroyed). Refuses a key that is already stored.
   */
  static create(log: RecordLog, key: Uint8Array, initial: StoredContextState = { nextSeq: 0, window: 'fresh' }, options: FlashContextStoreOptions = {}): FlashContextStore {
    checkSeq(initial.nextSeq, 'nextSeq');
    checkWindow(initial.window);
    if (log.has(key)) throw contextError(toHex(key), 'already exists');
    if (log.damageSeen && !options.newKeyMaterial) throw contextError(toHex(key), 'flash damage seen; create it only with new keys (newKeyMaterial)');
    log.append(key, encodeState(initial.nextSeq, initial.window));
    return new FlashContextStore(log, key, options);
  }

  /** A stored context; LoadError when it is missing, damaged or malformed. */
  static open(log: RecordLog, key: Uint8Array, options: FlashContextStoreOptions = {}): FlashContextStore {
    readState(log, key);
    return new FlashContextStore(log, key, options);
  }

  load(): { nextSeq: number; window: ReplayState } {
    const name = toHex(this.key);
    if (this.state === LOADED) throw alreadyLive(name);
    if (this.state !== OPENED) throw contextError(name, 'store closed; open it again');
    const s = readState(this.log, this.key);
    this.loadedSeq = this.limit = s.seq;
    // The exact window is about to go stale: mark it unknown (and reserve) before OSCORE runs.
    if (!s.running) this.reserveChunk(0);
    this.log.liveKeys.add(name);
    this.state = LOADED;
    return { nextSeq: s.seq, window: s.window };
  }

  reserve(upTo: number): number {
    if (this.state !== LOADED) throw new Error('reserve() needs load() first, and no close()');
    checkSeq(upTo, 'reserve(upTo)');
    if (upTo > this.limit) this.reserveChunk(upTo);
    return this.limit;
  }

  /** Durably move the limit a chunk ahead (at least to `upTo`, at most to 2^40): one record write. */
  private reserveChunk(upTo: number): void {
    const limit = Math.min(SEQUENCE_SPACE, Math.max(upTo, this.limit + this.chunks.next()));
    this.log.append(this.key, encodeState(limit));
    this.limit = limit;
    this.writes++;
  }

  close(nextSeq: number, window: ReplayWindowSnapshot | 'unknown'): void {
    if (this.state !== LOADED) throw new Error('close() needs load() first, once');
    checkSeq(nextSeq, 'nextSeq');
    checkWindow(window);
    // Going below the loaded value would hand out numbers that may have been used before.
    if (nextSeq < this.loadedSeq) throw new RangeError('close(): nextSeq ' + nextSeq + ' is below the loaded ' + this.loadedSeq);
    this.log.append(this.key, encodeState(nextSeq, window));
    this.state = CLOSED;
    this.log.liveKeys.delete(toHex(this.key));
  }

  /** The durable limit: every seq below it may have been used. */
  get reservedLimit(): number {
    return this.limit;
  }

  /** True after close(): the store holds its key no more (context-move.ts exports and destroys closed stores). */
  get closed(): boolean {
    return this.state === CLOSED;
  }
}
