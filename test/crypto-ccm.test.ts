/**
 * The generic AES-CCM core (RFC 3610, NIST SP 800-38C) and the AES block port (FIPS 197):
 * published vectors, parameter checks, rejection paths, and that a failed open leaves the key usable.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fromHex, toHex } from '../src/bytes.js';
import { CcmCipher, encodeAadLength } from '../src/crypto/ccm.js';
import { createAesBlockCipher, nobleAesBlockCipherFactory } from '../src/crypto/aes.js';
import { findAlgorithm } from '../src/crypto/algorithms.js';
import { withJsModes } from '../src/crypto/aes-modes.js';
import type { AesBlockCipher } from '../src/ports.js';
import { NIST_CCM_EXAMPLES, RFC3610_VECTORS, nistExample4Aad, type CcmVector } from './crypto-vectors.js';

function cipherFor(v: CcmVector): CcmCipher {
  const nonceLength = v.nonce.length / 2;
  return new CcmCipher(createAesBlockCipher(fromHex(v.key)), v.tagLength, 15 - nonceLength);
}

describe('AES block (FIPS 197 Appendix C)', () => {
  const pt = fromHex('00112233445566778899aabbccddeeff');
  const cases: [string, string][] = [
    ['000102030405060708090a0b0c0d0e0f', '69c4e0d86a7b0430d8cdb78070b4c55a'],
    ['000102030405060708090a0b0c0d0e0f1011121314151617', 'dda97ca4864cdfe06eaf70a0ec0d7191'],
    ['000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', '8ea2b7ca516745bfeafc49904b496089'],
  ];
  for (const [key, ct] of cases) {
    it('AES-' + key.length * 4 + ' encrypts the appendix block', () => {
      const aes = createAesBlockCipher(fromHex(key));
      const out = new Uint8Array(16);
      aes.encryptBlock(pt, 0, out, 0);
      assert.equal(toHex(out), ct);
    });
  }
  it('honours offsets and in-place operation', () => {
    const aes = createAesBlockCipher(fromHex(cases[0][0]));
    const buf = new Uint8Array(40);
    buf.set(pt, 3);
    aes.encryptBlock(buf, 3, buf, 3);
    assert.equal(toHex(buf.subarray(3, 19)), cases[0][1]);
    assert.equal(buf[2], 0);
    assert.equal(buf[19], 0);
    const out = new Uint8Array(24);
    aes.encryptBlock(fromHex('00' + toHex(pt)), 1, out, 5);
    assert.equal(toHex(out.subarray(5, 21)), cases[0][1]);
  });
  it('rejects keys that are not 16, 24 or 32 bytes', () => {
    assert.throws(() => createAesBlockCipher(new Uint8Array(15)), /expected 16, 24 or 32 bytes, got 15/);
    assert.throws(() => createAesBlockCipher(new Uint8Array(0)), RangeError);
  });
  it('another implementation is passed where a key is prepared (as the device passes its native AES)', () => {
    let calls = 0;
    const counting = (key: Uint8Array): AesBlockCipher => {
      const inner = nobleAesBlockCipherFactory(key);
      return withJsModes({ encryptBlock(i, io, o, oo) { calls++; inner.encryptBlock(i, io, o, oo); } });
    };
    const v = RFC3610_VECTORS[0]; // 8-byte AAD (1 block), 23-byte payload (2 blocks)
    const sealed = new CcmCipher(createAesBlockCipher(fromHex(v.key), counting), v.tagLength, 15 - v.nonce.length / 2).seal(fromHex(v.nonce), fromHex(v.aad), fromHex(v.plaintext));
    assert.equal(toHex(sealed), v.sealed);
    // B0 + 1 AAD block + 2 × (CTR + MAC) + S0
    assert.equal(calls, 1 + 1 + 2 * 2 + 1);
    // Through the AEAD registry: the factory applies to that key only, nothing global changes.
    const alg = findAlgorithm(10)!;
    const viaRegistry = alg.prepare(fromHex(v.key), counting);
    calls = 0;
    viaRegistry.seal(fromHex(v.nonce), fromHex(v.aad), fromHex(v.plaintext));
    assert.equal(calls, 7);
    calls = 0;
    alg.prepare(fromHex(v.key)).seal(fromHex(v.nonce), fromHex(v.aad), fromHex(v.plaintext));
    assert.equal(calls, 0);
  });
});

describe('AES-CCM: RFC 3610 packet vectors', () => {
  for (const v of RFC3610_VECTORS) {
    it(v.name + ' (M=' + v.tagLength + ')', () => {
      const ccm = cipherFor(v);
      const sealed = ccm.seal(fromHex(v.nonce), fromHex(v.aad), fromHex(v.plaintext));
      assert.equal(toHex(sealed), v.sealed);
      const opened = ccm.open(fromHex(v.nonce), fromHex(v.aad), fromHex(v.sealed));
      assert.ok(opened);
      assert.equal(toHex(opened), v.plaintext);
      // A broken tag byte (here the last) must make open fail.
      const broken = fromHex(v.sealed);
      broken[broken.length - 1] ^= 0x80;
      assert.equal(ccm.open(fromHex(v.nonce), fromHex(v.aad), broken), null);
    });
  }
  it('a broken tag byte makes open fail (each tag byte of vector #1 in turn)', () => {
    const v = RFC3610_VECTORS[0];
    const ccm = cipherFor(v);
    const good = fromHex(v.sealed);
    const tagStart = good.length - v.tagLength;
    for (let i = tagStart; i < good.length; i++) {
      const broken = good.slice();
      broken[i] ^= 0x01;
      assert.equal(ccm.open(fromHex(v.nonce), fromHex(v.aad), broken), null, 'tag byte ' + (i - tagStart));
    }
    // and the untouched message still opens with the same key afterwards
    assert.equal(toHex(ccm.open(fromHex(v.nonce), fromHex(v.aad), good)!), v.plaintext);
  });
});

describe('AES-CCM: NIST SP 800-38C Appendix C', () => {
  for (const v of NIST_CCM_EXAMPLES) {
    it(v.name, () => {
      const aad = v.aad === '' ? nistExample4Aad() : fromHex(v.aad);
      const ccm = cipherFor(v);
      assert.equal(toHex(ccm.seal(fromHex(v.nonce), aad, fromHex(v.plaintext))), v.sealed);
      assert.equal(toHex(ccm.open(fromHex(v.nonce), aad, fromHex(v.sealed))!), v.plaintext);
      const wrongAad = aad.slice();
      wrongAad[aad.length - 1] ^= 1;
      assert.equal(ccm.open(fromHex(v.nonce), wrongAad, fromHex(v.sealed)), null);
    });
  }
});

/**
 * CCM written out the way RFC 3610 §2.2–2.4 defines it, one byte at a time, on the same AES: the
 * blocks B_0 … B_n (AAD and message zero-padded), X_{i+1} = E(X_i ⊕ B_i), S_i = E(A_i). An
 * independent check of the word-wise loop for every partial-block length, on both engines.
 */
