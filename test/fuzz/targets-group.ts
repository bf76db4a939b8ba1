/**
 * Fuzz targets for Group OSCORE verification (RFC 10021 §7.2, §8.2; not a test file): group-mode
 * and pairwise-mode requests from the client, mutated in the OSCORE option (Group Flag toggled,
 * bytes flipped, truncated), in the payload (ciphertext, encrypted countersignature, truncation,
 * extension) and byte by byte on the datagram, plus random payloads under member and stranger
 * kids. Properties: only OscoreXsError subclasses; a rejection leaves the server as it was (every
 * member's replay window, the number of recipient contexts, the sequence number); an acceptance is
 * only ever the original plaintext of a request not accepted before.
 */
import { fc } from './fc.js';
import { bump, typedOnly, type FuzzTarget } from './target.js';
import { applyByteMutations, byteMutations } from './arbitraries.js';
import { innerView } from './oscore-world.js';
import { groupGet, makeMembers, memberContext, GROUP_ID, MEMBER_IDS } from './group-world.js';
import { toHex } from '../../src/bytes.js';
import { decodeMessage, encodeMessage } from '../../src/coap/codec.js';
import { Option } from '../../src/coap/option-registry.js';
import { Code } from '../../src/coap/numbers.js';
import type { Message } from '../../src/coap/message.js';
import { MessageFormatError, OscoreError } from '../../src/errors.js';
import { protectGroupRequest, unprotectGroupRequest, decodeGroupOscoreOption, encodeGroupOscoreOption, type GroupContext } from '../../src/group/index.js';

const SIGNATURE = -8;

function serverState(g: GroupContext): string {
  const windows = MEMBER_IDS.map((id) => {
    const r = g.knownRecipient(id);
    return r ? JSON.stringify(r.replayWindow.snapshot()) : '-';
  });
  return windows.join('/') + '|n ' + g.recipientCount + '|seq ' + g.sequence.next;
}

