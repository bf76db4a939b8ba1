/**
 * The host AEADs (src/crypto/host-aeads.ts): AES-GCM 1/2/3 against the COSE working group's
 * Encrypt0 examples (RFC 8152 App. C.4 style, cose-wg/Examples aes-gcm-enc-01..03) and the GCM
 * specification's test cases (McGrew–Viega, NIST's GCM vectors), ChaCha20/Poly1305 against RFC 7539
 * §2.8.2; registry lookups, boundary checks, tamper; and OSCORE contexts using them end to end.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fromHex, toHex, utf8Encode } from '../src/bytes.js';
import { HOST_AEAD_ALGORITHMS, findAnyAlgorithm, findAnyAlgorithmByName } from '../src/crypto/host-aeads.js';
import { AEAD_ALGORITHMS, findAlgorithm } from '../src/crypto/algorithms.js';
import { SecurityContext } from '../src/oscore/context.js';
import { protectRequest, protectResponse } from '../src/oscore/protect.js';
import { unprotectRequest, unprotectResponse, contextLookup } from '../src/oscore/unprotect.js';
import { Code, MessageType } from '../src/coap/numbers.js';
import { Option } from '../src/coap/option-registry.js';
import { ProtectionInvalid, ReplayError } from '../src/errors.js';
import type { Message } from '../src/coap/message.js';

const alg = (id: number) => findAnyAlgorithm(id)!;
const EMPTY = new Uint8Array(0);

describe('host AEAD registry', () => {
  it('lists A128GCM, A192GCM, A256GCM, ChaCha20/Poly1305 with their COSE parameters (RFC 8152 Tables 9, 11)', () => {
    assert.deepEqual(
      HOST_AEAD_ALGORITHMS.map((a) => [a.id, a.name, a.keyLength, a.nonceLength, a.tagLength].join(' ')),
      ['1 A128GCM 16 12 16', '2 A192GCM 24 12 16', '3 A256GCM 32 12 16', '24 ChaCha20/Poly1305 32 12 16'],
    );
  });
  it('findAnyAlgorithm covers CCM and host AEADs; the CCM registry alone still refuses the host ids', () => {
    for (const a of [...AEAD_ALGORITHMS, ...HOST_AEAD_ALGORITHMS]) {
      assert.equal(findAnyAlgorithm(a.id), a);
      assert.equal(findAnyAlgorithmByName(a.name.toLowerCase()), a);
    }
    for (const id of [1, 2, 3, 24]) assert.equal(findAlgorithm(id), undefined);
    for (const id of [0, 4, 25, -1]) assert.equal(findAnyAlgorithm(id), undefined);
    assert.equal(findAnyAlgorithmByName('A128CBC'), undefined);
  });
  it('prepare and seal check key and nonce lengths, naming the expected size', () => {
    assert.throws(() => alg(1).prepare(new Uint8Array(32)), /A128GCM: key must be 16 bytes, got 32/);
    assert.throws(() => alg(2).prepare(new Uint8Array(16)), /A192GCM: key must be 24 bytes, got 16/);
    assert.throws(() => alg(24).prepare(new Uint8Array(16)), /ChaCha20\/Poly1305: key must be 32 bytes, got 16/);
    assert.throws(() => alg(3).prepare('k' as unknown as Uint8Array), TypeError);
    const k = alg(1).prepare(new Uint8Array(16));
    assert.throws(() => k.seal(new Uint8Array(13), EMPTY, EMPTY), /A128GCM: nonce must be 12 bytes, got 13/);
    assert.throws(() => k.open(new Uint8Array(7), EMPTY, new Uint8Array(16)), /nonce must be 12 bytes/);
  });
});

describe('AES-GCM vectors', () => {
  // cose-wg/Examples aes-gcm-examples/aes-gcm-enc-01..03: COSE_Encrypt0 of "This is the content.",
  // IV 02d1f7e6f26c43d4868d87ce, AAD = Enc_structure ["Encrypt0", h'a1010N', h''].
  const content = utf8Encode('This is the content.');
  const iv = fromHex('02d1f7e6f26c43d4868d87ce');
  const cose: [number, string, string, string][] = [
    [1, '849b57219dae48de646d07dbb533566e', '8368456e63727970743043a1010140', '60973a94bb2898009ee52ecfd9ab1dd25867374b162e2c03568b41f57c3cc16f9166250a'],
    [2, '0f1e2d3c4b5a69788796a5b4c3d2e1f01f2e3d4c5b6a7988', '8368456e63727970743043a1010240', '134d3b9223a00c1552c77585c157f467f295919d530fbe21f7689ab3cd4d18ffe8e17ceb'],
    [3, '0f1e2d3c4b5a69788796a5b4c3d2e1f01f2e3d4c5b6a798897a6b5c4d3e2f100', '8368456e63727970743043a1010340', '9d64a5a59a3b04867dccf6b8ef82f7d1a3b25ef84eca2bc5d7593a96e943859a9cc24ad3'],
  ];
  for (const [id, key, aad, ct] of cose) {
    it('COSE Encrypt0 example for ' + alg(id).name + ' (seal and open)', () => {
      const k = alg(id).prepare(fromHex(key));
      assert.equal(toHex(k.seal(iv, fromHex(aad), content)), ct);
      assert.deepEqual(k.open(iv, fromHex(aad), fromHex(ct)), content);
    });
  }
  // The GCM specification's test cases 4, 10 and 16 (60-byte plaintext, 20-byte AAD).
  const P = 'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39';
  const A = 'feedfacedeadbeeffeedfacedeadbeefabaddad2';
  const IV = 'cafebabefacedbaddecaf888';
  const gcmSpec: [number, string, string][] = [
    [1, 'feffe9928665731c6d6a8f9467308308', '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091' + '5bc94fbc3221a5db94fae95ae7121a47'],
    [2, 'feffe9928665731c6d6a8f9467308308feffe9928665731c', '3980ca0b3c00e841eb06fac4872a2757859e1ceaa6efd984628593b40ca1e19c7d773d00c144c525ac619d18c84a3f4718e2448b2fe324d9ccda2710' + '2519498e80f1478f37ba55bd6d27618c'],
    [3, 'feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308', '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662' + '76fc6ece0f4e1768cddf8853bb2d551b'],
  ];
  for (const [id, key, ct] of gcmSpec) {
    it('GCM specification test case for ' + alg(id).name, () => {
      const k = alg(id).prepare(fromHex(key));
      assert.equal(toHex(k.seal(fromHex(IV), fromHex(A), fromHex(P))), ct);
      assert.equal(toHex(k.open(fromHex(IV), fromHex(A), fromHex(ct))!), P);
    });
  }
});

describe('ChaCha20/Poly1305 vector', () => {
  it('RFC 7539 §2.8.2 AEAD example (seal and open)', () => {
    const key = fromHex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f');
    const nonce = fromHex('070000004041424344454647');
    const aad = fromHex('50515253c0c1c2c3c4c5c6c7');
    const pt = utf8Encode("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
    const expected =
      'd31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116' +
      '1ae10b594f09e26a7e902ecbd0600691';
    const k = alg(24).prepare(key);
    assert.equal(toHex(k.seal(nonce, aad, pt)), expected);
    assert.deepEqual(k.open(nonce, aad, fromHex(expected)), pt);
  });
});

describe('host AEADs refuse tampering', () => {
  for (const a of HOST_AEAD_ALGORITHMS) {
    it(a.name + ': a flipped bit in ciphertext, tag, nonce or AAD, or a truncated input → null', () => {
      const k = a.prepare(new Uint8Array(a.keyLength).fill(7));
      const nonce = new Uint8Array(12).fill(3);
      const aad = Uint8Array.of(1, 2, 3);
      const sealed = k.seal(nonce, aad, utf8Encode('hello group'));
      assert.equal(sealed.length, 11 + 16);
      for (const i of [0, 10, 11, 26]) {
        const bad = sealed.slice();
        bad[i] ^= 1;
        assert.equal(k.open(nonce, aad, bad), null, 'byte ' + i);
      }
      const n2 = nonce.slice();
      n2[11] ^= 1;
      assert.equal(k.open(n2, aad, sealed), null);
      assert.equal(k.open(nonce, Uint8Array.of(1, 2), sealed), null);
      assert.equal(k.open(nonce, aad, sealed.subarray(0, 15)), null);
      assert.equal(k.open(nonce, aad, EMPTY), null);
      assert.equal(toHex(k.open(nonce, aad, sealed)!), toHex(utf8Encode('hello group')));
    });
  }
});

describe('OSCORE over the host AEADs', () => {
  const secret = fromHex('0102030405060708090a0b0c0d0e0f10');
  const salt = fromHex('9e7ca92223786340');
  const request: Message = { type: MessageType.CON, code: Code.GET, messageId: 1, token: Uint8Array.of(9), options: [{ number: Option.URI_PATH, value: utf8Encode('temp') }], payload: EMPTY };
  for (const a of HOST_AEAD_ALGORITHMS) {
    it(a.name + ': request and response round trip; replay and a wrong key refused', () => {
      const client = new SecurityContext({ masterSecret: secret, masterSalt: salt, senderId: EMPTY, recipientId: Uint8Array.of(1), algorithm: a });
      const server = new SecurityContext({ masterSecret: secret, masterSalt: salt, senderId: Uint8Array.of(1), recipientId: EMPTY, algorithm: a });
      assert.equal(server.commonIv.length, 12);
      const { message, binding } = protectRequest(client, request);
      assert.equal(message.payload.length, 1 + 5 + 16, 'code + Uri-Path option (1 + 4) + 16-byte tag');
      const got = unprotectRequest(message, contextLookup([server]));
      assert.equal(got.message.code, Code.GET);
      const resp = protectResponse({ type: MessageType.ACK, code: Code.CONTENT, messageId: 1, token: Uint8Array.of(9), options: [], payload: utf8Encode('22 C') }, got.binding);
      assert.equal(unprotectResponse(resp, binding).message.payload.length, 4);
      assert.throws(() => unprotectRequest(message, contextLookup([server])), ReplayError);
      const other = new SecurityContext({ masterSecret: fromHex('ff02030405060708090a0b0c0d0e0f10'), masterSalt: salt, senderId: Uint8Array.of(1), recipientId: EMPTY, algorithm: a });
      const before = JSON.stringify(other.replayWindow.snapshot());
      assert.throws(() => unprotectRequest(message, contextLookup([other])), ProtectionInvalid);
      assert.equal(JSON.stringify(other.replayWindow.snapshot()), before, 'a refused request leaves the window as it was');
    });
  }
  it('IDs longer than 12 − 6 bytes are refused for a 12-byte nonce (RFC 8613 §3.3)', () => {
    assert.throws(() => new SecurityContext({ masterSecret: secret, senderId: new Uint8Array(7), recipientId: EMPTY, algorithm: alg(1) }), /senderId: 7 bytes, but A128GCM allows at most 6/);
  });
});
