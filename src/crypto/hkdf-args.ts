/**
 * The boundary checks of HKDF-SHA256 (RFC 5869), shared by the @noble implementation
 * (./hkdf.ts) and the device's native one (targets/moddable/hkdf-digest.ts) so both refuse the
 * same inputs with the same messages.
 */

/** Largest output RFC 5869 §2.3 allows for SHA-256: 255 · HashLen. */
export const HKDF_SHA256_MAX_LENGTH = 255 * 32;

export function checkHkdfSha256Args(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): void {
  if (!(ikm instanceof Uint8Array) || !(salt instanceof Uint8Array) || !(info instanceof Uint8Array)) {
    throw new TypeError('HKDF-SHA256: ikm, salt and info must be Uint8Array');
  }
  if (!Number.isInteger(length) || length < 1 || length > HKDF_SHA256_MAX_LENGTH) {
    throw new RangeError('HKDF-SHA256: length must be 1..' + HKDF_SHA256_MAX_LENGTH + ' bytes, got ' + length);
  }
}
