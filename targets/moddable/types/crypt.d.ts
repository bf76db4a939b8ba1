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
  export class Digest {
    constructor(type: 'MD5' | 'SHA1' | 'SHA224' | 'SHA256' | 'SHA384' | 'SHA512');
    write(data: ArrayBuffer | string): void;
    close(): ArrayBuffer;
    reset(): void;
    readonly blockSize: number;
    readonly outputSize: number;
  }
}
