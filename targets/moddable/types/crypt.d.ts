/**
 * Ambient declarations for Moddable's `crypt` module ($(MODULES)/crypt/digest/manifest.json) as far
 * as oscore-xs uses it. @moddable/typings does not declare BlockCipher; the shapes here follow the
 * module's host-function signatures (modCrypt.c): keys, inputs and results are ArrayBuffers.
 */
declare module 'crypt' {
  /** A native block cipher ("AES", "DES", "TDES") with a key expanded once. */
  export class BlockCipher {
    constructor(cipher: 'AES' | 'DES' | 'TDES', key: ArrayBuffer);
    /** Encrypt one block of `data`; writes into `result` when given (at least one block long) and returns it. */
    encrypt(data: ArrayBuffer, result?: ArrayBuffer): ArrayBuffer;
    decrypt(data: ArrayBuffer, result?: ArrayBuffer): ArrayBuffer;
    readonly keySize: number;
    readonly blockSize: number;
  }
  /**
   * A block cipher mode ("ECB", "CTR", "CBC") over a BlockCipher. `setIV` and the IV take an
   * ArrayBuffer; `encrypt` writes an ArrayBuffer; `decrypt` reads and writes buffers or byte views.
   */
  export class Mode {
    constructor(mode: 'ECB' | 'CTR' | 'CBC', cipher: BlockCipher, iv?: ArrayBuffer, padding?: boolean);
    encrypt(data: ArrayBuffer | Uint8Array, result?: ArrayBuffer): ArrayBuffer;
    decrypt(data: ArrayBuffer | Uint8Array, result?: ArrayBuffer | Uint8Array): ArrayBuffer | Uint8Array;
    setIV(iv: ArrayBuffer): void;
    eof: boolean;
  }
  export class Digest {
    constructor(type: 'MD5' | 'SHA1' | 'SHA224' | 'SHA256' | 'SHA384' | 'SHA512');
    write(data: ArrayBuffer | string): void;
    close(): ArrayBuffer;
    reset(): void;
    readonly blockSize: number;
    readonly outputSize: number;
  }
}
