/**
 * The device's native P-256 (targets/moddable/p256-core.ts), run over a stand-in for the SDK's EC
 * multiplication (noble's point arithmetic, no checks, as the SDK's `xs_ec2_mul` does none): RFC
 * 5903 §8.1, RFC 9529 trace 2's ECDH values and whole handshake byte-exact, the invalid points of
 * RFC 9529 §4.2 refused, ES256 cross-checked against noble both ways, out-of-range r/s refused.
 * The Moddable binding itself (crypto-asymmetric.ts) is compiled by test/device-moddable.node.test.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { p256 } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { fromHex, toHex, utf8Encode } from '../src/bytes.js';
import { nobleAsymmetricCrypto } from '../src/crypto/asymmetric-noble.js';
import { InvalidPublicKey, UnsupportedAlgorithm } from '../src/errors.js';
import { EdhocError, EdhocInitiator, EdhocResponder, type EdhocSessionOptions } from '../src/edhoc/index.js';
import { Prng } from '../src/sim/prng.js';
import { makeSha256Functions } from '../targets/moddable/sha256-digest.js';
import { bigIntToBytes, makeNativeP256Crypto, N, type AffinePoint, type NativeEc } from '../targets/moddable/p256-core.js';
import { negotiateTrace2, trace2Parties } from './edhoc-support.js';
import { traceHex, traceValue } from './edhoc-trace-fixture.js';

type NoblePoint = ReturnType<typeof p256.Point.fromAffine>;
const toAffine = (p: NoblePoint): AffinePoint | undefined => (p.is0() ? undefined : p.toAffine());
/** Like the SDK: multiplies whatever it is given (the stand-in builds points without validation). */
const standInEc: NativeEc = {
  mulBase: (k) => toAffine(p256.Point.BASE.multiply(k)),
  mul: (p, k) => toAffine(new p256.Point(p.x, p.y, 1n).multiply(k)),
  mulAdd: (k1, q, k2) => toAffine(p256.Point.BASE.multiplyUnsafe(k1).add(new p256.Point(q.x, q.y, 1n).multiplyUnsafe(k2))),
};
const native = makeNativeP256Crypto(standInEc, (m) => sha256(m) as Uint8Array);
const ka = native.keyAgreement('P-256');
const es = native.signature(-7);

