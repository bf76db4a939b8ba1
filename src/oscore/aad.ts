/**
 * Additional authenticated data (RFC 8613 §5.4; COSE Enc_structure, RFC 8152 §5.3):
 *   external_aad = [ oscore_version: 1, [ alg_aead ], request_kid, request_piv, options: h'' ]
 *   AAD = [ "Encrypt0", protected: h'', external_aad (as a bstr) ]
 * The request's kid and Partial IV appear in both the request and its responses, which is what
 * binds a response to its request. There are no Class I options, so `options` is empty.
 */
import { encodeCbor } from './cbor.js';

const EMPTY = new Uint8Array(0);
const OSCORE_VERSION = 1;

export function externalAad(algorithmId: number, requestKid: Uint8Array, requestPiv: Uint8Array): Uint8Array {
  return encodeCbor([OSCORE_VERSION, [algorithmId], requestKid, requestPiv, EMPTY]);
}

/** The AEAD's associated data: the Enc_structure around the external AAD. */
export function encStructure(extAad: Uint8Array): Uint8Array {
  return encodeCbor(['Encrypt0', EMPTY, extAad]);
}

export function aeadAad(algorithmId: number, requestKid: Uint8Array, requestPiv: Uint8Array): Uint8Array {
  return encStructure(externalAad(algorithmId, requestKid, requestPiv));
}
