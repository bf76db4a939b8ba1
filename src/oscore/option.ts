/**
 * The OSCORE option value (RFC 8613 §6.1): the compressed COSE_Encrypt0 header.
 *
 *   flags |0 0 0|h|k| n | · Partial IV (n bytes, n ≤ 5) · [s · kid context (s bytes)] · kid (rest)
 *
 * All flags zero is encoded as the empty value. Reserved bits, n = 6/7, lengths running past the
 * end, trailing bytes without the k flag → DecodeError ("Failed to decode COSE", §8.2).
 */
import { DecodeError } from '../errors.js';
import { encodeUint } from '../bytes.js';

export interface OscoreOptionValue {
  /** Partial IV bytes as carried (1–5 bytes), absent when n = 0. */
  partialIv?: Uint8Array;
  kid?: Uint8Array;
  kidContext?: Uint8Array;
}

const FLAG_K = 0x08;
const FLAG_H = 0x10;
/** The empty option value (all flags zero) and the empty parts in encodeOscoreOption: nothing can be written to it. */
const EMPTY = new Uint8Array(0);

/** §5: the Sender Sequence Number in network byte order without leading zeros; 0 → 0x00. */
export function encodePartialIv(seq: number): Uint8Array {
  // encodeUint refuses what is not a safe integer ≥ 0 (RangeError naming the value).
  if (!(seq < 2 ** 40)) throw new RangeError('Partial IV out of range: ' + seq);
  return seq ? encodeUint(seq) : Uint8Array.of(0);
}

/** The number a Partial IV stands for (big-endian, up to 5 bytes). */
export function partialIvToNumber(piv: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < piv.length; i++) n = n * 256 + piv[i];
  return n;
}

export function encodeOscoreOption(v: OscoreOptionValue): Uint8Array {
  const { partialIv: piv, kidContext: ctx, kid } = v;
  const pivLen = piv ? piv.length : 0;
  if (piv && !(pivLen && pivLen < 6)) throw new RangeError('Partial IV of ' + pivLen + ' bytes (1–5)');
  if (ctx && ctx.length > 255) throw new RangeError('kid context longer than 255 bytes');
  const flags = pivLen | (kid ? FLAG_K : 0) | (ctx ? FLAG_H : 0);
  if (!flags) return EMPTY;
  const out = [flags, ...(piv ?? EMPTY), ...(ctx ? [ctx.length, ...ctx] : EMPTY), ...(kid ?? EMPTY)];
  return new Uint8Array(out);
}

/**
 * Decode an OSCORE option value. Fields are copies: a request binding keeps kid and Partial IV
 * after the datagram is gone, and (on V8) copying a few bytes is cheaper than a view of a small
 * array, which moves that array's storage off the heap.
 */
export function decodeOscoreOption(value: Uint8Array): OscoreOptionValue {
  const length = value.length;
  // One object shape for every result (undefined fields), so callers stay monomorphic.
  let partialIv: Uint8Array | undefined;
  let kidContext: Uint8Array | undefined;
  let kid: Uint8Array | undefined;
  if (length) {
    const flags = value[0];
    const n = flags & 7;
    // Reserved bits, reserved lengths n = 6/7, and an explicit all-zero byte (that is the empty value).
    if (flags & 0xe0 || n > 5 || !flags) throw new DecodeError('OSCORE option: reserved flags 0x' + flags.toString(16));
    let o = 1 + n;
    if (o > length) throw new DecodeError('OSCORE option: Partial IV runs past the end');
    if (n) partialIv = value.slice(1, o);
    if (flags & FLAG_H) {
      // s, then s bytes (past the end s is undefined and the test fails too).
      const s = value[o++];
      if (!(o + s <= length)) throw new DecodeError('OSCORE option: kid context runs past the end');
      kidContext = value.slice(o, (o += s));
    }
    if (flags & FLAG_K) kid = value.slice(o, length);
    else if (o < length) throw new DecodeError('OSCORE option: ' + (length - o) + ' trailing bytes without kid flag');
  }
  return { partialIv, kidContext, kid };
}
