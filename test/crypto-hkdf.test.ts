/** HKDF-SHA256 (RFC 5869): the Appendix A SHA-256 test cases and the boundary checks. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fromHex, toHex } from '../src/bytes.js';
import { HKDF_SHA256_MAX_LENGTH, hkdfSha256 } from '../src/crypto/hkdf.js';
import { RFC5869_VECTORS } from './crypto-vectors.js';

describe('HKDF-SHA256 (RFC 5869)', () => {
  for (const v of RFC5869_VECTORS) {
    it(v.name, () => {
      assert.equal(toHex(hkdfSha256(fromHex(v.ikm), fromHex(v.salt), fromHex(v.info), v.length)), v.okm);
    });
  }
  it('a shorter output is a prefix of the longer one (same PRK, same info)', () => {
    const v = RFC5869_VECTORS[0];
    assert.equal(toHex(hkdfSha256(fromHex(v.ikm), fromHex(v.salt), fromHex(v.info), 16)), v.okm.slice(0, 32));
  });
  it('rejects lengths outside 1..255·32 and non-byte inputs', () => {
    const z = new Uint8Array(0);
    assert.equal(HKDF_SHA256_MAX_LENGTH, 8160);
    assert.equal(hkdfSha256(z, z, z, 8160).length, 8160);
    assert.throws(() => hkdfSha256(z, z, z, 8161), /length must be 1\.\.8160 bytes, got 8161/);
    assert.throws(() => hkdfSha256(z, z, z, 0), RangeError);
    assert.throws(() => hkdfSha256(z, z, z, 1.5), RangeError);
    assert.throws(() => hkdfSha256('x' as unknown as Uint8Array, z, z, 16), TypeError);
  });
});
