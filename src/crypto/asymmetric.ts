/**
 * The asymmetric crypto port: ECDH key agreement and COSE signatures, as EDHOC (RFC 9528 §5.1,
 * cipher suites of §10.2) and Group OSCORE use them. Platform-free types only; the default
 * implementation is @noble/curves in ./asymmetric-noble.ts, and the device build substitutes the
 * SDK's native P-256 (targets/moddable), as it does for the AES block.
 *
 * Key encodings follow COSE (RFC 9053 §2.1, §7.1) and RFC 9528 §3.7:
 * - ECDH: P-256 public keys are the 32-byte x-coordinate (compressed 33-byte and uncompressed
 *   65-byte forms are accepted too); the shared secret is the x-coordinate of the product.
 *   X25519 keys and the shared secret are 32-byte u-coordinates (RFC 7748).
 * - Signatures: ES256 is raw r || s (64 bytes) over SHA-256 of the message; EdDSA is Ed25519 (RFC 8032).
 */
import type { RandomSource } from '../ports.js';

export type CurveName = 'P-256' | 'X25519';
/** COSE algorithm ids: ES256 (-7) and EdDSA (-8), RFC 9053 §2.1–2.2. */
export type SignatureAlgorithmId = -7 | -8;

export const ES256 = -7;
export const EDDSA = -8;

export interface KeyPair {
  privateKey: Uint8Array;
  publicKey: Uint8Array;
}

/**
 * ECDH (RFC 9528 §5.1 / RFC 9053). `sharedSecret` throws InvalidPublicKey (src/errors.ts) on an
 * off-curve point or an all-zero X25519 result (§9.2).
 */
export interface KeyAgreement {
  readonly curve: CurveName;
  generateKeyPair(random: RandomSource): KeyPair;
  publicKeyOf(privateKey: Uint8Array): Uint8Array;
  sharedSecret(privateKey: Uint8Array, peerPublicKey: Uint8Array): Uint8Array;
}

/**
 * COSE signatures. ES256 verify accepts high-S signatures (other signers do not normalise);
 * ES256 public keys are 65-byte uncompressed points, x || y (64) or compressed (33).
 */
export interface SignatureAlgorithm {
  readonly id: SignatureAlgorithmId;
  generateKeyPair(random: RandomSource): KeyPair;
  publicKeyOf(privateKey: Uint8Array): Uint8Array;
  sign(privateKey: Uint8Array, message: Uint8Array, random: RandomSource): Uint8Array;
  /** False for a wrong signature; throws InvalidPublicKey for a key that is not a valid point. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
}

export interface AsymmetricCrypto {
  /** Throws UnsupportedAlgorithm if this build lacks the curve. */
  keyAgreement(curve: CurveName): KeyAgreement;
  /** Throws UnsupportedAlgorithm if this build lacks the algorithm. */
  signature(id: SignatureAlgorithmId): SignatureAlgorithm;
  /** Ed25519 public key → X25519 (RFC 7748 §4.1 birational map), for Group OSCORE pairwise mode. */
  edwardsToMontgomeryPublic?(publicKey: Uint8Array): Uint8Array;
  edwardsToMontgomeryPrivate?(privateKey: Uint8Array): Uint8Array;
}

/** Random bytes from the port (noble's own default needs crypto.getRandomValues, absent on XS). */
export function randomBytes(random: RandomSource, n: number): Uint8Array {
  const b = new Uint8Array(n);
  random.fill(b);
  return b;
}
