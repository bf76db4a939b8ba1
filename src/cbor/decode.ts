/**
 * A strict CBOR reader (RFC 8949) for the structures EDHOC (RFC 9528), COSE keys and CWT Claims
 * Sets carry: unsigned and negative integers, byte and text strings, arrays, maps, false/true/null.
 * It reads CBOR sequences (RFC 8742) item by item. Strict on purpose (RFC 9528 §3.1 requires
 * deterministic encoding, and RFC 9529 §4 lists its violations as invalid): heads in their
 * shortest form, definite lengths only, no tags, no floats, integers within ±2^53. Anything else
 * is a CborDecodeError naming the offset. Nesting is bounded so hostile input cannot exhaust the stack.
 */
import { CborDecodeError } from '../errors.js';
import { utf8Decode } from '../bytes.js';

export type CborItem = number | Uint8Array | string | boolean | null | CborItem[] | CborMap;
/** Map keys EDHOC/COSE use are integers or text; insertion order is the wire order. */
export type CborMap = Map<number | string, CborItem>;

export const MAJOR_UNSIGNED = 0;
export const MAJOR_NEGATIVE = 1;
export const MAJOR_BYTES = 2;
export const MAJOR_TEXT = 3;
export const MAJOR_ARRAY = 4;
export const MAJOR_MAP = 5;
export const MAJOR_TAG = 6;
export const MAJOR_SIMPLE = 7;

const MAX_DEPTH = 16;

export class CborReader {
  readonly bytes: Uint8Array;
  offset: number;
  constructor(bytes: Uint8Array, offset = 0) {
    if (!(bytes instanceof Uint8Array)) throw new CborDecodeError('CBOR: input must be a Uint8Array');
    this.bytes = bytes;
    this.offset = offset;
  }

  atEnd(): boolean {
    return this.offset >= this.bytes.length;
  }

  /** Major type of the next item, without consuming it. */
  peekMajor(): number {
    if (this.atEnd()) throw new CborDecodeError('CBOR: unexpected end at ' + this.offset);
    return this.bytes[this.offset] >> 5;
  }

  private fail(what: string): never {
    throw new CborDecodeError('CBOR: ' + what + ' at offset ' + this.offset);
  }

  /** Reads a head: returns [major, argument]; argument is the value for ints and the length for strings/containers. */
  private head(): [number, number] {
    if (this.atEnd()) this.fail('unexpected end');
    const start = this.offset;
    const ib = this.bytes[this.offset++];
    const major = ib >> 5;
    const ai = ib & 31;
    if (ai < 24) return [major, ai];
    if (ai > 27) {
      this.offset = start;
      this.fail(ai === 31 ? 'indefinite length (not deterministic)' : 'reserved additional information');
    }
    const n = 1 << (ai - 24);
    if (this.offset + n > this.bytes.length) {
      this.offset = start;
      this.fail('truncated head');
    }
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + this.bytes[this.offset++];
    const min = ai === 24 ? 24 : ai === 25 ? 0x100 : ai === 26 ? 0x10000 : 0x100000000;
    if (v < min) {
      this.offset = start;
      this.fail('head not in shortest form (not deterministic)');
    }
    if (v > Number.MAX_SAFE_INTEGER) {
      this.offset = start;
      this.fail('integer beyond 2^53');
    }
    return [major, v];
  }

  /** Any item, decoded. */
  read(depth = 0): CborItem {
    if (depth > MAX_DEPTH) this.fail('nesting too deep');
    const start = this.offset;
    const [major, arg] = this.head();
    switch (major) {
      case MAJOR_UNSIGNED:
        return arg;
      case MAJOR_NEGATIVE:
        return -1 - arg;
      case MAJOR_BYTES:
        return this.take(arg, start).slice();
      case MAJOR_TEXT:
        return utf8Decode(this.take(arg, start));
      case MAJOR_ARRAY: {
        if (arg > this.bytes.length - this.offset) this.fail('array longer than the input');
        const out: CborItem[] = [];
        for (let i = 0; i < arg; i++) out.push(this.read(depth + 1));
        return out;
      }
      case MAJOR_MAP: {
        if (arg * 2 > this.bytes.length - this.offset) this.fail('map longer than the input');
        const out: CborMap = new Map();
        for (let i = 0; i < arg; i++) {
          const keyAt = this.offset;
          const key = this.read(depth + 1);
          if (typeof key !== 'number' && typeof key !== 'string') {
            this.offset = keyAt;
            this.fail('map key must be an integer or text');
          }
          if (out.has(key)) {
            this.offset = keyAt;
            this.fail('duplicate map key');
          }
          out.set(key, this.read(depth + 1));
        }
        return out;
      }
      case MAJOR_TAG:
        this.offset = start;
        return this.fail('tags are not supported');
      default:
        if (arg === 20) return false;
        if (arg === 21) return true;
        if (arg === 22) return null;
        this.offset = start;
        return this.fail('unsupported simple value or float');
    }
  }

  private take(n: number, start: number): Uint8Array {
    if (n > this.bytes.length - this.offset) {
      this.offset = start;
      this.fail('string longer than the input');
    }
    const out = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  /** The encoded bytes of the next item (checked as above), as a copy. */
  readRaw(): Uint8Array {
    const start = this.offset;
    this.read();
    return this.bytes.slice(start, this.offset);
  }

  readInt(what: string): number {
    const at = this.offset;
    const v = this.read();
    if (typeof v !== 'number') {
      this.offset = at;
      this.fail(what + ': expected an integer');
    }
    return v;
  }

  readBytes(what: string): Uint8Array {
    const at = this.offset;
    const v = this.read();
    if (!(v instanceof Uint8Array)) {
      this.offset = at;
      this.fail(what + ': expected a byte string');
    }
    return v;
  }
}

/** Decode exactly one item that fills `bytes`. */
export function decodeCborItem(bytes: Uint8Array): CborItem {
  const r = new CborReader(bytes);
  const v = r.read();
  if (!r.atEnd()) throw new CborDecodeError('CBOR: ' + (bytes.length - r.offset) + ' bytes after the item');
  return v;
}

/** Decode a CBOR sequence (RFC 8742) into its items. */
export function decodeCborSequence(bytes: Uint8Array): CborItem[] {
  const r = new CborReader(bytes);
  const out: CborItem[] = [];
  while (!r.atEnd()) out.push(r.read());
  return out;
}
