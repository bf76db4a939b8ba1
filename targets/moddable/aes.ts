/**
 * AesBlockCipherFactory on Moddable's native AES (`crypt`'s BlockCipher). CCM (src/crypto/ccm.ts)
 * runs on top of it; the SDK has no CCM of its own.
 */
import { BlockCipher } from 'crypt';
import { makeNativeAesFactory } from './aes-block.js';

export const nativeAesBlockCipherFactory = makeNativeAesFactory(BlockCipher);