function referenceSeal(aes: AesBlockCipher, M: number, L: number, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array): Uint8Array {
  const E = (b: Uint8Array) => {
    const o = new Uint8Array(16);
    aes.encryptBlock(b, 0, o, 0);
    return o;
  };
  const lenBytes = (v: number, size: number) => Uint8Array.from({ length: size }, (_, i) => Math.floor(v / 256 ** (size - 1 - i)) % 256);
  const b0 = Uint8Array.of((aad.length ? 64 : 0) + ((M - 2) / 2) * 8 + (L - 1), ...nonce, ...lenBytes(pt.length, L));
  const la = aad.length === 0 ? [] : aad.length < 0xff00 ? [...lenBytes(aad.length, 2)] : [0xff, 0xfe, ...lenBytes(aad.length, 4)];
  const pad = (a: number[]) => [...a, ...new Array((16 - (a.length % 16)) % 16).fill(0)];
  const stream = [...b0, ...(aad.length ? pad([...la, ...aad]) : []), ...pad([...pt])];
  let x = new Uint8Array(16);
  for (let i = 0; i < stream.length; i += 16) x = E(x.map((v, j) => v ^ stream[i + j]));
  const a = (i: number) => Uint8Array.of(L - 1, ...nonce, ...lenBytes(i, L));
  const out = new Uint8Array(pt.length + M);
  for (let i = 0; i < pt.length; i++) out[i] = pt[i] ^ E(a(1 + Math.floor(i / 16)))[i % 16];
  const s0 = E(a(0));
  for (let i = 0; i < M; i++) out[pt.length + i] = x[i] ^ s0[i];
  return out;
}

