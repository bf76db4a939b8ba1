/**
 * CoAP message codec (RFC 7252 §3): 4-byte header, token (0–8), options with delta/length
 * nibbles (13 → +1 byte, 14 → +2 bytes, 15 reserved), 0xFF payload marker.
 * Decoding throws only MessageFormatError. The option/payload part is exported alone because
 * OSCORE's plaintext (RFC 8613 §5.3) is code + options + payload without a header.
 */
import type { CoapOption, Message } from './message.js';
import type { MessageType } from './numbers.js';
import { MessageFormatError } from '../errors.js';
import { isCritical, isKnownOption } from './option-registry.js';

export const VERSION = 1;

/** Limits a decoder enforces so hostile input cannot make us allocate much. */
export interface DecodeLimits {
  maxOptions: number;
  maxMessageSize: number;
}
export const DEFAULT_DECODE_LIMITS: DecodeLimits = Object.freeze({ maxOptions: 64, maxMessageSize: 65507 });

function nibble(n: number): number {
  return n < 13 ? n : n < 269 ? 13 : 14;
}

function extendedLength(n: number): number {
  return n < 13 ? 0 : n < 269 ? 1 : 2;
}

/** Size of the encoded options + payload part. */
export function encodedOptionsLength(options: readonly CoapOption[], payload: Uint8Array): number {
  let n = 0;
  let prev = 0;
  for (const o of options) {
    const d = o.number - prev;
    n += 1 + extendedLength(d) + extendedLength(o.value.length) + o.value.length;
    prev = o.number;
  }
  if (payload.length > 0) n += 1 + payload.length;
  return n;
}

/** Write options (sorted by number) and payload into `out` at `offset`; returns the new offset. */
export function writeOptionsAndPayload(options: readonly CoapOption[], payload: Uint8Array, out: Uint8Array, offset: number): number {
  let prev = 0;
  for (const o of options) {
    const d = o.number - prev;
    if (d < 0) throw new RangeError('options not sorted by number');
    if (o.number > 0xffff) throw new RangeError('option number above 65535');
    const len = o.value.length;
    if (len > 65804) throw new RangeError('option value too long');
    out[offset++] = (nibble(d) << 4) | nibble(len);
    offset = writeExtended(d, out, offset);
    offset = writeExtended(len, out, offset);
    out.set(o.value, offset);
    offset += len;
    prev = o.number;
  }
  if (payload.length > 0) {
    out[offset++] = 0xff;
    out.set(payload, offset);
    offset += payload.length;
  }
  return offset;
}

function writeExtended(n: number, out: Uint8Array, offset: number): number {
  if (n >= 269) {
    const v = n - 269;
    out[offset++] = v >> 8;
    out[offset++] = v & 0xff;
  } else if (n >= 13) {
    out[offset++] = n - 13;
  }
  return offset;
}

export function encodeOptionsAndPayload(options: readonly CoapOption[], payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(encodedOptionsLength(options, payload));
  writeOptionsAndPayload(options, payload, out, 0);
  return out;
}

/**
 * Read options and payload from `bytes[offset..end)`. Option values are subarrays (no copy).
 * RFC 7252 §3.1: a payload marker followed by zero bytes is a format error. Errors carry
 * `messageId` when given (decodeMessage passes the header's).
 */
