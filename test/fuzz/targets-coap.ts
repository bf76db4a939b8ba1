/**
 * Fuzz targets for the CoAP side (not a test file): the datagram decoder (RFC 7252 §3), the
 * OSCORE option parser (RFC 8613 §6.1), Block1 reassembly and Block2 slicing (RFC 7959 §2).
 */
import { fc } from './fc.js';
import { bump, typedOnly, type FuzzTarget } from './target.js';
import { applyByteMutations, byteMutations, coapMessage } from './arbitraries.js';
import { decodeMessage, encodeMessage, DEFAULT_DECODE_LIMITS } from '../../src/coap/codec.js';
import { decodeOscoreOption, encodeOscoreOption } from '../../src/oscore/option.js';
import { CoapError, DecodeError, MessageFormatError } from '../../src/errors.js';
import { encodeUint, toHex, utf8Encode } from '../../src/bytes.js';
import { Option } from '../../src/coap/option-registry.js';
import { Code } from '../../src/coap/numbers.js';
import { createMessage, type Message } from '../../src/coap/message.js';
import { Block1Reassembly, sliceBlock2 } from '../../src/coap/blockwise.js';
import { encodeBlock, szxToSize } from '../../src/coap/block.js';
import { VirtualClock } from '../../src/sim/virtual-clock.js';

const datagram = fc.oneof(
  fc.uint8Array({ maxLength: 64 }).map((b) => {
    if (b.length) b[0] = 0x40 | (b[0] & 0x3f); // version 1, so the decoder goes past the header
    return b;
  }),
  fc.uint8Array({ maxLength: 64 }),
  fc.tuple(coapMessage, byteMutations).map(([m, muts]) => applyByteMutations(encodeMessage(m), muts)),
  fc.tuple(coapMessage, byteMutations).map(([m, muts]) => {
    const b = encodeMessage(m);
    return applyByteMutations(b, muts, Math.min(b.length, 4 + m.token.length)); // options and payload only
  }),
);

export const codecTarget: FuzzTarget = {
  name: 'coap-decoder',
  description: 'random, mutated and option-region-mutated datagrams → decodeMessage: MessageFormatError or a message that re-encodes to the same bytes; valid messages round-trip',
  create() {
    const counts = {};
    const property = fc.property(fc.oneof({ weight: 4, arbitrary: datagram.map((d) => ({ d })) }, { weight: 1, arbitrary: coapMessage.map((m) => ({ m })) }), (x: { d?: Uint8Array; m?: Message }) => {
      if (x.m) {
        const bytes = encodeMessage(x.m);
        const back = decodeMessage(bytes);
        if (toHex(encodeMessage(back)) !== toHex(bytes) || back.options.length !== x.m.options.length) throw new Error('valid message did not round-trip');
        bump(counts, 'roundtrip');
        return;
      }
      const d = x.d!;
      let m: Message;
      try {
        m = decodeMessage(d);
      } catch (e) {
        typedOnly(e, MessageFormatError);
        bump(counts, 'rejected');
        return;
      }
      // Bounded: values are views into the datagram and the option count is limited.
      if (m.options.length > DEFAULT_DECODE_LIMITS.maxOptions) throw new Error('option limit not enforced');
      if (toHex(encodeMessage(m)) !== toHex(d)) throw new Error('accepted datagram re-encodes differently: ' + toHex(d));
      bump(counts, 'accepted');
    });
    return { property, counts };
  },
};

const oscoreOptionBytes = fc.oneof(
  fc.uint8Array({ maxLength: 16 }),
  fc.uint8Array({ minLength: 1, maxLength: 16 }).map((b) => ((b[0] &= 0x1f), b)),
  fc
    .record({ piv: fc.uint8Array({ minLength: 1, maxLength: 5 }), kid: fc.option(fc.uint8Array({ maxLength: 8 }), { nil: undefined }), ctx: fc.option(fc.uint8Array({ maxLength: 12 }), { nil: undefined }), muts: byteMutations })
    .map((r) => applyByteMutations(encodeOscoreOption({ partialIv: r.piv, kid: r.kid, kidContext: r.ctx }), r.muts)),
);

export const oscoreOptionTarget: FuzzTarget = {
  name: 'oscore-option',
  description: 'random, flag-biased and mutated OSCORE option values → decodeOscoreOption: DecodeError or fields that re-encode to the same bytes',
  create() {
    const counts = {};
    const property = fc.property(oscoreOptionBytes, (b) => {
      let v;
      try {
        v = decodeOscoreOption(b);
      } catch (e) {
        typedOnly(e, DecodeError);
        bump(counts, 'rejected');
        return;
      }
      if (v.partialIv && v.partialIv.length > 5) throw new Error('Partial IV over 5 bytes accepted');
      if (toHex(encodeOscoreOption(v)) !== toHex(b)) throw new Error('not canonical: ' + toHex(b));
      bump(counts, 'accepted');
    });
    return { property, counts };
  },
};

// ---------------------------------------------------------------- Block-wise

const LIMITS = { maxBodyBytes: 2048, maxTotalBytes: 4096, maxTransfers: 4, expiryMs: 5000, preferredSzx: 4 };

