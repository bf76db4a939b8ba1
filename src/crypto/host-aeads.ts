/**
 * The host AEADs: AES-GCM (COSE 1, 2, 3: A128GCM, A192GCM, A256GCM; RFC 8152 §10.1) and
 * ChaCha20/Poly1305 (COSE 24; RFC 8152 §10.3, RFC 8439), on @noble/ciphers' audited `gcm` and
 * `chacha20poly1305`. All four take a 12-byte nonce and a 16-byte tag; keys are 16/24/32 and 32
 * bytes. They implement the AeadAlgorithm contract of ./aead.ts like the CCM registry.
 *
 * Kept apart from ./algorithms.ts on purpose: the device bundle stays CCM-only (it imports
 * algorithms.ts, never this module), so noble's GCM and ChaCha never reach the firmware. Node and
 * the tests pass these algorithms to a context explicitly (SecurityContextParams.algorithm as an
 * object) or look them up with `findAnyAlgorithm`.
 */
import { gcm } from '@noble/ciphers/aes.js';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import type { AeadAlgorithm, AeadKey } from './aead.js';
import { AEAD_ALGORITHMS } from './algorithms.js';

/** A noble AEAD constructor: (key, nonce, aad) → { encrypt, decrypt } (decrypt throws on a bad tag). */
type NobleAead = (key: Uint8Array, nonce: Uint8Array, aad?: Uint8Array) => { encrypt(pt: Uint8Array): Uint8Array; decrypt(ct: Uint8Array): Uint8Array };

const NONCE_LENGTH = 12;
const TAG_LENGTH = 16;

class HostAeadAlgorithm implements AeadAlgorithm {
  readonly nonceLength = NONCE_LENGTH;
  readonly tagLength = TAG_LENGTH;
  constructor(
    readonly id: number,
    readonly name: string,
    readonly keyLength: number,
    private readonly cipher: NobleAead,
  ) {}

  prepare(key: Uint8Array): AeadKey {
    if (!(key instanceof Uint8Array)) throw new TypeError(this.name + ': key must be a Uint8Array');
    if (key.length !== this.keyLength) throw new RangeError(this.name + ': key must be ' + this.keyLength + ' bytes, got ' + key.length);
    return new HostAeadKey(this, this.cipher, key.slice());
  }
}

class HostAeadKey implements AeadKey {
  constructor(
    readonly algorithm: HostAeadAlgorithm,
    private readonly cipher: NobleAead,
    private readonly key: Uint8Array,
  ) {}

  private checkNonce(nonce: Uint8Array): void {
    if (nonce.length !== NONCE_LENGTH) throw new RangeError(this.algorithm.name + ': nonce must be ' + NONCE_LENGTH + ' bytes, got ' + nonce.length);
  }

  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    this.checkNonce(nonce);
    return this.cipher(this.key, nonce, aad).encrypt(plaintext);
  }

  /** The AeadKey in-place contract on top of noble's (which returns a new array): ciphertext || tag copied back. */
  sealInPlace(nonce: Uint8Array, aad: Uint8Array, buffer: Uint8Array): void {
    this.checkNonce(nonce);
    if (buffer.length < TAG_LENGTH) throw new RangeError(this.algorithm.name + ': buffer of ' + buffer.length + ' bytes has no room for the tag');
    buffer.set(this.cipher(this.key, nonce, aad).encrypt(buffer.subarray(0, buffer.length - TAG_LENGTH)));
  }

  open(nonce: Uint8Array, aad: Uint8Array, ciphertextAndTag: Uint8Array): Uint8Array | null {
    this.checkNonce(nonce);
    if (ciphertextAndTag.length < TAG_LENGTH) return null;
    try {
      // noble compares the tag in constant time and throws when it does not verify.
      return this.cipher(this.key, nonce, aad).decrypt(ciphertextAndTag);
    } catch {
      return null;
    }
  }
}

/** COSE algorithm ids (RFC 8152 Tables 9 and 11). */
export const A128GCM = 1;
export const A192GCM = 2;
export const A256GCM = 3;
export const CHACHA20_POLY1305 = 24;

/** The four host AEADs, in id order; names as COSE and aiocoap spell them. */
export const HOST_AEAD_ALGORITHMS: readonly AeadAlgorithm[] = [
  new HostAeadAlgorithm(A128GCM, 'A128GCM', 16, gcm as unknown as NobleAead),
  new HostAeadAlgorithm(A192GCM, 'A192GCM', 24, gcm as unknown as NobleAead),
  new HostAeadAlgorithm(A256GCM, 'A256GCM', 32, gcm as unknown as NobleAead),
  new HostAeadAlgorithm(CHACHA20_POLY1305, 'ChaCha20/Poly1305', 32, chacha20poly1305 as unknown as NobleAead),
];

/** Any algorithm this host implements (CCM or host AEAD) by COSE id, or undefined. */
export function findAnyAlgorithm(id: number): AeadAlgorithm | undefined {
  for (const a of AEAD_ALGORITHMS) if (a.id === id) return a;
  for (const a of HOST_AEAD_ALGORITHMS) if (a.id === id) return a;
  return undefined;
}

/** Any algorithm this host implements by COSE name (case-insensitive), or undefined. */
export function findAnyAlgorithmByName(name: string): AeadAlgorithm | undefined {
  const upper = String(name).toUpperCase();
  for (const a of AEAD_ALGORITHMS) if (a.name === upper) return a;
  for (const a of HOST_AEAD_ALGORITHMS) if (a.name.toUpperCase() === upper) return a;
  return undefined;
}
