/**
 * EDHOC cipher suites (RFC 9528 §3.6, registry §10.2) as data: the EDHOC AEAD, hash, MAC length,
 * key exchange curve and signature algorithm, and the application (OSCORE) AEAD and hash.
 * Suites 0–3 (AES-CCM) are here and in every build; 2 and 3 are mandatory to implement (§7), 0 and
 * 1 need X25519/EdDSA (not on the device's native crypto). Suites 4–6 need AES-GCM or
 * ChaCha20/Poly1305, which only hosts carry: ./host-suites.ts, passed in `cipherSuites`.
 */
import type { CurveName, SignatureAlgorithmId } from '../crypto/asymmetric.js';
import type { AeadAlgorithm } from '../crypto/aead.js';
import { AES_CCM_16_128_128, AES_CCM_16_64_128, getAlgorithm } from '../crypto/algorithms.js';

export interface CipherSuite {
  readonly id: number;
  /** The EDHOC AEAD (message_3/4); its key and nonce lengths are K_3/IV_3's. */
  readonly aead: AeadAlgorithm;
  /** EDHOC MAC length for static DH authentication (§3.6). */
  readonly macLength: number;
  /** SHA-256 for every suite here: 32. */
  readonly hashLength: number;
  readonly curve: CurveName;
  readonly signature: SignatureAlgorithmId;
  /** Application AEAD (COSE id) and its key length: OSCORE's algorithm (Appendix A.1); hash SHA-256. */
  readonly appAead: number;
  readonly appKeyLength: number;
}

export function makeSuite(id: number, aead: AeadAlgorithm, macLength: number, curve: CurveName, signature: SignatureAlgorithmId, appAead: AeadAlgorithm): CipherSuite {
  return { id, aead, macLength, hashLength: 32, curve, signature, appAead: appAead.id, appKeyLength: appAead.keyLength };
}

const ccm64 = getAlgorithm(AES_CCM_16_64_128);
const ccm128 = getAlgorithm(AES_CCM_16_128_128);

/** RFC 9528 §10.2, suites 0–3. */
export const CIPHER_SUITES: readonly CipherSuite[] = [
  makeSuite(0, ccm64, 8, 'X25519', -8, ccm64),
  makeSuite(1, ccm128, 16, 'X25519', -8, ccm64),
  makeSuite(2, ccm64, 8, 'P-256', -7, ccm64),
  makeSuite(3, ccm128, 16, 'P-256', -7, ccm64),
];

export function findSuite(id: number, registry: readonly CipherSuite[] = CIPHER_SUITES): CipherSuite | undefined {
  for (const s of registry) if (s.id === id) return s;
  return undefined;
}
