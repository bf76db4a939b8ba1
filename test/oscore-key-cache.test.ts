/**
 * Prepared keys in a bounded cache shared by security contexts (src/crypto/key-cache.ts), as the
 * device shares one among its contexts (targets/moddable ports): with fewer places than keys in
 * use, every key is evicted and prepared again, and still each message is protected with exactly
 * its own context's key — RFC 8613 C.4–C.7 byte for byte, a peer's key never used for another's
 * message, a closed context's keys dropped. Contexts keep their IDs, Common IV and raw keys in one
 * buffer, copied from the caller's.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fromHex, toHex } from '../src/bytes.js';
import { decodeMessage, encodeMessage } from '../src/coap/codec.js';
import { OscoreError } from '../src/errors.js';
import { PreparedKeyCache } from '../src/crypto/key-cache.js';
import { nobleAesBlockCipherFactory } from '../src/crypto/aes-noble.js';
import { SecurityContext, deriveKeys, type SecurityContextParams } from '../src/oscore/context.js';
import { MemoryContextStore } from '../src/oscore/store.js';
import { protectRequest, protectResponse } from '../src/oscore/protect.js';
import { unprotectRequest, unprotectResponse, contextLookup } from '../src/oscore/unprotect.js';

const SECRET = fromHex('0102030405060708090a0b0c0d0e0f10');
const SALT = fromHex('9e7ca92223786340');
// RFC 8613 C.1.1 (client, with Master Salt) and C.2.1 (client, without).
const C1: SecurityContextParams = { masterSecret: SECRET, masterSalt: SALT, senderId: fromHex(''), recipientId: fromHex('01') };
const C2: SecurityContextParams = { masterSecret: SECRET, senderId: fromHex('00'), recipientId: fromHex('01') };
const C3: SecurityContextParams = { ...C1, idContext: fromHex('37cbf3210017a2d3') };
const swap = (p: SecurityContextParams): SecurityContextParams => ({ ...p, senderId: p.recipientId, recipientId: p.senderId });
const C4_REQUEST = '44015d1f00003974396c6f63616c686f737483747631';
const C4_PROTECTED = '44025d1f00003974396c6f63616c686f7374620914ff612f1092f1776f1c1668b3825e';
const C5_REQUEST = '440171c30000b932396c6f63616c686f737483747631';
const C5_PROTECTED = '440271c30000b932396c6f63616c686f737463091400ff4ed339a5a379b0b8bc731fffb0';
const C6_PROTECTED = '44022f8eef9bbf7a396c6f63616c686f73746b19140837cbf3210017a2d3ff72cd7273fd331ac45cffbe55c3';
const C7_RESPONSE = '64455d1f00003974ff48656c6c6f20576f726c6421';
const C7_PROTECTED = '64445d1f0000397490ffdbaad1e9a7e7b2a813d3c31524378303cdafae119106';

describe('prepared keys in a shared bounded cache', () => {
  it('RFC 8613 C.4–C.7 byte for byte with one place for four contexts: keys evicted and prepared again', () => {
    const cache = new PreparedKeyCache(1);
    const c1 = new SecurityContext(C1, { store: new MemoryContextStore({ nextSeq: 20 }), keyCache: cache });
    const c2 = new SecurityContext(C2, { store: new MemoryContextStore({ nextSeq: 20 }), keyCache: cache });
    const s1 = new SecurityContext(swap(C1), { keyCache: cache });
    const s2 = new SecurityContext(swap(C2), { keyCache: cache });
    const lookup = contextLookup([s1, s2]);
    const p4 = protectRequest(c1, decodeMessage(fromHex(C4_REQUEST)));
    const p5 = protectRequest(c2, decodeMessage(fromHex(C5_REQUEST)));
    assert.equal(toHex(encodeMessage(p4.message)), C4_PROTECTED);
    assert.equal(toHex(encodeMessage(p5.message)), C5_PROTECTED);
    const r5 = unprotectRequest(decodeMessage(fromHex(C5_PROTECTED)), lookup);
    const r4 = unprotectRequest(decodeMessage(fromHex(C4_PROTECTED)), lookup);
    assert.equal(r4.binding.context, s1);
    assert.equal(r5.binding.context, s2);
    assert.equal(toHex(encodeMessage(r4.message)), C4_REQUEST);
    assert.equal(toHex(encodeMessage(r5.message)), C5_REQUEST);
    // C.7: s1 answers after s2 took the only place; c1 opens it after c2 did.
    const resp = protectResponse(decodeMessage(fromHex(C7_RESPONSE)), r4.binding);
    assert.equal(toHex(encodeMessage(resp)), C7_PROTECTED);
    protectResponse(decodeMessage(fromHex(C7_RESPONSE)), r5.binding);
    assert.equal(toHex(encodeMessage(unprotectResponse(decodeMessage(fromHex(C7_PROTECTED)), p4.binding).message)), C7_RESPONSE);
    // Seven key uses (c1, c2 seal; s2, s1 open; s1, s2 seal; c1 opens), each after the other key
    // took the only place: seven preparations.
    assert.equal(cache.prepared, 7);
  });

  it('a context never gets another context\'s key: a message for one fails with the other, cache or not', () => {
    const cache = new PreparedKeyCache(2);
    // Same IDs, different secrets: only the key tells them apart.
    const other = { ...C1, masterSecret: fromHex('ff02030405060708090a0b0c0d0e0f10') };
    const client = new SecurityContext(C1, { store: new MemoryContextStore({ nextSeq: 20 }), keyCache: cache });
    const rightServer = new SecurityContext(swap(C1), { keyCache: cache });
    const wrongServer = new SecurityContext(swap(other), { keyCache: cache });
    for (let i = 0; i < 3; i++) {
      const bytes = encodeMessage(protectRequest(client, decodeMessage(fromHex(C4_REQUEST))).message);
      assert.throws(() => unprotectRequest(decodeMessage(bytes), contextLookup([wrongServer])), OscoreError);
      assert.equal(wrongServer.replayWindow.highestReceived, -1, 'a failed message leaves the window as it was');
      const ok = unprotectRequest(decodeMessage(bytes), contextLookup([rightServer]));
      assert.equal(toHex(encodeMessage(ok.message)), C4_REQUEST);
    }
    assert.equal(rightServer.recipientKey === wrongServer.recipientKey, false);
  });

  it('keeps the most recently used keys; close() drops a context\'s keys', () => {
    const cache = new PreparedKeyCache(3);
    const ctx = [0, 1, 2].map((i) => new SecurityContext({ ...C1, senderId: Uint8Array.of(i), recipientId: Uint8Array.of(0x10 + i) }, { keyCache: cache }));
    const k0 = ctx[0].senderKey;
    ctx[1].senderKey;
    ctx[2].senderKey;
    assert.equal(cache.prepared, 3);
    assert.equal(ctx[0].senderKey, k0, 'still cached');
    ctx[1].recipientKey; // evicts the least recently used: ctx[1]'s sender key
    assert.equal(cache.prepared, 4);
    assert.equal(ctx[0].senderKey, k0, 'used more recently: kept');
    ctx[2].senderKey;
    assert.equal(cache.prepared, 4, 'ctx[2] sender key is still cached');
    ctx[1].senderKey;
    assert.equal(cache.prepared, 5, 'ctx[1] sender key was evicted and is prepared again');
    ctx[0].close();
    assert.notEqual(ctx[0].senderKey, k0, 'closed: its keys left the cache');
    assert.equal(cache.prepared, 6);
  });

  it('refuses a capacity that is not a positive integer; keys are prepared with the cache\'s AES', () => {
    for (const c of [0, -1, 1.5, NaN]) assert.throws(() => new PreparedKeyCache(c), /key cache capacity: /);
    let made = 0;
    const counting = (k: Uint8Array) => (made++, nobleAesBlockCipherFactory(k));
    const cache = new PreparedKeyCache(2, counting);
    const ctx = new SecurityContext(C1, { keyCache: cache, aes: nobleAesBlockCipherFactory });
    assert.ok(ctx.senderKey && ctx.recipientKey);
    assert.equal(made, 2);
  });
});

describe('a context\'s bytes in one buffer', () => {
  it('IDs, Common IV and keys are copies: changing or wiping the caller\'s arrays changes nothing', () => {
    const params = { ...C3, senderId: fromHex('01'), recipientId: fromHex(''), idContext: C3.idContext!.slice() };
    const keys = deriveKeys(params);
    const ctx = new SecurityContext(params, { keys: { senderKey: keys.senderKey.slice(), recipientKey: keys.recipientKey.slice(), commonIv: keys.commonIv.slice() } });
    const reference = new SecurityContext(params);
    params.senderId.fill(0xee);
    params.idContext!.fill(0xee);
    assert.equal(toHex(ctx.senderId), '01');
    assert.equal(toHex(ctx.recipientId), '');
    assert.equal(toHex(ctx.idContext!), '37cbf3210017a2d3');
    assert.equal(toHex(ctx.commonIv), toHex(keys.commonIv));
    const nonce = new Uint8Array(13), aad = new Uint8Array(3);
    assert.equal(toHex(ctx.senderKey.seal(nonce, aad, Uint8Array.of(1, 2))), toHex(reference.senderKey.seal(nonce, aad, Uint8Array.of(1, 2))));
    assert.equal(new SecurityContext(C1).idContext, undefined);
  });
  it('C.6 (with ID Context) byte for byte on a shared cache', () => {
    const client = new SecurityContext(C3, { store: new MemoryContextStore({ nextSeq: 20 }), keyCache: new PreparedKeyCache(1) });
    const p = protectRequest(client, decodeMessage(fromHex('44012f8eef9bbf7a396c6f63616c686f737483747631')));
    assert.equal(toHex(encodeMessage(p.message)), C6_PROTECTED);
  });
});
