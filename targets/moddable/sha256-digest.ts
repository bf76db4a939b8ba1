/**
 * The functions of src/crypto/sha256.ts (SHA-256, HMAC, HKDF-Extract/-Expand for EDHOC) on a
 * native Digest shaped like `crypt`'s; targets/moddable/crypto-sha256.ts binds it to the SDK.
 * Takes the Digest class as an argument so tests run it without the Moddable runtime.
 */
import { HKDF_SHA256_MAX_LENGTH } from '../../src/crypto/hkdf-args.js';
import { hkdfExpandWith, makeSha256Kit, type Sha256DigestClass } from './hkdf-digest.js';

export function makeSha256Functions(Digest: Sha256DigestClass) {
  const { sha256, hmac } = makeSha256Kit(Digest);
  return {
    sha256: (data: Uint8Array): Uint8Array => sha256([data]),
    hmacSha256: (key: Uint8Array, data: Uint8Array): Uint8Array => hmac(key, [data]),
    hkdfExtractSha256: (salt: Uint8Array, ikm: Uint8Array): Uint8Array => hmac(salt.length ? salt : new Uint8Array(32), [ikm]),
    hkdfExpandSha256(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
      if (!Number.isInteger(length) || length < 1 || length > HKDF_SHA256_MAX_LENGTH) {
        throw new RangeError('HKDF-Expand: length must be 1..' + HKDF_SHA256_MAX_LENGTH + ' bytes, got ' + length);
      }
      return hkdfExpandWith(hmac, prk, info, length);
    },
  };
}
