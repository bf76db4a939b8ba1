/**
 * Cross-check on Node: all eight COSE AES-CCM algorithms are byte-identical to node:crypto
 * (OpenSSL's aes-128-ccm / aes-256-ccm) on randomized keys, nonces, plaintexts (0..300 bytes) and
 * AADs (0..40 bytes), both directions, plus the AAD sizes around the 0xFFFE length encoding.
 * Inputs come from a seeded generator so a failure names a reproducible case.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { AEAD_ALGORITHMS, getAlgorithm } from '../src/crypto/algorithms.js';
import type { AeadAlgorithm } from '../src/crypto/aead.js';
import { toHex } from '../src/bytes.js';
import { HOST_AEAD_ALGORITHMS } from '../src/crypto/host-aeads.js';

/** xorshift32: deterministic bytes for reproducible cases. */
function generator(seed: number) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  return {
    int: (max: number) => next() % (max + 1),
    bytes: (n: number) => {
      const b = new Uint8Array(n);
      for (let i = 0; i < n; i++) b[i] = next() & 0xff;
      return b;
    },
  };
}

function nodeSeal(alg: AeadAlgorithm, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array): Uint8Array {
  const c = createCipheriv(alg.keyLength === 16 ? 'aes-128-ccm' : 'aes-256-ccm', key, nonce, { authTagLength: alg.tagLength });
  c.setAAD(aad, { plaintextLength: pt.length });
  const out = Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

function nodeOpen(alg: AeadAlgorithm, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | null {
  const n = sealed.length - alg.tagLength;
  const d = createDecipheriv(alg.keyLength === 16 ? 'aes-128-ccm' : 'aes-256-ccm', key, nonce, { authTagLength: alg.tagLength });
  d.setAuthTag(sealed.subarray(n));
  d.setAAD(aad, { plaintextLength: n });
  const pt = d.update(sealed.subarray(0, n));
  try {
    d.final();
  } catch {
    return null;
  }
  return new Uint8Array(pt);
}

const CASES_PER_ALGORITHM = 150;

describe('AES-CCM equals node:crypto', () => {
  for (const alg of AEAD_ALGORITHMS) {
    it(alg.id + ' ' + alg.name + ': ' + CASES_PER_ALGORITHM + ' random cases plus empty/boundary sizes', () => {
      const seed = 0x5eed0000 + alg.id;
      const rnd = generator(seed);
      const sizes: [number, number][] = [[0, 0], [0, 40], [300, 0], [1, 1], [15, 16], [16, 15], [17, 17], [255, 39], [256, 40]];
      for (let i = 0; i < CASES_PER_ALGORITHM; i++) sizes.push([rnd.int(300), rnd.int(40)]);
      for (const [ptLen, aadLen] of sizes) {
        const key = rnd.bytes(alg.keyLength);
        const nonce = rnd.bytes(alg.nonceLength);
        const aad = rnd.bytes(aadLen);
        const pt = rnd.bytes(ptLen);
        const ours = alg.prepare(key);
        const sealed = ours.seal(nonce, aad, pt);
        const theirs = nodeSeal(alg, key, nonce, aad, pt);
        const where = `seed ${seed.toString(16)} pt ${ptLen} aad ${aadLen} key ${toHex(key)} nonce ${toHex(nonce)}`;
        assert.equal(toHex(sealed), toHex(theirs), where);
        assert.deepEqual(ours.open(nonce, aad, theirs), pt, where);
        assert.deepEqual(nodeOpen(alg, key, nonce, aad, sealed), pt, where);
        // Both reject the same forgery.
        if (sealed.length > 0) {
          const forged = sealed.slice();
          forged[rnd.int(forged.length - 1)] ^= 1 + rnd.int(254);
          assert.equal(ours.open(nonce, aad, forged), null, where);
          assert.equal(nodeOpen(alg, key, nonce, aad, forged), null, where);
        }
      }
    });
  }
  it('AAD lengths around the two-byte limit (0xFEFF, 0xFF00 → 0xFFFE encoding, 0x10000) match', () => {
    const rnd = generator(0xaad);
    for (const id of [10, 33]) {
      const alg = getAlgorithm(id);
      for (const aadLen of [0xfeff, 0xff00, 0x10000]) {
        const key = rnd.bytes(alg.keyLength);
        const nonce = rnd.bytes(alg.nonceLength);
        const aad = rnd.bytes(aadLen);
        const pt = rnd.bytes(33);
        const sealed = alg.prepare(key).seal(nonce, aad, pt);
        assert.equal(toHex(sealed), toHex(nodeSeal(alg, key, nonce, aad, pt)), alg.name + ' aad ' + aadLen);
      }
    }
  });
  it('the largest L=2 message (65535 bytes) matches', () => {
    const rnd = generator(0xbeef);
    const alg = getAlgorithm(30);
    const key = rnd.bytes(16), nonce = rnd.bytes(13), pt = rnd.bytes(65535), aad = rnd.bytes(5);
    assert.equal(toHex(alg.prepare(key).seal(nonce, aad, pt)), toHex(nodeSeal(alg, key, nonce, aad, pt)));
  });
});

describe('host AEADs equal node:crypto (OpenSSL aes-*-gcm, chacha20-poly1305)', () => {
  const openssl: Record<number, string> = { 1: 'aes-128-gcm', 2: 'aes-192-gcm', 3: 'aes-256-gcm', 24: 'chacha20-poly1305' };
  for (const alg of HOST_AEAD_ALGORITHMS) {
    it(alg.name + ': 60 random cases, both directions', () => {
      const rnd = generator(0x6c0000 + alg.id);
      for (let i = 0; i < 60; i++) {
        const key = rnd.bytes(alg.keyLength), nonce = rnd.bytes(12), aad = rnd.bytes(rnd.int(40)), pt = rnd.bytes(rnd.int(300));
        const c = createCipheriv(openssl[alg.id] as 'aes-128-gcm', key, nonce, { authTagLength: 16 });
        c.setAAD(aad);
        const theirs = new Uint8Array(Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]));
        const ours = alg.prepare(key);
        assert.equal(toHex(ours.seal(nonce, aad, pt)), toHex(theirs), alg.name + ' case ' + i);
        assert.deepEqual(ours.open(nonce, aad, theirs), pt);
      }
    });
  }
});
