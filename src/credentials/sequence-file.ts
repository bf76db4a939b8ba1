/**
 * aiocoap's `sequence.json`: the mutable state of a security context directory (RFC 8613 App. B.1).
 *
 *   {"next-to-send": N, "received": "unknown" | {"index": I, "bitfield": B}}
 *
 * `next-to-send` is the first sender sequence number not yet reserved: every number below it may
 * have been used, none at or above it has. `received` is the replay window as aiocoap keeps it —
 * `index` is the sequence number of the least significant bit of `bitfield`, a set bit means "seen",
 * numbers below `index` are too old, numbers at or above `index + size` are new — or "unknown"
 * after an unclean stop (App. B.1.2: the server must recover freshness with Echo); aiocoap also
 * writes `{"index": null, "bitfield": null}` for a window it never re-initialised, which means the same.
 * No file at all means a fresh context: sequence number 0 and an empty window.
 *
 * The text is written byte for byte as Python's json.dumps writes it, so a context moves freely
 * between aiocoap and oscore-xs. Platform-free: the caller does the file access.
 */
import { LoadError } from '../errors.js';
import type { ReplayState, ReplayWindowSnapshot } from '../oscore/store.js';
import { parseJsonObject } from './context-config.js';

/** RFC 8613 §7.2.1: Partial IV is at most 5 bytes. */
export const MAX_SEQUENCE_NUMBER = 2 ** 40 - 1;

/** aiocoap's replay window state: bit i of `bitfield` stands for sequence number `index + i`. */
export interface AiocoapWindow {
  index: number;
  bitfield: bigint;
}

export interface SequenceState {
  nextToSend: number;
  received: AiocoapWindow | 'unknown';
}

/** The state of a directory without sequence.json. */
export function freshSequenceState(): SequenceState {
  return { nextToSend: 0, received: { index: 0, bitfield: 0n } };
}

function isNonNegativeInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Parse sequence.json; `windowSize` bounds the bitfield. Never guesses: bad state is an error (a guess could reuse a nonce). */
export function parseSequenceFile(file: string, text: string, windowSize: number): SequenceState {
  // Python writes the bitfield as a plain integer of up to `window` bits; JSON.parse would round
  // anything above 2^53, so quote it first and read it as a BigInt.
  const quoted = text.replace(/("bitfield"\s*:\s*)(\d+)/, '$1"$2"');
  const o = parseJsonObject(file, quoted);
  if (!('next-to-send' in o)) throw new LoadError(file + ': next-to-send: missing');
  let next = o['next-to-send'];
  // aiocoap reads it with int(), which also takes a decimal string.
  if (typeof next === 'string' && /^\d+$/.test(next)) next = Number(next);
  if (!isNonNegativeInteger(next) || next > MAX_SEQUENCE_NUMBER + 1)
    throw new LoadError(file + ': next-to-send: expected an integer from 0 to 2^40');
  if (!('received' in o)) throw new LoadError(file + ': received: missing');
  const r = o['received'];
  if (r === 'unknown') return { nextToSend: next, received: 'unknown' };
  if (r === null || typeof r !== 'object' || Array.isArray(r)) throw new LoadError(file + ': received: expected "unknown" or {"index", "bitfield"}');
  const w = r as Record<string, unknown>;
  // aiocoap closes a context whose window was never re-initialised by persisting the empty window
  // object: {"index": null, "bitfield": null}. Its own loader then treats it as unknown; so do we.
  if (w.index === null && w.bitfield === null) return { nextToSend: next, received: 'unknown' };
  if (!isNonNegativeInteger(w.index) || w.index > MAX_SEQUENCE_NUMBER) throw new LoadError(file + ': received: index: expected a non-negative integer');
  if (typeof w.bitfield !== 'string' || !/^\d+$/.test(w.bitfield)) throw new LoadError(file + ': received: bitfield: expected a non-negative integer');
  const bitfield = BigInt(w.bitfield);
  if (bitfield >> BigInt(windowSize) !== 0n) throw new LoadError(file + ': received: bitfield: wider than the window of ' + windowSize);
  return { nextToSend: next, received: { index: w.index, bitfield } };
}

/** The exact text aiocoap writes (json.dumps defaults: ", " and ": " separators, no newline). */
export function formatSequenceFile(state: SequenceState): string {
  const received =
    state.received === 'unknown'
      ? '"unknown"'
      : '{"index": ' + state.received.index + ', "bitfield": ' + state.received.bitfield.toString() + '}';
  return '{"next-to-send": ' + state.nextToSend + ', "received": ' + received + '}';
}

/** aiocoap's window check: is `seq` still acceptable? (Used in tests and for conversions.) */
export function aiocoapWindowAccepts(w: AiocoapWindow, size: number, seq: number): boolean {
  if (seq < w.index) return false;
  if (seq >= w.index + size) return true;
  return ((w.bitfield >> BigInt(seq - w.index)) & 1n) === 0n;
}

/** aiocoap's strike-out: mark `seq` seen, sliding the window up if it lies beyond it. */
export function aiocoapWindowStrike(w: AiocoapWindow, size: number, seq: number): AiocoapWindow {
  let { index, bitfield } = w;
  const overshoot = seq - (index + size - 1);
  if (overshoot > 0) {
    index += overshoot;
    bitfield = overshoot >= size ? 0n : bitfield >> BigInt(overshoot);
  }
  return { index, bitfield: bitfield | (1n << BigInt(seq - index)) };
}

// ---- Conversion to and from the OSCORE core's replay window (src/oscore/store.ts) ----
// Ours keeps `highest` and a mask of ages (bit i ⇔ highest − i received; at or below
// highest − size is too old). aiocoap's window [index, index + size) maps onto ours with
// highest = index + size − 1 — the two accept exactly the same numbers.

/** aiocoap state → ReplayState for a window of `size`. */
export function aiocoapToReplayState(received: AiocoapWindow | 'unknown', size: number): ReplayState {
  if (received === 'unknown') return 'unknown';
  if (received.index === 0 && received.bitfield === 0n) return 'fresh';
  const highest = received.index + size - 1;
  const mask = new Uint8Array((size + 7) >> 3);
  for (let j = 0; j < size; j++) {
    if (((received.bitfield >> BigInt(j)) & 1n) === 0n) continue;
    const age = size - 1 - j;
    mask[age >> 3] |= 1 << (age & 7);
  }
  return { size, highest, mask };
}

/** ReplayWindowSnapshot → aiocoap state (window of the snapshot's size). */
export function replaySnapshotToAiocoap(s: ReplayWindowSnapshot): AiocoapWindow {
  if (s.highest < 0) return { index: 0, bitfield: 0n };
  const index = Math.max(0, s.highest - s.size + 1);
  let bitfield = 0n;
  for (let j = 0; j < s.size; j++) {
    const seq = index + j;
    if (seq > s.highest) break;
    const age = s.highest - seq;
    if ((s.mask[age >> 3] >> (age & 7)) & 1) bitfield |= 1n << BigInt(j);
  }
  return { index, bitfield };
}
