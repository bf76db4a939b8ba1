/**
 * The Group OSCORE additions to RFC 8613 §5.4's AAD, and the two structures only group mode has
 * (RFC 10021 §4.3, §4.5; field order as aiocoap implements draft -23, unchanged in the RFC):
 *
 *   aad_array = [ oscore_version: 1,
 *                 algorithms: [ alg_aead, alg_group_enc, alg_signature, alg_pairwise_key_agreement ],
 *                 request_kid, request_piv, options: h'',
 *                 request_kid_context, OSCORE_option, sender_cred, gm_cred / nil ]
 *
 * It goes into the Enc_structure (src/oscore/aad.ts `encStructure`) in both modes, and into the
 * countersignature's Countersign_structure (RFC 9338 §3.3, CounterSignature0):
 *   [ "CounterSignature0", body_protected: h'', sign_protected: h'', external_aad, ciphertext ].
 * The signature is then encrypted by XOR with a keystream (§4.5.1):
 *   keystream = HKDF(salt = Partial IV, IKM = Signature Encryption Key,
 *                    info = [ id of the Partial IV's generator, ID Context, is-request, L ], L)
 * with L the signature length. Setting sender_cred to the message sender's credential binds the
 * signature and the ciphertext to that member.
 */
import { encodeCbor } from '../cbor/encode.js';
import { hkdfSha256 } from '../crypto/hkdf.js';

const OSCORE_VERSION = 1;
const EMPTY = new Uint8Array(0);

/** The four algorithm ids of the group (any may be absent as nil). */
export interface GroupAlgorithmIds {
  aead: number | null;
  groupEncryption: number | null;
  signature: number | null;
  pairwiseKeyAgreement: number | null;
}

export interface GroupAadInputs {
  algorithms: GroupAlgorithmIds;
  requestKid: Uint8Array;
  requestPiv: Uint8Array;
  requestKidContext: Uint8Array;
  /** The OSCORE option value of the message being protected, Group Flag included. */
  oscoreOption: Uint8Array;
  /** The authentication credential (CCS bytes) of the message's sender. */
  senderCredential: Uint8Array;
  /** The Group Manager's credential; null when the group has none. */
  gmCredential: Uint8Array | null;
}

/** §4.3: the serialized aad_array (the external_aad of both modes). */
export function groupExternalAad(i: GroupAadInputs): Uint8Array {
  const a = i.algorithms;
  return encodeCbor([
    OSCORE_VERSION,
    [a.aead, a.groupEncryption, a.signature, a.pairwiseKeyAgreement],
    i.requestKid,
    i.requestPiv,
    EMPTY,
    i.requestKidContext,
    i.oscoreOption,
    i.senderCredential,
    i.gmCredential,
  ]);
}

/** RFC 9338 §3.3: what the countersignature signs — the external AAD and the AEAD ciphertext. */
export function countersignStructure(externalAad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  return encodeCbor(['CounterSignature0', EMPTY, EMPTY, externalAad, ciphertext]);
}

/**
 * §4.5.1: the keystream that encrypts (and decrypts) the countersignature. `pivGeneratorId` is the
 * Sender ID of whoever generated `partialIv` (the requester when a response reuses the request's).
 */
export function signatureKeystream(signatureEncryptionKey: Uint8Array, partialIv: Uint8Array, pivGeneratorId: Uint8Array, groupId: Uint8Array, isRequest: boolean, length: number): Uint8Array {
  return hkdfSha256(signatureEncryptionKey, partialIv, encodeCbor([pivGeneratorId, groupId, isRequest, length]), length);
}

/** XOR `data` with an equally long keystream (into a new array). */
export function xorKeystream(data: Uint8Array, keystream: Uint8Array): Uint8Array {
  if (data.length !== keystream.length) throw new RangeError('keystream length ' + keystream.length + ' != ' + data.length);
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i] ^ keystream[i];
  return out;
}
