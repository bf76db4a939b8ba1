/**
 * Device replacement for src/crypto/aes-noble.ts (rollup.config.mjs substitutes it in Moddable
 * builds): the default AES block is the native one of `crypt`, so @noble/ciphers stays out of the
 * device bundle. The export keeps the replaced module's name (platform-check.ts checks the shape).
 */
import type { AesBlockCipherFactory } from '../../src/ports.js';
import { nativeAesBlockCipherFactory } from './aes.js';

export const nobleAesBlockCipherFactory: AesBlockCipherFactory = nativeAesBlockCipherFactory;
