/**
 * Shared fast-check generators and mutators for the reliability fuzz targets (not a test file).
 *
 * - coapMessage: well-formed CoAP messages (RFC 7252 §3) with options drawn from the registry and
 *   from the whole 16-bit number space, values of every length class (0–12, 13–268, 269+).
 * - byteMutations / applyByteMutations: generic datagram mutations (bit flip, byte set,
 *   truncate, insert, option-nibble poison), described as data so fast-check can shrink them.
 * - oscoreMutations / applyOscoreMutation: structure-aware mutations of a protected message
 *   (RFC 8613 §6.1): flip bits in the ciphertext or the tag, change the Partial IV, kid, kid context
 *   or flag byte, duplicate or drop the OSCORE option, change the outer code, add outer options.
 */
import { fc } from './fc.js';
import type { CoapOption, Message } from '../../src/coap/message.js';
import type { MessageType } from '../../src/coap/numbers.js';
import { OPTIONS } from '../../src/coap/option-registry.js';

const OPTION_NUMBERS = OPTIONS.map((o) => o.number);

/** An option value of any length class; mostly short. */
export const optionValue = fc.oneof(
  { weight: 8, arbitrary: fc.uint8Array({ maxLength: 12 }) },
  { weight: 2, arbitrary: fc.uint8Array({ minLength: 13, maxLength: 280 }) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 269, maxLength: 600 }) },
);

export const optionNumber = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...OPTION_NUMBERS) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 300 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }) },
);

export const coapOptions = fc
  .array(fc.record({ number: optionNumber, value: optionValue }), { maxLength: 8 })
  .map((os: CoapOption[]) => os.map((o, i) => ({ o, i })).sort((a, b) => a.o.number - b.o.number || a.i - b.i).map((x) => x.o));

/** A message the encoder accepts: Empty (code 0) messages carry nothing, as RFC 7252 §4.1 requires. */
export const coapMessage: fc.Arbitrary<Message> = fc
  .record({
    type: fc.integer({ min: 0, max: 3 }).map((t: number) => t as MessageType),
    code: fc.integer({ min: 0, max: 255 }),
    messageId: fc.integer({ min: 0, max: 0xffff }),
    token: fc.uint8Array({ maxLength: 8 }),
    options: coapOptions,
    payload: fc.oneof(fc.constant(new Uint8Array(0)), fc.uint8Array({ minLength: 1, maxLength: 300 })),
  })
  .map((m) => (m.code === 0 ? { ...m, token: new Uint8Array(0), options: [], payload: new Uint8Array(0) } : m));

// ---------------------------------------------------------------- byte-level mutations

/** One mutation of a byte string: [kind, position seed, value seed]. */
export type ByteMutation = [number, number, number];

export const byteMutations = fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.nat(), fc.nat({ max: 0xffff })), { minLength: 1, maxLength: 4 });

/** Nibble values that reach the extended-length and reserved paths of the option header. */
const NASTY = [0xff, 0xdd, 0xee, 0xd0, 0xe0, 0x0f, 0xf0, 0xde, 0xed, 0x0d, 0x0e];

export function applyByteMutations(input: Uint8Array, muts: readonly ByteMutation[], from = 0): Uint8Array {
  let out = input.slice();
  for (const [kind, p, v] of muts) {
    const n = out.length;
    const span = Math.max(0, n - from);
    const at = from + (span ? p % span : 0);
    switch (kind) {
      case 0:
        if (at < n) out[at] ^= 1 << (v & 7);
        break;
      case 1:
        if (at < n) out[at] = v & 0xff;
        break;
      case 2:
        out = out.slice(0, Math.min(n, from + (p % (span + 1))));
        break;
      case 3: {
        const ins = new Uint8Array([v & 0xff, v >> 8]).subarray(0, 1 + (p & 1));
        const x = new Uint8Array(n + ins.length);
        x.set(out.subarray(0, at));
        x.set(ins, at);
        x.set(out.subarray(at), at + ins.length);
        out = x;
        break;
      }
      case 4:
        if (at < n) out[at] = NASTY[v % NASTY.length];
        break;
      default:
        // Duplicate a slice (repeats option headers, payload markers).
        if (n > 0) {
          const len = 1 + (v % Math.min(8, Math.max(1, span)));
          const s = out.subarray(at, Math.min(n, at + len));
          const x = new Uint8Array(n + s.length);
          x.set(out.subarray(0, at + s.length));
          x.set(s, at + s.length);
          x.set(out.subarray(at + s.length), at + 2 * s.length);
          out = x;
        }
    }
  }
  return out;
}

// ---------------------------------------------------------------- OSCORE-aware mutations

/** Raw OSCORE option value: any flags, any field lengths (also the invalid ones). */
export function rawOscoreOption(flags: number, piv: Uint8Array, kidContext: Uint8Array | undefined, kid: Uint8Array | undefined): Uint8Array {
  const parts: number[] = [flags];
  for (const b of piv) parts.push(b);
  if (kidContext) {
    parts.push(kidContext.length & 0xff);
    for (const b of kidContext) parts.push(b);
  }
  if (kid) for (const b of kid) parts.push(b);
  return new Uint8Array(parts);
}

