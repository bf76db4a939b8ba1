/**
 * Group OSCORE (src/group): group and pairwise mode between three members (a client and two
 * servers), for EdDSA/Ed25519 (X25519 pairwise) and ES256/P-256; every security decision tried
 * with a message that should fail — tampered signature, a member posing as another, wrong group
 * key, unknown member, other group, replay, truncation — each a typed error with state unchanged.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { utf8Encode, utf8Decode, toHex } from '../src/bytes.js';
import { Code, MessageType } from '../src/coap/numbers.js';
import { Option } from '../src/coap/option-registry.js';
import type { Message } from '../src/coap/message.js';
import { nobleAsymmetricCrypto } from '../src/crypto/asymmetric-noble.js';
import type { SignatureAlgorithmId } from '../src/crypto/asymmetric.js';
import { encodeCcs } from '../src/cose/ccs.js';
import { Prng } from '../src/sim/prng.js';
import { MemoryContextStore } from '../src/oscore/store.js';
import { ContextUnavailable, DecodeError, LoadError, NotAProtectedMessage, ProtectionInvalid, ReplayError, ReplayErrorWithEcho } from '../src/errors.js';
import { GroupContext, protectGroupRequest, protectGroupResponse, unprotectGroupRequest, unprotectGroupResponse, decodeGroupOscoreOption, encodeGroupOscoreOption, type GroupContextParams, type GroupEchoVerifier, type GroupMember } from '../src/group/index.js';

const crypto = nobleAsymmetricCrypto;
const GID = Uint8Array.of(0x37, 0xcb, 0xf3, 0x21);
const SECRET = Uint8Array.from({ length: 16 }, (_, i) => i);
const SALT = Uint8Array.of(0x9e, 0x7c, 0xa9, 0x22, 0x23, 0x78, 0x63, 0x40);
const IDS = [Uint8Array.of(0x01), Uint8Array.of(0x02), Uint8Array.of(0x03)];

interface Keyed {
  privateKey: Uint8Array;
  member: GroupMember;
}

function makeMembers(sig: SignatureAlgorithmId, seed: number): Keyed[] {
  const random = new Prng(seed);
  const alg = crypto.signature(sig);
  return IDS.map((senderId, i) => {
    const kp = alg.generateKeyPair(random);
    const key = sig === -8 ? { kty: 1 as const, crv: 6, x: kp.publicKey } : { kty: 2 as const, crv: 1, x: kp.publicKey.slice(1, 33), y: kp.publicKey.slice(33) };
    return { privateKey: kp.privateKey, member: { senderId, credential: encodeCcs(key, 'member ' + i), publicKey: kp.publicKey } };
  });
}

function groupFor(keyed: Keyed[], i: number, sig: SignatureAlgorithmId, over: Partial<GroupContextParams> = {}, store?: MemoryContextStore): GroupContext {
  const params: GroupContextParams = {
    groupId: GID,
    masterSecret: SECRET,
    masterSalt: SALT,
    senderId: keyed[i].member.senderId,
    signatureAlgorithm: sig,
    credential: keyed[i].member.credential,
    privateKey: keyed[i].privateKey,
    members: keyed.filter((_, j) => j !== i).map((k) => k.member),
    ...over,
  };
  return new GroupContext(params, { crypto, random: new Prng(100 + i), store });
}

const get = (path: string, mid = 1): Message => ({ type: MessageType.NON, code: Code.GET, messageId: mid, token: Uint8Array.of(0xab, mid), options: [{ number: Option.URI_PATH, value: utf8Encode(path) }], payload: new Uint8Array(0) });
const content = (text: string): Message => ({ type: MessageType.NON, code: Code.CONTENT, messageId: 9, token: Uint8Array.of(0xab, 1), options: [], payload: utf8Encode(text) });
const optionOf = (m: Message) => m.options.find((o) => o.number === Option.OSCORE)!.value;
const withPayload = (m: Message, payload: Uint8Array): Message => ({ ...m, payload });
const windowOf = (g: GroupContext, id: Uint8Array) => JSON.stringify(g.recipient(id)!.replayWindow.snapshot());

describe('Group OSCORE option: the Group Flag (RFC 10021 §5)', () => {
  it('encodes 0x20 on top of RFC 8613 §6.1 and decodes it back; pairwise mode is the plain option', () => {
    const v = { partialIv: Uint8Array.of(5), kidContext: GID, kid: Uint8Array.of(1) };
    const g = encodeGroupOscoreOption(v, true);
    assert.equal(toHex(g), '39' + '05' + '04' + toHex(GID) + '01');
    assert.deepEqual(decodeGroupOscoreOption(g), { ...v, group: true });
    const p = encodeGroupOscoreOption(v, false);
    assert.equal(p[0], 0x19);
    assert.equal(decodeGroupOscoreOption(p).group, false);
  });
  it('refuses reserved bits, a lone Group Flag and the plain decoder\'s malformed cases', () => {
    for (const bad of ['20', '59', '99', '3901', '3d0105', '2201']) assert.throws(() => decodeGroupOscoreOption(Uint8Array.from(bad.match(/../g)!.map((h) => parseInt(h, 16)))), DecodeError, bad);
  });
});

for (const sig of [-8, -7] as SignatureAlgorithmId[]) {
  const name = sig === -8 ? 'EdDSA/Ed25519' : 'ES256/P-256';
  describe('Group OSCORE with ' + name + ': one client, two servers', () => {
    const keyed = makeMembers(sig, sig === -8 ? 1 : 2);
    const fresh = () => ({ client: groupFor(keyed, 0, sig), s1: groupFor(keyed, 1, sig), s2: groupFor(keyed, 2, sig) });

    it('group mode: one request verified by both servers, both group-mode responses verified by the client', () => {
      const { client, s1, s2 } = fresh();
      const { message, binding } = protectGroupRequest(client, get('temp'));
      assert.equal(optionOf(message)[0] & 0x20, 0x20, 'Group Flag set');
      assert.equal(message.code, Code.POST, 'outer code POST (RFC 8613 §4.2)');
      const answers = [s1, s2].map((s, i) => {
        const got = unprotectGroupRequest(s, message);
        assert.equal(utf8Decode(got.message.options.find((o) => o.number === Option.URI_PATH)!.value), 'temp');
        assert.equal(got.binding.mode, 'group');
        return protectGroupResponse(content('2' + (i + 1) + ' C'), got.binding);
      });
      const texts = answers.map((a) => {
        const r = unprotectGroupResponse(a, binding);
        assert.equal(r.mode, 'group');
        return toHex(r.member.senderId) + ':' + utf8Decode(r.message.payload);
      });
      assert.deepEqual(texts, ['02:21 C', '03:22 C']);
    });

    it('pairwise mode: only the addressed server reads the request; the answer comes back pairwise', () => {
      const { client, s1, s2 } = fresh();
      const { message, binding } = protectGroupRequest(client, get('temp'), 'pairwise', IDS[1]);
      assert.equal(optionOf(message)[0] & 0x20, 0, 'no Group Flag');
      assert.equal(message.payload.length, 1 + 5 + 8, 'code + Uri-Path + CCM tag, no signature');
      const before = windowOf(s2, IDS[0]);
      assert.throws(() => unprotectGroupRequest(s2, message), ProtectionInvalid, 'the other server has other pairwise keys');
      assert.equal(windowOf(s2, IDS[0]), before);
      const got = unprotectGroupRequest(s1, message);
      assert.equal(got.binding.mode, 'pairwise');
      const resp = protectGroupResponse(content('21 C'), got.binding);
      const r = unprotectGroupResponse(resp, binding);
      assert.equal(r.mode, 'pairwise');
      assert.equal(utf8Decode(r.message.payload), '21 C');
      // A server may answer a group request in pairwise mode too (as aiocoap's servers do).
      const g = protectGroupRequest(client, get('temp', 2));
      const gs = unprotectGroupRequest(s2, g.message);
      const pr = unprotectGroupResponse(protectGroupResponse(content('22 C'), gs.binding, { mode: 'pairwise' }), g.binding);
      assert.equal(pr.mode, 'pairwise');
      assert.equal(utf8Decode(pr.message.payload), '22 C');
    });

    it('responses with their own Partial IV; a second answer from one member is a replay', () => {
      const { client, s1 } = fresh();
      const { message, binding } = protectGroupRequest(client, get('temp'));
      const got = unprotectGroupRequest(s1, message);
      const first = protectGroupResponse(content('a'), got.binding, { partialIv: true });
      const second = protectGroupResponse(content('b'), got.binding, { partialIv: true });
      assert.equal(utf8Decode(unprotectGroupResponse(first, binding).message.payload), 'a');
      assert.throws(() => unprotectGroupResponse(first, binding), ReplayError);
      assert.equal(utf8Decode(unprotectGroupResponse(second, binding).message.payload), 'b');
      const noPiv = protectGroupResponse(content('c'), got.binding);
      assert.throws(() => unprotectGroupResponse(noPiv, binding), ReplayError);
    });

    it('tampered signature, ciphertext or option → ProtectionInvalid/DecodeError, window unchanged, the genuine request then accepted', () => {
      const { client, s1 } = fresh();
      const { message } = protectGroupRequest(client, get('temp'));
      const before = windowOf(s1, IDS[0]);
      const n = message.payload.length;
      for (const i of [n - 1, n - 64, 0, n - 65]) {
        const p = message.payload.slice();
        p[i] ^= 0x01;
        assert.throws(() => unprotectGroupRequest(s1, withPayload(message, p)), ProtectionInvalid, 'byte ' + i);
        assert.equal(windowOf(s1, IDS[0]), before);
      }
      // Clearing the Group Flag turns it into a (failing) pairwise message.
      const opt = optionOf(message).slice();
      opt[0] &= ~0x20;
      assert.throws(() => unprotectGroupRequest(s1, { ...message, options: [{ number: Option.OSCORE, value: opt }] }), ProtectionInvalid);
      // Truncated below code + tag + signature.
      assert.throws(() => unprotectGroupRequest(s1, withPayload(message, message.payload.subarray(0, 64 + 8))), DecodeError);
      assert.throws(() => unprotectGroupRequest(s1, withPayload(message, message.payload.subarray(0, n - 1))), ProtectionInvalid);
      assert.equal(windowOf(s1, IDS[0]), before);
      assert.equal(unprotectGroupRequest(s1, message).message.code, Code.GET);
    });

    it('a member posing as another (group keys known, own signing key) → ProtectionInvalid', () => {
      const { s1 } = fresh();
      // Server 2 knows the client's Sender Key (every member derives it) but not its private key.
      const forger = groupFor(keyed, 2, sig, { senderId: IDS[0], credential: keyed[0].member.credential, members: [keyed[1].member, keyed[2].member] });
      const { message } = protectGroupRequest(forger, get('temp'));
      assert.throws(() => unprotectGroupRequest(s1, message), ProtectionInvalid);
      assert.equal(s1.recipient(IDS[0])!.replayWindow.highestReceived, -1);
    });

    it('wrong group key, other group, unknown member, replay → typed errors, nothing allocated or changed', () => {
      const { client, s1 } = fresh();
      const wrongKey = groupFor(keyed, 0, sig, { masterSecret: Uint8Array.from({ length: 16 }, (_, i) => 255 - i) });
      assert.throws(() => unprotectGroupRequest(s1, protectGroupRequest(wrongKey, get('x')).message), ProtectionInvalid);
      const otherGroup = groupFor(keyed, 0, sig, { groupId: Uint8Array.of(0x99) });
      assert.throws(() => unprotectGroupRequest(s1, protectGroupRequest(otherGroup, get('x')).message), ContextUnavailable);
      const outsiderKeys = makeMembers(sig, 77);
      const outsider = groupFor([{ ...outsiderKeys[0], member: { ...outsiderKeys[0].member, senderId: Uint8Array.of(0x44) } }, ...keyed.slice(1)], 0, sig);
      const count = s1.recipientCount;
      assert.throws(() => unprotectGroupRequest(s1, protectGroupRequest(outsider, get('x')).message), ContextUnavailable);
      assert.equal(s1.recipientCount, count, 'no recipient context for an unknown kid');
      assert.equal(s1.isMember(Uint8Array.of(0x44)), false);
      const { message } = protectGroupRequest(client, get('temp'));
      unprotectGroupRequest(s1, message);
      const after = windowOf(s1, IDS[0]);
      assert.throws(() => unprotectGroupRequest(s1, message), ReplayError);
      assert.equal(windowOf(s1, IDS[0]), after);
      assert.throws(() => unprotectGroupRequest(s1, { ...message, options: [] }), NotAProtectedMessage);
    });

    it('responses: from a non-member, from another member than addressed, without kid → typed errors', () => {
      const { client, s1, s2 } = fresh();
      const pw = protectGroupRequest(client, get('temp'), 'pairwise', IDS[1]);
      const g = protectGroupRequest(client, get('temp', 2));
      const fromS2 = protectGroupResponse(content('x'), unprotectGroupRequest(s2, g.message).binding);
      assert.throws(() => unprotectGroupResponse(fromS2, pw.binding), ContextUnavailable);
      const ok = protectGroupResponse(content('y'), unprotectGroupRequest(s1, g.message).binding);
      const noKid = { ...ok, options: [{ number: Option.OSCORE, value: new Uint8Array(0) }] };
      assert.throws(() => unprotectGroupResponse(noKid, g.binding), DecodeError);
      assert.equal(g.binding.responders.size, 0, 'refused responses are not recorded');
    });

    it('after a restart each member\'s window is unknown until an Echo proves a request fresh (App. B.1.2 per member)', () => {
      const store = new MemoryContextStore();
      const first = groupFor(keyed, 1, sig, {}, store);
      first.close();
      const s1 = groupFor(keyed, 1, sig, {}, store);
      assert.equal(s1.windowsStartUnknown, true);
      const client = groupFor(keyed, 0, sig);
      const req = protectGroupRequest(client, get('temp'));
      assert.throws(() => unprotectGroupRequest(s1, req.message), ReplayError, 'no Echo verifier: refused');
      const echoValue = Uint8Array.of(0xec, 0x40);
      const echo: GroupEchoVerifier = { issue: () => echoValue, verify: (_g, m, e) => toHex(m.senderId) === '01' && toHex(e) === toHex(echoValue) };
      let challenge: unknown;
      try {
        unprotectGroupRequest(s1, req.message, { echo });
      } catch (e) {
        challenge = e;
      }
      assert.ok(challenge instanceof ReplayErrorWithEcho);
      assert.equal(s1.recipient(IDS[0])!.replayWindow.isUnknown, true);
      const retry = protectGroupRequest(client, { ...get('temp', 3), options: [{ number: Option.URI_PATH, value: utf8Encode('temp') }, { number: Option.ECHO, value: echoValue }] });
      unprotectGroupRequest(s1, retry.message, { echo });
      assert.equal(s1.recipient(IDS[0])!.replayWindow.isUnknown, false);
      assert.throws(() => unprotectGroupRequest(s1, retry.message, { echo }), ReplayError);
      // The sender sequence number continued from the store (App. B.1.1), never reusing one.
      assert.ok(s1.sequence.next >= first.sequence.next);
    });
  });
}

describe('GroupContext parameters', () => {
  const keyed = makeMembers(-8, 5);
  it('refuses bad configurations with LoadError naming the field', () => {
    assert.throws(() => groupFor(keyed, 0, -8, { members: [keyed[1].member, keyed[1].member] }), /listed twice/);
    assert.throws(() => groupFor(keyed, 0, -8, { members: [keyed[0].member] }), /equals own Sender ID/);
    assert.throws(() => groupFor(keyed, 0, -8, { senderId: new Uint8Array(8) }), /senderId: 8 bytes, at most 7/);
    assert.throws(() => groupFor(keyed, 0, -35 as SignatureAlgorithmId), /signatureAlgorithm/);
    assert.throws(() => groupFor(keyed, 0, -8, { masterSecret: new Uint8Array(0) }), LoadError);
    assert.throws(() => groupFor(keyed, 0, -8, { groupEncryptionAlgorithm: 1 }), /groupEncryptionAlgorithm: unsupported/);
  });
  it('Common IV takes the longer nonce; each mode uses its own prefix (AES-CCM-16-64-128 group, AES-CCM-64-64-128 pairwise)', () => {
    const g = groupFor(keyed, 0, -8, { aeadAlgorithm: 12, senderId: Uint8Array.of(1) });
    assert.equal(g.commonIv.length, 13);
    assert.equal(toHex(g.ivFor(g.aead)), toHex(g.commonIv.subarray(0, 7)));
  });
});
