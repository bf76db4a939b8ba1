/**
 * EDHOC over CoAP, the bytes on the wire (RFC 9528 Appendix A.2; RFC 9668 §3).
 *
 * - Requests go to POST /.well-known/edhoc. message_1 travels prefixed with the CBOR simple value
 *   `true` (0xf5); every later request message (message_3, an error from the Initiator) is prefixed
 *   with C_R, so the Responder finds its session (A.2.1). Responses carry the bare message.
 * - Content-Formats: requests 65 (application/cid-edhoc+cbor-seq), responses and error messages 64
 *   (application/edhoc+cbor-seq). We send them; we do not require them from peers (aiocoap sends none).
 * - Errors: an EDHOC error message (§6: ERR_CODE, ERR_INFO) as a 4.00 response (the peer's fault) or
 *   5.00 (ours), Content-Format 64 (A.2.3).
 * - Connection identifiers (§3.3.2): a byte string of one byte that is itself the CBOR encoding of an
 *   integer −24..23 goes on the wire as that integer; any other one as a byte string.
 * - The combined request (RFC 9668 §3.2): the EDHOC option (21), and message_3 (one CBOR byte string)
 *   in front of the OSCORE ciphertext.
 *
 * Only as much CBOR as these framings need (heads of integers, byte strings, arrays of integers, the
 * simple value true): every read is bounds-checked and throws EdhocFramingError on anything else.
 */
import { utf8Encode } from '../bytes.js';
import { OscoreXsError } from '../errors.js';

export const EDHOC_PATH = ['.well-known', 'edhoc'] as const;
/** application/edhoc+cbor-seq (RFC 9528 §10.9). */
export const CF_EDHOC_CBOR_SEQ = 64;
/** application/cid-edhoc+cbor-seq (RFC 9528 §10.9). */
export const CF_CID_EDHOC_CBOR_SEQ = 65;
/** CBOR simple value true: the "C_x" of message_1 (A.2.1). */
export const MESSAGE_1_PREFIX = 0xf5;

/** EDHOC error codes (RFC 9528 §6.1). */
export const EdhocErrorCode = { SUCCESS: 0, UNSPECIFIED_ERROR: 1, WRONG_SELECTED_CIPHER_SUITE: 2, UNKNOWN_CREDENTIAL_REFERENCED: 3 } as const;

/** Bytes that do not have the framing of Appendix A.2 or RFC 9668 §3.2. */
export class EdhocFramingError extends OscoreXsError {}

const MAJOR_UINT = 0;
const MAJOR_NINT = 1;
const MAJOR_BSTR = 2;
const MAJOR_TSTR = 3;
const MAJOR_ARRAY = 4;

/** One CBOR head (RFC 8949 §3): major type, argument, offset after the head. Arguments up to 2^32. */
export function readHead(b: Uint8Array, at: number): { major: number; arg: number; end: number } {
  if (at >= b.length) throw new EdhocFramingError('CBOR: truncated');
  const ib = b[at];
  const major = ib >> 5;
  const ai = ib & 31;
  if (ai < 24) return { major, arg: ai, end: at + 1 };
  const n = ai === 24 ? 1 : ai === 25 ? 2 : ai === 26 ? 4 : 0;
  if (n === 0) throw new EdhocFramingError('CBOR: unsupported head 0x' + ib.toString(16));
  if (at + 1 + n > b.length) throw new EdhocFramingError('CBOR: truncated');
  let arg = 0;
  for (let i = 1; i <= n; i++) arg = arg * 256 + b[at + i];
  return { major, arg, end: at + 1 + n };
}

/** Offset after the byte string starting at `at`. */
export function skipByteString(b: Uint8Array, at: number): number {
  const h = readHead(b, at);
  if (h.major !== MAJOR_BSTR) throw new EdhocFramingError('CBOR: expected a byte string');
  if (h.end + h.arg > b.length) throw new EdhocFramingError('CBOR: truncated byte string');
  return h.end + h.arg;
}

/** §3.3.2: the wire encoding of a connection identifier. */
export function encodeConnectionId(id: Uint8Array): Uint8Array {
  if (id.length === 1 && isOneByteInt(id[0])) return id.slice();
  if (id.length > 23) throw new RangeError('connection identifier longer than 23 bytes');
  const out = new Uint8Array(1 + id.length);
  out[0] = (MAJOR_BSTR << 5) | id.length;
  out.set(id, 1);
  return out;
}

/** A byte that is the complete CBOR encoding of an integer −24..23. */
function isOneByteInt(byte: number): boolean {
  return byte <= 0x17 || (byte >= 0x20 && byte <= 0x37);
}

/**
 * §3.3.2 read side: the connection identifier at `at` (an integer −24..23, or a byte string) as
 * its byte-string form, and the offset after it.
 */
