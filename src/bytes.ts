/** Small byte helpers shared by every layer. Explicit Uint8Array everywhere. */

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
  return s;
}

/** Parse hex (case-insensitive, no separators). Throws TypeError naming the problem. */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0) throw new TypeError('hex: odd length');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < hex.length; i += 2) {
    const pair = hex.slice(i, i + 2);
    if (!/^[0-9a-f]{2}$/i.test(pair)) throw new TypeError('hex: not a hex digit at ' + i);
    out[i / 2] = parseInt(pair, 16);
  }
  return out;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  return joinBytes(parts);
}

/** concatBytes for a list (no spread: a Block-wise body may have thousands of parts). */
export function joinBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Constant-time comparison for tags and secrets (length is not secret). */
export function equalBytesConstantTime(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/** UTF-8 without TextEncoder (XS builds may lack it). */
export function utf8Encode(s: string): Uint8Array {
  // ASCII (every path segment, most payload strings): one byte per char, straight into the result.
  const ascii = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) return utf8EncodeAny(s);
    ascii[i] = c;
  }
  return ascii;
}

/** Any string; a lone surrogate is encoded as its 3 bytes (a string iterates by code point). */
function utf8EncodeAny(s: string): Uint8Array {
  const out: number[] = [];
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    // n continuation bytes after a lead byte of n + 1 high ones (0xc0, 0xe0, 0xf0).
    const n = c < 0x80 ? 0 : c < 0x800 ? 1 : c < 0x10000 ? 2 : 3;
    out.push(n ? ((0xff80 >> n) & 0xff) | (c >> (6 * n)) : c);
    for (let k = n; k--; ) out.push(0x80 | ((c >> (6 * k)) & 63));
  }
  return new Uint8Array(out);
}

/** UTF-8 decode; each byte that does not start a complete, well-formed sequence becomes U+FFFD. */
export function utf8Decode(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; ) {
    let cp = b[i++];
    if (cp > 0x7f) {
      // The continuation bytes a lead byte announces (0: not a lead byte; 0xc0/0xc1 would be overlong).
      const n = cp < 0xc2 ? 0 : cp < 0xe0 ? 1 : cp < 0xf0 ? 2 : cp < 0xf5 ? 3 : 0;
      let v = cp & (0x3f >> n);
      let k = 0;
      // Past the end b[i + k] is undefined, which is no continuation byte either.
      while (k < n && (b[i + k] & 0xc0) === 0x80) v = (v << 6) | (b[i + k++] & 63);
      cp = 0xfffd;
      if (n && k === n) {
        cp = v;
        i += n;
      }
    }
    s += String.fromCodePoint(cp);
  }
  return s;
}

/** Encode a non-negative integer as the shortest big-endian bytes (0 → empty), as CoAP uint options. */
export function encodeUint(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError('uint: not a safe integer >= 0: ' + n);
  const out: number[] = [];
  while (n > 0) {
    out.unshift(n % 256);
    n = Math.floor(n / 256);
  }
  return new Uint8Array(out);
}

/** Decode a big-endian unsigned integer of up to 7 bytes. */
export function decodeUint(b: Uint8Array): number {
  if (b.length > 7) throw new RangeError('uint: more than 7 bytes');
  let n = 0;
  for (let i = 0; i < b.length; i++) n = n * 256 + b[i];
  return n;
}
