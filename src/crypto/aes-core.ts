/**
 * AES forward cipher (FIPS 197) in plain JavaScript, the default behind the AES block port when
 * no native AES is present (Node, the XS simulator). CCM only ever encrypts, so there is no
 * decryption. Written for the cost per block, which is what CCM pays twice per 16 bytes:
 *
 * - the "T-table" form of a round (FIPS 197 §5.1, as in Daemen & Rijmen, "The Design of
 *   Rijndael", §4.2): SubBytes, ShiftRows and MixColumns of one column become four table lookups
 *   XORed together, with 32-bit words read big-endian, so a column is one number;
 * - the key schedule (§5.2) is expanded once per key into a Uint32Array;
 * - `encryptBlock` reads its input bytes and writes its output bytes directly: no object,
 *   array or view is allocated per block (the engine's garbage collector never runs for it).
 *
 * The S-box and tables are computed at load from their definition (§5.1.1: multiplicative
 * inverse in GF(2^8) followed by the affine map), not pasted as constants; the FIPS 197
 * Appendix C vectors in test/crypto-ccm.test.ts and the cross-check against @noble/ciphers in
 * test/crypto-aes-core.test.ts pin the result. Not constant-time against cache-timing attacks
 * (no table-based JS AES is); targets with a native AES plug it into the port instead.
 */
import type { AesBlockCipher, AesBlockCipherFactory } from '../ports.js';

/** GF(2^8) doubling modulo x^8 + x^4 + x^3 + x + 1 (FIPS 197 §4.2.1, "xtime"). */
function xtime(b: number): number {
  return ((b << 1) ^ (b & 0x80 ? 0x1b : 0)) & 0xff;
}

const SBOX = new Uint8Array(256);
/** T0[x] = column (2·S[x], S[x], S[x], 3·S[x]); T1..T3 are T0 rotated right by 8, 16, 24 bits. */
const T0 = new Uint32Array(256);
const T1 = new Uint32Array(256);
const T2 = new Uint32Array(256);
const T3 = new Uint32Array(256);

(function buildTables(): void {
  // Powers of the generator 3 enumerate every non-zero element: exp[i] = 3^i, log its inverse.
  const exp = new Uint8Array(256);
  const log = new Uint8Array(256);
  for (let i = 0, x = 1; i < 255; i++) {
    exp[i] = x;
    log[x] = i;
    x ^= xtime(x); // x · 3 = x · 2 ⊕ x
  }
  for (let x = 0; x < 256; x++) {
    const inv = x === 0 ? 0 : exp[(255 - log[x]) % 255];
    // Affine map: b ⊕ rotl(b,1) ⊕ rotl(b,2) ⊕ rotl(b,3) ⊕ rotl(b,4) ⊕ 0x63.
    let s = inv;
    for (let r = 1; r <= 4; r++) s ^= ((inv << r) | (inv >>> (8 - r))) & 0xff;
    SBOX[x] = s ^ 0x63;
  }
  for (let x = 0; x < 256; x++) {
    const s = SBOX[x];
    const s2 = xtime(s);
    const s3 = s2 ^ s;
    const t = ((s2 << 24) | (s << 16) | (s << 8) | s3) >>> 0;
    T0[x] = t;
    T1[x] = ((t >>> 8) | (t << 24)) >>> 0;
    T2[x] = ((t >>> 16) | (t << 16)) >>> 0;
    T3[x] = ((t >>> 24) | (t << 8)) >>> 0;
  }
})();

function subWord(w: number): number {
  return ((SBOX[w >>> 24] << 24) | (SBOX[(w >>> 16) & 0xff] << 16) | (SBOX[(w >>> 8) & 0xff] << 8) | SBOX[w & 0xff]) >>> 0;
}

/** FIPS 197 §5.2 KeyExpansion: 4·(Nr+1) round-key words for a 16-, 24- or 32-byte key. */
export function expandKey(key: Uint8Array): Uint32Array {
  const nk = key.length / 4;
  const rounds = nk + 6;
  const w = new Uint32Array(4 * (rounds + 1));
  for (let i = 0; i < nk; i++) w[i] = ((key[4 * i] << 24) | (key[4 * i + 1] << 16) | (key[4 * i + 2] << 8) | key[4 * i + 3]) >>> 0;
  let rcon = 1;
  for (let i = nk; i < w.length; i++) {
    let t = w[i - 1];
    if (i % nk === 0) {
      t = subWord(((t << 8) | (t >>> 24)) >>> 0) ^ (rcon << 24); // RotWord, SubWord, Rcon
      rcon = xtime(rcon);
    } else if (nk > 6 && i % nk === 4) {
      t = subWord(t);
    }
    w[i] = (w[i - nk] ^ t) >>> 0;
  }
  return w;
}

