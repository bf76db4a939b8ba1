/**
 * The COSE AES-CCM registry (RFC 8152 §10.2): parameters of the eight algorithms, lookups,
 * boundary checks, an RFC 8613 known answer, and round-trip + tamper for every id.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fromHex, toHex } from '../src/bytes.js';
import { AEAD_ALGORITHMS, algorithmByName, findAlgorithm, getAlgorithm } from '../src/crypto/algorithms.js';

/** Deterministic filler so failures reproduce. */
function pattern(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (seed * 31 + i * 7 + (i >> 3)) & 0xff;
  return out;
}

describe('COSE AEAD registry', () => {
  it('lists the eight AES-CCM algorithms with their parameters', () => {
    const table = AEAD_ALGORITHMS.map((a) => [a.id, a.name, a.keyLength, a.nonceLength, a.tagLength].join(' '));
    assert.deepEqual(table, [
      '10 AES-CCM-16-64-128 16 13 8',
      '11 AES-CCM-16-64-256 32 13 8',
      '12 AES-CCM-64-64-128 16 7 8',
      '13 AES-CCM-64-64-256 32 7 8',
      '30 AES-CCM-16-128-128 16 13 16',
      '31 AES-CCM-16-128-256 32 13 16',
      '32 AES-CCM-64-128-128 16 7 16',
      '33 AES-CCM-64-128-256 32 7 16',
    ]);
  });
  it('finds by id and by name (case-insensitive)', () => {
    for (const a of AEAD_ALGORITHMS) {
      assert.equal(getAlgorithm(a.id), a);
      assert.equal(findAlgorithm(a.id), a);
      assert.equal(algorithmByName(a.name), a);
      assert.equal(algorithmByName(a.name.toLowerCase()), a);
    }
  });
  it('unknown ids and names throw, naming what is supported', () => {
    for (const id of [0, 1, 3, 24, 14, 29, 34, -1, 10.5]) {
      assert.throws(() => getAlgorithm(id), /unsupported AEAD algorithm .*supported COSE ids are 10 \(AES-CCM-16-64-128\)/);
      assert.equal(findAlgorithm(id), undefined);
    }
    assert.throws(() => algorithmByName('A128GCM'), /unsupported AEAD algorithm "A128GCM": supported names are AES-CCM-16-64-128/);
  });
  it('prepare rejects a key of the wrong length, naming the expected size', () => {
    assert.throws(() => getAlgorithm(10).prepare(new Uint8Array(32)), /AES-CCM-16-64-128: key must be 16 bytes, got 32/);
    assert.throws(() => getAlgorithm(11).prepare(new Uint8Array(16)), /AES-CCM-16-64-256: key must be 32 bytes, got 16/);
    assert.throws(() => getAlgorithm(12).prepare(new Uint8Array(0)), RangeError);
    assert.throws(() => getAlgorithm(10).prepare('k' as unknown as Uint8Array), TypeError);
  });
  it('seal/open reject a nonce of the wrong length, naming the expected size', () => {
    const k10 = getAlgorithm(10).prepare(new Uint8Array(16));
    assert.throws(() => k10.seal(new Uint8Array(7), new Uint8Array(0), new Uint8Array(0)), /AES-CCM-16-64-128: nonce must be 13 bytes, got 7/);
    const k13 = getAlgorithm(13).prepare(new Uint8Array(32));
    assert.throws(() => k13.open(new Uint8Array(13), new Uint8Array(0), new Uint8Array(8)), /AES-CCM-64-64-256: nonce must be 7 bytes, got 13/);
  });
  it('AES-CCM-16-64-128 reproduces RFC 8613 Appendix C.4 (request ciphertext)', () => {
    const key = getAlgorithm(10).prepare(fromHex('f0910ed7295e6ad4b54fc793154302ff'));
    const nonce = fromHex('4622d4dd6d944168eefb549868');
    const aad = fromHex('8368456e63727970743040488501810a40411440');
    const sealed = key.seal(nonce, aad, fromHex('01b3747631'));
    assert.equal(toHex(sealed), '612f1092f1776f1c1668b3825e');
    assert.equal(key.algorithm.id, 10);
    assert.equal(toHex(key.open(nonce, aad, sealed)!), '01b3747631');
  });
});

describe('COSE AEAD: round trip and tamper, every algorithm', () => {
  for (const alg of AEAD_ALGORITHMS) {
    it(alg.id + ' ' + alg.name + ': round-trips 0..40 bytes with and without AAD', () => {
      const key = alg.prepare(pattern(alg.keyLength, alg.id));
      for (const n of [0, 1, 15, 16, 17, 31, 32, 33, 40]) {
        for (const aadLen of [0, 1, 14, 16, 30]) {
          const nonce = pattern(alg.nonceLength, n + aadLen);
          const aad = pattern(aadLen, 99 + n);
          const pt = pattern(n, 7 + aadLen);
          const sealed = key.seal(nonce, aad, pt);
          assert.equal(sealed.length, n + alg.tagLength);
          if (n > 0) assert.notDeepEqual(sealed.subarray(0, n), pt);
          assert.deepEqual(key.open(nonce, aad, sealed), pt);
        }
      }
    });
    it(alg.id + ' ' + alg.name + ': every flipped byte of ciphertext and tag, and a changed nonce or AAD, opens to null', () => {
      const key = alg.prepare(pattern(alg.keyLength, alg.id + 1));
      const nonce = pattern(alg.nonceLength, 3);
      const aad = pattern(11, 4);
      const pt = pattern(21, 5);
      const sealed = key.seal(nonce, aad, pt);
      const original = sealed.slice();
      for (let i = 0; i < sealed.length; i++) {
        const bad = sealed.slice();
        bad[i] ^= 1 << (i & 7);
        assert.equal(key.open(nonce, aad, bad), null, 'flipped byte ' + i);
      }
      for (let i = 0; i < nonce.length; i++) {
        const badNonce = nonce.slice();
        badNonce[i] ^= 0x40;
        assert.equal(key.open(badNonce, aad, sealed), null, 'nonce byte ' + i);
      }
      const badAad = aad.slice();
      badAad[5] ^= 2;
      assert.equal(key.open(nonce, badAad, sealed), null);
      assert.equal(key.open(nonce, aad.subarray(0, 10), sealed), null, 'truncated AAD');
      assert.equal(key.open(nonce, aad, sealed.subarray(0, sealed.length - 1)), null, 'truncated tag');
      // Nothing changed: the input is intact and the key still opens and seals the same.
      assert.deepEqual(sealed, original);
      assert.deepEqual(key.open(nonce, aad, sealed), pt);
      assert.deepEqual(key.seal(nonce, aad, pt), original);
    });
  }
  it('different keys, same algorithm: a message sealed under one does not open under the other', () => {
    const alg = getAlgorithm(10);
    const k1 = alg.prepare(pattern(16, 1));
    const k2 = alg.prepare(pattern(16, 2));
    const nonce = pattern(13, 0);
    const sealed = k1.seal(nonce, new Uint8Array(0), pattern(10, 0));
    assert.equal(k2.open(nonce, new Uint8Array(0), sealed), null);
    assert.deepEqual(k1.open(nonce, new Uint8Array(0), sealed), pattern(10, 0));
  });
});
