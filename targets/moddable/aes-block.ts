/**
 * AesBlockCipher over a native block cipher shaped like Moddable's `crypt` BlockCipher (FIPS 197
 * in C): it reads and writes whole ArrayBuffers, so one 16-byte input and one output buffer are
 * kept per key and blocks are copied through them — still far cheaper than AES rounds in
 * JavaScript. Takes the class as an argument so tests can run it without the Moddable runtime.
 */
import type { AesBlockCipher, AesBlockCipherFactory } from '../../src/ports.js';

/** The part of `crypt`'s BlockCipher used here. */
export interface NativeBlockCipher {
  encrypt(data: ArrayBuffer, result?: ArrayBuffer): ArrayBuffer;
}
export type NativeBlockCipherClass = new (cipher: 'AES', key: ArrayBuffer) => NativeBlockCipher;

class NativeAesBlockCipher implements AesBlockCipher {
  private readonly cipher: NativeBlockCipher;
  private readonly inBuf = new ArrayBuffer(16);
  private readonly outBuf = new ArrayBuffer(16);
  private readonly inView = new Uint8Array(this.inBuf);
  private readonly outView = new Uint8Array(this.outBuf);

  constructor(Cipher: NativeBlockCipherClass, key: Uint8Array) {
    const copy = key.slice();
    this.cipher = new Cipher('AES', copy.buffer as ArrayBuffer);
    copy.fill(0); // the native side keeps its own copy of the key
  }

  encryptBlock(input: Uint8Array, inOff: number, output: Uint8Array, outOff: number): void {
    this.inView.set(input.subarray(inOff, inOff + 16));
    this.cipher.encrypt(this.inBuf, this.outBuf);
    output.set(this.outView, outOff);
  }
}

export function makeNativeAesFactory(Cipher: NativeBlockCipherClass): AesBlockCipherFactory {
  return (key) => {
    if (!(key instanceof Uint8Array)) throw new TypeError('AES key: expected Uint8Array');
    if (key.length !== 16 && key.length !== 24 && key.length !== 32) throw new RangeError('AES key: expected 16, 24 or 32 bytes, got ' + key.length);
    return new NativeAesBlockCipher(Cipher, key);
  };
}