/** AES with its key schedule expanded once. */
export class JsAesBlockCipher implements AesBlockCipher {
  private readonly rk: Uint32Array;
  private readonly rounds: number;

  constructor(key: Uint8Array) {
    this.rk = expandKey(key);
    this.rounds = key.length / 4 + 6;
  }

  encryptBlock(input: Uint8Array, inOff: number, output: Uint8Array, outOff: number): void {
    const rk = this.rk;
    // AddRoundKey with round key 0 on the four big-endian columns of the state.
    let s0 = ((input[inOff] << 24) | (input[inOff + 1] << 16) | (input[inOff + 2] << 8) | input[inOff + 3]) ^ rk[0];
    let s1 = ((input[inOff + 4] << 24) | (input[inOff + 5] << 16) | (input[inOff + 6] << 8) | input[inOff + 7]) ^ rk[1];
    let s2 = ((input[inOff + 8] << 24) | (input[inOff + 9] << 16) | (input[inOff + 10] << 8) | input[inOff + 11]) ^ rk[2];
    let s3 = ((input[inOff + 12] << 24) | (input[inOff + 13] << 16) | (input[inOff + 14] << 8) | input[inOff + 15]) ^ rk[3];
    // Rounds 1 … Nr−1: column j takes row r from column j + r (ShiftRows), through T_r.
    let k = 4;
    for (let r = 1; r < this.rounds; r++, k += 4) {
      const t0 = T0[s0 >>> 24] ^ T1[(s1 >>> 16) & 0xff] ^ T2[(s2 >>> 8) & 0xff] ^ T3[s3 & 0xff] ^ rk[k];
      const t1 = T0[s1 >>> 24] ^ T1[(s2 >>> 16) & 0xff] ^ T2[(s3 >>> 8) & 0xff] ^ T3[s0 & 0xff] ^ rk[k + 1];
      const t2 = T0[s2 >>> 24] ^ T1[(s3 >>> 16) & 0xff] ^ T2[(s0 >>> 8) & 0xff] ^ T3[s1 & 0xff] ^ rk[k + 2];
      const t3 = T0[s3 >>> 24] ^ T1[(s0 >>> 16) & 0xff] ^ T2[(s1 >>> 8) & 0xff] ^ T3[s2 & 0xff] ^ rk[k + 3];
      s0 = t0;
      s1 = t1;
      s2 = t2;
      s3 = t3;
    }
    // Final round: SubBytes and ShiftRows without MixColumns, into the output bytes. Column j takes
    // row r from column j + r, as above; a Uint8Array store keeps the low 8 bits of each XOR.
    const o = outOff;
    let key = rk[k];
    output[o] = SBOX[s0 >>> 24] ^ (key >>> 24);
    output[o + 1] = SBOX[(s1 >>> 16) & 0xff] ^ (key >>> 16);
    output[o + 2] = SBOX[(s2 >>> 8) & 0xff] ^ (key >>> 8);
    output[o + 3] = SBOX[s3 & 0xff] ^ key;
    key = rk[k + 1];
    output[o + 4] = SBOX[s1 >>> 24] ^ (key >>> 24);
    output[o + 5] = SBOX[(s2 >>> 16) & 0xff] ^ (key >>> 16);
    output[o + 6] = SBOX[(s3 >>> 8) & 0xff] ^ (key >>> 8);
    output[o + 7] = SBOX[s0 & 0xff] ^ key;
    key = rk[k + 2];
    output[o + 8] = SBOX[s2 >>> 24] ^ (key >>> 24);
    output[o + 9] = SBOX[(s3 >>> 16) & 0xff] ^ (key >>> 16);
    output[o + 10] = SBOX[(s0 >>> 8) & 0xff] ^ (key >>> 8);
    output[o + 11] = SBOX[s1 & 0xff] ^ key;
    key = rk[k + 3];
    output[o + 12] = SBOX[s3 >>> 24] ^ (key >>> 24);
    output[o + 13] = SBOX[(s0 >>> 16) & 0xff] ^ (key >>> 16);
    output[o + 14] = SBOX[(s1 >>> 8) & 0xff] ^ (key >>> 8);
    output[o + 15] = SBOX[s2 & 0xff] ^ key;
  }
}

/** Factory for the AES block port; accepts 16-, 24- or 32-byte keys. */
export const jsAesBlockCipherFactory: AesBlockCipherFactory = (key) => {
  if (!(key instanceof Uint8Array)) throw new TypeError('AES key: expected Uint8Array');
  if (key.length !== 16 && key.length !== 24 && key.length !== 32) throw new RangeError('AES key: expected 16, 24 or 32 bytes, got ' + key.length);
  return new JsAesBlockCipher(key);
};
