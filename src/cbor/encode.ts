/**
 * Deterministic CBOR encoding (RFC 8949 §4.2.1) of the items ./decode.ts reads, for EDHOC
 * (RFC 9528 §3.1), COSE_Key and CWT Claims Sets: shortest heads, definite lengths, map keys in
 * bytewise order of their encodings. `CborRaw` inserts an already encoded item unchanged (a
 * credential's own bytes, ID_CRED_x as received). OSCORE's fixed structures keep their own small
 * encoder (src/oscore/cbor.ts); this one shares its head writer.
 */
import { utf8Encode, joinBytes } from '../bytes.js';
import { cborHeadLength, writeCborHead } from '../oscore/cbor.js';
import type { CborItem } from './decode.js';
import { MAJOR_ARRAY, MAJOR_BYTES, MAJOR_MAP, MAJOR_NEGATIVE, MAJOR_TEXT, MAJOR_UNSIGNED } from './decode.js';

/** An item that is already CBOR: written as is. */
export class CborRaw {
  readonly encoded: Uint8Array;
  constructor(encoded: Uint8Array) {
    this.encoded = encoded;
  }
}

export type CborEncodable = number | Uint8Array | string | boolean | null | CborRaw | readonly CborEncodable[] | Map<number | string, CborEncodable | CborItem>;

export function cborHead(major: number, n: number): Uint8Array {
  const out = new Uint8Array(cborHeadLength(n));
  writeCborHead(out, 0, major, n);
  return out;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

function encodeInto(parts: Uint8Array[], v: CborEncodable | CborItem): void {
  if (v === null) parts.push(Uint8Array.of(0xf6));
  else if (v === false) parts.push(Uint8Array.of(0xf4));
  else if (v === true) parts.push(Uint8Array.of(0xf5));
  else if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new RangeError('CBOR: only safe integers are supported, got ' + v);
    parts.push(v >= 0 ? cborHead(MAJOR_UNSIGNED, v) : cborHead(MAJOR_NEGATIVE, -1 - v));
  } else if (v instanceof Uint8Array) {
    parts.push(cborHead(MAJOR_BYTES, v.length), v);
  } else if (typeof v === 'string') {
    const b = utf8Encode(v);
    parts.push(cborHead(MAJOR_TEXT, b.length), b);
  } else if (v instanceof CborRaw) {
    parts.push(v.encoded);
  } else if (Array.isArray(v)) {
    parts.push(cborHead(MAJOR_ARRAY, v.length));
    for (const x of v) encodeInto(parts, x);
  } else if (v instanceof Map) {
    const entries: [Uint8Array, Uint8Array][] = [];
    for (const [k, x] of v) entries.push([encodeCbor(k), encodeCbor(x)]);
    entries.sort((a, b) => compareBytes(a[0], b[0]));
    parts.push(cborHead(MAJOR_MAP, entries.length));
    for (const [k, x] of entries) parts.push(k, x);
  } else throw new TypeError('CBOR: unsupported value');
}

/** One item, deterministically encoded. */
export function encodeCbor(v: CborEncodable | CborItem): Uint8Array {
  const parts: Uint8Array[] = [];
  encodeInto(parts, v);
  return parts.length === 1 ? parts[0].slice() : joinBytes(parts);
}

/** A CBOR sequence (RFC 8742): the items' encodings one after another. */
export function encodeCborSequence(items: readonly (CborEncodable | CborItem)[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const x of items) encodeInto(parts, x);
  return joinBytes(parts);
}

/** A byte string wrapping `inner` (the `<< … >>` of CDDL). */
export function wrapBstr(inner: Uint8Array): Uint8Array {
  return joinBytes([cborHead(MAJOR_BYTES, inner.length), inner]);
}