export function readOptionsAndPayload(
  bytes: Uint8Array,
  offset: number,
  end: number = bytes.length,
  limits: DecodeLimits = DEFAULT_DECODE_LIMITS,
  messageId?: number,
): { options: CoapOption[]; payload: Uint8Array } {
  const options: CoapOption[] = [];
  let number = 0;
  while (offset < end) {
    const b = bytes[offset++];
    if (b === 0xff) {
      if (offset === end) throw new MessageFormatError('payload marker followed by empty payload', messageId);
      return { options, payload: bytes.subarray(offset, end) };
    }
    let delta = b >> 4;
    let len = b & 15;
    if (delta === 15 || len === 15) throw new MessageFormatError('reserved option nibble 15', messageId);
    // §3.1: nibble 13 → one extended byte (+13), 14 → two (+269).
    if (delta > 12) {
      const size = delta - 12;
      delta = readExtended(delta, bytes, offset, end, messageId);
      offset += size;
    }
    if (len > 12) {
      const size = len - 12;
      len = readExtended(len, bytes, offset, end, messageId);
      offset += size;
    }
    if (offset + len > end) throw new MessageFormatError('option value runs past end of message', messageId);
    number += delta;
    if (number > 0xffff) throw new MessageFormatError('option number above 65535', messageId);
    if (options.length >= limits.maxOptions) throw new MessageFormatError('too many options (limit ' + limits.maxOptions + ')', messageId);
    options.push({ number, value: bytes.subarray(offset, offset + len) });
    offset += len;
  }
  return { options, payload: bytes.subarray(end, end) };
}

/** The delta or length of nibble `n` (13 or 14), read from its extended bytes at `offset`. */
function readExtended(n: number, bytes: Uint8Array, offset: number, end: number, messageId: number | undefined): number {
  if (offset + n - 12 > end) throw new MessageFormatError('truncated extended option field', messageId);
  return n === 13 ? bytes[offset] + 13 : ((bytes[offset] << 8) | bytes[offset + 1]) + 269;
}

export function encodeMessage(m: Message): Uint8Array {
  const tkl = m.token.length;
  if (tkl > 8) throw new RangeError('token longer than 8 bytes');
  if (!(m.messageId >= 0 && m.messageId <= 0xffff)) throw new RangeError('message ID out of range');
  if (!(m.code >= 0 && m.code <= 0xff)) throw new RangeError('code out of range');
  const out = new Uint8Array(4 + tkl + encodedOptionsLength(m.options, m.payload));
  out[0] = (VERSION << 6) | ((m.type & 3) << 4) | tkl;
  out[1] = m.code;
  out[2] = m.messageId >> 8;
  out[3] = m.messageId & 0xff;
  out.set(m.token, 4);
  writeOptionsAndPayload(m.options, m.payload, out, 4 + tkl);
  return out;
}

/** Decode a datagram. Token, option values and payload are subarrays of `bytes`. */
export function decodeMessage(bytes: Uint8Array, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): Message {
  if (bytes.length < 4) throw new MessageFormatError('shorter than the 4-byte header');
  if (bytes.length > limits.maxMessageSize) throw new MessageFormatError('message larger than ' + limits.maxMessageSize + ' bytes');
  const messageId = (bytes[2] << 8) | bytes[3];
  const version = bytes[0] >> 6;
  if (version !== VERSION) throw new MessageFormatError('unknown version ' + version, messageId);
  const tkl = bytes[0] & 15;
  if (tkl > 8) throw new MessageFormatError('token length ' + tkl + ' is reserved', messageId);
  if (4 + tkl > bytes.length) throw new MessageFormatError('truncated token', messageId);
  const code = bytes[1];
  // RFC 7252 §4.1: an Empty message has no token, options or payload.
  if (code === 0 && (tkl !== 0 || bytes.length !== 4)) throw new MessageFormatError('Empty message with token, options or payload', messageId);
  const parts = readOptionsAndPayload(bytes, 4 + tkl, bytes.length, limits, messageId);
  return { type: ((bytes[0] >> 4) & 3) as MessageType, code, messageId, token: bytes.subarray(4, 4 + tkl), options: parts.options, payload: parts.payload };
}

/**
 * RFC 7252 §5.4.1: the first option that is critical (odd number) and not in the registry, or
 * undefined. Requests with one get 4.02 (CON) or are ignored (NON); responses are rejected.
 */
export function firstUnknownCriticalOption(m: Pick<Message, 'options'>): number | undefined {
  for (const o of m.options) if (isCritical(o.number) && !isKnownOption(o.number)) return o.number;
  return undefined;
}
