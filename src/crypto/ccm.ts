/**
 * AES-CCM: Counter with CBC-MAC (RFC 3610, NIST SP 800-38C), generic in the tag length M and
 * the length-field size L, on the AES block port of src/ports.ts.
 *
 * Authentication is a CBC-MAC over B0 (flags, nonce, message length), the encoded AAD length and
 * the AAD (zero-padded to a block), then the zero-padded plaintext. Encryption is CTR mode with
 * counter blocks A_i = flags' | nonce | i; A_0's keystream masks the tag (RFC 3610 §2.2–2.4,
 * SP 800-38C §6 and App. A). Both passes run block by block in one loop over the message, on
 * four 16-byte scratch blocks owned by the key: no allocation per block, one output per call.
 * Each 16-byte block of message or AAD is copied into a scratch block (a native copy) and XORed
 * as four 32-bit words: XOR is bytewise, so the words' byte order does not matter, and on XS
 * this costs a fraction of a loop over 16 bytes (issue 17: the JavaScript around the cipher).
 * When the AES port also offers the modes natively (`ctr` and `cbcMac`, Moddable's `crypt` Mode),
 * the message passes go through them instead: CBC-MAC over the whole blocks, then CTR over the
 * message (opening: CTR first, then the MAC over the plaintext). Same blocks, same bytes (RFC 3610
 * vectors on the real runtime, test/device-ccm-modes-mcsim.node.test.ts); B0, the AAD, a partial
 * last block and the tag stay on the block call.
 * Opening checks the tag in constant time and wipes the candidate plaintext when it fails.
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
  readonly nonceLength: number;
  /** Largest plaintext length the L-byte length field can carry (capped at the largest safe integer). */
  readonly maxMessageLength: number;
  private readonly aes: AesBlockCipher;
  private readonly label: string;
  /** CBC-MAC state X_i (and its four words). */
  private readonly mac = new Uint8Array(16);
  private readonly mac32 = new Uint32Array(this.mac.buffer);
  /** Counter block A_i. */
  private readonly ctr = new Uint8Array(16);
  /** Keystream block S_i. */
  private readonly stream = new Uint8Array(16);
  private readonly stream32 = new Uint32Array(this.stream.buffer);
  /** The current block of message or AAD, zero-padded. */
  private readonly block = new Uint8Array(16);
  private readonly block32 = new Uint32Array(this.block.buffer);

  constructor(aes: AesBlockCipher, tagLength: number, lengthFieldSize: number, label = 'AES-CCM') {
    if (!CCM_TAG_LENGTHS.includes(tagLength)) throw new RangeError(label + ': tag length must be one of 4, 6, 8, 10, 12, 14, 16 bytes, got ' + tagLength);
    if (!Number.isInteger(lengthFieldSize) || lengthFieldSize < 2 || lengthFieldSize > 8) {
      throw new RangeError(label + ': length field size L must be 2..8 bytes, got ' + lengthFieldSize);
    }
    this.aes = aes;
    this.tagLength = tagLength;
    this.lengthFieldSize = lengthFieldSize;
    this.nonceLength = 15 - lengthFieldSize;
    this.maxMessageLength = lengthFieldSize >= 7 ? Number.MAX_SAFE_INTEGER : 2 ** (8 * lengthFieldSize) - 1;
    this.label = label;
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
   * buffer when it composes the plaintext itself (src/oscore/protect.ts): each byte is read
   * before its ciphertext is written.
   */
  sealInPlace(nonce: Uint8Array, aad: Uint8Array, buffer: Uint8Array): void {
    this.checkInputs(nonce, aad, buffer, 'buffer');
    if (buffer.length < this.tagLength) throw new RangeError(this.label + ': buffer of ' + buffer.length + ' bytes has no room for the tag');
    this.sealInto(nonce, aad, buffer.subarray(0, buffer.length - this.tagLength), buffer);
  }

  private sealInto(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, out: Uint8Array): void {
    const n = plaintext.length;
    if (n > this.maxMessageLength) {
      throw new RangeError(this.label + ': plaintext of ' + n + ' bytes exceeds the ' + this.maxMessageLength + ' bytes an L=' + this.lengthFieldSize + ' length field allows');
    }
    this.start(nonce, aad, n);
    const aes = this.aes;
    if (aes.ctr && aes.cbcMac) {
      // MAC first: sealing in place overwrites the plaintext with the ciphertext.
      this.macMessage(plaintext, n);
      if (n > 0) this.ctrMessage(plaintext.subarray(0, n), out.subarray(0, n));
    } else this.crypt(plaintext, out, n, true);
    this.finishTag();
    out.set(this.tagLength < 16 ? this.mac.subarray(0, this.tagLength) : this.mac, n);
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
    const aes = this.aes;
    if (aes.ctr && aes.cbcMac) {
      if (n > 0) this.ctrMessage(ciphertextAndTag.subarray(0, n), out);
      this.macMessage(out, n);
    } else this.crypt(ciphertextAndTag, out, n, false);
    this.finishTag();
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
    const L = this.lengthFieldSize, mac = this.mac, ctr = this.ctr, aes = this.aes;
    const nl = 15 - L;
    // B0 = flags | N | l(m); flags = Adata·64 + ((M−2)/2)·8 + (L−1)  (RFC 3610 §2.2)
    mac[0] = (aad.length > 0 ? 0x40 : 0) | (((this.tagLength - 2) >> 1) << 3) | (L - 1);
    mac.set(nonce, 1);
    putUintBE(mac, 1 + nl, L, messageLength);
    aes.encryptBlock(mac, 0, mac, 0);
    const a = aad.length;
    if (a > 0) {
      // l(a) || AAD, zero-padded to whole blocks (RFC 3610 §2.2), one block at a time.
      const block = this.block;
      block.fill(0);
      const head = encodeAadLength(a, block, 0);
      let done = a < 16 - head ? a : 16 - head;
      block.set(done === a ? aad : aad.subarray(0, done), head);
      this.macBlock();
      while (done < a) {
        const take = a - done < 16 ? a - done : 16;
        if (take < 16) block.fill(0);
        block.set(aad.subarray(done, done + take));
        done += take;
        this.macBlock();
      }
    }
    // A_i = flags' | N | i, flags' = L − 1  (RFC 3610 §2.3)
    ctr[0] = L - 1;
    ctr.set(nonce, 1);
    ctr.fill(0, 1 + nl);
  }

  /** Native modes: the CBC-MAC over `n` bytes of plaintext, zero-padded (the last partial block on the block call). */
  private macMessage(plaintext: Uint8Array, n: number): void {
    const whole = n - (n % 16);
    if (whole > 0) this.aes.cbcMac!(this.mac, whole === plaintext.length ? plaintext : plaintext.subarray(0, whole));
    if (whole < n) {
      this.block.fill(0);
      this.block.set(plaintext.subarray(whole, n));
      this.macBlock();
    }
  }

  /** Native modes: CTR from A_1 (the counter field of A_i is i, RFC 3610 §2.3). */
  private ctrMessage(input: Uint8Array, output: Uint8Array): void {
    const ctr = this.ctr;
    ctr[15] = 1; // the counter field is all zero after start()
    this.aes.ctr!(ctr, input, output);
    ctr[15] = 0;
  }

  /** X_{i+1} = E(X_i ⊕ block). */
  private macBlock(): void {
    const m = this.mac32, b = this.block32;
    m[0] ^= b[0];
    m[1] ^= b[1];
    m[2] ^= b[2];
    m[3] ^= b[3];
    this.aes.encryptBlock(this.mac, 0, this.mac, 0);
  }

  /**
   * CTR and CBC-MAC in one pass over `n` bytes of `input` into `output` (which may be `input`
   * itself). The MAC always covers the plaintext: the input when sealing, the output when opening.
   */
  private crypt(input: Uint8Array, output: Uint8Array, n: number, sealing: boolean): void {
    const ctr = this.ctr, s = this.stream, block = this.block, aes = this.aes;
    const m = this.mac32, b = this.block32, k = this.stream32;
    const lo = 16 - this.lengthFieldSize;
    for (let off = 0; off < n; off += 16) {
      // i++ in the L-byte counter field (big-endian)
      for (let i = 15; i >= lo; i--) {
        const v = ctr[i] + 1;
        ctr[i] = v;
        if (v < 256) break;
      }
      aes.encryptBlock(ctr, 0, s, 0);
      const len = n - off < 16 ? n - off : 16;
      if (len < 16) block.fill(0);
      block.set(input.subarray(off, off + len));
      if (sealing) {
        m[0] ^= b[0];
        m[1] ^= b[1];
        m[2] ^= b[2];
        m[3] ^= b[3];
        b[0] ^= k[0];
        b[1] ^= k[1];
        b[2] ^= k[2];
        b[3] ^= k[3];
      } else {
        b[0] ^= k[0];
        b[1] ^= k[1];
        b[2] ^= k[2];
        b[3] ^= k[3];
        // The MAC covers the zero-padded plaintext: clear what the keystream put past its end.
        if (len < 16) block.fill(0, len);
        m[0] ^= b[0];
        m[1] ^= b[1];
        m[2] ^= b[2];
        m[3] ^= b[3];
      }
      output.set(len < 16 ? block.subarray(0, len) : block, off);
      aes.encryptBlock(this.mac, 0, this.mac, 0);
    }
  }

  /** T = first M bytes of X_last, masked with S_0 = E(A_0): the result is left in `mac`. */
  private finishTag(): void {
    const ctr = this.ctr, m = this.mac32, k = this.stream32;
    ctr.fill(0, 16 - this.lengthFieldSize);
    this.aes.encryptBlock(ctr, 0, this.stream, 0);
    m[0] ^= k[0];
    m[1] ^= k[1];
    m[2] ^= k[2];
    m[3] ^= k[3];
  }

  private wipe(): void {
    this.mac.fill(0);
    this.stream.fill(0);
    this.ctr.fill(0);
    this.block.fill(0);
  }
}
