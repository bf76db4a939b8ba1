/**
 * EDHOC key derivation (RFC 9528 §4.1–§4.2) with SHA-256 (every suite here):
 *   EDHOC_Extract(salt, IKM)          = HKDF-Extract(salt, IKM)
 *   EDHOC_Expand(PRK, info, length)   = HKDF-Expand(PRK, info, length)
 *   EDHOC_KDF(PRK, label, context, L) = EDHOC_Expand(PRK, info = (label: int, context: bstr, L: uint), L)
 * where info is a CBOR sequence. The transcript hash H is SHA-256.
 */
import { hkdfExpandSha256, hkdfExtractSha256, sha256 } from '../crypto/sha256.js';
import { encodeCborSequence } from '../cbor/encode.js';

export const edhocExtract = hkdfExtractSha256;
export const edhocExpand = hkdfExpandSha256;
export const edhocHash = sha256;

/** info = (label, context, length) as a CBOR sequence (§4.1.2). */
export function kdfInfo(label: number, context: Uint8Array, length: number): Uint8Array {
  return encodeCborSequence([label, context, length]);
}

export function edhocKdf(prk: Uint8Array, label: number, context: Uint8Array, length: number): Uint8Array {
  return edhocExpand(prk, kdfInfo(label, context, length), length);
}

/** The labels of §4.1.2 (Table 4) and §4.2. */
export const KDF_LABEL = {
  KEYSTREAM_2: 0,
  SALT_3e2m: 1,
  MAC_2: 2,
  K_3: 3,
  IV_3: 4,
  SALT_4e3m: 5,
  MAC_3: 6,
  PRK_out: 7,
  K_4: 8,
  IV_4: 9,
  PRK_exporter: 10,
  KeyUpdate: 11,
} as const;
