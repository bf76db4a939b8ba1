/**
 * Fuzz targets for OSCORE verification (RFC 8613 §8.2, §8.4; not a test file): protected requests
 * and responses mutated field by field (ciphertext, tag, Partial IV, kid, kid context, flags,
 * duplicated/dropped option, outer code and options) and byte by byte (option lengths included),
 * plus messages with random payloads under known kids. Properties: only OscoreXsError subclasses;
 * a rejection leaves every context as it was (replay window, sender sequence, notification
 * number); an acceptance is only ever the original plaintext of a fresh message, never a replay.
 */
import { fc } from './fc.js';
import { bump, typedOnly, type FuzzTarget } from './target.js';
import { applyByteMutations, applyOscoreMutation, byteMutations, coapMessage, oscoreMutation, rawOscoreOption } from './arbitraries.js';
import { contextState, fixedEcho, innerView, requestWorld, responseWorld } from './oscore-world.js';
import { decodeMessage, encodeMessage } from '../../src/coap/codec.js';
import { MessageFormatError, OscoreError } from '../../src/errors.js';
import { unprotectRequest, unprotectResponse } from '../../src/oscore/unprotect.js';
import type { Message } from '../../src/coap/message.js';
import type { ReplayState } from '../../src/oscore/store.js';

/** A mutated sample: structure-aware mutations, then (sometimes) byte-level ones on the datagram. */
const mutationPlan = fc.record({
  sample: fc.nat(),
  oscore: fc.array(oscoreMutation, { maxLength: 3 }),
  bytes: fc.option(byteMutations, { nil: undefined, freq: 3 }),
});

/** A random message carrying an OSCORE option with a known kid and any Partial IV: random "ciphertext". */
const randomUnderKnownKid = fc.record({ m: coapMessage, kid: fc.constantFrom(0x01, 0x02, 0x03), piv: fc.uint8Array({ minLength: 1, maxLength: 5 }), ctx: fc.boolean() }).map((r) => {
  const m = r.m;
  const value = rawOscoreOption(r.piv.length | 0x08 | (r.ctx ? 0x10 : 0), r.piv, r.ctx ? new Uint8Array([0x37, 0xcb]) : undefined, new Uint8Array([r.kid]));
  const options = m.options.filter((o) => o.number !== 9);
  let i = options.length;
  while (i > 0 && options[i - 1].number > 9) i--;
  options.splice(i, 0, { number: 9, value });
  return { ...m, code: 1 + (m.code % 7), options };
});

type Wire = { kind: 'format' } | { kind: 'message'; m: Message };

function toWire(sample: Message, plan: { oscore: any[]; bytes?: [number, number, number][] }, tagLength: number): Wire {
  let m = sample;
  for (const mut of plan.oscore) m = applyOscoreMutation(m, mut, tagLength);
  let bytes: Uint8Array;
  try {
    bytes = encodeMessage(m);
  } catch {
    return { kind: 'format' }; // e.g. an outer code the encoder refuses: never on the wire
  }
  if (plan.bytes) bytes = applyByteMutations(bytes, plan.bytes);
  try {
    return { kind: 'message', m: decodeMessage(bytes) };
  } catch (e) {
    typedOnly(e, MessageFormatError);
    return { kind: 'format' };
  }
}

export const unprotectRequestTarget: FuzzTarget = {
  name: 'oscore-unprotect-request',
  description: 'protected requests (fresh, replayed, in window holes, Observe, kid context, unknown window ± Echo) with field- and byte-level mutations, and random payloads under known kids → unprotectRequest',
  create() {
    const w = requestWorld();
    const counts = {};
    const initial: ReplayState[] = w.contexts.map((c) => c.replayWindow.snapshot());
    const property = fc.property(fc.oneof({ weight: 5, arbitrary: mutationPlan }, { weight: 1, arbitrary: randomUnderKnownKid.map((m) => ({ random: m })) }), (plan: any) => {
      let m: Message;
      let sample = undefined as (typeof w.samples)[number] | undefined;
      if (plan.random) m = plan.random;
      else {
        sample = w.samples[plan.sample % w.samples.length];
        const wire = toWire(sample.message, plan, 8);
        if (wire.kind === 'format') return void bump(counts, 'format');
        m = wire.m;
      }
      const before = w.contexts.map(contextState).join(' / ');
      try {
        const r = unprotectRequest(m, w.lookup, { echo: fixedEcho });
        // Accepted: must be the sample's own plaintext, and the sample must have been fresh.
        if (!sample) throw new Error('a random message verified');
        if (!sample.fresh) throw new Error('accepted a replay / stale request: ' + sample.label);
        if (innerView(r.message) !== innerView(sample.plain)) throw new Error('verified to a different plaintext: ' + sample.label);
        if (r.binding.seq !== sample.seq) throw new Error('accepted under another Partial IV');
        bump(counts, 'accepted');
        // Put the windows back, so every input meets the same state.
        w.contexts.forEach((c, i) => c.replayWindow.restore(initial[i]));
      } catch (e) {
        if (e instanceof Error && /verified|accepted|plaintext/.test(e.message) && !(e instanceof OscoreError)) throw e;
        const err = typedOnly(e, OscoreError);
        const after = w.contexts.map(contextState).join(' / ');
        if (after !== before) throw new Error('state changed on rejection (' + err.name + '): ' + before + ' → ' + after);
        bump(counts, err.name);
      }
    });
    return { property, counts };
  },
};

export const unprotectResponseTarget: FuzzTarget = {
  name: 'oscore-unprotect-response',
  description: 'protected responses and notifications (fresh, replayed older notification) with field- and byte-level mutations → unprotectResponse',
  create() {
    const w = responseWorld();
    const counts = {};
    const property = fc.property(mutationPlan, (plan) => {
      const sample = w.samples[plan.sample % w.samples.length];
      const wire = toWire(sample.message, plan, 8);
      if (wire.kind === 'format') return void bump(counts, 'format');
      sample.binding.notificationNumber = sample.notificationNumber;
      const before = String(sample.binding.notificationNumber) + contextState(w.client);
      try {
        const r = unprotectResponse(wire.m, sample.binding);
        if (!sample.fresh) throw new Error('accepted a replayed notification: ' + sample.label);
        if (innerView(r.message) !== innerView(sample.plain)) throw new Error('verified to a different plaintext: ' + sample.label);
        bump(counts, 'accepted');
      } catch (e) {
        if (e instanceof Error && /accepted|plaintext/.test(e.message) && !(e instanceof OscoreError)) throw e;
        const err = typedOnly(e, OscoreError);
        const after = String(sample.binding.notificationNumber) + contextState(w.client);
        if (after !== before) throw new Error('state changed on rejection (' + err.name + '): ' + before + ' → ' + after);
        bump(counts, err.name);
      }
    });
    return { property, counts };
  },
};
