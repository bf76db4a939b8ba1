/**
 * CCM's message pass (the port's `ctrCbcMac`, src/ports.ts) in JavaScript over a single-block AES,
 * for the AES implementations without native modes (@noble's on Node and in the simulator); the
 * device's `crypt` Mode runs it natively (targets/moddable/aes-block.ts).
 *
 * One loop over the message does both: per 16-byte block the keystream E(A_i) and the CBC-MAC
 * step, so each block is read once. It is copied into a scratch block (a native copy) and XORed
 * as four 32-bit words: XOR is bytewise, so the words' byte order does not matter, and on XS this
 * costs a fraction of a loop over 16 bytes (issue 17: the JavaScript around the cipher). Not
 * re-entrant per key (the scratch is reused).
 */
import type { AesBlockCipher } from '../ports.js';

/** A block cipher whose CCM pass runs in JavaScript: subclasses supply `encryptBlock`. */
export abstract class JsModesAesBlockCipher implements AesBlockCipher {
  /** MAC state | counter | keystream | data block, as bytes and as 32-bit words. */
  private readonly scratch = new Uint8Array(64);
  private readonly words = new Uint32Array(this.scratch.buffer);
  private readonly macState = this.scratch.subarray(0, 16);
  private readonly block = this.scratch.subarray(48);

  abstract encryptBlock(input: Uint8Array, inOff: number, output: Uint8Array, outOff: number): void;

  ctrCbcMac(counter: Uint8Array, mac: Uint8Array, input: Uint8Array, output: Uint8Array, macInput: boolean): void {
    const s = this.scratch, w = this.words, block = this.block, n = input.length;
    s.set(mac);
    s.set(counter, 16);
    for (let off = 0; off < n; off += 16) {
      // The counter + 1, as a 128-bit big-endian number (++ yields 256 where the byte wraps to 0).
      if (off > 0) for (let i = 31; i >= 16; i--) if ((++s[i] & 0xff) !== 0) break;
      this.encryptBlock(s, 16, s, 32);
      const len = n - off < 16 ? n - off : 16;
      if (len < 16) block.fill(0);
      block.set(len < 16 ? input.subarray(off) : input.subarray(off, off + 16));
      if (macInput) {
        w[0] ^= w[12];
        w[1] ^= w[13];
        w[2] ^= w[14];
        w[3] ^= w[15];
      }
      w[12] ^= w[8];
      w[13] ^= w[9];
      w[14] ^= w[10];
      w[15] ^= w[11];
      if (!macInput) {
        // The MAC covers the zero-padded plaintext: clear what the keystream put past its end.
        if (len < 16) block.fill(0, len);
        w[0] ^= w[12];
        w[1] ^= w[13];
        w[2] ^= w[14];
        w[3] ^= w[15];
      }
      output.set(len < 16 ? block.subarray(0, len) : block, off);
      this.encryptBlock(s, 0, s, 0);
    }
    mac.set(this.macState);
    s.fill(0);
  }
}

class WithJsModes extends JsModesAesBlockCipher {
  constructor(private readonly inner: Pick<AesBlockCipher, 'encryptBlock'>) {
    super();
  }
  encryptBlock(input: Uint8Array, inOff: number, output: Uint8Array, outOff: number): void {
    this.inner.encryptBlock(input, inOff, output, outOff);
  }
}

/** `block`'s AES with the CCM pass in JavaScript (tests and benchmarks that count or compare blocks). */
export function withJsModes(block: Pick<AesBlockCipher, 'encryptBlock'>): AesBlockCipher {
  return new WithJsModes(block);
}