/** One step of a Block1 session: an honest client's next block, a hostile block, or time passing. */
const blockStep = fc.oneof(
  { weight: 4, arbitrary: fc.record({ k: fc.constant('honest' as const), client: fc.nat({ max: 2 }) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant('hostile' as const),
      peer: fc.nat({ max: 5 }),
      path: fc.constantFrom('a', 'b', 'c'),
      num: fc.oneof(fc.nat({ max: 8 }), fc.nat({ max: 0xfffff })),
      more: fc.boolean(),
      szx: fc.nat({ max: 7 }),
      len: fc.nat({ max: 1100 }),
      size1: fc.option(fc.nat({ max: 100000 }), { nil: undefined }),
      raw: fc.option(fc.uint8Array({ maxLength: 5 }), { nil: undefined }),
      tag: fc.option(fc.uint8Array({ maxLength: 2 }), { nil: undefined }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('time' as const), ms: fc.nat({ max: 8000 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({ k: fc.constant('block2' as const), num: fc.nat({ max: 0xfffff }), szx: fc.nat({ max: 7 }), body: fc.nat({ max: 3000 }), raw: fc.option(fc.uint8Array({ maxLength: 4 }), { nil: undefined }) }),
  },
);

function blockRequest(peerPath: string, num: number, more: boolean, szx: number, payload: Uint8Array, extra: { size1?: number; raw?: Uint8Array; tag?: Uint8Array } = {}): Message {
  const m = createMessage({ code: Code.PUT, token: new Uint8Array([1]), payload });
  m.options.push({ number: Option.URI_PATH, value: utf8Encode(peerPath) });
  if (extra.size1 !== undefined) m.options.push({ number: Option.SIZE1, value: encodeUint(extra.size1) });
  m.options.push({ number: Option.BLOCK1, value: extra.raw ?? encodeBlock({ num: num & 0xfffff, more, szx: Math.min(szx, 6) }) });
  if (extra.tag) m.options.push({ number: Option.REQUEST_TAG, value: extra.tag });
  m.options.sort((a, b) => a.number - b.number);
  return m;
}

const BLOCK1_CODES = new Set<number>([Code.BAD_REQUEST, Code.BAD_OPTION, Code.REQUEST_ENTITY_INCOMPLETE, Code.REQUEST_ENTITY_TOO_LARGE, Code.SERVICE_UNAVAILABLE]);

export const blockwiseTarget: FuzzTarget = {
  name: 'blockwise',
  description: 'sessions of honest Block1 uploads interleaved with hostile blocks (any NUM/SZX/M/Size1/raw value, 6 peers) and time jumps → Block1Reassembly never throws, memory ≤ limits, honest bodies arrive intact; random Block2 requests → sliceBlock2 returns an in-range slice or a CoapError',
  create() {
    const counts = {};
    const property = fc.property(fc.array(blockStep, { minLength: 1, maxLength: 40 }), (steps) => {
      const clock = new VirtualClock();
      const r = new Block1Reassembly(clock, LIMITS);
      // Honest clients: each uploads a body of its own in 64-byte blocks, restarting after an error.
      const honest = [0, 1, 2].map((i) => ({ body: new Uint8Array(150 + 97 * i).map((_, j) => (j * 7 + i) & 0xff), next: 0 }));
      for (const s of steps) {
        if (s.k === 'time') {
          clock.advance(s.ms);
          continue;
        }
        if (s.k === 'block2') {
          const body = new Uint8Array(s.body).fill(0x5a);
          const req = createMessage({ code: Code.GET });
          req.options.push({ number: Option.BLOCK2, value: s.raw ?? encodeBlock({ num: s.num, more: false, szx: Math.min(s.szx, 6) }) });
          try {
            const out = sliceBlock2(req, createMessage({ code: Code.CONTENT, payload: body }), 6);
            if (out.payload.length > 1024 || out.payload.length > body.length) throw new Error('Block2 slice out of range');
            bump(counts, 'block2-ok');
          } catch (e) {
            typedOnly(e, CoapError);
            bump(counts, 'block2-error');
          }
          continue;
        }
        let req: Message;
        let who: string;
        let h: (typeof honest)[number] | undefined;
        if (s.k === 'honest') {
          h = honest[s.client];
          const size = 64;
          const chunk = h.body.subarray(h.next * size, (h.next + 1) * size);
          const more = (h.next + 1) * size < h.body.length;
          req = blockRequest('up' + s.client, h.next, more, 2, chunk.slice());
          who = 'honest' + s.client;
        } else {
          const size = s.szx < 7 ? szxToSize(s.szx) : 16;
          req = blockRequest(s.path, s.num, s.more, s.szx, new Uint8Array(s.more && s.len % 3 === 0 ? size : Math.min(s.len, 1100)), s);
          who = 'peer' + s.peer;
        }
        const out = r.receive(who, req);
        if (r.bytesInUse > LIMITS.maxTotalBytes || r.bytesInUse < 0) throw new Error('reassembly memory ' + r.bytesInUse + ' outside 0..' + LIMITS.maxTotalBytes);
        if (r.transferCount > LIMITS.maxTransfers) throw new Error('too many transfers: ' + r.transferCount);
        if (out.kind === 'error') {
          if (!BLOCK1_CODES.has(out.code)) throw new Error('unexpected Block1 error code ' + out.code);
          bump(counts, 'error-' + out.code.toString(16));
          if (h) h.next = 0;
          continue;
        }
        bump(counts, out.kind);
        if (!h) continue;
        if (out.kind === 'continue') h.next++;
        else if (out.kind === 'complete') {
          if (toHex(out.body) !== toHex(h.body)) throw new Error('honest body corrupted in reassembly');
          h.next = 0;
          bump(counts, 'honest-complete');
        } else throw new Error('honest block treated as whole');
      }
    });
    return { property, counts };
  },
};