describe('AES-CCM: against the byte-by-byte definition, every length', () => {
  const aes = createAesBlockCipher(fromHex('404142434445464748494a4b4c4d4e4f'));
  const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 7 + 1) & 0xff);
  for (const [M, L] of [[8, 2], [16, 2], [4, 8], [14, 3]]) {
    it('M=' + M + ' L=' + L + ': messages 0..49 bytes × AAD 0..37 bytes, seal, sealInPlace and open', () => {
      const ccm = new CcmCipher(aes, M, L);
      const nonce = bytes(15 - L, M);
      for (let n = 0; n < 50; n++) {
        for (let a = 0; a < 38; a += n % 3 === 0 ? 1 : 7) {
          const pt = bytes(n, a), aad = bytes(a, n + 1);
          const want = toHex(referenceSeal(aes, M, L, nonce, aad, pt));
          const sealed = ccm.seal(nonce, aad, pt);
          assert.equal(toHex(sealed), want, 'n=' + n + ' a=' + a);
          const buf = new Uint8Array(n + M);
          buf.set(pt);
          ccm.sealInPlace(nonce, aad, buf);
          assert.equal(toHex(buf), want, 'in place, n=' + n + ' a=' + a);
          // open from an unaligned copy (as a payload inside a datagram is)
          const carrier = new Uint8Array(sealed.length + 3);
          carrier.set(sealed, 3);
          assert.equal(toHex(ccm.open(nonce, aad, carrier.subarray(3))!), toHex(pt), 'open n=' + n + ' a=' + a);
          if (n > 0) {
            carrier[3 + (n * 7) % n] ^= 0x80;
            assert.equal(ccm.open(nonce, aad, carrier.subarray(3)), null, 'tampered n=' + n + ' a=' + a);
          }
        }
      }
    });
  }
  it('sealInPlace refuses a buffer without room for the tag', () => {
    assert.throws(() => new CcmCipher(aes, 8, 2).sealInPlace(new Uint8Array(13), new Uint8Array(0), new Uint8Array(7)), /no room for the tag/);
  });
});

describe('AES-CCM: AAD length encoding (RFC 3610 §2.2)', () => {
  const enc = (a: number) => {
    const out = new Uint8Array(10);
    return toHex(out.subarray(0, encodeAadLength(a, out, 0)));
  };
  it('2 bytes below 2^16 − 2^8', () => {
    assert.equal(enc(1), '0001');
    assert.equal(enc(0xfeff), 'feff');
  });
  it('0xFFFE and 4 bytes from 2^16 − 2^8 below 2^32', () => {
    assert.equal(enc(0xff00), 'fffe0000ff00');
    assert.equal(enc(0x10000), 'fffe00010000');
    assert.equal(enc(0xffffffff), 'fffeffffffff');
  });
  it('0xFFFF and 8 bytes from 2^32', () => {
    assert.equal(enc(2 ** 32), 'ffff0000000100000000');
    assert.equal(enc(2 ** 40 + 5), 'ffff0000010000000005');
  });
});

