/**
 * The registry of COSE AES-CCM algorithms (RFC 8152 §10.2; RFC 9053 §4.2), keyed by COSE id.
 *
 * AES-CCM-<L>-<tag bits>-<key bits>: L is the length field in bits (16 → 2 bytes, nonce 13;
 * 64 → 8 bytes, nonce 7), the tag is 64 or 128 bits, the key 128 or 256 bits. OSCORE's default
 * is 10, AES-CCM-16-64-128 (RFC 8613 §3.2). Each entry implements the AeadAlgorithm contract of
 * ./aead.ts on the generic CCM of ./ccm.ts; the AES key is expanded once in `prepare`.
 */
import type { AeadAlgorithm, AeadKey } from './aead.js';
import { CcmCipher } from './ccm.js';
import { defaultAesBlockCipherFactory } from './aes.js';
import type { AesBlockCipher, AesBlockCipherFactory } from '../ports.js';

class CcmAlgorithm implements AeadAlgorithm {
  readonly id: number;
  readonly name: string;
  readonly keyLength: number;
  readonly nonceLength: number;
  readonly tagLength: number;
  /** Length-field size L in bytes. */
  readonly lengthFieldSize: number;

  constructor(id: number, lengthFieldBits: number, tagBits: number, keyBits: number) {
    this.id = id;
    this.name = 'AES-CCM-' + lengthFieldBits + '-' + tagBits + '-' + keyBits;
    this.keyLength = keyBits / 8;
    this.lengthFieldSize = lengthFieldBits / 8;
    this.nonceLength = 15 - this.lengthFieldSize;
    this.tagLength = tagBits / 8;
    Object.freeze(this); // a registry entry: read-only (preloaded into flash on Moddable)
  }

  prepare(key: Uint8Array, aes: AesBlockCipherFactory = defaultAesBlockCipherFactory): AeadKey {
    if (!(key instanceof Uint8Array)) throw new TypeError(this.name + ': key must be a Uint8Array');
    if (key.length !== this.keyLength) throw new RangeError(this.name + ': key must be ' + this.keyLength + ' bytes, got ' + key.length);
    return new CcmKey(this, aes(key));
  }
}

/** CCM bound to one algorithm's parameters: the AeadKey of this registry. */
class CcmKey extends CcmCipher implements AeadKey {
  readonly algorithm: AeadAlgorithm;
  constructor(algorithm: CcmAlgorithm, aes: AesBlockCipher) {
    super(aes, algorithm.tagLength, algorithm.lengthFieldSize, algorithm.name);
    this.algorithm = algorithm;
  }
}

/** COSE algorithm ids (RFC 8152 Table 10). */
export const AES_CCM_16_64_128 = 10;
export const AES_CCM_16_64_256 = 11;
export const AES_CCM_64_64_128 = 12;
export const AES_CCM_64_64_256 = 13;
export const AES_CCM_16_128_128 = 30;
export const AES_CCM_16_128_256 = 31;
export const AES_CCM_64_128_128 = 32;
export const AES_CCM_64_128_256 = 33;

/** All eight, in id order. */
export const AEAD_ALGORITHMS: readonly AeadAlgorithm[] = Object.freeze([
  new CcmAlgorithm(AES_CCM_16_64_128, 16, 64, 128),
  new CcmAlgorithm(AES_CCM_16_64_256, 16, 64, 256),
  new CcmAlgorithm(AES_CCM_64_64_128, 64, 64, 128),
  new CcmAlgorithm(AES_CCM_64_64_256, 64, 64, 256),
  new CcmAlgorithm(AES_CCM_16_128_128, 16, 128, 128),
  new CcmAlgorithm(AES_CCM_16_128_256, 16, 128, 256),
  new CcmAlgorithm(AES_CCM_64_128_128, 64, 128, 128),
  new CcmAlgorithm(AES_CCM_64_128_256, 64, 128, 256),
]);

/** The algorithm for a COSE id, or undefined (for callers that map absence to their own error). */
export function findAlgorithm(id: number): AeadAlgorithm | undefined {
  for (const a of AEAD_ALGORITHMS) if (a.id === id) return a;
  return undefined;
}

/** The algorithm for a COSE id; throws RangeError naming the supported ids for anything else. */
export function getAlgorithm(id: number): AeadAlgorithm {
  const a = findAlgorithm(id);
  if (!a) throw new RangeError('unsupported AEAD algorithm ' + String(id) + ': supported COSE ids are ' + AEAD_ALGORITHMS.map((x) => x.id + ' (' + x.name + ')').join(', '));
  return a;
}

/** The algorithm for a COSE name such as "AES-CCM-16-64-128" (case-insensitive); throws RangeError if unknown. */
export function algorithmByName(name: string): AeadAlgorithm {
  const upper = String(name).toUpperCase();
  for (const a of AEAD_ALGORITHMS) if (a.name === upper) return a;
  throw new RangeError('unsupported AEAD algorithm "' + name + '": supported names are ' + AEAD_ALGORITHMS.map((x) => x.name).join(', '));
}