export type OscoreMutation =
  | { kind: 'ciphertextBit'; pos: number; bit: number }
  | { kind: 'tagBit'; pos: number; bit: number }
  | { kind: 'piv'; value: Uint8Array }
  | { kind: 'kid'; value: Uint8Array | undefined }
  | { kind: 'kidContext'; value: Uint8Array | undefined }
  | { kind: 'flags'; value: number }
  | { kind: 'dropOscore' }
  | { kind: 'duplicateOscore' }
  | { kind: 'truncatePayload'; keep: number }
  | { kind: 'appendPayload'; bytes: Uint8Array }
  | { kind: 'outerCode'; code: number }
  | { kind: 'outerOption'; number: number; value: Uint8Array };

export const oscoreMutation: fc.Arbitrary<OscoreMutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('ciphertextBit' as const), pos: fc.nat(), bit: fc.nat({ max: 7 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('tagBit' as const), pos: fc.nat(), bit: fc.nat({ max: 7 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('piv' as const), value: fc.uint8Array({ maxLength: 7 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('kid' as const), value: fc.option(fc.uint8Array({ maxLength: 9 }), { nil: undefined }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('kidContext' as const), value: fc.option(fc.uint8Array({ maxLength: 10 }), { nil: undefined }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('flags' as const), value: fc.integer({ min: 0, max: 255 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'dropOscore' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'duplicateOscore' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncatePayload' as const), keep: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('appendPayload' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('outerCode' as const), code: fc.integer({ min: 0, max: 255 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('outerOption' as const), number: optionNumber, value: fc.uint8Array({ maxLength: 6 }) }) },
);

interface OscoreFields {
  flags: number;
  piv: Uint8Array;
  kidContext: Uint8Array | undefined;
  kid: Uint8Array | undefined;
}

/** Split a (valid) OSCORE option value into its fields, as sent. */
function fieldsOf(v: Uint8Array): OscoreFields {
  if (v.length === 0) return { flags: 0, piv: new Uint8Array(0), kidContext: undefined, kid: undefined };
  const flags = v[0];
  const n = flags & 7;
  let o = 1;
  const piv = v.slice(o, o + n);
  o += n;
  let kidContext: Uint8Array | undefined;
  if (flags & 0x10) {
    const s = v[o++];
    kidContext = v.slice(o, o + s);
    o += s;
  }
  const kid = flags & 0x08 ? v.slice(o) : undefined;
  return { flags, piv, kidContext, kid };
}

/** Apply one structure-aware mutation to a protected message (a new Message; the input is not touched). */
export function applyOscoreMutation(m: Message, mut: OscoreMutation, tagLength: number): Message {
  const out: Message = { ...m, options: m.options.map((o) => ({ number: o.number, value: o.value.slice() })), payload: m.payload.slice() };
  const oscoreAt = out.options.findIndex((o) => o.number === 9);
  const setFields = (f: (x: OscoreFields) => void, keepFlags = false) => {
    if (oscoreAt < 0) return;
    const x = fieldsOf(out.options[oscoreAt].value);
    f(x);
    let flags = x.flags;
    if (!keepFlags) flags = (flags & 0xe0) | (x.piv.length & 7) | (x.kid ? 0x08 : 0) | (x.kidContext ? 0x10 : 0);
    out.options[oscoreAt].value = rawOscoreOption(flags, x.piv, x.kidContext, x.kid);
  };
  const p = out.payload;
  const ctLen = Math.max(0, p.length - tagLength);
  switch (mut.kind) {
    case 'ciphertextBit':
      if (ctLen > 0) p[mut.pos % ctLen] ^= 1 << mut.bit;
      break;
    case 'tagBit':
      if (p.length > ctLen) p[ctLen + (mut.pos % (p.length - ctLen))] ^= 1 << mut.bit;
      break;
    case 'piv':
      setFields((x) => (x.piv = mut.value));
      break;
    case 'kid':
      setFields((x) => (x.kid = mut.value));
      break;
    case 'kidContext':
      setFields((x) => (x.kidContext = mut.value));
      break;
    case 'flags':
      setFields((x) => (x.flags = mut.value), true);
      break;
    case 'dropOscore':
      out.options = out.options.filter((o) => o.number !== 9);
      break;
    case 'duplicateOscore':
      if (oscoreAt >= 0) out.options.splice(oscoreAt, 0, { number: 9, value: out.options[oscoreAt].value.slice() });
      break;
    case 'truncatePayload':
      out.payload = p.slice(0, mut.keep % (p.length + 1));
      break;
    case 'appendPayload': {
      const x = new Uint8Array(p.length + mut.bytes.length);
      x.set(p);
      x.set(mut.bytes, p.length);
      out.payload = x;
      break;
    }
    case 'outerCode':
      out.code = mut.code;
      break;
    case 'outerOption': {
      let i = out.options.length;
      while (i > 0 && out.options[i - 1].number > mut.number) i--;
      out.options.splice(i, 0, { number: mut.number, value: mut.value });
      break;
    }
  }
  return out;
}