describe('AES-CCM: parameters and rejection paths', () => {
  const key = fromHex('c0c1c2c3c4c5c6c7c8c9cacbcccdcecf');
  const aes = createAesBlockCipher(key);
  it('accepts every M in {4..16 even} and L in 2..8, and round-trips with each', () => {
    for (const M of [4, 6, 8, 10, 12, 14, 16]) {
      for (let L = 2; L <= 8; L++) {
        const ccm = new CcmCipher(aes, M, L);
        assert.equal(ccm.nonceLength, 15 - L);
        const nonce = new Uint8Array(15 - L).fill(L);
        const pt = new Uint8Array(33).fill(M);
        const sealed = ccm.seal(nonce, new Uint8Array(3), pt);
        assert.equal(sealed.length, 33 + M);
        assert.deepEqual(ccm.open(nonce, new Uint8Array(3), sealed), pt);
      }
    }
  });
  it('rejects other tag lengths and length-field sizes, naming the allowed values', () => {
    for (const M of [0, 2, 3, 5, 7, 17, 18]) assert.throws(() => new CcmCipher(aes, M, 2), /tag length must be one of 4, 6, 8, 10, 12, 14, 16 bytes, got /);
    for (const L of [0, 1, 9, 2.5]) assert.throws(() => new CcmCipher(aes, 8, L), /length field size L must be 2\.\.8 bytes, got /);
  });
  it('rejects a nonce of the wrong length, naming the expected size', () => {
    const ccm = new CcmCipher(aes, 8, 2);
    assert.throws(() => ccm.seal(new Uint8Array(12), new Uint8Array(0), new Uint8Array(1)), /nonce must be 13 bytes, got 12/);
    assert.throws(() => ccm.open(new Uint8Array(14), new Uint8Array(0), new Uint8Array(9)), /nonce must be 13 bytes, got 14/);
  });
  it('rejects a plaintext longer than the L=2 length field allows; 65535 bytes still work', () => {
    const ccm = new CcmCipher(aes, 8, 2);
    const nonce = new Uint8Array(13);
    assert.equal(ccm.maxMessageLength, 65535);
    assert.throws(() => ccm.seal(nonce, new Uint8Array(0), new Uint8Array(65536)), /65536 bytes exceeds the 65535 bytes an L=2 length field allows/);
    const sealed = ccm.seal(nonce, new Uint8Array(0), new Uint8Array(65535));
    assert.equal(sealed.length, 65535 + 8);
    // Too long to be a message under L=2: cannot be authentic.
    assert.equal(ccm.open(nonce, new Uint8Array(0), new Uint8Array(65536 + 8)), null);
  });
  it('rejects non-Uint8Array inputs', () => {
    const ccm = new CcmCipher(aes, 8, 2);
    assert.throws(() => ccm.seal([0] as unknown as Uint8Array, new Uint8Array(0), new Uint8Array(0)), TypeError);
    assert.throws(() => ccm.seal(new Uint8Array(13), 'x' as unknown as Uint8Array, new Uint8Array(0)), TypeError);
    assert.throws(() => ccm.open(new Uint8Array(13), new Uint8Array(0), null as unknown as Uint8Array), TypeError);
  });
  it('input shorter than a tag opens to null', () => {
    const ccm = new CcmCipher(aes, 8, 2);
    for (const n of [0, 1, 7]) assert.equal(ccm.open(new Uint8Array(13), new Uint8Array(0), new Uint8Array(n)), null);
  });
  it('a failed open changes neither its inputs nor the key: the next seal/open give the same results', () => {
    const v = RFC3610_VECTORS[12];
    const ccm = cipherFor(v);
    const nonce = fromHex(v.nonce), aad = fromHex(v.aad);
    const forged = fromHex(v.sealed);
    forged[0] ^= 0xff; // ciphertext byte: the CTR decrypt succeeds, the MAC check must not
    const forgedCopy = forged.slice();
    assert.equal(ccm.open(nonce, aad, forged), null);
    assert.deepEqual(forged, forgedCopy);
    assert.equal(toHex(nonce), v.nonce);
    assert.equal(toHex(aad), v.aad);
    assert.equal(toHex(ccm.seal(nonce, aad, fromHex(v.plaintext))), v.sealed);
    assert.equal(toHex(ccm.open(nonce, aad, fromHex(v.sealed))!), v.plaintext);
  });
  it('empty plaintext and empty AAD (Adata flag clear) round-trip and authenticate', () => {
    const ccm = new CcmCipher(aes, 16, 2);
    const nonce = new Uint8Array(13).fill(7);
    const tagOnly = ccm.seal(nonce, new Uint8Array(0), new Uint8Array(0));
    assert.equal(tagOnly.length, 16);
    assert.deepEqual(ccm.open(nonce, new Uint8Array(0), tagOnly), new Uint8Array(0));
    // empty AAD and a single zero AAD byte must give different tags (the Adata flag and the length)
    const withAad = ccm.seal(nonce, new Uint8Array(1), new Uint8Array(0));
    assert.notDeepEqual(withAad, tagOnly);
    assert.equal(ccm.open(nonce, new Uint8Array(1), tagOnly), null);
  });
});
