/**
 * Protecting Group OSCORE messages (RFC 10021 §7 group mode, §8 pairwise mode), as the steps of
 * src/oscore/protect.ts with the group's additions:
 *   split options (RFC 8613 §4.1) → plaintext (§5.3) → Partial IV and nonce (§5.2, Common IV cut
 *   to the algorithm's nonce) → OSCORE option with kid context = Gid and the Group Flag (§5) →
 *   group external_aad (§4.3) → encrypt → [group mode: countersign the ciphertext (§4.5), encrypt
 *   the signature with the SEKey keystream (§4.5.1), append it] → outer message (RFC 8613 §4.2).
 *
 * Group mode: the Sender Key of the Group Encryption Algorithm, readable by every member, the
 * signature proving which member sent it. Pairwise mode: the pairwise key with one member and the
 * AEAD Algorithm, no signature. Responses always carry the responder's kid (many members answer
 * one request); they reuse the request's Partial IV unless `partialIv` asks for their own.
 */
import type { Message } from '../coap/message.js';
import { isRequestCode, isResponseCode } from '../coap/numbers.js';
import { splitOptions, outerCode } from '../oscore/classes.js';
import { composePlaintext, outerMessage, isObserveRegistration } from '../oscore/protect.js';
import { encodePartialIv, type OscoreOptionValue } from '../oscore/option.js';
import { aeadNonce } from '../oscore/nonce.js';
import { encStructure } from '../oscore/aad.js';
import type { AeadAlgorithm, AeadKey } from '../crypto/aead.js';
import { ContextUnavailable } from '../errors.js';
import { encodeGroupOscoreOption } from './option.js';
import { groupExternalAad, countersignStructure, signatureKeystream, xorKeystream } from './aad.js';
import { SIGNATURE_LENGTH, type GroupContext, type GroupRecipient } from './context.js';

export type GroupMode = 'group' | 'pairwise';

/** What the responses to a group request are protected and verified with (RFC 8613 §8, per token). */
export interface GroupRequestBinding {
  readonly group: GroupContext;
  readonly mode: GroupMode;
  /** The requester's Sender ID and the request's Partial IV (request_kid, request_piv). */
  readonly kid: Uint8Array;
  readonly piv: Uint8Array;
  readonly seq: number;
  /** Pairwise mode: the one member addressed (client side) or the requester (server side). */
  readonly peer: GroupRecipient | undefined;
  readonly observe: boolean;
  /**
   * Client side: per responder, the highest own Partial IV seen (−1: answered with the request's
   * nonce). A second answer from the same member without a higher Partial IV is a replay.
   */
  readonly responders: Map<string, number>;
}

export interface ProtectGroupResponseOptions {
  /** Answer in this mode; default: the request's. */
  mode?: GroupMode;
  /** Send an own Partial IV (default: for Observe, as RFC 8613 §8.3). */
  partialIv?: boolean;
}

/** The steps shared by requests and responses once the option, kid/piv and key are known. */
function sealGroupMessage(group: GroupContext, original: Message, isRequest: boolean, mode: GroupMode, key: AeadKey, alg: AeadAlgorithm, option: OscoreOptionValue, nonceId: Uint8Array, noncePiv: Uint8Array, requestKid: Uint8Array, requestPiv: Uint8Array): Message {
  const split = splitOptions(original.options, isRequest);
  const optionBytes = encodeGroupOscoreOption(option, mode === 'group');
  const extAad = groupExternalAad({
    algorithms: group.algorithmIds,
    requestKid,
    requestPiv,
    requestKidContext: group.groupId,
    oscoreOption: optionBytes,
    senderCredential: group.credential,
    gmCredential: group.gmCredential,
  });
  const nonce = aeadNonce(group.ivFor(alg), nonceId, noncePiv);
  const plaintext = composePlaintext(original.code, split.inner, original.payload);
  const ciphertext = key.seal(nonce, encStructure(extAad), plaintext);
  plaintext.fill(0);
  let payload = ciphertext;
  if (mode === 'group') {
    const signature = group.sign(countersignStructure(extAad, ciphertext));
    const keystream = signatureKeystream(group.signatureEncryptionKey, noncePiv, nonceId, group.groupId, isRequest, SIGNATURE_LENGTH);
    payload = new Uint8Array(ciphertext.length + SIGNATURE_LENGTH);
    payload.set(ciphertext, 0);
    payload.set(xorKeystream(signature, keystream), ciphertext.length);
  }
  return outerMessage(original, outerCode(isRequest, split.outerObserve), split.outer, optionBytes, payload);
}

/**
 * §7.1 (group mode) / §8.1 (pairwise mode, `to` the addressed member): protect a request. Takes a
 * sequence number. The kid context is always the Group ID.
 */
export function protectGroupRequest(group: GroupContext, request: Message, mode: GroupMode = 'group', to?: Uint8Array): { message: Message; binding: GroupRequestBinding } {
  if (!isRequestCode(request.code)) throw new RangeError('protectGroupRequest: code ' + request.code + ' is not a request code');
  let peer: GroupRecipient | undefined;
  if (mode === 'pairwise') {
    if (!to) throw new RangeError('protectGroupRequest: pairwise mode needs the member addressed');
    peer = group.recipient(to);
    if (!peer) throw new ContextUnavailable('pairwise request to ' + to.length + '-byte ID that is no group member');
  }
  const key = peer ? peer.pairwiseKeys(group).sender : group.senderKey;
  const alg = peer ? group.aead : group.groupEncryption;
  const seq = group.sequence.take();
  const piv = encodePartialIv(seq);
  const kid = group.senderId;
  const message = sealGroupMessage(group, request, true, mode, key, alg, { partialIv: piv, kidContext: group.groupId, kid }, kid, piv, kid, piv);
  const binding: GroupRequestBinding = { group, mode, kid, piv, seq, peer, observe: isObserveRegistration(splitOptions(request.options, true).inner), responders: new Map() };
  return { message, binding };
}

/** §7.3 / §8.3: protect a response to the request of `binding` (server side). */
export function protectGroupResponse(response: Message, binding: GroupRequestBinding, options: ProtectGroupResponseOptions = {}): Message {
  if (!isResponseCode(response.code)) throw new RangeError('protectGroupResponse: code ' + response.code + ' is not a response code');
  const group = binding.group;
  const mode = options.mode ?? binding.mode;
  if (mode === 'pairwise' && !binding.peer) throw new RangeError('protectGroupResponse: pairwise response without the requester');
  const key = mode === 'pairwise' ? binding.peer!.pairwiseKeys(group).sender : group.senderKey;
  const alg = mode === 'pairwise' ? group.aead : group.groupEncryption;
  const ownPiv = options.partialIv ?? (binding.observe || splitOptions(response.options, false).outerObserve);
  const option: OscoreOptionValue = { kid: group.senderId };
  let nonceId = binding.kid;
  let noncePiv = binding.piv;
  if (ownPiv) {
    noncePiv = encodePartialIv(group.sequence.take());
    nonceId = group.senderId;
    option.partialIv = noncePiv;
  }
  return sealGroupMessage(group, response, false, mode, key, alg, option, nonceId, noncePiv, binding.kid, binding.piv);
}
