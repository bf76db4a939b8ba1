/**
 * Device replacement for src/crypto/aes.ts (rollup.config.mjs substitutes it in Moddable builds):
 * the same exports, with the native AES of `crypt` as the only implementation, so @noble/ciphers
 * stays out of the device bundle. `nobleAesBlockCipherFactory` keeps its name for the module's
 * shape but is the native factory here.
 */
import type { AesBlockCipher, AesBlockCipherFactory } from '../../src/ports.js';
import { nativeAesBlockCipherFactory } from './aes.js';

export const nobleAesBlockCipherFactory: AesBlockCipherFactory = nativeAesBlockCipherFactory;
let factory: AesBlockCipherFactory = nativeAesBlockCipherFactory;

export function setAesBlockCipherFactory(f: AesBlockCipherFactory): void {
  factory = f;
}

export function getAesBlockCipherFactory(): AesBlockCipherFactory {
  return factory;
}

export function createAesBlockCipher(key: Uint8Array): AesBlockCipher {
  return factory(key);
}
