/**
 * A byte string in a credentials file, in any of the forms aiocoap accepts: a CBOR byte string
 * (`h'0a0b'` in EDN, major type 2 in a `.cbor` file — a Uint8Array once decoded), or in JSON, which
 * has no byte strings, `{"hex": "0a0b"}` (separators "-", " " and ":" ignored, as aiocoap's
 * credentials.py does) or `{"ascii": "text"}`. Platform-free; errors name the field (`where`).
 */
import { LoadError } from '../errors.js';
import { fromHex, utf8Encode } from '../bytes.js';

export function credentialBytes(value: unknown, where: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Map)) {
    const keys = Object.keys(value);
    const o = value as Record<string, unknown>;
    if (keys.length === 1 && keys[0] === 'hex' && typeof o.hex === 'string') {
      const hex = o.hex.replace(/[-: ]/g, '');
      if (!/^([0-9a-fA-F]{2})*$/.test(hex)) throw new LoadError(where + ': {"hex": …}: not an even number of hex digits');
      return fromHex(hex.toLowerCase());
    }
    if (keys.length === 1 && keys[0] === 'ascii' && typeof o.ascii === 'string') {
      // aiocoap encodes as ASCII and refuses anything else; so do we.
      if (!/^[\x00-\x7f]*$/.test(o.ascii)) throw new LoadError(where + ': {"ascii": …}: not ASCII (use {"hex": …} or a byte string)');
      return utf8Encode(o.ascii);
    }
  }
  throw new LoadError(where + ': expected bytes (h\'…\' in EDN, {"hex": "…"} or {"ascii": "…"} in JSON)');
}
