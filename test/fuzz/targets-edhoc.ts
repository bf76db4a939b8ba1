/**
 * Fuzz targets for EDHOC (RFC 9528; not a test file). Inputs are RFC 9529 trace 2's messages with
 * structure-blind byte mutations (bit flips, byte sets, truncation, insertion, duplication) and
 * random byte strings. Properties: the decoders throw only CborDecodeError and message_1 decodes
 * canonically (re-encodes to the same bytes); the Responder (message_1, message_3) and Initiator
 * (message_2) throw only EdhocError / EdhocPeerError and a refused message leaves the session's
 * state as it was; an accepted message_3 or message_2 can only be the genuine one (authenticated).
 */
import { fc } from './fc.js';
import { bump, typedOnly, type FuzzTarget } from './target.js';
import { applyByteMutations, byteMutations } from './arbitraries.js';
import { equalBytes, toHex } from '../../src/bytes.js';
import { CborDecodeError, OscoreXsError } from '../../src/errors.js';
import { EdhocError, EdhocPeerError, decodeErrorMessage } from '../../src/edhoc/index.js';
import { decodeMessage1, decodePlaintext2, decodePlaintext3, decodeSingleBstr, encodeMessage1 } from '../../src/edhoc/messages.js';
import { negotiateTrace2, trace2Parties } from '../edhoc-support.js';
import { traceValue } from '../edhoc-trace-fixture.js';

const t2 = (section: string, label: string) => traceValue(2, section, label);
const SAMPLES = () => [
  t2('message_1 (second time)', 'message_1'),
  t2('message_1 (first time)', 'message_1'),
  t2('message_2', 'PLAINTEXT_2'),
  t2('message_3', 'PLAINTEXT_3'),
  t2('message_2', 'message_2'),
  t2('error', 'error'),
];

const input = fc.oneof(
  { weight: 5, arbitrary: fc.record({ sample: fc.nat(), muts: byteMutations }) },
  { weight: 1, arbitrary: fc.record({ random: fc.uint8Array({ maxLength: 80 }) }) },
);

function bytesOf(x: { sample?: number; muts?: [number, number, number][]; random?: Uint8Array }, samples: Uint8Array[]): Uint8Array {
  if (x.random) return x.random;
  return applyByteMutations(samples[x.sample! % samples.length], x.muts!);
}

export const edhocDecodersTarget: FuzzTarget = {
  name: 'edhoc-decoders',
  description: 'mutated RFC 9529 messages and random bytes → message_1, PLAINTEXT_2/3, single-bstr and error decoders: CborDecodeError only; message_1 canonical',
  create() {
    const samples = SAMPLES();
    const counts = {};
    const property = fc.property(input, (x) => {
      const b = bytesOf(x, samples);
      try {
        const m = decodeMessage1(b);
        if (toHex(encodeMessage1(m)) !== toHex(b)) throw new Error('message_1 not canonical: ' + toHex(b));
        bump(counts, 'message_1');
      } catch (e) {
        bump(counts, 'm1-' + typedOnly(e, CborDecodeError).constructor.name);
      }
      for (const [name, decode] of [['pt2', decodePlaintext2], ['pt3', decodePlaintext3], ['bstr', (v: Uint8Array) => decodeSingleBstr(v, 'message')]] as const) {
        try {
          decode(b);
          bump(counts, name);
        } catch (e) {
          typedOnly(e, CborDecodeError);
        }
      }
      const err = decodeErrorMessage(b);
      if (err && !(err instanceof EdhocPeerError)) throw new Error('decodeErrorMessage returned something else');
    });
    return { property, counts };
  },
};

function edhocOnly(e: unknown): OscoreXsError {
  if (e instanceof EdhocError || e instanceof EdhocPeerError) return e;
  return typedOnly(e, EdhocError);
}

export const edhocResponderTarget: FuzzTarget = {
  name: 'edhoc-responder',
  description: "mutated trace 2 message_1s and message_3s, random bytes → the Responder: EdhocError only, state unchanged on refusal; message_3 accepted only when genuine",
  create() {
    const counts = {};
    const m1 = t2('message_1 (second time)', 'message_1');
    const m3 = t2('message_3', 'message_3');
    let fresh = trace2Parties().responder;
    let waiting = trace2Parties().responder;
    waiting.handleMessage1(m1);
    const which = fc.oneof({ weight: 1, arbitrary: fc.constant(1) }, { weight: 3, arbitrary: fc.constant(3) });
    const property = fc.property(which, input, (n, x) => {
      const b = bytesOf(x, [n === 1 ? m1 : m3]);
      const r = n === 1 ? fresh : waiting;
      const before = r.state;
      try {
        if (n === 1) {
          r.handleMessage1(b);
          bump(counts, 'm1-accepted');
          fresh = trace2Parties().responder;
        } else {
          r.handleMessage3(b);
          if (!equalBytes(b, m3)) throw new Error('a message_3 other than the genuine one was accepted: ' + toHex(b));
          bump(counts, 'm3-accepted');
          waiting = trace2Parties().responder;
          waiting.handleMessage1(m1);
        }
      } catch (e) {
        const err = edhocOnly(e);
        bump(counts, 'm' + n + '-' + err.constructor.name);
        if (r.state !== before) throw new Error('state changed on refusal: ' + before + ' → ' + r.state);
      }
    });
    return { property, counts };
  },
};

export const edhocInitiatorTarget: FuzzTarget = {
  name: 'edhoc-initiator',
  description: 'mutated trace 2 message_2s and error messages, random bytes → the Initiator: EdhocError/EdhocPeerError only, state unchanged on refusal; accepted only when genuine',
  create() {
    const counts = {};
    const m2 = t2('message_2', 'message_2');
    const make = () => {
      const { initiator } = trace2Parties();
      negotiateTrace2(initiator);
      initiator.message1();
      return initiator;
    };
    let initiator = make();
    const property = fc.property(input, (x) => {
      const b = bytesOf(x, [m2, m2, m2, t2('error', 'error')]);
      const before = initiator.state;
      try {
        initiator.handleMessage2(b);
        if (!equalBytes(b, m2)) throw new Error('a message_2 other than the genuine one was accepted: ' + toHex(b));
        bump(counts, 'accepted');
        initiator = make();
      } catch (e) {
        const err = edhocOnly(e);
        bump(counts, err.constructor.name);
        // A peer's error with code 2 legitimately returns the Initiator to START (§6.3.2).
        if (initiator.state !== before) {
          if (!(err instanceof EdhocPeerError && err.code === 2)) throw new Error('state changed on refusal: ' + before + ' → ' + initiator.state);
          initiator = make();
        }
      }
    });
    return { property, counts };
  },
};
