/**
 * Group OSCORE against aiocoap's implementation: test/fixtures/group/aiocoap-vectors.json was made
 * by test/fixtures/group/aiocoap-vectors.py running aiocoap's SimpleGroupContext (the commit is in
 * the file) for three members, once with EdDSA/Ed25519 (X25519 pairwise) and once with ES256/P-256.
 *
 * Checked: every derived key (Sender/Recipient Keys, Common IV, Signature Encryption Key, pairwise
 * keys both ways); aiocoap's group request, both group-mode responses, pairwise request and
 * response verified and decrypted here; and the same messages protected here byte for byte —
 * whole messages with Ed25519 (deterministic signatures), everything but the 64 signature bytes
 * with ES256 (randomised signatures; ours verify in the round trip tests).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import vectors from './fixtures/group/aiocoap-vectors.json' with { type: 'json' };
import { fromHex, toHex, utf8Decode, utf8Encode } from '../src/bytes.js';
import { Code, MessageType } from '../src/coap/numbers.js';
import { Option } from '../src/coap/option-registry.js';
import type { Message } from '../src/coap/message.js';
import { nobleAsymmetricCrypto } from '../src/crypto/asymmetric-noble.js';
import { getAlgorithm } from '../src/crypto/algorithms.js';
import { Prng } from '../src/sim/prng.js';
import { MemoryContextStore } from '../src/oscore/store.js';
import { GroupContext, groupKdf, pairwiseKey, protectGroupRequest, protectGroupResponse, unprotectGroupRequest, unprotectGroupResponse } from '../src/group/index.js';

type Scenario = (typeof vectors.scenarios)[number];
const crypto = nobleAsymmetricCrypto;
const CCM = getAlgorithm(10);

function group(s: Scenario, i: number, nextSeq: number): GroupContext {
  const sig = s.label.startsWith('EdDSA') ? -8 : -7;
  const m = s.members;
  return new GroupContext(
    {
      groupId: fromHex(s.groupId),
      masterSecret: fromHex(s.masterSecret),
      masterSalt: fromHex(s.masterSalt),
      senderId: fromHex(m[i].senderId),
      signatureAlgorithm: sig,
      credential: fromHex(m[i].credential),
      privateKey: fromHex(m[i].privateKey),
      members: m.filter((_, j) => j !== i).map((x) => ({ senderId: fromHex(x.senderId), credential: fromHex(x.credential), publicKey: fromHex(x.publicKey) })),
      gmCredential: null,
    },
    { crypto, random: new Prng(i + 1), store: new MemoryContextStore({ nextSeq }) },
  );
}

const getTemp = (): Message => ({ type: MessageType.NON, code: Code.GET, messageId: 1, token: Uint8Array.of(1), options: [{ number: Option.URI_PATH, value: utf8Encode('temp') }], payload: new Uint8Array(0) });
const content = (text: string): Message => ({ type: MessageType.NON, code: Code.CONTENT, messageId: 2, token: Uint8Array.of(1), options: [], payload: utf8Encode(text) });
const wire = (w: { code: number; option: string; payload: string }, type = MessageType.NON): Message => ({ type, code: w.code, messageId: 3, token: Uint8Array.of(1), options: [{ number: Option.OSCORE, value: fromHex(w.option) }], payload: fromHex(w.payload) });
const optionOf = (m: Message) => toHex(m.options.find((o) => o.number === Option.OSCORE)!.value);

describe('Group OSCORE cross-checked with aiocoap ' + String(vectors.aiocoapCommit).slice(0, 12), () => {
  for (const s of vectors.scenarios) {
    const deterministic = s.label.startsWith('EdDSA');
    /** With ES256 only the ciphertext before the signature is reproducible. */
    const samePayload = (ours: Uint8Array, theirs: string, signed: boolean) =>
      deterministic || !signed ? assert.equal(toHex(ours), theirs) : assert.equal(toHex(ours.subarray(0, ours.length - 64)), theirs.slice(0, theirs.length - 128));

    it(s.label + ': every derived key equals aiocoap\'s', () => {
      const secret = fromHex(s.masterSecret), salt = fromHex(s.masterSalt), gid = fromHex(s.groupId);
      s.members.forEach((m, i) => {
        const k = s.keys[i];
        assert.equal(toHex(groupKdf(secret, salt, gid, fromHex(m.senderId), 10, 'Key', 16)), k.senderKey);
        assert.equal(toHex(groupKdf(secret, salt, gid, new Uint8Array(0), 10, 'IV', 13)), k.commonIv);
        assert.equal(toHex(groupKdf(secret, salt, gid, new Uint8Array(0), 10, 'SEKey', 16)), k.signatureEncryptionKey);
        const g = group(s, i, 0);
        assert.equal(toHex(g.commonIv), k.commonIv);
        assert.equal(toHex(g.signatureEncryptionKey), k.signatureEncryptionKey);
        for (const [peerHex, rk] of Object.entries(k.recipientKeys)) assert.equal(toHex(groupKdf(secret, salt, gid, fromHex(peerHex), 10, 'Key', 16)), rk);
        for (const [peerHex, pw] of Object.entries(k.pairwise)) {
          const peer = s.members.find((x) => x.senderId === peerHex)!;
          const shared = g.sharedSecretWith({ senderId: fromHex(peerHex), credential: fromHex(peer.credential), publicKey: fromHex(peer.publicKey) });
          assert.equal(toHex(pairwiseKey(fromHex(k.senderKey), fromHex(m.credential), fromHex(peer.credential), shared, fromHex(m.senderId), gid, CCM)), pw.senderKey, 'pairwise sender key ' + m.senderId + '→' + peerHex);
          assert.equal(toHex(pairwiseKey(fromHex((k.recipientKeys as Record<string, string | undefined>)[peerHex]!), fromHex(peer.credential), fromHex(m.credential), shared, fromHex(peerHex), gid, CCM)), pw.recipientKey);
        }
      });
    });

    it(s.label + ': aiocoap\'s group request and both group-mode responses verify here', () => {
      const req = wire(s.groupRequest);
      const client = group(s, 0, s.groupRequest.seq);
      const ours = protectGroupRequest(client, getTemp());
      assert.equal(optionOf(ours.message), s.groupRequest.option);
      samePayload(ours.message.payload, s.groupRequest.payload, true);
      for (const [i, r] of s.groupResponses.entries()) {
        const server = group(s, i + 1, 0);
        const got = unprotectGroupRequest(server, req);
        assert.equal(utf8Decode(got.message.options.find((o) => o.number === Option.URI_PATH)!.value), 'temp');
        const mine = protectGroupResponse(content(r.text), got.binding);
        assert.equal(optionOf(mine), r.option);
        samePayload(mine.payload, r.payload, true);
        const back = unprotectGroupResponse(wire(r), ours.binding);
        assert.equal(toHex(back.member.senderId), r.responder);
        assert.equal(utf8Decode(back.message.payload), r.text);
      }
    });

    it(s.label + ': aiocoap\'s pairwise request and response match and verify here', () => {
      const client = group(s, 0, s.pairwiseRequest.seq);
      const ours = protectGroupRequest(client, getTemp(), 'pairwise', fromHex(s.pairwiseRequest.to));
      assert.equal(optionOf(ours.message), s.pairwiseRequest.option);
      samePayload(ours.message.payload, s.pairwiseRequest.payload, false);
      const server = group(s, 1, 0);
      const got = unprotectGroupRequest(server, wire(s.pairwiseRequest));
      assert.equal(got.binding.mode, 'pairwise');
      const mine = protectGroupResponse(content(s.pairwiseResponse.text), got.binding);
      assert.equal(optionOf(mine), s.pairwiseResponse.option);
      assert.equal(toHex(mine.payload), s.pairwiseResponse.payload);
      const back = unprotectGroupResponse(wire(s.pairwiseResponse), ours.binding);
      assert.equal(back.mode, 'pairwise');
      assert.equal(utf8Decode(back.message.payload), s.pairwiseResponse.text);
    });
  }
});
