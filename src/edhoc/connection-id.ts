/**
 * Connection identifiers (RFC 9528 §3.3). A connection identifier is a byte string; on the wire
 * (§3.3.2) a one-byte identifier whose byte is itself the CBOR encoding of an integer −24..23 is
 * sent as that integer (0x0e → 14, 0x37 → −24), every other one as a byte string. The byte-string
 * form of such a byte (0x41 0x0e) is therefore not deterministic and refused (RFC 9529 §4.1.2).
 * The same rule compacts a `kid` in PLAINTEXT_2/3 (§3.5.3.2).
 */
import { CborDecodeError } from '../errors.js';
import { CborReader, MAJOR_BYTES, MAJOR_NEGATIVE, MAJOR_UNSIGNED } from '../cbor/decode.js';
import { cborHead } from '../cbor/encode.js';
import { joinBytes } from '../bytes.js';

/** A byte that is the complete CBOR encoding of an integer −24..23. */
export function isOneByteCborInt(byte: number): boolean {
  return byte <= 0x17 || (byte >= 0x20 && byte <= 0x37);
}

/** An application's identifier (bytes, or an integer −24..23 meaning its one-byte encoding) as bytes. */
export function connectionIdBytes(id: Uint8Array | number): Uint8Array {
  if (id instanceof Uint8Array) return id.slice();
  if (!Number.isInteger(id) || id < -24 || id > 23) throw new RangeError('EDHOC connection identifier: an integer must be in −24..23, got ' + id);
  return Uint8Array.of(id >= 0 ? id : 0x20 + (-1 - id));
}

/** The CBOR item for a connection identifier or compact kid (§3.3.2). */
export function encodeCompactBytes(id: Uint8Array): Uint8Array {
  if (id.length === 1 && isOneByteCborInt(id[0])) return id.slice();
  return joinBytes([cborHead(MAJOR_BYTES, id.length), id]);
}

/** Reads a connection identifier or compact kid; refuses non-deterministic or out-of-range forms. */
export function readCompactBytes(r: CborReader, what: string): Uint8Array {
  const at = r.offset;
  const major = r.peekMajor();
  if (major === MAJOR_UNSIGNED || major === MAJOR_NEGATIVE) {
    r.read();
    if (r.offset !== at + 1) throw new CborDecodeError(what + ': integer outside −24..23');
    return r.bytes.slice(at, at + 1);
  }
  const b = r.readBytes(what);
  if (b.length === 1 && isOneByteCborInt(b[0])) throw new CborDecodeError(what + ': a one-byte identifier that is a CBOR integer must be sent as the integer (§3.3.2)');
  return b;
}
