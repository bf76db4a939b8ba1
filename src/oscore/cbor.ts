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

const MAJOR_UNSIGNED = 0;
const MAJOR_NEGATIVE = 1;
const MAJOR_BYTES = 2;
const MAJOR_TEXT = 3;
const MAJOR_ARRAY = 4;
const SIMPLE_NULL = 0xf6;

/** Growable byte sink; one per encode call. */
class ByteSink {
  buf = new Uint8Array(64);
  length = 0;
  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.length++] = b;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
}

/** Major type + argument, shortest form (RFC 8949 §3; "preferred serialisation"). */
function writeHead(out: ByteSink, major: number, n: number): void {
  const m = major << 5;
  if (n < 24) out.byte(m | n);
  else if (n < 0x100) {
    out.byte(m | 24);
    out.byte(n);
  } else if (n < 0x10000) {
    out.byte(m | 25);
    out.byte(n >> 8);
    out.byte(n & 0xff);
  } else if (n < 0x100000000) {
    out.byte(m | 26);
    out.byte((n >>> 24) & 0xff);
    out.byte((n >>> 16) & 0xff);
    out.byte((n >>> 8) & 0xff);
    out.byte(n & 0xff);
  } else {
    out.byte(m | 27);
    const hi = Math.floor(n / 0x100000000);
    const lo = n >>> 0;
    out.byte((hi >>> 24) & 0xff);
    out.byte((hi >>> 16) & 0xff);
    out.byte((hi >>> 8) & 0xff);
    out.byte(hi & 0xff);
    out.byte((lo >>> 24) & 0xff);
    out.byte((lo >>> 16) & 0xff);
    out.byte((lo >>> 8) & 0xff);
    out.byte(lo & 0xff);
  }
}

function writeValue(out: ByteSink, v: CborValue): void {
  if (v === null) out.byte(SIMPLE_NULL);
  else if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new RangeError('cbor: only safe integers are supported, got ' + v);
    if (v >= 0) writeHead(out, MAJOR_UNSIGNED, v);
    else writeHead(out, MAJOR_NEGATIVE, -1 - v);
  } else if (v instanceof Uint8Array) {
    writeHead(out, MAJOR_BYTES, v.length);
    out.bytes(v);
  } else if (typeof v === 'string') {
    const bytes = utf8Encode(v);
    writeHead(out, MAJOR_TEXT, bytes.length);
    out.bytes(bytes);
  } else if (Array.isArray(v)) {
    writeHead(out, MAJOR_ARRAY, v.length);
    for (const x of v as readonly CborValue[]) writeValue(out, x);
  } else {
    throw new TypeError('cbor: unsupported value');
  }
}

/** Bytes of a CBOR head (initial byte + argument) for argument `n`. */
export function cborHeadLength(n: number): number {
  return n < 24 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : n < 0x100000000 ? 5 : 9;
}

/**
 * Write the head of major type `major` with argument `n` (< 2^32) at `offset`; returns the new
 * offset. For fixed-shape structures (the AAD) built straight into one buffer.
 */
export function writeCborHead(out: Uint8Array, offset: number, major: number, n: number): number {
  const m = major << 5;
  if (n < 24) out[offset++] = m | n;
  else if (n < 0x100) {
    out[offset++] = m | 24;
    out[offset++] = n;
  } else if (n < 0x10000) {
    out[offset++] = m | 25;
    out[offset++] = n >> 8;
    out[offset++] = n & 0xff;
  } else if (n < 0x100000000) {
    out[offset++] = m | 26;
    out[offset++] = (n >>> 24) & 0xff;
    out[offset++] = (n >>> 16) & 0xff;
    out[offset++] = (n >>> 8) & 0xff;
    out[offset++] = n & 0xff;
  } else throw new RangeError('cbor: head argument too large');
  return offset;
}

/** Encode `value` deterministically. */
export function encodeCbor(value: CborValue): Uint8Array {
  const out = new ByteSink();
  writeValue(out, value);
  return out.buf.slice(0, out.length);
}