export function readConnectionId(b: Uint8Array, at: number): { id: Uint8Array; end: number } {
  const h = readHead(b, at);
  if (h.major === MAJOR_UINT || h.major === MAJOR_NINT) {
    if (h.end !== at + 1) throw new EdhocFramingError('connection identifier: integer outside −24..23');
    return { id: b.slice(at, at + 1), end: h.end };
  }
  if (h.major === MAJOR_BSTR) {
    const end = skipByteString(b, at);
    return { id: b.slice(h.end, end), end };
  }
  throw new EdhocFramingError('connection identifier: neither an integer nor a byte string');
}

/** What a request to /.well-known/edhoc carries (A.2.1). */
export type EdhocRequestPayload = { kind: 'message_1'; message: Uint8Array } | { kind: 'by-connection-id'; connectionId: Uint8Array; message: Uint8Array };

export function parseEdhocRequest(payload: Uint8Array): EdhocRequestPayload {
  if (payload.length === 0) throw new EdhocFramingError('empty EDHOC request');
  if (payload[0] === MESSAGE_1_PREFIX) return { kind: 'message_1', message: payload.subarray(1) };
  const { id, end } = readConnectionId(payload, 0);
  return { kind: 'by-connection-id', connectionId: id, message: payload.subarray(end) };
}

export function message1Payload(message1: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + message1.length);
  out[0] = MESSAGE_1_PREFIX;
  out.set(message1, 1);
  return out;
}

/** A later request message (message_3, or an error message) prefixed with C_R. */
export function connectionIdPayload(connectionIdR: Uint8Array, message: Uint8Array): Uint8Array {
  const c = encodeConnectionId(connectionIdR);
  const out = new Uint8Array(c.length + message.length);
  out.set(c, 0);
  out.set(message, c.length);
  return out;
}

/**
 * C_I of a message_1 (§5.2.1: METHOD, SUITES_I, G_X, C_I, ?EAD_1) without processing it, so the
 * Responder can choose C_R ≠ C_I (§3.3.3) before it spends any work on the message.
 */
export function peekInitiatorConnectionId(message1: Uint8Array): Uint8Array {
  let h = readHead(message1, 0);
  if (h.major !== MAJOR_UINT) throw new EdhocFramingError('message_1: METHOD is not an unsigned integer');
  let at = h.end;
  h = readHead(message1, at);
  if (h.major === MAJOR_ARRAY) {
    if (h.arg < 2 || h.arg > 16) throw new EdhocFramingError('message_1: SUITES_I array of ' + h.arg);
    at = h.end;
    for (let i = 0; i < h.arg; i++) {
      const e = readHead(message1, at);
      if (e.major !== MAJOR_UINT && e.major !== MAJOR_NINT) throw new EdhocFramingError('message_1: SUITES_I entry is not an integer');
      at = e.end;
    }
  } else if (h.major === MAJOR_UINT || h.major === MAJOR_NINT) at = h.end;
  else throw new EdhocFramingError('message_1: SUITES_I is neither an integer nor an array');
  at = skipByteString(message1, at);
  return readConnectionId(message1, at).id;
}

/** RFC 9668 §3.3.1 step 2: the first CBOR item of a combined request's payload is message_3. */
export function splitCombinedPayload(payload: Uint8Array): { message3: Uint8Array; oscorePayload: Uint8Array } {
  const end = skipByteString(payload, 0);
  if (end === payload.length) throw new EdhocFramingError('combined request: no OSCORE payload after message_3');
  return { message3: payload.subarray(0, end), oscorePayload: payload.subarray(end) };
}

/** An EDHOC error message of our own (§6.2): ERR_CODE 1 with a text ERR_INFO. */
export function unspecifiedErrorMessage(diagnostic: string): Uint8Array {
  const text = utf8Encode(diagnostic.length > 60 ? diagnostic.slice(0, 60) : diagnostic);
  const out = new Uint8Array(2 + text.length + (text.length >= 24 ? 1 : 0));
  out[0] = EdhocErrorCode.UNSPECIFIED_ERROR;
  let at = 1;
  if (text.length < 24) out[at++] = (MAJOR_TSTR << 5) | text.length;
  else {
    out[at++] = (MAJOR_TSTR << 5) | 24;
    out[at++] = text.length;
  }
  out.set(text, at);
  return out;
}

/** ERR_CODE of an EDHOC error message, or undefined when the bytes do not start like one (§6). */
export function errorCodeOf(message: Uint8Array): number | undefined {
  try {
    const h = readHead(message, 0);
    if (h.major === MAJOR_UINT) return h.arg;
    if (h.major === MAJOR_NINT) return -1 - h.arg;
  } catch {
    // not CBOR at all
  }
  return undefined;
}
