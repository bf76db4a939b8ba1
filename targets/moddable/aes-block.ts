/**
 * AesBlockCipher over Moddable's `crypt` (FIPS 197 in C): the key is a native BlockCipher, and
 * CCM's message pass (the port's `ctrCbcMac`, src/ports.ts) runs on `crypt`'s Mode over it: CTR
 * in one call, the CBC-MAC in calls of up to 64 bytes (zero-padded: CBC with the MAC state as IV,
 * of which only the last output block is kept). Both Modes are created on first use. The native
 * side reads and writes ArrayBuffers (views only for a Mode's data), so one 64-byte buffer per key
 * carries the IV, the CBC data and output, and a single block: it reads the first 16 bytes of a
 * longer IV or block and works in place (modCrypt.c, fips197.c). Takes the classes as arguments
 * so tests can run it without the Moddable runtime.
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

/** The CBC-MAC's bytes per native call: the size of `io`. */
const CBC_CHUNK = 64;

class NativeAesBlockCipher implements AesBlockCipher {
  private readonly cipher: NativeBlockCipher;
  private readonly Mode: NativeModeClass;
  /** IV, one block, or CBC data and output (ArrayBuffer for the native calls, `view` for ours). */
  private readonly io = new ArrayBuffer(CBC_CHUNK);
  private readonly view = new Uint8Array(this.io);
  private ctrMode: NativeMode | undefined;
  private cbcMode: NativeMode | undefined;

  constructor(Cipher: NativeBlockCipherClass, Mode: NativeModeClass, key: Uint8Array) {
    const copy = key.slice();
    this.cipher = new Cipher('AES', copy.buffer as ArrayBuffer);
    copy.fill(0); // the native side keeps its own copy of the key
    this.Mode = Mode;
  }

  encryptBlock(input: Uint8Array, inOff: number, output: Uint8Array, outOff: number): void {
    this.view.set(input.subarray(inOff, inOff + 16));
    this.cipher.encrypt(this.io, this.io);
    output.set(this.view.subarray(0, 16), outOff);
  }

  ctrCbcMac(counter: Uint8Array, mac: Uint8Array, input: Uint8Array, output: Uint8Array, macInput: boolean): void {
    if (macInput) this.cbcMac(mac, input);
    this.view.set(counter);
    const mode = (this.ctrMode ??= new this.Mode('CTR', this.cipher as never, this.io));
    mode.setIV(this.io);
    mode.decrypt(input, output); // CTR: decrypt = encrypt, and it takes byte views both ways
    if (!macInput) this.cbcMac(mac, output);
  }

  /** state = E(state ⊕ B) for each block B of `data`, zero-padded, through `io` (CBC in place). */
  private cbcMac(state: Uint8Array, data: Uint8Array): void {
    const io = this.io, view = this.view, n = data.length;
    view.set(state);
    const mode = (this.cbcMode ??= new this.Mode('CBC', this.cipher as never, io, false));
    mode.setIV(io);
    let end = 0;
    for (let off = 0; off < n; off += CBC_CHUNK) {
      const len = n - off < CBC_CHUNK ? n - off : CBC_CHUNK;
      end = (len + 15) & ~15;
      view.fill(0);
      view.set(data.subarray(off, off + len));
      mode.encrypt(view.subarray(0, end), io);
    }
    state.set(view.subarray(end - 16, end));
    view.fill(0);
  }
}

/** AES on the native BlockCipher, CCM's message pass on the native Mode. */
export function makeNativeAesFactory(Cipher: NativeBlockCipherClass, Mode: NativeModeClass): AesBlockCipherFactory {
  return (key) => {
    if (!(key instanceof Uint8Array)) throw new TypeError('AES key: expected Uint8Array');
    if (key.length !== 16 && key.length !== 24 && key.length !== 32) throw new RangeError('AES key: expected 16, 24 or 32 bytes, got ' + key.length);
    return new NativeAesBlockCipher(Cipher, Mode, key);
  };
}
