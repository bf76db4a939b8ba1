/**
 * HKDF with HMAC-SHA-256 (RFC 5869), on @noble/hashes. OSCORE derives its sender/recipient keys
 * and common IV with it (RFC 8613 §3.2.1). Extract then expand in one call.
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';

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
  return hkdf(sha256, ikm, salt, info, length) as Uint8Array;
}
