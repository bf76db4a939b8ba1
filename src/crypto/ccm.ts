/**
 * AES-CCM: Counter with CBC-MAC (RFC 3610, NIST SP 800-38C), generic in the tag length M and
 * the length-field size L, on the AES block port of src/ports.ts.
 *
 * Authentication is a CBC-MAC over B0 (flags, nonce, message length), the encoded AAD length and
 * the AAD (zero-padded to a block), then the zero-padded plaintext. Encryption is CTR mode with
 * counter blocks A_i = flags' | nonce | i; A_0's keystream masks the tag (RFC 3610 §2.2–2.4,
 * SP 800-38C §6 and App. A). B0, the AAD and the tag are single blocks here (XORed as four 32-bit
 * words); the message goes through the port's `ctrCbcMac` in one call: on the device `crypt`'s
 * native Mode (targets/moddable/aes-block.ts: the same bytes, RFC 3610 vectors on the real
 * runtime, test/device-ccm-modes-mcsim.node.test.ts), elsewhere one JavaScript loop
 * (./aes-modes.ts). Opening checks the tag in constant time and wipes the candidate plaintext
 * when it fails. Three 16-byte scratch blocks per key: no allocation per block.
 */
import type { AesBlockCipher } from '../ports.js';

/** Tag lengths allowed by RFC 3610 §2 (M) and SP 800-38C §A.1 (Tlen/8). */
export const CCM_TAG_LENGTHS: readonly number[] = Object.freeze([4, 6, 8, 10, 12, 14, 16]);

/**
 * Write the encoding of an AAD length `a` (RFC 3610 §2.2, SP 800-38C §A.2.2) at `out[off..]`;
 * returns the number of bytes written: 2 for 0 < a < 2^16−2^8, 0xFFFE + 4 bytes below 2^32,
 * 0xFFFF + 8 bytes above. (a = 0 means no AAD block at all; callers do not encode it.)
 */
export function encodeAadLength(a: number, out: Uint8Array, off: number): number {
  if (a < 0xff00) {
    out[off] = a >>> 8;
    out[off + 1] = a;
    return 2;
  }
  if (a < 0x100000000) {
    out[off] = 0xff;
    out[off + 1] = 0xfe;
    putUintBE(out, off + 2, 4, a);
    return 6;
  }
  out[off] = 0xff;
  out[off + 1] = 0xff;
  putUintBE(out, off + 2, 8, a);
  return 10;
}

/** Big-endian `value` in `size` bytes at out[off..]; value is a safe integer (32-bit shifts only below 2^32). */
function putUintBE(out: Uint8Array, off: number, size: number, value: number): void {
  if (value < 0x100000000) {
    for (let i = off + size - 1; i >= off; i--) {
      out[i] = value;
      value >>>= 8;
    }
    return;
  }
  for (let i = off + size - 1; i >= off; i--) {
    out[i] = value % 256;
    value = Math.floor(value / 256);
  }
}

/**
 * One AES key bound to CCM parameters (tag length M, length-field size L; nonce is 15 − L bytes).
 * Synchronous and not re-entrant per instance (its scratch blocks are reused across calls).
 */
export class CcmCipher {
  readonly tagLength: number;
  readonly lengthFieldSize: number;
  /** Largest plaintext length the L-byte length field can carry (capped at the largest safe integer). */
  readonly maxMessageLength: number;
  private readonly aes: AesBlockCipher;
  /** What error messages call this cipher (a registry key: its algorithm's name). */
  private readonly label: string;
  /** CBC-MAC state X_i, then the tag. */
  private readonly mac: Uint8Array;
  /** Counter block A_i. */
  private readonly ctr: Uint8Array;
  /** A block of AAD or the message's partial last block, zero-padded; S_0 for the tag. */
  private readonly block: Uint8Array;
  /** The three blocks as 32-bit words (mac 0–3, ctr 4–7, block 8–11), for XOR. */
  private readonly words: Uint32Array;

  constructor(aes: AesBlockCipher, tagLength: number, lengthFieldSize: number, label = 'AES-CCM') {
    if (!CCM_TAG_LENGTHS.includes(tagLength)) throw new RangeError(label + ': tag length must be one of 4, 6, 8, 10, 12, 14, 16 bytes, got ' + tagLength);
    if (!Number.isInteger(lengthFieldSize) || lengthFieldSize < 2 || lengthFieldSize > 8) {
      throw new RangeError(label + ': length field size L must be 2..8 bytes, got ' + lengthFieldSize);
    }
    this.aes = aes;
    this.tagLength = tagLength;
    this.lengthFieldSize = lengthFieldSize;
    this.label = label;
    this.maxMessageLength = lengthFieldSize >= 7 ? Number.MAX_SAFE_INTEGER : 2 ** (8 * lengthFieldSize) - 1;
    const scratch = new Uint8Array(48);
    this.mac = scratch.subarray(0, 16);
    this.ctr = scratch.subarray(16, 32);
    this.block = scratch.subarray(32);
    this.words = new Uint32Array(scratch.buffer);
  }

  /** 15 − L. */
  get nonceLength(): number {
    return 15 - this.lengthFieldSize;
  }

