/**
 * The table-driven AES of src/crypto/aes-core.ts (FIPS 197) against an independent
 * implementation (@noble/ciphers) on seeded random keys and blocks of all three key sizes, plus
 * the FIPS 197 §5.2 / Appendix A key-expansion vectors. (Appendix C block vectors: crypto-ccm.test.ts.)
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { expandKey, jsAesBlockCipherFactory } from '../src/crypto/aes-core.js';
import { nobleAesBlockCipherFactory, getAesBlockCipherFactory } from '../src/crypto/aes.js';
import { fromHex, toHex } from '../src/bytes.js';
import { Prng } from '../src/sim/prng.js';

describe('AES core (FIPS 197, table-driven)', () => {
  it('is the default block cipher behind the port', () => {
    assert.equal(getAesBlockCipherFactory(), jsAesBlockCipherFactory);
  });
  it('expands keys as FIPS 197 Appendix A shows (last round-key word of each key size)', () => {
    const a1 = expandKey(fromHex('2b7e151628aed2a6abf7158809cf4f3c'));
    assert.equal(a1.length, 44);
    assert.equal(a1[4].toString(16), 'a0fafe17');
    assert.equal(a1[43].toString(16), 'b6630ca6');
    const a2 = expandKey(fromHex('8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b'));
    assert.equal(a2.length, 52);
    assert.equal(a2[51].toString(16).padStart(8, '0'), '01002202');
    assert.equal(a2[6].toString(16), 'fe0c91f7');
    const a3 = expandKey(fromHex('603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4'));
    assert.equal(a3.length, 60);
    assert.equal(a3[8].toString(16), '9ba35411');
    assert.equal(a3[59].toString(16), '706c631e');
  });
  it('agrees with @noble/ciphers on 300 random keys and blocks (AES-128/192/256)', () => {
    const rng = new Prng(2026);
    for (let i = 0; i < 300; i++) {
      const key = new Uint8Array([16, 24, 32][i % 3]);
      rng.fill(key);
      const block = new Uint8Array(16);
      rng.fill(block);
      const ours = new Uint8Array(16);
      const theirs = new Uint8Array(16);
      jsAesBlockCipherFactory(key).encryptBlock(block, 0, ours, 0);
      nobleAesBlockCipherFactory(key).encryptBlock(block, 0, theirs, 0);
      assert.equal(toHex(ours), toHex(theirs), 'key ' + toHex(key) + ' block ' + toHex(block));
    }
  });
  it('rejects keys that are not 16, 24 or 32 bytes, and non-Uint8Array keys', () => {
    assert.throws(() => jsAesBlockCipherFactory(new Uint8Array(20)), /expected 16, 24 or 32 bytes, got 20/);
    assert.throws(() => jsAesBlockCipherFactory([1, 2] as unknown as Uint8Array), TypeError);
  });
});
