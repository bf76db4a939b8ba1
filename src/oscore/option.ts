/**
 * The OSCORE option value (RFC 8613 §6.1): the compressed COSE_Encrypt0 header.
 *
 *   flags |0 0 0|h|k| n | · Partial IV (n bytes, n ≤ 5) · [s · kid context (s bytes)] · kid (rest)
 *
 * All flags zero is encoded as the empty value. Reserved bits, n = 6/7, lengths running past the
 * end, trailing bytes without the k flag → DecodeError ("Failed to decode COSE", §8.2).
 */
import { DecodeError } from '../errors.js';

export interface OscoreOptionValue {
  /** Partial IV bytes as carried (1–5 bytes), absent when n = 0. */
  partialIv?: Uint8Array;
  kid?: Uint8Array;
  kidContext?: Uint8Array;
}

const FLAG_K = 0x08;
const FLAG_H = 0x10;
const RESERVED = 0xe0;
const MAX_PIV_LENGTH = 5;
/** Shared by every empty field and value: nothing can be written to it, and on V8 each new empty array costs ~0.2 µs. */
const EMPTY = new Uint8Array(0);

/** A copy of value[start..end). */
function copyOf(value: Uint8Array, start: number, end: number): Uint8Array {
  return start === end ? EMPTY : value.slice(start, end);
}

/** §5: the Sender Sequence Number in network byte order without leading zeros; 0 → 0x00. */
export function encodePartialIv(seq: number): Uint8Array {
  if (!Number.isSafeInteger(seq) || seq < 0 || seq >= 2 ** 40) throw new RangeError('Partial IV out of range: ' + seq);
  const n = seq < 0x100 ? 1 : seq < 0x10000 ? 2 : seq < 0x1000000 ? 3 : seq < 0x100000000 ? 4 : 5;
  const out = new Uint8Array(n);
  let v = seq;
  for (let i = n - 1; i >= 0; i--) {
    out[i] = v % 256;
    v = (v - out[i]) / 256;
  }
  return out;
}

/** The number a Partial IV stands for (big-endian, up to 5 bytes). */
export function partialIvToNumber(piv: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < piv.length; i++) n = n * 256 + piv[i];
  return n;
}

export function encodeOscoreOption(v: OscoreOptionValue): Uint8Array {
  const piv = v.partialIv;
  const pivLen = piv ? piv.length : 0;
  if (pivLen > MAX_PIV_LENGTH) throw new RangeError('Partial IV longer than 5 bytes');
  if (piv && pivLen === 0) throw new RangeError('Partial IV present but empty');
  const ctx = v.kidContext;
  if (ctx && ctx.length > 255) throw new RangeError('kid context longer than 255 bytes');
  const kid = v.kid;
  const flags = pivLen | (kid ? FLAG_K : 0) | (ctx ? FLAG_H : 0);
  if (flags === 0) return EMPTY;
  const out = new Uint8Array(1 + pivLen + (ctx ? 1 + ctx.length : 0) + (kid ? kid.length : 0));
  out[0] = flags;
  let o = 1;
  if (piv) {
    out.set(piv, o);
    o += pivLen;
  }
  if (ctx) {
    out[o++] = ctx.length;
    out.set(ctx, o);
    o += ctx.length;
  }
  if (kid) out.set(kid, o);
  return out;
}

/**
 * Decode an OSCORE option value. Fields are copies: a request binding keeps kid and Partial IV
 * after the datagram is gone, and (on V8) copying a few bytes is cheaper than a view of a small
 * array, which moves that array's storage off the heap.
 */
export function decodeOscoreOption(value: Uint8Array): OscoreOptionValue {
  if (value.length === 0) return { partialIv: undefined, kidContext: undefined, kid: undefined };
  const flags = value[0];
  if (flags & RESERVED) throw new DecodeError('OSCORE option: reserved flag bits set (0x' + flags.toString(16) + ')');
  if (flags === 0) throw new DecodeError('OSCORE option: all-zero flags not empty');
  const n = flags & 7;
  if (n > MAX_PIV_LENGTH) throw new DecodeError('OSCORE option: reserved Partial IV length ' + n);
  let o = 1;
  // One object shape for every result (undefined fields), so callers stay monomorphic.
  let partialIv: Uint8Array | undefined;
  let kidContext: Uint8Array | undefined;
  let kid: Uint8Array | undefined;
  if (n > 0) {
    if (o + n > value.length) throw new DecodeError('OSCORE option: Partial IV runs past the end');
    partialIv = copyOf(value, o, o + n);
    o += n;
  }
  if (flags & FLAG_H) {
    if (o >= value.length) throw new DecodeError('OSCORE option: kid context length missing');
    const s = value[o++];
    if (o + s > value.length) throw new DecodeError('OSCORE option: kid context runs past the end');
    kidContext = copyOf(value, o, o + s);
    o += s;
  }
  if (flags & FLAG_K) kid = copyOf(value, o, value.length);
  else if (o !== value.length) throw new DecodeError('OSCORE option: ' + (value.length - o) + ' trailing bytes without kid flag');
  return { partialIv, kidContext, kid };
}
