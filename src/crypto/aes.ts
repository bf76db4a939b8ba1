/**
 * The AES block cipher port (FIPS 197): which implementation CCM's keys are prepared with.
 *
 * CCM (./ccm.ts) only ever needs the forward cipher on single 16-byte blocks, so the port is one
 * method. The default is @noble/ciphers' audited AES with the key schedule expanded once per key
 * (a home-grown faster AES was measured and rejected: the audit matters more than the ~40 % it
 * saved on XS, where the device uses its native AES anyway). A target with a native AES (Moddable's
 * `crypt.BlockCipher`) swaps the factory with `setAesBlockCipherFactory` before any key is prepared.
 */
import type { AesBlockCipher, AesBlockCipherFactory } from '../ports.js';
import { nobleAesBlockCipherFactory } from './aes-noble.js';

export { nobleAesBlockCipherFactory };

let factory: AesBlockCipherFactory = nobleAesBlockCipherFactory;

/** Replace the AES implementation (e.g. a native one on the device). Affects keys prepared afterwards. */
export function setAesBlockCipherFactory(f: AesBlockCipherFactory): void {
  factory = f;
}

/** The current factory (noble unless a target replaced it). */
export function getAesBlockCipherFactory(): AesBlockCipherFactory {
  return factory;
}

/** Prepare a key with the current factory. */
export function createAesBlockCipher(key: Uint8Array): AesBlockCipher {
  return factory(key);
}
