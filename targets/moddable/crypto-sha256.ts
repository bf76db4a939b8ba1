/**
 * Device replacement for src/crypto/sha256.ts (rollup.config.mjs substitutes it in Moddable
 * builds): SHA-256, HMAC and HKDF-Extract/-Expand on the native SHA-256 of `crypt`.
 */
import { Digest } from 'crypt';
import { makeSha256Functions } from './sha256-digest.js';

const native = makeSha256Functions(Digest);
export const sha256 = native.sha256;
export const hmacSha256 = native.hmacSha256;
export const hkdfExtractSha256 = native.hkdfExtractSha256;
export const hkdfExpandSha256 = native.hkdfExpandSha256;
