/**
 * A tiny deterministic CBOR encoder (RFC 8949 §3, §4.2.1 preferred serialisation) for exactly what
 * OSCORE encodes: the HKDF `info` of RFC 8613 §3.2.1 and the external AAD / Enc_structure of §5.4.
 * Integers use the shortest head; byte strings stay byte strings (never tag 64, as some generic
 * encoders emit for typed arrays), so the bytes are identical on every engine. No decoder: OSCORE
 * never parses CBOR from the network.
 */
import { utf8Encode } from '../bytes.js';

/** The values OSCORE needs: unsigned/negative integers, byte strings, text, null, arrays. */
export type CborValue = number | Uint8Array | string | null | readonly CborValue[];

/** Bytes of a CBOR head (initial byte + argument) for argument `n`. */
export function cborHeadLength(n: number): number {
  return n < 24 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : n < 0x100000000 ? 5 : 9;
}

/**
 * Write the head of major type `major` with argument `n` (a safe integer ≥ 0) at `offset`, in the
 * shortest form (additional information 24–27 for 1, 2, 4, 8 argument bytes); returns the new
 * offset. Into a fixed buffer (the AAD, built in place) or a growing array (encodeCbor).
 */
export function writeCborHead(out: Uint8Array | number[], offset: number, major: number, n: number): number {
  const size = n < 24 ? 0 : n < 0x100 ? 1 : n < 0x10000 ? 2 : n < 0x100000000 ? 4 : 8;
  out[offset++] = (major << 5) | (size ? 24 + (size >> 1) - (size >> 3) : n);
  // Big-endian argument bytes; division, not shifts, so 8-byte arguments above 2^32 stay exact.
  for (let i = size; i--; ) out[offset++] = Math.floor(n / 2 ** (8 * i)) % 256;
  return offset;
}

function writeValue(out: number[], v: CborValue): void {
  if (v === null) out.push(0xf6);
  else if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new RangeError('cbor: not a safe integer: ' + v);
    writeCborHead(out, out.length, v < 0 ? 1 : 0, v < 0 ? -1 - v : v);
  } else if (Array.isArray(v)) {
    writeCborHead(out, out.length, 4, v.length);
    for (const x of v as readonly CborValue[]) writeValue(out, x);
  } else {
    // Byte strings (major 2) as they are, text (major 3) as UTF-8.
    const text = typeof v === 'string';
    if (!text && !(v instanceof Uint8Array)) throw new TypeError('cbor: unsupported value ' + String(v));
    const bytes = text ? utf8Encode(v) : v;
    writeCborHead(out, out.length, text ? 3 : 2, bytes.length);
    for (let i = 0; i < bytes.length; i++) out.push(bytes[i]);
  }
}

/** Encode `value` deterministically. */
export function encodeCbor(value: CborValue): Uint8Array {
  const out: number[] = [];
  writeValue(out, value);
  return new Uint8Array(out);
}
