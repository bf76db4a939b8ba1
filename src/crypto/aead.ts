/**
 * The AEAD contract OSCORE uses (RFC 8613 §3.2.1, COSE algorithms of RFC 8152 §10.2).
 * Implemented by the CCM registry in ./algorithms.ts. A key is prepared once (the AES key
 * schedule is expanded once) and then used for many messages.
 */
import type { AesBlockCipherFactory } from '../ports.js';

export interface AeadAlgorithm {
  /** COSE algorithm id (10–13, 30–33 for AES-CCM). */
  readonly id: number;
  /** COSE name, e.g. "AES-CCM-16-64-128". */
  readonly name: string;
  readonly keyLength: number;
  readonly nonceLength: number;
  readonly tagLength: number;
  /**
   * Expand the key once with `aes` (default: the build's default AES, src/crypto/aes.ts); throws
   * RangeError on a wrong key length.
   */
  prepare(key: Uint8Array, aes?: AesBlockCipherFactory): AeadKey;
}

export interface AeadKey {
  readonly algorithm: AeadAlgorithm;
  /** Returns ciphertext || tag. */
  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** `buffer` = plaintext || room for the tag; becomes ciphertext || tag (no second buffer). */
  sealInPlace(nonce: Uint8Array, aad: Uint8Array, buffer: Uint8Array): void;
  /** Returns the plaintext, or null when the tag does not verify (constant-time compare). */
  open(nonce: Uint8Array, aad: Uint8Array, ciphertextAndTag: Uint8Array): Uint8Array | null;
}
