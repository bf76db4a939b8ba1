/**
 * The strict CBOR reader/encoder (src/cbor) and the COSE_Key / CCS codec (src/cose), against the
 * CCS credentials of RFC 9529 trace 2 and the non-deterministic encodings RFC 9529 §4.3 lists.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fromHex, toHex } from '../src/bytes.js';
import { CborReader, decodeCborItem, decodeCborSequence } from '../src/cbor/decode.js';
import { CborRaw, encodeCbor, encodeCborSequence } from '../src/cbor/encode.js';
import { decodeCcs, encodeCcs } from '../src/cose/ccs.js';
import { CRV_ED25519, CRV_P256, CRV_X25519, KTY_EC2, KTY_OKP, decodeCoseKey, encodeCoseKey, publicKeyBytes } from '../src/cose/key.js';
import { CborDecodeError } from '../src/errors.js';
import { traceValue } from './edhoc-trace-fixture.js';

describe('CBOR reader (deterministic only, RFC 8949 §4.2.1)', () => {
  it('reads integers, strings, arrays, maps and simple values', () => {
    assert.deepEqual(decodeCborSequence(fromHex('0017201818190100 381837'.replace(' ', ''))), [0, 23, -1, 24, 256, -25, -24]);
    assert.deepEqual(decodeCborItem(fromHex('43010203')), fromHex('010203'));
    assert.equal(decodeCborItem(fromHex('6161')), 'a');
    assert.deepEqual(decodeCborItem(fromHex('820102')), [1, 2]);
    assert.deepEqual(decodeCborItem(fromHex('a20102206161')), new Map<number | string, unknown>([[1, 2], [-1, 'a']]));
    assert.deepEqual(decodeCborSequence(fromHex('f4f5f6')), [false, true, null]);
  });
  it('refuses heads longer than needed, indefinite lengths, tags, floats, truncation, trailing bytes', () => {
    for (const bad of ['1800', '190003', '1a000000ff', '5f4101ff', '9f0602ff', 'c240', 'f93c00', '5820aa', '8201', 'a101', '0000', 'a2010101 02'.replace(' ', '')]) {
      assert.throws(() => decodeCborItem(fromHex(bad)), CborDecodeError, bad);
    }
  });
  it('refuses duplicate map keys, non-scalar keys and absurd lengths without allocating', () => {
    assert.throws(() => decodeCborItem(fromHex('a2010201 03'.replace(' ', ''))), CborDecodeError);
    assert.throws(() => decodeCborItem(fromHex('a1800102')), CborDecodeError);
    assert.throws(() => decodeCborItem(fromHex('9bffffffffffffffff')), CborDecodeError);
    assert.throws(() => decodeCborItem(fromHex('9a7fffffff')), CborDecodeError);
    assert.throws(() => decodeCborItem(fromHex('81'.repeat(40) + '00')), CborDecodeError);
  });
  it('leaves the offset at the rejected item (the caller sees where)', () => {
    const r = new CborReader(fromHex('01 1800'.replace(' ', '')));
    assert.equal(r.readInt('first'), 1);
    assert.throws(() => r.read(), /offset 1/);
    assert.equal(r.offset, 1);
  });
  it('encodes deterministically (map keys in bytewise order) and round-trips', () => {
    const m = new Map<number | string, number>([[-1, 1], [1, 2], ['a', 3], [24, 4]]);
    assert.equal(toHex(encodeCbor(m)), 'a4010218180420016161' + '03');
    assert.equal(toHex(encodeCborSequence([3, [6, 2], fromHex('ab'), -24])), '0382060241ab37');
    assert.equal(toHex(encodeCbor([new CborRaw(fromHex('a0')), null, true, false])), '84a0f6f5f4');
    for (const hex of ['00', '3863', '190100', '1a00010000', '5820' + 'ab'.repeat(32)]) {
      assert.equal(toHex(encodeCbor(decodeCborItem(fromHex(hex)))), hex);
    }
  });
});

describe('COSE_Key and CCS (RFC 9052 §7, RFC 8392)', () => {
  const credR = traceValue(2, 'message_2', 'CRED_R (CBOR Data Item)');
  const credI = traceValue(2, 'message_3', 'CRED_I (CBOR Data Item)');
  it("decodes RFC 9529 trace 2's CRED_R and CRED_I (kid, P-256 x and y)", () => {
    const r = decodeCcs(credR);
    assert.equal(r.sub, 'example.edu');
    assert.equal(r.key.kty, KTY_EC2);
    assert.equal(r.key.crv, CRV_P256);
    assert.equal(toHex(r.key.kid!), '32');
    assert.equal(toHex(r.key.x), 'bbc34960526ea4d32e940cad2a234148ddc21791a12afbcbac93622046dd44f0');
    assert.equal(toHex(r.key.y!), '4519e257236b2a0ce2023f0931f1f386ca7afda64fcde0108c224c51eabf6072');
    assert.deepEqual(r.bytes, credR);
    const i = decodeCcs(credI);
    assert.equal(i.sub, '42-50-31-FF-EF-37-32-39');
    assert.equal(toHex(i.key.kid!), '2b');
  });
  it('encodes the same bytes from the same content (deterministic CBOR)', () => {
    const r = decodeCcs(credR);
    assert.equal(toHex(encodeCcs(r.key, r.sub)), toHex(credR));
    const i = decodeCcs(credI);
    assert.equal(toHex(encodeCcs({ ...i.key, d: new Uint8Array(32) }, i.sub)), toHex(credI), 'a private part never enters a CCS');
  });
  it('round-trips OKP keys and gives the port its key forms', () => {
    const x = fromHex('ab'.repeat(32));
    for (const crv of [CRV_X25519, CRV_ED25519]) {
      const k = decodeCoseKey(encodeCoseKey({ kty: KTY_OKP, crv, x, d: fromHex('cd'.repeat(32)) }));
      assert.equal(k.crv, crv);
      assert.deepEqual(k.d, fromHex('cd'.repeat(32)));
      assert.deepEqual(publicKeyBytes(k, 'signature'), x);
    }
    const p = decodeCcs(credR).key;
    assert.equal(publicKeyBytes(p, 'key-agreement').length, 32);
    assert.equal(toHex(publicKeyBytes(p, 'signature')), '04' + toHex(p.x) + toHex(p.y!));
  });
  it('refuses malformed keys and credentials with CborDecodeError', () => {
    const bad = [
      'a0', // no kty
      'a3010220012158200000000000000000000000000000000000000000000000000000000000000000', // EC2 without y
      'a301012001215820' + '00'.repeat(32), // OKP with P-256
      'a301012004215820' + '00'.repeat(31), // x too short
      'a401012004215820' + '00'.repeat(32) + '2258200000000000000000000000000000000000000000000000000000000000000000', // OKP with y
      '80',
    ];
    for (const hex of bad) assert.throws(() => decodeCoseKey(fromHex(hex)), CborDecodeError, hex);
    assert.throws(() => decodeCcs(fromHex('a1026161')), CborDecodeError); // no cnf
    assert.throws(() => decodeCcs(credR.subarray(0, 90)), CborDecodeError); // truncated
    const withD = encodeCbor(new Map([[8, new Map([[1, decodeCborItem(encodeCoseKey({ kty: KTY_OKP, crv: CRV_X25519, x: fromHex('00'.repeat(32)), d: fromHex('00'.repeat(32)) }))]])]]));
    assert.throws(() => decodeCcs(withD), /private key/);
  });
});