describe('device P-256 (native EC, checks in JS)', () => {
  it('RFC 5903 §8.1 ECDH', () => {
    const i = fromHex('c88f01f510d9ac3f70a292daa2316de544e9aab8afe84049c62a9c57862d1433');
    const grx = 'd12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf63';
    assert.equal(toHex(ka.publicKeyOf(i)), 'dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c3772581180');
    assert.equal(toHex(ka.sharedSecret(i, fromHex(grx))), 'd6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de');
    assert.equal(toHex(ka.sharedSecret(i, fromHex('04' + grx + '56fbf3ca366cc23e8157854c13c58d6aac23f046ada30f8353e74f33039872ab'))), 'd6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de');
  });
  it("RFC 9529 trace 2's G_XY, G_RX, G_IY", () => {
    const t = (s: string, l: string) => traceValue(2, s, l);
    const gX = t('message_1 (second time)', "Initiator's ephemeral public key, 'x'-coordinate G_X (Raw");
    const gY = t('message_2', "Responder's ephemeral public key, 'x'-coordinate G_Y (Raw");
    assert.equal(toHex(ka.sharedSecret(t('message_2', "Responder's ephemeral private key"), gX)), traceHex(2, 'message_2', 'G_XY'));
    assert.equal(toHex(ka.sharedSecret(t('message_2', "Responder's private authentication key"), gX)), traceHex(2, 'message_2', 'G_RX'));
    assert.equal(toHex(ka.sharedSecret(t('message_3', "Initiator's private authentication key"), gY)), traceHex(2, 'message_3', 'G_IY'));
  });
  it('refuses the invalid points of RFC 9529 §4.2 (x ≥ p, x not on the curve) and malformed keys', () => {
    const k = fromHex('c88f01f510d9ac3f70a292daa2316de544e9aab8afe84049c62a9c57862d1433');
    const g = (section: string) => traceValue('invalid', section, 'Invalid').subarray(4, 36);
    assert.throws(() => ka.sharedSecret(k, g('Error in elliptic curve representation')), InvalidPublicKey);
    assert.throws(() => ka.sharedSecret(k, g('Error in elliptic curve point')), InvalidPublicKey);
    const full = es.publicKeyOf(k);
    const offCurve = full.slice();
    offCurve[64] ^= 1;
    assert.throws(() => ka.sharedSecret(k, offCurve), InvalidPublicKey);
    assert.throws(() => ka.sharedSecret(k, new Uint8Array(31)), InvalidPublicKey);
    assert.throws(() => es.verify(offCurve, new Uint8Array(1), new Uint8Array(64)), InvalidPublicKey);
  });
  it('ES256: native signatures verify with noble, noble (also high-S) signatures verify natively; r, s out of range refused', () => {
    const msg = utf8Encode('COSE Sig_structure');
    const keys = es.generateKeyPair(new Prng(1));
    const sig = es.sign(keys.privateKey, msg, new Prng(2));
    assert.equal(p256.verify(sig, msg, keys.publicKey, { prehash: true, lowS: false }), true);
    assert.equal(es.verify(keys.publicKey, msg, sig), true);
    const other = nobleAsymmetricCrypto.signature(-7).sign(keys.privateKey, msg, new Prng(3));
    assert.equal(es.verify(keys.publicKey, msg, other), true);
    const s = BigInt('0x' + toHex(other.subarray(32)));
    const high = other.slice();
    high.set(bigIntToBytes(N - s), 32);
    assert.equal(es.verify(keys.publicKey, msg, high), true);
    assert.equal(es.verify(keys.publicKey, utf8Encode('other'), sig), false);
    const zeroS = sig.slice();
    zeroS.fill(0, 32);
    assert.equal(es.verify(keys.publicKey, msg, zeroS), false);
    const bigR = sig.slice();
    bigR.set(bigIntToBytes(N), 0);
    assert.equal(es.verify(keys.publicKey, msg, bigR), false);
  });
  it('ES256 nonces are hedged: fresh noise gives a new signature, the same noise the same one (never the same k for two messages)', () => {
    const keys = es.generateKeyPair(new Prng(11));
    const msg = utf8Encode('m');
    const a = es.sign(keys.privateKey, msg, new Prng(12));
    assert.equal(toHex(es.sign(keys.privateKey, msg, new Prng(12))), toHex(a));
    assert.notEqual(toHex(es.sign(keys.privateKey, msg, new Prng(13))), toHex(a));
    const b = es.sign(keys.privateKey, utf8Encode('n'), new Prng(12));
    assert.notEqual(toHex(b.subarray(0, 32)), toHex(a.subarray(0, 32)), 'same noise, other message: another r (another k)');
    assert.equal(es.verify(keys.publicKey, utf8Encode('n'), b), true);
  });
  it('offers P-256 only: X25519 and EdDSA are UnsupportedAlgorithm', () => {
    assert.throws(() => native.keyAgreement('X25519'), UnsupportedAlgorithm);
    assert.throws(() => native.signature(-8), UnsupportedAlgorithm);
  });
  it('an EDHOC Responder on the device crypto offers only the P-256 suites it can run (SUITES_R)', () => {
    const { responder } = trace2Parties({ responder: { crypto: native, suites: [0, 2] } });
    // trace 2's first message_1 selects suite 6; we list what we can do: 2 only, not 0.
    assert.throws(() => responder.handleMessage1(traceValue(2, 'message_1 (first time)', 'message_1')), (e: unknown) => e instanceof EdhocError && toHex(e.bytes) === '0202');
    assert.throws(() => trace2Parties({ responder: { crypto: native, suites: [0, 1] } }), RangeError);
  });
  it('RFC 9529 trace 2 end to end with the device P-256 on both sides', () => {
    // The Initiator lists suite 6 (X25519) first, as in the trace: noble answers for X25519 only
    // (the first message_1 is refused before any key is used), the device code for all of P-256.
    const mixed = { ...native, keyAgreement: (c: 'P-256' | 'X25519') => (c === 'X25519' ? nobleAsymmetricCrypto.keyAgreement(c) : native.keyAgreement(c)) };
    const { initiator, responder } = trace2Parties({ responder: { crypto: native }, initiator: { crypto: mixed } });
    negotiateTrace2(initiator);
    const m2 = responder.handleMessage1(initiator.message1());
    assert.equal(toHex(m2), traceHex(2, 'message_2', 'message_2'));
    const m3 = initiator.handleMessage2(m2);
    assert.equal(toHex(m3), traceHex(2, 'message_3', 'message_3'));
    assert.equal(toHex(responder.handleMessage3(m3).oscore().masterSecret), traceHex(2, 'OSCORE Parameters', 'OSCORE Master Secret (Raw'));
  });
  it('method 0 (ES256 both ways) between the device crypto and noble', () => {
    const make = (crypto: EdhocSessionOptions['crypto'], seed: number) => {
      const keys = crypto.signature(-7).generateKeyPair(new Prng(seed));
      return { idCred: { kid: Uint8Array.of(seed) }, credBytes: Uint8Array.of(0x40 + seed), publicKey: keys.publicKey, privateKey: keys.privateKey };
    };
    const ownI = make(native, 1);
    const ownR = make(nobleAsymmetricCrypto, 2);
    const i = new EdhocInitiator({ method: 0, suites: [2], crypto: native, random: new Prng(5), own: ownI, connectionId: 1, trust: () => ownR });
    const r = new EdhocResponder({ method: 0, suites: [2], crypto: nobleAsymmetricCrypto, random: new Prng(6), own: ownR, connectionId: 2, trust: () => ownI });
    r.handleMessage3(i.handleMessage2(r.handleMessage1(i.message1())));
    assert.deepEqual(i.result().oscore().masterSecret, r.result().oscore().masterSecret);
  });
});

