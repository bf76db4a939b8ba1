/**
 * Additional authenticated data (RFC 8613 §5.4; COSE Enc_structure, RFC 8152 §5.3):
 *   external_aad = [ oscore_version: 1, [ alg_aead ], request_kid, request_piv, options: h'' ]
 *   AAD = [ "Encrypt0", protected: h'', external_aad (as a bstr) ]
 * The request's kid and Partial IV appear in both the request and its responses, which is what
 * binds a response to its request. There are no Class I options, so `options` is empty.
 *
 * `externalAad` / `encStructure` go through the general CBOR encoder; `aeadAad`, on every
 * message, writes the same bytes straight into one buffer (tests pin that the two agree).
 */
import { encodeCbor, cborHeadLength, writeCborHead } from './cbor.js';

const EMPTY = new Uint8Array(0);
const OSCORE_VERSION = 1;
const MAJOR_UNSIGNED = 0;
const MAJOR_NEGATIVE = 1;
const MAJOR_BYTES = 2;
const MAJOR_ARRAY = 4;
/** 0x83, "Encrypt0" as a 8-byte text string, h'' — the fixed start of the Enc_structure. */
const ENC_PREFIX = /* @__PURE__ */ new Uint8Array([0x83, 0x68, 0x45, 0x6e, 0x63, 0x72, 0x79, 0x70, 0x74, 0x30, 0x40]);

export function externalAad(algorithmId: number, requestKid: Uint8Array, requestPiv: Uint8Array): Uint8Array {
  return encodeCbor([OSCORE_VERSION, [algorithmId], requestKid, requestPiv, EMPTY]);
}

/** The AEAD's associated data: the Enc_structure around the external AAD. */
export function encStructure(extAad: Uint8Array): Uint8Array {
  return encodeCbor(['Encrypt0', EMPTY, extAad]);
}

/** encStructure(externalAad(…)) in one allocation. */
export function aeadAad(algorithmId: number, requestKid: Uint8Array, requestPiv: Uint8Array): Uint8Array {
  const algArg = algorithmId >= 0 ? algorithmId : -1 - algorithmId;
  const extLength = 3 + cborHeadLength(algArg) + cborHeadLength(requestKid.length) + requestKid.length + cborHeadLength(requestPiv.length) + requestPiv.length + 1;
  const out = new Uint8Array(ENC_PREFIX.length + cborHeadLength(extLength) + extLength);
  out.set(ENC_PREFIX, 0);
  let o = writeCborHead(out, ENC_PREFIX.length, MAJOR_BYTES, extLength);
  out[o++] = 0x85; // array(5)
  out[o++] = OSCORE_VERSION;
  out[o++] = 0x81; // array(1)
  o = writeCborHead(out, o, algorithmId >= 0 ? MAJOR_UNSIGNED : MAJOR_NEGATIVE, algArg);
  o = writeCborHead(out, o, MAJOR_BYTES, requestKid.length);
  out.set(requestKid, o);
  o += requestKid.length;
  o = writeCborHead(out, o, MAJOR_BYTES, requestPiv.length);
  out.set(requestPiv, o);
  o += requestPiv.length;
  out[o] = 0x40; // options: h''
  return out;
}
