/**
 * The asymmetric crypto port (src/crypto/asymmetric-noble.ts) against published vectors:
 * RFC 8032 §7.1 (Ed25519), RFC 7748 §5.2 and §6.1 (X25519), RFC 5903 §8.1 (P-256 ECDH), plus the
 * public-key validation RFC 9528 §9.2 requires (off-curve P-256, low-order X25519) as typed errors.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fromHex, toHex, utf8Encode } from '../src/bytes.js';
import { nobleAsymmetricCrypto as crypto } from '../src/crypto/asymmetric-noble.js';
import { InvalidPublicKey, UnsupportedAlgorithm } from '../src/errors.js';
import { Prng } from '../src/sim/prng.js';

const ed = crypto.signature(-8);
const es = crypto.signature(-7);
const x25519 = crypto.keyAgreement('X25519');
const p256 = crypto.keyAgreement('P-256');

/** RFC 8032 §7.1 TEST 1–3. */
const RFC8032 = [
  {
    sk: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    pk: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    msg: '',
    sig: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    sk: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    pk: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    msg: '72',
    sig: '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    sk: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    pk: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    msg: 'af82',
    sig: '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
];

/** RFC 5903 §8.1, 256-bit random ECP group. */
const RFC5903 = {
  i: 'c88f01f510d9ac3f70a292daa2316de544e9aab8afe84049c62a9c57862d1433',
  gix: 'dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c3772581180',
  giy: '5271a0461cdb8252d61f1c456fa3e59ab1f45b33accf5f58389e0577b8990bb3',
  r: 'c6ef9c5d78ae012a011164acb397ce2088685d8f06bf9be0b283ab46476bee53',
  grx: 'd12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf63',
  gry: '56fbf3ca366cc23e8157854c13c58d6aac23f046ada30f8353e74f33039872ab',
  girx: 'd6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de',
};

describe('Ed25519 (RFC 8032 §7.1)', () => {
  RFC8032.forEach((v, n) => {
    it('TEST ' + (n + 1) + ': public key, signature, verification', () => {
      assert.equal(toHex(ed.publicKeyOf(fromHex(v.sk))), v.pk);
      assert.equal(toHex(ed.sign(fromHex(v.sk), fromHex(v.msg), new Prng(1))), v.sig);
      assert.equal(ed.verify(fromHex(v.pk), fromHex(v.msg), fromHex(v.sig)), true);
    });
  });
  it('refuses a tampered signature, another message, a short signature', () => {
    const v = RFC8032[1];
    const sig = fromHex(v.sig);
    sig[10] ^= 1;
    assert.equal(ed.verify(fromHex(v.pk), fromHex(v.msg), sig), false);
    assert.equal(ed.verify(fromHex(v.pk), fromHex('73'), fromHex(v.sig)), false);
    assert.equal(ed.verify(fromHex(v.pk), fromHex(v.msg), fromHex(v.sig).subarray(0, 63)), false);
  });
  it('a public key of the wrong length is an InvalidPublicKey', () => {
    assert.throws(() => ed.verify(new Uint8Array(31), new Uint8Array(0), new Uint8Array(64)), InvalidPublicKey);
  });
});

describe('X25519 (RFC 7748)', () => {
  it('§5.2 first vector: scalar × u-coordinate', () => {
    const out = x25519.sharedSecret(
      fromHex('a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4'),
      fromHex('e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c'),
    );
    assert.equal(toHex(out), 'c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552');
  });
  it('§6.1: both public keys and the shared secret, from either side', () => {
    const a = fromHex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
    const b = fromHex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
    const A = x25519.publicKeyOf(a);
    const B = x25519.publicKeyOf(b);
    assert.equal(toHex(A), '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
    assert.equal(toHex(B), 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
    const k = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
    assert.equal(toHex(x25519.sharedSecret(a, B)), k);
    assert.equal(toHex(x25519.sharedSecret(b, A)), k);
  });
  it('refuses low-order points (all-zero shared secret, RFC 9528 §9.2) and wrong lengths', () => {
    const k = new Uint8Array(32).fill(7);
    for (const u of ['00'.repeat(32), '01' + '00'.repeat(31), 'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800']) {
      assert.throws(() => x25519.sharedSecret(k, fromHex(u)), InvalidPublicKey, u);
    }
    assert.throws(() => x25519.sharedSecret(k, new Uint8Array(31)), InvalidPublicKey);
  });
  it('generated key pairs agree, and come from the RandomSource', () => {
    const a = x25519.generateKeyPair(new Prng(1));
    const b = x25519.generateKeyPair(new Prng(2));
    assert.deepEqual(x25519.sharedSecret(a.privateKey, b.publicKey), x25519.sharedSecret(b.privateKey, a.publicKey));
    assert.deepEqual(x25519.generateKeyPair(new Prng(1)).publicKey, a.publicKey);
  });
});

describe('P-256 ECDH (RFC 5903 §8.1)', () => {
  const v = RFC5903;
  it('public keys are the x-coordinate; the shared secret is x of the product', () => {
    assert.equal(toHex(p256.publicKeyOf(fromHex(v.i))), v.gix);
    assert.equal(toHex(p256.publicKeyOf(fromHex(v.r))), v.grx);
    assert.equal(toHex(p256.sharedSecret(fromHex(v.i), fromHex(v.grx))), v.girx);
    assert.equal(toHex(p256.sharedSecret(fromHex(v.r), fromHex(v.gix))), v.girx);
  });
  it('accepts uncompressed (65 bytes) and compressed (33 bytes) peer keys too', () => {
    assert.equal(toHex(p256.sharedSecret(fromHex(v.i), fromHex('04' + v.grx + v.gry))), v.girx);
    assert.equal(toHex(p256.sharedSecret(fromHex(v.i), fromHex('03' + v.grx))), v.girx);
  });
  it('refuses points off the curve (RFC 9528 §9.2) as InvalidPublicKey', () => {
    const priv = fromHex(v.i);
    // x = 1: x³ − 3x + b has no square root mod p, so no point has this x.
    assert.throws(() => p256.sharedSecret(priv, fromHex('00'.repeat(31) + '01')), InvalidPublicKey);
    // (grx, gry + 1) is not on the curve.
    const y = fromHex(v.gry);
    y[31] ^= 1;
    assert.throws(() => p256.sharedSecret(priv, fromHex('04' + v.grx + toHex(y))), InvalidPublicKey);
    assert.throws(() => p256.sharedSecret(priv, new Uint8Array(31)), InvalidPublicKey);
    assert.throws(() => p256.sharedSecret(priv, fromHex('05' + v.grx)), InvalidPublicKey);
  });
  it('generated key pairs agree', () => {
    const a = p256.generateKeyPair(new Prng(3));
    const b = p256.generateKeyPair(new Prng(4));
    assert.equal(a.publicKey.length, 32);
    assert.deepEqual(p256.sharedSecret(a.privateKey, b.publicKey), p256.sharedSecret(b.privateKey, a.publicKey));
  });
});

describe('ES256 (COSE, RFC 9053 §2.1)', () => {
  const msg = utf8Encode('EDHOC message to be signed');
  const keys = es.generateKeyPair(new Prng(5));
  it('signs raw r||s over SHA-256 of the message; verifies with the 65-byte and the x||y key', () => {
    const sig = es.sign(keys.privateKey, msg, new Prng(6));
    assert.equal(sig.length, 64);
    assert.equal(keys.publicKey.length, 65);
    assert.equal(es.verify(keys.publicKey, msg, sig), true);
    assert.equal(es.verify(keys.publicKey.subarray(1), msg, sig), true);
  });
  it('hedged: fresh randomness gives another valid signature', () => {
    const a = es.sign(keys.privateKey, msg, new Prng(7));
    const b = es.sign(keys.privateKey, msg, new Prng(8));
    assert.notEqual(toHex(a), toHex(b));
    assert.equal(es.verify(keys.publicKey, msg, b), true);
  });
  it('accepts a high-S signature (n − s), as non-normalising signers produce', () => {
    const sig = es.sign(keys.privateKey, msg, new Prng(9));
    const n = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
    const s = BigInt('0x' + toHex(sig.subarray(32)));
    const flipped = new Uint8Array(sig);
    flipped.set(fromHex((n - s).toString(16).padStart(64, '0')), 32);
    assert.notDeepEqual(flipped, sig);
    assert.equal(es.verify(keys.publicKey, msg, flipped), true);
  });
  it('refuses another message, a tampered or short signature; an off-curve key is InvalidPublicKey', () => {
    const sig = es.sign(keys.privateKey, msg, new Prng(10));
    assert.equal(es.verify(keys.publicKey, utf8Encode('other'), sig), false);
    const bad = new Uint8Array(sig);
    bad[5] ^= 0x80;
    assert.equal(es.verify(keys.publicKey, msg, bad), false);
    assert.equal(es.verify(keys.publicKey, msg, sig.subarray(0, 63)), false);
    const off = new Uint8Array(keys.publicKey);
    off[64] ^= 1;
    assert.throws(() => es.verify(off, msg, sig), InvalidPublicKey);
  });
});

describe('the port', () => {
  it('names what it lacks with UnsupportedAlgorithm', () => {
    assert.throws(() => crypto.keyAgreement('P-384' as 'P-256'), UnsupportedAlgorithm);
    assert.throws(() => crypto.signature(-35 as -7), UnsupportedAlgorithm);
  });
  it('maps Ed25519 keys to X25519 consistently (RFC 7748 §4.1), for Group OSCORE pairwise keys', () => {
    const a = ed.generateKeyPair(new Prng(11));
    const b = ed.generateKeyPair(new Prng(12));
    const aX = crypto.edwardsToMontgomeryPrivate!(a.privateKey);
    const bX = crypto.edwardsToMontgomeryPrivate!(b.privateKey);
    assert.deepEqual(x25519.publicKeyOf(aX), crypto.edwardsToMontgomeryPublic!(a.publicKey));
    assert.deepEqual(
      x25519.sharedSecret(aX, crypto.edwardsToMontgomeryPublic!(b.publicKey)),
      x25519.sharedSecret(bX, crypto.edwardsToMontgomeryPublic!(a.publicKey)),
    );
  });
});
