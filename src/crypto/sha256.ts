/**
 * SHA-256 (FIPS 180-4 §6.2) and HMAC-SHA-256 (RFC 2104), the hash under OSCORE's HKDF
 * (./hkdf.ts, RFC 8613 §3.2.1) where no native SHA-256 is present (Node, the XS simulator; the
 * device build swaps hkdf.ts for one on `crypt`'s Digest). Written for the cost on XS, where
 * every context derivation at boot runs eight compressions per key: rotations are written out
 * inline instead of called, the message schedule lives in one scratch array reused by every
 * block, and a hash allocates nothing but its 32-byte result.
 */

/** FIPS 180-4 §4.2.2: the first 32 bits of the fractional parts of the cube roots of the first 64 primes. */
const K = /* @__PURE__ */ Uint32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/** §5.3.3: the initial hash value. */
const H0 = /* @__PURE__ */ Uint32Array.from([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

/** The message schedule W_0..W_63, shared: a compression runs to completion before the next starts. */
const W = new Uint32Array(64);

/** §6.2.2: fold one 64-byte block at `block[off..]` into the state `h`. */
function compress(h: Uint32Array, block: Uint8Array, off: number): void {
  for (let t = 0; t < 16; t++, off += 4) W[t] = (block[off] << 24) | (block[off + 1] << 16) | (block[off + 2] << 8) | block[off + 3];
  for (let t = 16; t < 64; t++) {
    const w2 = W[t - 2], w15 = W[t - 15];
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10); // σ1
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3); // σ0
    W[t] = s1 + W[t - 7] + s0 + W[t - 16];
  }
  let a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
  for (let t = 0; t < 64; t++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7)); // Σ1
    const ch = (e & f) ^ (~e & g);
    const t1 = (hh + S1 + ch + K[t] + W[t]) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10)); // Σ0
    const maj = (a & b) ^ (a & c) ^ (b & c);
    hh = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + S0 + maj) | 0;
  }
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
  h[4] += e;
  h[5] += f;
  h[6] += g;
  h[7] += hh;
}

/** An incremental SHA-256: `update` any number of times, then `digest` once. */
export class Sha256 {
  private readonly h = Uint32Array.from(H0);
  /** The partial block not yet compressed. */
  private readonly buf = new Uint8Array(64);
  private used = 0;
  private length = 0;

  update(data: Uint8Array): this {
    let i = 0;
    this.length += data.length;
    if (this.used > 0) {
      while (i < data.length && this.used < 64) this.buf[this.used++] = data[i++];
      if (this.used < 64) return this;
      compress(this.h, this.buf, 0);
      this.used = 0;
    }
    for (; i + 64 <= data.length; i += 64) compress(this.h, data, i); // whole blocks straight from the input
    while (i < data.length) this.buf[this.used++] = data[i++];
    return this;
  }

  /** §5.1.1 padding (0x80, zeros, 64-bit bit length), then the state as 32 big-endian bytes. */
  digest(): Uint8Array {
    const buf = this.buf;
    const bits = this.length * 8;
    buf[this.used++] = 0x80;
    if (this.used > 56) {
      buf.fill(0, this.used);
      compress(this.h, buf, 0);
      this.used = 0;
    }
    buf.fill(0, this.used, 56);
    const high = Math.floor(bits / 0x100000000);
    for (let i = 0; i < 4; i++) {
      buf[56 + i] = high >>> (24 - 8 * i);
      buf[60 + i] = bits >>> (24 - 8 * i);
    }
    compress(this.h, buf, 0);
    const out = new Uint8Array(32);
    for (let i = 0; i < 8; i++) {
      const v = this.h[i];
      out[4 * i] = v >>> 24;
      out[4 * i + 1] = v >>> 16;
      out[4 * i + 2] = v >>> 8;
      out[4 * i + 3] = v;
    }
    buf.fill(0); // the last block may hold key material (HMAC pads)
    return out;
  }
}

export function sha256(data: Uint8Array): Uint8Array {
  return new Sha256().update(data).digest();
}

/** RFC 2104: HMAC-SHA-256(key, part_1 ‖ part_2 ‖ …). */
export function hmacSha256(key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  // Keys longer than the 64-byte block are hashed first; shorter ones are zero-padded.
  const k = new Uint8Array(64);
  k.set(key.length > 64 ? sha256(key) : key);
  for (let i = 0; i < 64; i++) k[i] ^= 0x36; // ipad
  const inner = new Sha256().update(k);
  for (const p of parts) inner.update(p);
  const innerHash = inner.digest();
  for (let i = 0; i < 64; i++) k[i] ^= 0x36 ^ 0x5c; // ipad → opad
  const out = new Sha256().update(k).update(innerHash).digest();
  k.fill(0);
  innerHash.fill(0);
  return out;
}
