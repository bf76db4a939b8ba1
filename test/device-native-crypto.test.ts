/**
 * The device's native-crypto adapters (targets/moddable/aes-block.ts, hkdf-digest.ts), run against
 * stand-ins that keep the contract of Moddable's `crypt` module as modCrypt.c implements it
 * (ArrayBuffers only, SHA256 by name). FIPS-197 and RFC 5869 vectors, and CCM (RFC 3610 #1,
 * which is AES-CCM-16-64-128) computed through the native-shaped block cipher.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sha256 } from '@noble/hashes/sha2.js';
import { fromHex, toHex } from '../src/bytes.js';
import { findAlgorithm } from '../src/crypto/algorithms.js';
import { hkdfSha256 } from '../src/crypto/hkdf.js';
import { makeNativeAesFactory } from '../targets/moddable/aes-block.js';
import { StandInBlockCipher, StandInMode } from './harness/crypt-stand-ins.js';
import { makeHkdfSha256 } from '../targets/moddable/hkdf-digest.js';
import { RFC3610_VECTORS, RFC5869_VECTORS } from './crypto-vectors.js';

/** Like crypt's Digest("SHA256"): write(ArrayBuffer)…, close() → ArrayBuffer. */
class StandInDigest {
  static writes = 0;
  private readonly h = sha256.create();
  constructor(type: 'SHA256') {
    if (type !== 'SHA256') throw new Error('crypt: unsupported digest');
  }
  write(data: ArrayBuffer): void {
    if (!(data instanceof ArrayBuffer)) throw new TypeError('Digest.write: ArrayBuffer expected');
    StandInDigest.writes++;
    this.h.update(new Uint8Array(data));
  }
  close(): ArrayBuffer {
    return this.h.digest().slice().buffer as ArrayBuffer;
  }
}

describe('native AES adapter (crypt BlockCipher shape)', () => {
  const factory = makeNativeAesFactory(StandInBlockCipher, StandInMode);

  it('FIPS-197 C.1 at any offset, in place too', () => {
    const aes = factory(fromHex('000102030405060708090a0b0c0d0e0f'));
    const buf = new Uint8Array(40);
    buf.set(fromHex('00112233445566778899aabbccddeeff'), 3);
    const out = new Uint8Array(40);
    aes.encryptBlock(buf, 3, out, 21);
    assert.equal(toHex(out.subarray(21, 37)), '69c4e0d86a7b0430d8cdb78070b4c55a');
    assert.ok(out.subarray(0, 21).every((b) => b === 0) && out.subarray(37).every((b) => b === 0));
    aes.encryptBlock(buf, 3, buf, 3);
    assert.equal(toHex(buf.subarray(3, 19)), '69c4e0d86a7b0430d8cdb78070b4c55a');
  });

  it('rejects keys of the wrong size before touching the native side', () => {
    const before = StandInBlockCipher.made;
    assert.throws(() => factory(new Uint8Array(15)), RangeError);
    assert.throws(() => factory('k' as unknown as Uint8Array), TypeError);
    assert.equal(StandInBlockCipher.made, before);
  });

  it('CCM on top of it: RFC 3610 packet vector #1 seals and opens; a flipped tag bit fails', () => {
    const v = RFC3610_VECTORS[0];
    const alg = findAlgorithm(10)!;
    assert.equal(v.tagLength, alg.tagLength);
    const key = alg.prepare(fromHex(v.key), factory);
    const sealed = key.seal(fromHex(v.nonce), fromHex(v.aad), fromHex(v.plaintext));
    assert.equal(toHex(sealed), v.sealed);
    assert.equal(toHex(key.open(fromHex(v.nonce), fromHex(v.aad), sealed)!), v.plaintext);
    sealed[sealed.length - 1] ^= 1;
    assert.equal(key.open(fromHex(v.nonce), fromHex(v.aad), sealed), null);
  });
});

describe('native HKDF-SHA256 adapter (crypt Digest shape)', () => {
  const hkdf = makeHkdfSha256(StandInDigest);
  for (const v of RFC5869_VECTORS) {
    it(v.name, () => {
      assert.equal(toHex(hkdf(fromHex(v.ikm), fromHex(v.salt), fromHex(v.info), v.length)), v.okm);
    });
  }
  it('agrees with src/crypto/hkdf.ts for salts longer than a block and odd lengths', () => {
    for (const [saltLen, ikmLen, length] of [[65, 16, 13], [100, 0, 32], [64, 64, 33], [1, 200, 100]]) {
      const salt = new Uint8Array(saltLen).map((_, i) => (i * 7 + 1) & 255);
      const ikm = new Uint8Array(ikmLen).map((_, i) => (i * 13 + 5) & 255);
      const info = new Uint8Array(9).map((_, i) => i);
      assert.equal(toHex(hkdf(ikm, salt, info, length)), toHex(hkdfSha256(ikm, salt, info, length)), saltLen + '/' + ikmLen + '/' + length);
    }
  });
  it('checks its inputs like src/crypto/hkdf.ts', () => {
    const z = new Uint8Array(0);
    assert.throws(() => hkdf(z, z, z, 0), RangeError);
    assert.throws(() => hkdf(z, z, z, 8161), RangeError);
    assert.throws(() => hkdf('x' as unknown as Uint8Array, z, z, 16), TypeError);
  });
});
