/**
 * The EDHOC messages as CBOR sequences (RFC 9528 §5), encoded and strictly decoded:
 *   message_1   = (METHOD: int, SUITES_I: int / [2* int], G_X: bstr, C_I: bstr / -24..23, ? EAD_1)
 *   message_2   = (G_Y_CIPHERTEXT_2: bstr)
 *   PLAINTEXT_2 = (C_R, ID_CRED_R / bstr / -24..23, Signature_or_MAC_2: bstr, ? EAD_2)
 *   message_3   = (CIPHERTEXT_3: bstr)
 *   PLAINTEXT_3 = (ID_CRED_I / bstr / -24..23, Signature_or_MAC_3: bstr, ? EAD_3)
 *   message_4   = (CIPHERTEXT_4: bstr),  PLAINTEXT_4 = (? EAD_4)
 * Decoders throw CborDecodeError on anything else: another type, a surplus array or bstr wrapping,
 * extra or missing items (RFC 9529 §4 lists such messages).
 */
import { CborDecodeError } from '../errors.js';
import { CborReader, MAJOR_ARRAY, MAJOR_NEGATIVE, MAJOR_UNSIGNED } from '../cbor/decode.js';
import { encodeCborSequence, CborRaw } from '../cbor/encode.js';
import { joinBytes } from '../bytes.js';
import { encodeCompactBytes, readCompactBytes } from './connection-id.js';
import { encodeEad, readEad, type EadItem } from './ead.js';
import { idCredInPlaintext, readIdCredFromPlaintext, type IdCred } from './id-cred.js';

/** Largest SUITES_I array we read (the registry has few suites; bounds hostile input). */
const MAX_SUITES = 16;

export interface Message1 {
  method: number;
  /** SUITES_I as a list; the selected suite is the last. */
  suites: number[];
  gX: Uint8Array;
  cI: Uint8Array;
  ead: EadItem[];
}

export function encodeMessage1(m: Message1): Uint8Array {
  const suites = m.suites.length === 1 ? m.suites[0] : m.suites;
  return joinBytes([encodeCborSequence([m.method, suites, m.gX]), encodeCompactBytes(m.cI), encodeEad(m.ead)]);
}

export function decodeMessage1(bytes: Uint8Array): Message1 {
  const r = new CborReader(bytes);
  const method = r.readInt('message_1: METHOD');
  let suites: number[];
  if (r.peekMajor() === MAJOR_ARRAY) {
    const at = r.offset;
    const list = r.read() as unknown[];
    if (list.length < 2 || list.length > MAX_SUITES || !list.every((x) => typeof x === 'number')) {
      r.offset = at;
      throw new CborDecodeError('message_1: SUITES_I must be an integer or an array of 2..' + MAX_SUITES + ' integers');
    }
    suites = list as number[];
  } else suites = [r.readInt('message_1: SUITES_I')];
  const gX = r.readBytes('message_1: G_X');
  if (r.atEnd()) throw new CborDecodeError('message_1: C_I missing');
  const cI = readCompactBytes(r, 'message_1: C_I');
  const ead = readEad(r, 'message_1: EAD_1');
  return { method, suites, gX, cI, ead };
}

/** Exactly one byte string and nothing else (message_2, message_3, message_4). */
export function decodeSingleBstr(bytes: Uint8Array, what: string): Uint8Array {
  const r = new CborReader(bytes);
  const b = r.readBytes(what);
  if (!r.atEnd()) throw new CborDecodeError(what + ': ' + (bytes.length - r.offset) + ' bytes after the byte string');
  return b;
}

export function encodeSingleBstr(b: Uint8Array): Uint8Array {
  return encodeCborSequence([b]);
}

export interface Plaintext2 {
  cR: Uint8Array;
  idCred: IdCred;
  /** ID_CRED_R as the full map (for MAC_2 and the signature). */
  idCredEncoded: Uint8Array;
  signatureOrMac: Uint8Array;
  ead: EadItem[];
}

export function encodePlaintext2(cR: Uint8Array, idCred: IdCred, signatureOrMac: Uint8Array, ead: readonly EadItem[]): Uint8Array {
  return joinBytes([encodeCompactBytes(cR), idCredInPlaintext(idCred), encodeCborSequence([signatureOrMac]), encodeEad(ead)]);
}

export function decodePlaintext2(bytes: Uint8Array): Plaintext2 {
  const r = new CborReader(bytes);
  const cR = readCompactBytes(r, 'PLAINTEXT_2: C_R');
  const { idCred, encoded } = readIdCredFromPlaintext(r, 'PLAINTEXT_2: ID_CRED_R');
  const signatureOrMac = r.readBytes('PLAINTEXT_2: Signature_or_MAC_2');
  const ead = readEad(r, 'PLAINTEXT_2: EAD_2');
  return { cR, idCred, idCredEncoded: encoded, signatureOrMac, ead };
}

export interface Plaintext3 {
  idCred: IdCred;
  idCredEncoded: Uint8Array;
  signatureOrMac: Uint8Array;
  ead: EadItem[];
}

export function encodePlaintext3(idCred: IdCred, signatureOrMac: Uint8Array, ead: readonly EadItem[]): Uint8Array {
  return joinBytes([idCredInPlaintext(idCred), encodeCborSequence([signatureOrMac]), encodeEad(ead)]);
}

export function decodePlaintext3(bytes: Uint8Array): Plaintext3 {
  const r = new CborReader(bytes);
  const { idCred, encoded } = readIdCredFromPlaintext(r, 'PLAINTEXT_3: ID_CRED_I');
  const signatureOrMac = r.readBytes('PLAINTEXT_3: Signature_or_MAC_3');
  const ead = readEad(r, 'PLAINTEXT_3: EAD_3');
  return { idCred, idCredEncoded: encoded, signatureOrMac, ead };
}

export function decodePlaintext4(bytes: Uint8Array): EadItem[] {
  return readEad(new CborReader(bytes), 'PLAINTEXT_4: EAD_4');
}

/** A CBOR item given as bytes, for sequences that mix encoded parts. */
export const raw = (b: Uint8Array): CborRaw => new CborRaw(b);

/** True when the first item of `bytes` is an integer: an error message, not message_2/3/4 (§6). */
export function startsWithInteger(bytes: Uint8Array): boolean {
  if (bytes.length === 0) return false;
  const major = bytes[0] >> 5;
  return major === MAJOR_UNSIGNED || major === MAJOR_NEGATIVE;
}
