/**
 * HKDF with HMAC-SHA-256 (RFC 5869), on @noble/hashes. OSCORE derives its sender/recipient keys
 * and common IV with it (RFC 8613 §3.2.1). Extract then expand in one call.
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { checkHkdfSha256Args, HKDF_SHA256_MAX_LENGTH } from './hkdf-args.js';

export { HKDF_SHA256_MAX_LENGTH };

/**
 * HKDF-SHA256(IKM, salt, info) → `length` bytes. An empty salt means HashLen zero bytes
 * (RFC 5869 §2.2), which is what OSCORE's absent Master Salt becomes.
 */
export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  checkHkdfSha256Args(ikm, salt, info, length);
  return hkdf(sha256, ikm, salt, info, length) as Uint8Array;
}
