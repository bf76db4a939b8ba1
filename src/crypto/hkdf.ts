/**
 * HKDF with HMAC-SHA-256 (RFC 5869), on the SHA-256 of ./sha256.ts. OSCORE derives its
 * sender/recipient keys and common IV with it (RFC 8613 §3.2.1). Extract then expand in one call.
 * (The device build substitutes this module with one on the native SHA-256, see rollup.config.mjs.)
 */
import { hmacSha256 } from './sha256.js';

/** Largest output RFC 5869 §2.3 allows for SHA-256: 255 · HashLen. */
export const HKDF_SHA256_MAX_LENGTH = 255 * 32;

/**
 * HKDF-SHA256(IKM, salt, info) → `length` bytes. An empty salt means HashLen zero bytes
 * (RFC 5869 §2.2), which is what OSCORE's absent Master Salt becomes.
 */
export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  if (!(ikm instanceof Uint8Array) || !(salt instanceof Uint8Array) || !(info instanceof Uint8Array)) {
    throw new TypeError('HKDF-SHA256: ikm, salt and info must be Uint8Array');
  }
  if (!Number.isInteger(length) || length < 1 || length > HKDF_SHA256_MAX_LENGTH) {
    throw new RangeError('HKDF-SHA256: length must be 1..' + HKDF_SHA256_MAX_LENGTH + ' bytes, got ' + length);
  }
  // §2.2 Extract: PRK = HMAC(salt, IKM), an empty salt standing for 32 zero bytes.
  const prk = hmacSha256(salt.length > 0 ? salt : new Uint8Array(32), ikm);
  // §2.3 Expand: T(i) = HMAC(PRK, T(i−1) ‖ info ‖ i), concatenated and cut to `length`.
  const out = new Uint8Array(length);
  let t: Uint8Array = new Uint8Array(0);
  const counter = new Uint8Array(1);
  for (let i = 1, o = 0; o < length; i++, o += 32) {
    counter[0] = i;
    t = hmacSha256(prk, t, info, counter);
    out.set(length - o < 32 ? t.subarray(0, length - o) : t, o);
  }
  prk.fill(0);
  t.fill(0);
  return out;
}