/** Like crypt's Digest("SHA256"): ArrayBuffers in, ArrayBuffer out. */
class StandInDigest {
  private readonly h = sha256.create();
  constructor(type: 'SHA256') {
    if (type !== 'SHA256') throw new TypeError('Digest: only SHA256 here');
  }
  write(data: ArrayBuffer): void {
    if (!(data instanceof ArrayBuffer)) throw new TypeError('Digest.write: ArrayBuffer expected');
    this.h.update(new Uint8Array(data));
  }
  close(): ArrayBuffer {
    return (this.h.digest() as Uint8Array).slice().buffer as ArrayBuffer;
  }
}

describe('device SHA-256/HMAC/HKDF halves (targets/moddable/sha256-digest.ts)', () => {
  const d = makeSha256Functions(StandInDigest);
  it("RFC 9529 trace 2's TH_2 input hash, PRK_2e (Extract) and SALT_3e2m (Expand)", () => {
    const t = (s: string, l: string) => traceValue(2, s, l);
    assert.equal(toHex(d.sha256(t('message_2', 'Input to calculate TH_2'))), traceHex(2, 'message_2', 'TH_2 (Raw'));
    assert.equal(toHex(d.hkdfExtractSha256(t('message_2', 'TH_2 (Raw'), t('message_2', 'G_XY'))), traceHex(2, 'message_2', 'PRK_2e'));
    assert.equal(toHex(d.hkdfExpandSha256(t('message_2', 'PRK_2e'), t('message_2', 'info for SALT_3e2m'), 32)), traceHex(2, 'message_2', 'SALT_3e2m'));
    assert.throws(() => d.hkdfExpandSha256(new Uint8Array(32), new Uint8Array(0), 8161), RangeError);
  });
});
