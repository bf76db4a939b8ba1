/**
 * A Group OSCORE world for fuzz targets, the simulated-network test and benchmarks (not a test
 * file): three members (client 01, servers 02 and 03) of group 37cbf321, keys from a seeded PRNG.
 */
import { utf8Encode } from '../../src/bytes.js';
import { Code, MessageType } from '../../src/coap/numbers.js';
import { Option } from '../../src/coap/option-registry.js';
import type { Message } from '../../src/coap/message.js';
import { nobleAsymmetricCrypto } from '../../src/crypto/asymmetric-noble.js';
import type { AsymmetricCrypto, SignatureAlgorithmId } from '../../src/crypto/asymmetric.js';
import { encodeCcs } from '../../src/cose/ccs.js';
import { Prng } from '../../src/sim/prng.js';
import type { ContextStore } from '../../src/oscore/store.js';
import { GroupContext, type GroupContextParams, type GroupMember } from '../../src/group/index.js';

export const GROUP_ID = Uint8Array.of(0x37, 0xcb, 0xf3, 0x21);
export const GROUP_SECRET = Uint8Array.from({ length: 16 }, (_, i) => i);
export const GROUP_SALT = Uint8Array.of(0x9e, 0x7c, 0xa9, 0x22, 0x23, 0x78, 0x63, 0x40);
export const MEMBER_IDS = [Uint8Array.of(0x01), Uint8Array.of(0x02), Uint8Array.of(0x03)];

export interface KeyedMember {
  privateKey: Uint8Array;
  member: GroupMember;
}

/** Key pairs and CCS credentials for the three members. */
export function makeMembers(sig: SignatureAlgorithmId, seed: number, crypto: AsymmetricCrypto = nobleAsymmetricCrypto): KeyedMember[] {
  const random = new Prng(seed);
  const alg = crypto.signature(sig);
  return MEMBER_IDS.map((senderId, i) => {
    const kp = alg.generateKeyPair(random);
    const key = sig === -8 ? { kty: 1 as const, crv: 6, x: kp.publicKey } : { kty: 2 as const, crv: 1, x: kp.publicKey.slice(1, 33), y: kp.publicKey.slice(33) };
    return { privateKey: kp.privateKey, member: { senderId, credential: encodeCcs(key, 'member ' + i), publicKey: kp.publicKey } };
  });
}

/** Member `i`'s group context (the others as its members). */
export function memberContext(keyed: KeyedMember[], i: number, sig: SignatureAlgorithmId, over: Partial<GroupContextParams> = {}, store?: ContextStore, crypto: AsymmetricCrypto = nobleAsymmetricCrypto): GroupContext {
  return new GroupContext(
    {
      groupId: GROUP_ID,
      masterSecret: GROUP_SECRET,
      masterSalt: GROUP_SALT,
      senderId: keyed[i].member.senderId,
      signatureAlgorithm: sig,
      credential: keyed[i].member.credential,
      privateKey: keyed[i].privateKey,
      members: keyed.filter((_, j) => j !== i).map((k) => k.member),
      ...over,
    },
    { crypto, random: new Prng(100 + i), store },
  );
}

export function groupGet(path: string, mid = 1, type = MessageType.NON): Message {
  return { type, code: Code.GET, messageId: mid, token: Uint8Array.of(0xab, mid & 0xff), options: [{ number: Option.URI_PATH, value: utf8Encode(path) }], payload: new Uint8Array(0) };
}