function withOption(m: Message, value: Uint8Array): Message {
  return { ...m, options: m.options.map((o) => (o.number === Option.OSCORE ? { number: o.number, value } : o)) };
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flag' as const) }),
  fc.record({ kind: fc.constant('option-bit' as const), at: fc.nat(), bit: fc.nat({ max: 7 }) }),
  fc.record({ kind: fc.constant('option-cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('payload-bit' as const), fromEnd: fc.boolean(), at: fc.nat(), bit: fc.nat({ max: 7 }) }),
  fc.record({ kind: fc.constant('payload-cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('payload-extend' as const), extra: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function applyMutation(m: Message, mut: Mutation): Message {
  const opt = m.options.find((o) => o.number === Option.OSCORE)!.value;
  const p = m.payload;
  switch (mut.kind) {
    case 'flag': {
      const v = opt.slice();
      v[0] ^= 0x20;
      return withOption(m, v);
    }
    case 'option-bit': {
      const v = opt.slice();
      v[mut.at % v.length] ^= 1 << mut.bit;
      return withOption(m, v);
    }
    case 'option-cut':
      return withOption(m, opt.slice(0, mut.at % opt.length));
    case 'payload-bit': {
      const q = p.slice();
      const i = mut.at % Math.max(1, Math.min(q.length, 64));
      q[mut.fromEnd ? q.length - 1 - i : i] ^= 1 << mut.bit;
      return { ...m, payload: q };
    }
    case 'payload-cut':
      return { ...m, payload: p.slice(0, mut.at % p.length) };
    case 'payload-extend': {
      const q = new Uint8Array(p.length + mut.extra.length);
      q.set(p);
      q.set(mut.extra, p.length);
      return { ...m, payload: q };
    }
  }
}

const plan = fc.record({ sample: fc.nat(), muts: fc.array(mutation, { maxLength: 3 }), bytes: fc.option(byteMutations, { nil: undefined, freq: 4 }) });
const randomUnderKid = fc.record({ kid: fc.constantFrom(0x01, 0x02, 0x03, 0x44), piv: fc.uint8Array({ minLength: 1, maxLength: 5 }), group: fc.boolean(), payload: fc.uint8Array({ maxLength: 100 }) });

export const unprotectGroupRequestTarget: FuzzTarget = {
  name: 'group-unprotect-request',
  description: 'group-mode and pairwise requests (fresh and replayed) with Group Flag, option, ciphertext, countersignature and datagram mutations, and random payloads under member/stranger kids → unprotectGroupRequest',
  create() {
    const keyed = makeMembers(SIGNATURE, 9);
    const client = memberContext(keyed, 0, SIGNATURE);
    let server = memberContext(keyed, 1, SIGNATURE);
    const samples = [0, 1, 2, 3, 4, 5].map((i) => {
      const pairwise = i % 2 === 1;
      const { message } = protectGroupRequest(client, groupGet('s' + i, i + 1), pairwise ? 'pairwise' : 'group', pairwise ? MEMBER_IDS[1] : undefined);
      return { message, plain: groupGet('s' + i, i + 1), accepted: false };
    });
    const counts = {};
    const property = fc.property(fc.oneof({ weight: 6, arbitrary: plan }, { weight: 1, arbitrary: randomUnderKid.map((r) => ({ random: r })) }), (input: any) => {
      let m: Message;
      let sample: (typeof samples)[number] | undefined;
      // Once every sample was accepted, a fresh server (new windows) lets the mutants reach the AEAD
      // and the signature again instead of stopping at the replay check.
      if (samples.every((x) => x.accepted)) {
        server = memberContext(keyed, 1, SIGNATURE);
        for (const x of samples) x.accepted = false;
        bump(counts, 'fresh server');
      }
      if (input.random) {
        const r = input.random;
        const value = encodeGroupOscoreOption({ partialIv: r.piv, kidContext: GROUP_ID, kid: Uint8Array.of(r.kid) }, r.group);
        m = { ...groupGet('r'), code: Code.POST, options: [{ number: Option.OSCORE, value }], payload: r.payload };
      } else {
        sample = samples[input.sample % samples.length];
        m = sample.message;
        for (const mut of input.muts) m = applyMutation(m, mut);
        if (input.bytes) {
          let bytes: Uint8Array;
          try {
            bytes = encodeMessage(m);
          } catch {
            return void bump(counts, 'format');
          }
          try {
            m = decodeMessage(applyByteMutations(bytes, input.bytes));
          } catch (e) {
            typedOnly(e, MessageFormatError);
            return void bump(counts, 'format');
          }
        }
      }
      const before = serverState(server);
      try {
        const r = unprotectGroupRequest(server, m);
        if (!sample) throw new Error('a random message verified');
        if (sample.accepted) throw new Error('accepted a replay');
        if (innerView(r.message) !== innerView(sample.plain)) throw new Error('verified to a different plaintext');
        sample.accepted = true;
        bump(counts, 'accepted');
      } catch (e) {
        const err = typedOnly(e, OscoreError);
        bump(counts, err.constructor.name);
        const after = serverState(server);
        if (after !== before) throw new Error('state changed on rejection (' + err.constructor.name + '): ' + before + ' → ' + after);
      }
    });
    return { property, counts };
  },
};

export const groupOptionTarget: FuzzTarget = {
  name: 'group-option',
  description: 'random OSCORE option values with the Group Flag → decodeGroupOscoreOption: DecodeError or fields that re-encode to the same bytes',
  create() {
    const counts = {};
    const property = fc.property(fc.uint8Array({ maxLength: 14 }), fc.boolean(), (bytes, bias) => {
      if (bias && bytes.length > 0) bytes[0] = (bytes[0] & 0x3f) | 0x20;
      let v;
      try {
        v = decodeGroupOscoreOption(bytes);
      } catch (e) {
        bump(counts, typedOnly(e, OscoreError).constructor.name);
        return;
      }
      const again = encodeGroupOscoreOption({ partialIv: v.partialIv, kidContext: v.kidContext, kid: v.kid }, v.group);
      if (toHex(again) !== toHex(bytes)) throw new Error('not canonical: ' + toHex(bytes) + ' → ' + toHex(again));
      bump(counts, v.group ? 'group' : 'plain');
    });
    return { property, counts };
  },
};