  /** Encrypt and authenticate; returns ciphertext || tag (plaintext.length + M bytes). */
  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    this.checkInputs(nonce, aad, plaintext, 'plaintext');
    const out = new Uint8Array(plaintext.length + this.tagLength);
    this.sealInto(nonce, aad, plaintext, out);
    return out;
  }

  /**
   * Seal in place: `buffer` holds the plaintext in its first `buffer.length − M` bytes and room
   * for the tag after it; it ends up holding ciphertext || tag. Saves the caller a plaintext
   * buffer when it composes the plaintext itself (src/oscore/protect.ts).
   */
  sealInPlace(nonce: Uint8Array, aad: Uint8Array, buffer: Uint8Array): void {
    this.checkInputs(nonce, aad, buffer, 'buffer');
    if (buffer.length < this.tagLength) throw new RangeError(this.label + ': buffer of ' + buffer.length + ' bytes has no room for the tag');
    this.sealInto(nonce, aad, buffer.subarray(0, buffer.length - this.tagLength), buffer);
  }

  private sealInto(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, out: Uint8Array): void {
    const n = plaintext.length, max = this.maxMessageLength;
    if (n > max) throw new RangeError(this.label + ': plaintext of ' + n + ' bytes exceeds the ' + max + ' bytes an L=' + this.lengthFieldSize + ' length field allows');
    this.start(nonce, aad, n);
    this.message(plaintext, out.subarray(0, n), true);
    out.set(this.mac.subarray(0, this.tagLength), n);
    this.wipe();
  }

  /**
   * Decrypt and verify; returns the plaintext, or null if the input is shorter than a tag or the
   * tag does not match (compared in constant time). Unauthenticated plaintext is never returned.
   */
  open(nonce: Uint8Array, aad: Uint8Array, ciphertextAndTag: Uint8Array): Uint8Array | null {
    this.checkInputs(nonce, aad, ciphertextAndTag, 'ciphertext');
    const M = this.tagLength;
    const n = ciphertextAndTag.length - M;
    if (n < 0 || n > this.maxMessageLength) return null;
    const out = new Uint8Array(n);
    this.start(nonce, aad, n);
    this.message(ciphertextAndTag.subarray(0, n), out, false);
    const mac = this.mac;
    let diff = 0;
    for (let i = 0; i < M; i++) diff |= mac[i] ^ ciphertextAndTag[n + i];
    this.wipe();
    if (diff !== 0) {
      out.fill(0);
      return null;
    }
    return out;
  }

  private checkInputs(nonce: Uint8Array, aad: Uint8Array, data: Uint8Array, what: string): void {
    if (!(nonce instanceof Uint8Array)) throw new TypeError(this.label + ': nonce must be a Uint8Array');
    if (nonce.length !== this.nonceLength) throw new RangeError(this.label + ': nonce must be ' + this.nonceLength + ' bytes, got ' + nonce.length);
    if (!(aad instanceof Uint8Array)) throw new TypeError(this.label + ': aad must be a Uint8Array');
    if (!(data instanceof Uint8Array)) throw new TypeError(this.label + ': ' + what + ' must be a Uint8Array');
  }

  /** B0 and the AAD into the CBC-MAC; counter block set up with flags' | nonce. */
  private start(nonce: Uint8Array, aad: Uint8Array, messageLength: number): void {
    const L = this.lengthFieldSize, block = this.block, ctr = this.ctr, mac = this.mac;
    // B0 = flags | N | l(m); flags = Adata·64 + ((M−2)/2)·8 + (L−1)  (RFC 3610 §2.2); X_1 = E(B0)
    mac[0] = (aad.length > 0 ? 0x40 : 0) | (((this.tagLength - 2) >> 1) << 3) | (L - 1);
    mac.set(nonce, 1);
    putUintBE(mac, 16 - L, L, messageLength);
    this.aes.encryptBlock(mac, 0, mac, 0);
    const a = aad.length;
    if (a > 0) {
      // l(a) || AAD, zero-padded to whole blocks (RFC 3610 §2.2), one block at a time.
      const head = encodeAadLength(a, block, 0);
      let done = a < 16 - head ? a : 16 - head;
      block.set(done === a ? aad : aad.subarray(0, done), head);
      this.macBlock();
      while (done < a) {
        const take = a - done < 16 ? a - done : 16;
        block.set(aad.subarray(done, done + take));
        done += take;
        this.macBlock();
      }
    }
    // A_i = flags' | N | i, flags' = L − 1  (RFC 3610 §2.3)
    ctr[0] = L - 1;
    ctr.set(nonce, 1);
  }

  /**
   * The message pass: CTR from A_1 (the counter field of A_i is i, RFC 3610 §2.3) and the CBC-MAC
   * over the zero-padded plaintext (the input when sealing, the output when opening), then the tag.
   */
  private message(input: Uint8Array, output: Uint8Array, sealing: boolean): void {
    const ctr = this.ctr;
    if (input.length > 0) {
      ctr[15] = 1; // the counter field is all zero after start()
      this.aes.ctrCbcMac(ctr, this.mac, input, output, sealing);
      ctr[15] = 0;
    }
    this.finishTag();
  }

  /** X_{i+1} = E(X_i ⊕ block); the block is left zeroed for the next one. */
  private macBlock(): void {
    const w = this.words;
    w[0] ^= w[8];
    w[1] ^= w[9];
    w[2] ^= w[10];
    w[3] ^= w[11];
    this.aes.encryptBlock(this.mac, 0, this.mac, 0);
    this.block.fill(0);
  }

  /** T = first M bytes of X_last ⊕ S_0, S_0 = E(A_0) (RFC 3610 §2.4): left in `mac`. */
  private finishTag(): void {
    const w = this.words;
    this.aes.encryptBlock(this.ctr, 0, this.block, 0);
    w[0] ^= w[8];
    w[1] ^= w[9];
    w[2] ^= w[10];
    w[3] ^= w[11];
  }

  /** All three blocks zeroed (through their words). */
  private wipe(): void {
    this.words.fill(0);
  }
}
