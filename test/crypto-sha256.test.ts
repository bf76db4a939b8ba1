/**
 * SHA-256 (FIPS 180-4) and HMAC-SHA-256 (RFC 2104) of src/crypto/sha256.ts: the published
 * vectors (FIPS 180-2 App. B "abc" and the two-block message, RFC 4231 test cases 1, 2 and 6),
 * and a cross-check against @noble/hashes on seeded random inputs of every length around the
 * padding boundaries (55, 56, 63, 64 bytes) and in several update() pieces.
 * HKDF on top of it: RFC 5869 vectors in crypto-hkdf.test.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { hmac as nobleHmac } from '@noble/hashes/hmac.js';
import { Sha256, sha256, hmacSha256 } from '../src/crypto/sha256.js';
import { fromHex, toHex, utf8Encode } from '../src/bytes.js';
import { Prng } from '../src/sim/prng.js';

describe('SHA-256 and HMAC-SHA-256', () => {
  it('FIPS 180-2 Appendix B vectors', () => {
    assert.equal(toHex(sha256(utf8Encode('abc'))), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assert.equal(toHex(sha256(utf8Encode('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))), '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
    assert.equal(toHex(sha256(new Uint8Array(0))), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
  it('RFC 4231 test cases 1, 2 and 6 (short key, short "Jefe" key, 131-byte key hashed first)', () => {
    assert.equal(toHex(hmacSha256(new Uint8Array(20).fill(0x0b), utf8Encode('Hi There'))), 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7');
    assert.equal(toHex(hmacSha256(utf8Encode('Jefe'), utf8Encode('what do ya want '), utf8Encode('for nothing?'))), '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
    assert.equal(toHex(hmacSha256(new Uint8Array(131).fill(0xaa), utf8Encode('Test Using Larger Than Block-Size Key - Hash Key First'))), '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54');
  });
  it('agrees with @noble/hashes for every length 0..200, whole and in pieces', () => {
    const rng = new Prng(180);
    for (let n = 0; n <= 200; n++) {
      const data = new Uint8Array(n);
      rng.fill(data);
      const want = toHex(nobleSha256(data));
      assert.equal(toHex(sha256(data)), want, 'length ' + n);
      const cut1 = n >> 2, cut2 = (3 * n) >> 2;
      const pieces = new Sha256().update(data.subarray(0, cut1)).update(data.subarray(cut1, cut2)).update(data.subarray(cut2)).digest();
      assert.equal(toHex(pieces), want, 'length ' + n + ' in pieces');
      const key = data.subarray(0, n % 97);
      assert.equal(toHex(hmacSha256(key, data)), toHex(nobleHmac(nobleSha256, key, data)), 'hmac, key ' + key.length + ', length ' + n);
    }
  });
  it('hmacSha256 leaves its inputs unchanged', () => {
    const key = fromHex('000102030405060708090a0b0c');
    const msg = fromHex('f0f1f2f3f4f5f6f7f8f9');
    hmacSha256(key, msg);
    assert.equal(toHex(key), '000102030405060708090a0b0c');
    assert.equal(toHex(msg), 'f0f1f2f3f4f5f6f7f8f9');
  });
});
