/**
 * SHA-256 (FIPS 180-4), HMAC-SHA-256 (RFC 2104) and the two halves of HKDF (RFC 5869 §2.2–2.3),
 * on @noble/hashes. EDHOC (RFC 9528 §4.1) needs Extract and Expand separately (EDHOC_Extract,
 * EDHOC_Expand), the transcript hashes TH_n, and COSE needs SHA-256 for ES256 and x5t.
 * Device builds replace this module with targets/moddable/crypto-sha256.ts (native `crypt`).
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { expand } from '@noble/hashes/hkdf.js';
import { HKDF_SHA256_MAX_LENGTH } from './hkdf-args.js';

export function sha256(data: Uint8Array): Uint8Array {
  return nobleSha256(data) as Uint8Array;
}

export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  return hmac(nobleSha256, key, data) as Uint8Array;
}

/** HKDF-Extract(salt, IKM) = HMAC-SHA-256(salt, IKM); an empty salt is 32 zero bytes (RFC 5869 §2.2). */
export function hkdfExtractSha256(salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return hmacSha256(salt.length ? salt : new Uint8Array(32), ikm);
}

/** HKDF-Expand(PRK, info, L), L in 1..255·32. */
export function hkdfExpandSha256(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 1 || length > HKDF_SHA256_MAX_LENGTH) {
    throw new RangeError('HKDF-Expand: length must be 1..' + HKDF_SHA256_MAX_LENGTH + ' bytes, got ' + length);
  }
  return expand(nobleSha256, prk, info, length) as Uint8Array;
}
