/**
 * AesBlockCipherFactory on Moddable's native AES (`crypt`'s BlockCipher, FIPS 197 in C). CCM
 * (src/crypto/ccm.ts) runs on top of it; the SDK has no CCM of its own. BlockCipher reads and
 * writes whole ArrayBuffers, so one 16-byte input and one output buffer are kept per key and
 * blocks are copied through them — still far cheaper than AES rounds in JavaScript.
 */
import { BlockCipher } from 'crypt';
import type { AesBlockCipher, AesBlockCipherFactory } from '../../src/ports.js';

class NativeAesBlockCipher implements AesBlockCipher {
  private readonly cipher: BlockCipher;
  private readonly inBuf = new ArrayBuffer(16);
  private readonly outBuf = new ArrayBuffer(16);
  private readonly inView = new Uint8Array(this.inBuf);
  private readonly outView = new Uint8Array(this.outBuf);

  constructor(key: Uint8Array) {
    this.cipher = new BlockCipher('AES', key.slice().buffer as ArrayBuffer);
  }

  encryptBlock(input: Uint8Array, inOff: number, output: Uint8Array, outOff: number): void {
    this.inView.set(input.subarray(inOff, inOff + 16));
    this.cipher.encrypt(this.inBuf, this.outBuf);
    output.set(this.outView, outOff);
  }
}

export const nativeAesBlockCipherFactory: AesBlockCipherFactory = (key) => {
  if (key.length !== 16 && key.length !== 24 && key.length !== 32) throw new RangeError('AES key: expected 16, 24 or 32 bytes, got ' + key.length);
  return new NativeAesBlockCipher(key);
};
