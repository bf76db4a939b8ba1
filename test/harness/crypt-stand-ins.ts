/**
 * Stand-ins for Moddable's `crypt` BlockCipher and Mode that keep the contract modCrypt.c
 * implements, so targets/moddable/aes-block.ts runs without the runtime: the BlockCipher takes an
 * ArrayBuffer key, reads the first 16 bytes of an ArrayBuffer and writes a result ArrayBuffer of
 * at least 16 (the same one too); a Mode's `setIV` takes an ArrayBuffer and uses its first 16
 * bytes; `encrypt` reads a buffer or byte view and writes an ArrayBuffer at least as long; `decrypt`
 * reads and writes buffers or byte views; CTR increments the whole 16-byte counter and carries a
 * partial block's keystream position over; CBC chains across calls and leaves a partial block
 * unprocessed (no padding). AES underneath is @noble's (src/crypto/aes-noble.ts).
 */
import { nobleAesBlockCipherFactory } from '../../src/crypto/aes-noble.js';
import type { AesBlockCipher } from '../../src/ports.js';

export class StandInBlockCipher {
  static made = 0;
  readonly aes: AesBlockCipher;
  constructor(name: 'AES', key: ArrayBuffer) {
    if (name !== 'AES' || !(key instanceof ArrayBuffer)) throw new TypeError('BlockCipher: bad arguments');
    if (key.byteLength !== 16 && key.byteLength !== 24 && key.byteLength !== 32) throw new Error('bad key size');
    this.aes = nobleAesBlockCipherFactory(new Uint8Array(key.slice(0)));
    StandInBlockCipher.made++;
  }
  encrypt(data: ArrayBuffer, result?: ArrayBuffer): ArrayBuffer {
    if (!(data instanceof ArrayBuffer) || data.byteLength < 16) throw new TypeError('bad size');
    const out = result ?? new ArrayBuffer(16);
    if (!(out instanceof ArrayBuffer) || out.byteLength < 16) throw new TypeError('buffer too small');
    this.aes.encryptBlock(new Uint8Array(data), 0, new Uint8Array(out), 0);
    return out;
  }
}

function bytesOf(x: ArrayBuffer | Uint8Array, what: string): Uint8Array {
  if (x instanceof ArrayBuffer) return new Uint8Array(x);
  if (x instanceof Uint8Array) return x;
  throw new TypeError('Mode: ' + what + ' must be an ArrayBuffer or a byte view');
}

export class StandInMode {
  static made = 0;
  private readonly state = new Uint8Array(16);
  private readonly stream = new Uint8Array(16);
  private offset = 0;
  constructor(private readonly kind: 'CTR' | 'CBC', private readonly cipher: StandInBlockCipher, iv?: ArrayBuffer, padding?: boolean) {
    if (kind !== 'CTR' && kind !== 'CBC') throw new Error('unsupported mode');
    if (!(cipher instanceof StandInBlockCipher)) throw new TypeError('Mode: cipher must be a BlockCipher');
    if (padding) throw new Error('stand-in: no padding');
    if (iv !== undefined) this.setIV(iv);
    StandInMode.made++;
  }
  setIV(iv: ArrayBuffer): void {
    if (!(iv instanceof ArrayBuffer)) throw new TypeError('setIV: ArrayBuffer expected');
    this.state.fill(0);
    this.state.set(new Uint8Array(iv, 0, Math.min(16, iv.byteLength)));
    this.offset = 0;
  }
  encrypt(data: ArrayBuffer | Uint8Array, result: ArrayBuffer): ArrayBuffer {
    if (!(result instanceof ArrayBuffer)) throw new TypeError('encrypt: result must be an ArrayBuffer');
    this.run(bytesOf(data, 'data'), new Uint8Array(result));
    return result;
  }
  decrypt(data: ArrayBuffer | Uint8Array, result: ArrayBuffer | Uint8Array): ArrayBuffer | Uint8Array {
    if (this.kind !== 'CTR') throw new Error('stand-in: CBC decryption is not used');
    this.run(bytesOf(data, 'data'), bytesOf(result, 'result'));
    return result;
  }
  private run(input: Uint8Array, output: Uint8Array): void {
    if (output.length < input.length) throw new Error('output too small');
    const aes = this.cipher.aes, s = this.state, k = this.stream;
    if (this.kind === 'CBC') {
      for (let off = 0; off + 16 <= input.length; off += 16) {
        for (let i = 0; i < 16; i++) s[i] ^= input[off + i];
        aes.encryptBlock(s, 0, s, 0);
        output.set(s, off);
      }
      return;
    }
    for (let j = 0; j < input.length; j++) {
      if (this.offset === 0) aes.encryptBlock(s, 0, k, 0);
      output[j] = input[j] ^ k[this.offset];
      if (++this.offset === 16) {
        this.offset = 0;
        for (let i = 15; i >= 0; i--) if ((++s[i] & 0xff) !== 0) break;
      }
    }
  }
}
