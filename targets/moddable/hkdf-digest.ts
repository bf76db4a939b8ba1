/**
 * HMAC-SHA-256 (RFC 2104) and HKDF (RFC 5869) on a native SHA-256 shaped like Moddable's
 * `crypt` Digest (write ArrayBuffers, close() → digest). The device build swaps this in for
 * src/crypto/hkdf.ts (see rollup.config.mjs), so @noble/hashes stays out of the device bundle;
 * the exported function has the same signature as src/crypto/hkdf.ts's `hkdfSha256`.
 * Takes the Digest class as an argument so tests can run it without the Moddable runtime.
 */
import { checkHkdfSha256Args, HKDF_SHA256_MAX_LENGTH } from '../../src/crypto/hkdf-args.js';

/** The part of `crypt`'s Digest used here. */
export interface Sha256Digest {
  write(data: ArrayBuffer): void;
  close(): ArrayBuffer;
}
export type Sha256DigestClass = new (type: 'SHA256') => Sha256Digest;

const BLOCK = 64;
const HASH = 32;
export { HKDF_SHA256_MAX_LENGTH };

function toBuffer(b: Uint8Array): ArrayBuffer {
  return (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b.buffer : b.slice().buffer) as ArrayBuffer;
}

/** SHA-256 over parts and HMAC-SHA-256 (RFC 2104) on the native Digest. */
export function makeSha256Kit(Digest: Sha256DigestClass) {
  const sha256 = (parts: Uint8Array[]): Uint8Array => {
    const d = new Digest('SHA256');
    for (const p of parts) if (p.length) d.write(toBuffer(p));
    return new Uint8Array(d.close());
  };

  // H((K ⊕ opad) || H((K ⊕ ipad) || text)), K zero-padded to a block; one pad buffer, XORed twice.
  const hmac = (key: Uint8Array, parts: Uint8Array[]): Uint8Array => {
    const k = new Uint8Array(BLOCK);
    k.set(key.length > BLOCK ? sha256([key]) : key);
    for (let i = 0; i < BLOCK; i++) k[i] ^= 0x36;
    const inner = sha256([k, ...parts]);
    for (let i = 0; i < BLOCK; i++) k[i] ^= 0x36 ^ 0x5c;
    const out = sha256([k, inner]);
    k.fill(0);
    return out;
  };
  return { sha256, hmac };
}

/** HKDF-Expand (RFC 5869 §2.3) with the kit's HMAC. */
export function hkdfExpandWith(hmac: (key: Uint8Array, parts: Uint8Array[]) => Uint8Array, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let t: Uint8Array = new Uint8Array(0);
  for (let i = 1, done = 0; done < length; i++) {
    t = hmac(prk, [t, info, new Uint8Array([i])]);
    out.set(t.subarray(0, Math.min(HASH, length - done)), done);
    done += HASH;
  }
  return out;
}

export function makeHkdfSha256(Digest: Sha256DigestClass) {
  const { hmac } = makeSha256Kit(Digest);

  /** HKDF-SHA256(IKM, salt, info) → `length` bytes; an empty salt is HashLen zeros (RFC 5869 §2.2). */
  return function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
    checkHkdfSha256Args(ikm, salt, info, length);
    const prk = hmac(salt.length ? salt : new Uint8Array(HASH), [ikm]);
    const out = hkdfExpandWith(hmac, prk, info, length);
    prk.fill(0);
    return out;
  };
}
