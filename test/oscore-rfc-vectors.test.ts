/**
 * RFC 8613 Appendix C, byte for byte: key derivation with and without Master Salt and with ID
 * Context (C.1–C.3: info, keys, Common IV, nonces) and the protected request/response messages
 * (C.4–C.8), both protecting (the exact bytes) and verifying them.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fromHex, toHex } from '../src/bytes.js';
import { decodeMessage, encodeMessage } from '../src/coap/codec.js';
import { SecurityContext, deriveKeys, kdfInfo, type SecurityContextParams } from '../src/oscore/context.js';
import { MemoryContextStore } from '../src/oscore/store.js';
import { aeadNonce } from '../src/oscore/nonce.js';
import { aeadAad, externalAad } from '../src/oscore/aad.js';
import * as AAD from '../src/oscore/aad.js';
import { encodeCbor } from '../src/oscore/cbor.js';
import { protectRequest, protectResponse } from '../src/oscore/protect.js';
import { unprotectRequest, unprotectResponse, contextLookup } from '../src/oscore/unprotect.js';

const SECRET = fromHex('0102030405060708090a0b0c0d0e0f10');
const SALT = fromHex('9e7ca92223786340');
const ID_CONTEXT = fromHex('37cbf3210017a2d3');

interface DerivationVector {
  name: string;
  params: SecurityContextParams;
  infoSender: string;
  infoRecipient: string;
  infoIv: string;
  senderKey: string;
  recipientKey: string;
  commonIv: string;
  senderNonce0: string;
  recipientNonce0: string;
}

// RFC 8613 Appendix C.1.1–C.3.2.
const DERIVATION: DerivationVector[] = [
  { name: 'C.1.1 client, with Master Salt', params: { masterSecret: SECRET, masterSalt: SALT, senderId: fromHex(''), recipientId: fromHex('01') },
    infoSender: '8540f60a634b657910', infoRecipient: '854101f60a634b657910', infoIv: '8540f60a6249560d',
    senderKey: 'f0910ed7295e6ad4b54fc793154302ff', recipientKey: 'ffb14e093c94c9cac9471648b4f98710', commonIv: '4622d4dd6d944168eefb54987c',
    senderNonce0: '4622d4dd6d944168eefb54987c', recipientNonce0: '4722d4dd6d944169eefb54987c' },
  { name: 'C.1.2 server, with Master Salt', params: { masterSecret: SECRET, masterSalt: SALT, senderId: fromHex('01'), recipientId: fromHex('') },
    infoSender: '854101f60a634b657910', infoRecipient: '8540f60a634b657910', infoIv: '8540f60a6249560d',
    senderKey: 'ffb14e093c94c9cac9471648b4f98710', recipientKey: 'f0910ed7295e6ad4b54fc793154302ff', commonIv: '4622d4dd6d944168eefb54987c',
    senderNonce0: '4722d4dd6d944169eefb54987c', recipientNonce0: '4622d4dd6d944168eefb54987c' },
  { name: 'C.2.1 client, without Master Salt', params: { masterSecret: SECRET, senderId: fromHex('00'), recipientId: fromHex('01') },
    infoSender: '854100f60a634b657910', infoRecipient: '854101f60a634b657910', infoIv: '8540f60a6249560d',
    senderKey: '321b26943253c7ffb6003b0b64d74041', recipientKey: 'e57b5635815177cd679ab4bcec9d7dda', commonIv: 'be35ae297d2dace910c52e99f9',
    senderNonce0: 'bf35ae297d2dace910c52e99f9', recipientNonce0: 'bf35ae297d2dace810c52e99f9' },
  { name: 'C.2.2 server, without Master Salt', params: { masterSecret: SECRET, senderId: fromHex('01'), recipientId: fromHex('00') },
    infoSender: '854101f60a634b657910', infoRecipient: '854100f60a634b657910', infoIv: '8540f60a6249560d',
    senderKey: 'e57b5635815177cd679ab4bcec9d7dda', recipientKey: '321b26943253c7ffb6003b0b64d74041', commonIv: 'be35ae297d2dace910c52e99f9',
    senderNonce0: 'bf35ae297d2dace810c52e99f9', recipientNonce0: 'bf35ae297d2dace910c52e99f9' },
  { name: 'C.3.1 client, with ID Context', params: { masterSecret: SECRET, masterSalt: SALT, senderId: fromHex(''), recipientId: fromHex('01'), idContext: ID_CONTEXT },
    infoSender: '85404837cbf3210017a2d30a634b657910', infoRecipient: '8541014837cbf3210017a2d30a634b657910', infoIv: '85404837cbf3210017a2d30a6249560d',
    senderKey: 'af2a1300a5e95788b356336eeecd2b92', recipientKey: 'e39a0c7c77b43f03b4b39ab9a268699f', commonIv: '2ca58fb85ff1b81c0b7181b85e',
    senderNonce0: '2ca58fb85ff1b81c0b7181b85e', recipientNonce0: '2da58fb85ff1b81d0b7181b85e' },
  { name: 'C.3.2 server, with ID Context', params: { masterSecret: SECRET, masterSalt: SALT, senderId: fromHex('01'), recipientId: fromHex(''), idContext: ID_CONTEXT },
    infoSender: '8541014837cbf3210017a2d30a634b657910', infoRecipient: '85404837cbf3210017a2d30a634b657910', infoIv: '85404837cbf3210017a2d30a6249560d',
    senderKey: 'e39a0c7c77b43f03b4b39ab9a268699f', recipientKey: 'af2a1300a5e95788b356336eeecd2b92', commonIv: '2ca58fb85ff1b81c0b7181b85e',
    senderNonce0: '2da58fb85ff1b81d0b7181b85e', recipientNonce0: '2ca58fb85ff1b81c0b7181b85e' },
];

describe('RFC 8613 C.1–C.3 key derivation', () => {
  for (const v of DERIVATION) {
    it(v.name + ': info bytes (deterministic CBOR, no tags)', () => {
      const p = v.params;
      assert.equal(toHex(kdfInfo(p.senderId, p.idContext, 10, 'Key', 16)), v.infoSender);
      assert.equal(toHex(kdfInfo(p.recipientId, p.idContext, 10, 'Key', 16)), v.infoRecipient);
      assert.equal(toHex(kdfInfo(new Uint8Array(0), p.idContext, 10, 'IV', 13)), v.infoIv);
    });
    it(v.name + ': Sender Key, Recipient Key, Common IV, nonces for Partial IV 0', () => {
      const k = deriveKeys(v.params);
      assert.equal(toHex(k.senderKey), v.senderKey);
      assert.equal(toHex(k.recipientKey), v.recipientKey);
      assert.equal(toHex(k.commonIv), v.commonIv);
      assert.equal(toHex(aeadNonce(k.commonIv, v.params.senderId, fromHex('00'))), v.senderNonce0);
      assert.equal(toHex(aeadNonce(k.commonIv, v.params.recipientId, fromHex('00'))), v.recipientNonce0);
    });
  }
});

describe('deterministic CBOR and external AAD', () => {
  it('encodes integers in the shortest head, byte strings untagged, null, nested arrays', () => {
    assert.equal(toHex(encodeCbor([0, 23, 24, 255, 256, 65535, 65536, 2 ** 32, -1, -24, -25, -10, null])), '8d' + '00' + '17' + '1818' + '18ff' + '190100' + '19ffff' + '1a00010000' + '1b0000000100000000' + '20' + '37' + '3818' + '29' + 'f6');
    assert.equal(toHex(encodeCbor([new Uint8Array([1, 2]), 'IV', []])), '83' + '420102' + '624956' + '80');
    const long = new Uint8Array(300);
    assert.equal(toHex(encodeCbor(long).subarray(0, 3)), '59012c');
  });
  it('pins external_aad and Enc_structure of C.4 (kid empty, piv 0x14) and C.5 (kid 0x00)', () => {
    assert.equal(toHex(externalAad(10, fromHex(''), fromHex('14'))), '8501810a40411440');
    assert.equal(toHex(aeadAad(10, fromHex(''), fromHex('14'))), '8368456e63727970743040488501810a40411440');
    assert.equal(toHex(externalAad(10, fromHex('00'), fromHex('14'))), '8501810a4100411440');
    assert.equal(toHex(aeadAad(10, fromHex('00'), fromHex('14'))), '8368456e63727970743040498501810a4100411440');
  });
});

interface MessageVector {
  name: string;
  client: SecurityContextParams;
  unprotected: string;
  protectedHex: string;
}

const C1 = DERIVATION[0].params;
const C2 = DERIVATION[2].params;
const C3 = DERIVATION[4].params;
const swap = (p: SecurityContextParams): SecurityContextParams => ({ ...p, senderId: p.recipientId, recipientId: p.senderId });

// RFC 8613 C.4–C.6: requests with sender sequence number 20.
const REQUESTS: MessageVector[] = [
  { name: 'C.4 request, C.1 client', client: C1, unprotected: '44015d1f00003974396c6f63616c686f737483747631', protectedHex: '44025d1f00003974396c6f63616c686f7374620914ff612f1092f1776f1c1668b3825e' },
  { name: 'C.5 request, C.2 client', client: C2, unprotected: '440171c30000b932396c6f63616c686f737483747631', protectedHex: '440271c30000b932396c6f63616c686f737463091400ff4ed339a5a379b0b8bc731fffb0' },
  { name: 'C.6 request, C.3 client (kid context)', client: C3, unprotected: '44012f8eef9bbf7a396c6f63616c686f737483747631', protectedHex: '44022f8eef9bbf7a396c6f63616c686f73746b19140837cbf3210017a2d3ff72cd7273fd331ac45cffbe55c3' },
];

describe('RFC 8613 C.4–C.6 protected requests', () => {
  for (const v of REQUESTS) {
    it(v.name + ': protect gives the exact bytes; the server recovers the original', () => {
      const client = new SecurityContext(v.client, { store: new MemoryContextStore({ nextSeq: 20 }) });
      const { message } = protectRequest(client, decodeMessage(fromHex(v.unprotected)));
      assert.equal(toHex(encodeMessage(message)), v.protectedHex);
      assert.equal(client.sequence.next, 21);

      const server = new SecurityContext(swap(v.client));
      const r = unprotectRequest(decodeMessage(fromHex(v.protectedHex)), contextLookup([server]));
      assert.equal(toHex(encodeMessage(r.message)), v.unprotected);
      assert.equal(r.binding.seq, 20);
      assert.equal(server.replayWindow.highestReceived, 20);
    });
  }
});

describe('RFC 8613 C.7–C.8 protected responses to C.4', () => {
  const response = '64455d1f00003974ff48656c6c6f20576f726c6421';
  const pair = () => {
    const client = new SecurityContext(C1, { store: new MemoryContextStore({ nextSeq: 20 }) });
    const server = new SecurityContext(swap(C1));
    const req = protectRequest(client, decodeMessage(fromHex(REQUESTS[0].unprotected)));
    const srv = unprotectRequest(decodeMessage(encodeMessage(req.message)), contextLookup([server]));
    return { client, server, clientBinding: req.binding, serverBinding: srv.binding };
  };
  it('C.7: reuses the request nonce, no Partial IV', () => {
    const { client, serverBinding, clientBinding } = pair();
    const out = protectResponse(decodeMessage(fromHex(response)), serverBinding);
    const hex = '64445d1f0000397490ffdbaad1e9a7e7b2a813d3c31524378303cdafae119106';
    assert.equal(toHex(encodeMessage(out)), hex);
    assert.equal(serverBinding.context.sequence.next, 0, 'no sequence number used');
    const back = unprotectResponse(decodeMessage(fromHex(hex)), clientBinding);
    assert.equal(toHex(encodeMessage(back.message)), response);
    assert.equal(back.partialIv, undefined);
    assert.equal(client.sequence.next, 21);
  });
  it('C.8: own Partial IV 0 and nonce from the server Sender ID', () => {
    const { serverBinding, clientBinding } = pair();
    const out = protectResponse(decodeMessage(fromHex(response)), serverBinding, { partialIv: true });
    const hex = '64445d1f00003974920100ff4d4c13669384b67354b2b6175ff4b8658c666a6cf88e';
    assert.equal(toHex(encodeMessage(out)), hex);
    assert.equal(serverBinding.context.sequence.next, 1);
    const back = unprotectResponse(decodeMessage(fromHex(hex)), clientBinding);
    assert.equal(toHex(encodeMessage(back.message)), response);
    assert.equal(back.partialIv, 0);
  });
});

describe('AAD fast path', () => {
  it('aeadAad writes exactly encStructure(externalAad(...)) for every shape of kid, Partial IV and algorithm', () => {
    const { encStructure } = AAD;
    for (const alg of [10, 11, 12, 13, 30, 33, -7, -25, 300, 70000])
      for (const kidLen of [0, 1, 7, 23, 24, 255, 256])
        for (const piv of ['00', '14', 'ffff', 'ffffffffff']) {
          const kid = new Uint8Array(kidLen).fill(0xab);
          assert.equal(toHex(aeadAad(alg, kid, fromHex(piv))), toHex(encStructure(externalAad(alg, kid, fromHex(piv)))), alg + '/' + kidLen + '/' + piv);
        }
  });
});
