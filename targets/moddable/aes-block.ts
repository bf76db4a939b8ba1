/**
 * AesBlockCipher over a native block cipher shaped like Moddable's `crypt` BlockCipher (FIPS 197
 * in C): it reads and writes whole ArrayBuffers, so one 16-byte input and one output buffer are
 * kept per key and blocks are copied through them — still far cheaper than AES rounds in
 * JavaScript. With `crypt`'s Mode class as well, the key also offers CCM's two message passes
 * natively (the optional `ctr` and `cbcMac` of the port, src/ports.ts): CTR and CBC over the
 * same BlockCipher, created on first use. Takes the classes as arguments so tests can run it
 * without the Moddable runtime.
 */
import type { AesBlockCipher, AesBlockCipherFactory } from '../../src/ports.js';

/** The part of `crypt`'s BlockCipher used here. */
export interface NativeBlockCipher {
  encrypt(data: ArrayBuffer, result?: ArrayBuffer): ArrayBuffer;
}
export type NativeBlockCipherClass = new (cipher: 'AES', key: ArrayBuffer) => NativeBlockCipher;

/**
 * The part of `crypt`'s Mode used here (modCrypt.c): `setIV` takes an ArrayBuffer; `encrypt`
 * reads a buffer or byte view and writes an ArrayBuffer at least as long; `decrypt` reads and
 * writes buffers or byte views. CTR increments the whole 16-byte counter; CBC chains across calls.
 */
export interface NativeMode {
  encrypt(data: ArrayBuffer | Uint8Array, result: ArrayBuffer): ArrayBuffer;
  decrypt(data: ArrayBuffer | Uint8Array, result: ArrayBuffer | Uint8Array): ArrayBuffer | Uint8Array;
  setIV(iv: ArrayBuffer): void;
}
/** `cipher` is the BlockCipher instance of the same key (typed `never` here so `crypt`'s own class, which names its BlockCipher, fits). */
export type NativeModeClass = new (mode: 'CTR' | 'CBC', cipher: never, iv?: ArrayBuffer, padding?: boolean) => NativeMode;

/** CBC output per native call when only the last block (the MAC) is wanted. */
const CBC_CHUNK = 64;

class NativeAesBlockCipher implements AesBlockCipher {
  protected readonly cipher: NativeBlockCipher;
  protected readonly inBuf = new ArrayBuffer(16);
  private readonly outBuf = new ArrayBuffer(16);
  protected readonly inView = new Uint8Array(this.inBuf);
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

/** The same key with CTR and CBC-MAC through `crypt`'s Mode. */
class NativeModeAesBlockCipher extends NativeAesBlockCipher {
  private readonly Mode: NativeModeClass;
  private ctrMode: NativeMode | undefined;
  private cbcMode: NativeMode | undefined;
  private macOut: Uint8Array | undefined;

  constructor(Cipher: NativeBlockCipherClass, Mode: NativeModeClass, key: Uint8Array) {
    super(Cipher, key);
    this.Mode = Mode;
  }

  ctr(counter: Uint8Array, input: Uint8Array, output: Uint8Array): void {
    this.inView.set(counter);
    const mode = (this.ctrMode ??= new this.Mode('CTR', this.cipher as never, this.inBuf));
    mode.setIV(this.inBuf);
    mode.decrypt(input, output); // CTR: decrypt = encrypt, and it takes byte views both ways
  }

  cbcMac(state: Uint8Array, data: Uint8Array): void {
    if (data.length === 0) return;
    this.inView.set(state);
    const mode = (this.cbcMode ??= new this.Mode('CBC', this.cipher as never, this.inBuf, false));
    mode.setIV(this.inBuf);
    const out = (this.macOut ??= new Uint8Array(CBC_CHUNK));
    let last = 0;
    for (let off = 0; off < data.length; off += CBC_CHUNK) {
      const part = data.length - off > CBC_CHUNK ? data.subarray(off, off + CBC_CHUNK) : data.subarray(off);
      mode.encrypt(part, out.buffer as ArrayBuffer);
      last = part.length;
    }
    state.set(out.subarray(last - 16, last));
    out.fill(0);
  }
}

/** AES on the native BlockCipher; with `Mode` also CCM's CTR and CBC-MAC passes natively. */
export function makeNativeAesFactory(Cipher: NativeBlockCipherClass, Mode?: NativeModeClass): AesBlockCipherFactory {
  return (key) => {
    if (!(key instanceof Uint8Array)) throw new TypeError('AES key: expected Uint8Array');
    if (key.length !== 16 && key.length !== 24 && key.length !== 32) throw new RangeError('AES key: expected 16, 24 or 32 bytes, got ' + key.length);
    return Mode ? new NativeModeAesBlockCipher(Cipher, Mode, key) : new NativeAesBlockCipher(Cipher, key);
  };
}
