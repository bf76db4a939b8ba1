/**
 * The AES block cipher port (FIPS 197): which implementation CCM's keys are prepared with.
 *
 * CCM (./ccm.ts) only ever needs the forward cipher on single 16-byte blocks, so the port is one
 * method. The default is @noble/ciphers' audited AES with the key schedule expanded once per key
 * (a home-grown faster AES was measured and rejected: the audit matters more than the ~40 % it
 * saved on XS, where the device uses its native AES anyway). Device builds substitute the default
 * module (./aes-noble.ts → targets/moddable/crypto-aes.ts), so the default is native there.
 *
 * There is no global "current factory": the library keeps no mutable module state, so it can be
 * preloaded into flash on Moddable. A different implementation is passed where keys are prepared
 * (`AeadAlgorithm.prepare(key, aes)`, `new SecurityContext(params, { aes })`).
 */
import type { AesBlockCipher, AesBlockCipherFactory } from '../ports.js';
import { nobleAesBlockCipherFactory } from './aes-noble.js';

export { nobleAesBlockCipherFactory };

/** The default factory (noble; native `crypt` in device builds). */
export const defaultAesBlockCipherFactory: AesBlockCipherFactory = nobleAesBlockCipherFactory;

/** Prepare a key with `factory` (default: the default AES). */
export function createAesBlockCipher(key: Uint8Array, factory: AesBlockCipherFactory = nobleAesBlockCipherFactory): AesBlockCipher {
  return factory(key);
}
