/**
 * AesBlockCipherFactory on Moddable's native AES (`crypt`'s BlockCipher). CCM (src/crypto/ccm.ts)
 * runs on top of it; the SDK has no CCM of its own, but its Mode class runs CCM's two message passes
 * (CTR and the CBC-MAC) in native code (targets/moddable/aes-block.ts).
 */
import { BlockCipher, Mode } from 'crypt';
import { makeNativeAesFactory } from './aes-block.js';

export const nativeAesBlockCipherFactory = makeNativeAesFactory(BlockCipher, Mode);
