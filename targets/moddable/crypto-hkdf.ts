/**
 * Device replacement for src/crypto/hkdf.ts (rollup.config.mjs substitutes it in Moddable
 * builds): the same `hkdfSha256` on the native SHA-256 of `crypt`.
 */
import { Digest } from 'crypt';
import { makeHkdfSha256, HKDF_SHA256_MAX_LENGTH } from './hkdf-digest.js';

export { HKDF_SHA256_MAX_LENGTH };
export const hkdfSha256 = makeHkdfSha256(Digest);
