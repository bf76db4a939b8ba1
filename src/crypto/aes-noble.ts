/**
 * The default AES block (FIPS 197) on @noble/ciphers' audited round function, key schedule
 * expanded once per key. Device builds replace this module with the native `crypt` AES
 * (rollup.config.mjs → targets/moddable/crypto-aes.ts), so @noble/ciphers stays off the device.
 */
import { unsafe } from '@noble/ciphers/aes.js';
import type { AesBlockCipherFactory } from '../ports.js';
import { JsModesAesBlockCipher } from './aes-modes.js';

const { expandKeyLE, encrypt } = unsafe;

/** Read four bytes as the little-endian word noble's round function works on (any host endianness). */
function wordLE(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24);
}

function putWordLE(b: Uint8Array, o: number, w: number): void {
  b[o] = w;
  b[o + 1] = w >>> 8;
  b[o + 2] = w >>> 16;
  b[o + 3] = w >>> 24;
}

/** AES on @noble/ciphers with the key schedule expanded once (CTR and CBC-MAC in JavaScript). */
class NobleAesBlockCipher extends JsModesAesBlockCipher {
  private readonly xk: Uint32Array;
  constructor(key: Uint8Array) {
    super();
    this.xk = expandKeyLE(key) as Uint32Array;
  }
  encryptBlock(input: Uint8Array, inOff: number, output: Uint8Array, outOff: number): void {
    const r = encrypt(this.xk, wordLE(input, inOff), wordLE(input, inOff + 4), wordLE(input, inOff + 8), wordLE(input, inOff + 12));
    putWordLE(output, outOff, r.s0);
    putWordLE(output, outOff + 4, r.s1);
    putWordLE(output, outOff + 8, r.s2);
    putWordLE(output, outOff + 12, r.s3);
  }
}

/** noble's AES (its round function returns a small object per block). Accepts 16-, 24- or 32-byte keys. */
export const nobleAesBlockCipherFactory: AesBlockCipherFactory = (key) => {
  if (!(key instanceof Uint8Array)) throw new TypeError('AES key: expected Uint8Array');
  if (key.length !== 16 && key.length !== 24 && key.length !== 32) throw new RangeError('AES key: expected 16, 24 or 32 bytes, got ' + key.length);
  return new NobleAesBlockCipher(key);
};
