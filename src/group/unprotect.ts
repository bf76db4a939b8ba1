/**
 * Verifying Group OSCORE messages (RFC 10021 §7.2/§7.4 group mode, §8.2/§8.4 pairwise mode), the
 * mirror of ./protect.ts on src/oscore's steps:
 *   OSCORE option (Group Flag → mode) → kid context = Gid → member by kid (configured members only;
 *   a stranger allocates nothing) → replay check (read-only) → group external_aad → [group mode:
 *   split off the encrypted signature, decrypt it with the keystream] → decrypt (AEAD) →
 *   [group mode: verify the countersignature with the member's public key] → parse the plaintext
 *   → only now update state (the member's replay window).
 * The AEAD check comes first because it is cheap and refuses every non-member; the signature then
 * refuses a member posing as another. Every failure is a typed error and leaves state unchanged:
 * NotAProtectedMessage, DecodeError (malformed option, payload too short for tag + signature),
 * ContextUnavailable (other group, unknown member), ReplayError (incl. a second answer from one
 * member), ProtectionInvalid (AEAD or signature), ReplayErrorWithEcho (member's window unknown).
 */
import type { Message } from '../coap/message.js';
import { Option } from '../coap/option-registry.js';
import { isRequestCode, isResponseCode } from '../coap/numbers.js';
import { ContextUnavailable, DecodeError, ProtectionInvalid, ReplayError, ReplayErrorWithEcho } from '../errors.js';
import { equalBytes, toHex } from '../bytes.js';
import { partialIvToNumber } from '../oscore/option.js';
import { aeadNonce } from '../oscore/nonce.js';
import { encStructure } from '../oscore/aad.js';
import { mergeReceivedOptions, observeFromPartialIv } from '../oscore/classes.js';
import { oscoreOptionBytes, parsePlaintext, innerOption } from '../oscore/unprotect.js';
import type { AeadAlgorithm, AeadKey } from '../crypto/aead.js';
import { decodeGroupOscoreOption, type GroupOscoreOptionValue } from './option.js';
import { groupExternalAad, countersignStructure, signatureKeystream, xorKeystream } from './aad.js';
import { SIGNATURE_LENGTH, type GroupContext, type GroupRecipient } from './context.js';
import type { GroupMode, GroupRequestBinding } from './protect.js';

/**
 * Freshness of a request from a member whose replay window is unknown (App. B.1.2 per member,
 * RFC 10021 §9): the CoAP layer issues an Echo value and later checks the echoed one.
 */
export interface GroupEchoVerifier {
  issue(group: GroupContext, member: GroupRecipient): Uint8Array;
  verify(group: GroupContext, member: GroupRecipient, echo: Uint8Array): boolean;
}

export interface UnprotectGroupRequestOptions {
  echo?: GroupEchoVerifier;
}

interface Opened {
  code: number;
  options: ReturnType<typeof parsePlaintext>['options'];
  payload: Uint8Array;
}

/** Decrypt and (group mode) verify one message; nothing changes state here. */
function openGroupMessage(group: GroupContext, message: Message, isRequest: boolean, cose: GroupOscoreOptionValue, optionBytes: Uint8Array, sender: GroupRecipient, key: AeadKey, alg: AeadAlgorithm, nonceId: Uint8Array, noncePiv: Uint8Array, requestKid: Uint8Array, requestPiv: Uint8Array): Opened {
  const sigLength = cose.group ? SIGNATURE_LENGTH : 0;
  if (message.payload.length < alg.tagLength + 1 + sigLength) throw new DecodeError('payload of ' + message.payload.length + ' bytes is shorter than code + tag' + (cose.group ? ' + signature' : ''));
  const ciphertext = message.payload.subarray(0, message.payload.length - sigLength);
  const extAad = groupExternalAad({
    algorithms: group.algorithmIds,
    requestKid,
    requestPiv,
    requestKidContext: group.groupId,
    oscoreOption: optionBytes,
    senderCredential: sender.credential,
    gmCredential: group.gmCredential,
  });
  const pt = key.open(aeadNonce(group.ivFor(alg), nonceId, noncePiv), encStructure(extAad), ciphertext);
  if (pt === null) throw new ProtectionInvalid('Decryption failed');
  if (cose.group) {
    const keystream = signatureKeystream(group.signatureEncryptionKey, noncePiv, nonceId, group.groupId, isRequest, SIGNATURE_LENGTH);
    const signature = xorKeystream(message.payload.subarray(ciphertext.length), keystream);
    let valid: boolean;
    try {
      valid = group.signature.verify(sender.publicKey, countersignStructure(extAad, ciphertext), signature);
    } catch {
      valid = false;
    }
    if (!valid) throw new ProtectionInvalid('Countersignature verification failed');
  }
  return parsePlaintext(pt);
}

/** The kid context must name this group (§5: kid context = Gid in every request). */
function checkGroupId(group: GroupContext, kidContext: Uint8Array | undefined): void {
  if (kidContext === undefined || !equalBytes(kidContext, group.groupId)) throw new ContextUnavailable('Security context not found (kid context is not this group)');
}

/** §7.2 / §8.2: verify a request to this group member; the mode comes from the Group Flag. */
export function unprotectGroupRequest(group: GroupContext, message: Message, options: UnprotectGroupRequestOptions = {}): { message: Message; binding: GroupRequestBinding; member: GroupRecipient } {
  const optionBytes = oscoreOptionBytes(message);
  const cose = decodeGroupOscoreOption(optionBytes);
  if (!isRequestCode(message.code)) throw new DecodeError('OSCORE request with non-request code ' + message.code);
  if (!cose.partialIv) throw new DecodeError('request without Partial IV');
  if (!cose.kid) throw new DecodeError('request without kid');
  checkGroupId(group, cose.kidContext);
  const member = group.candidateRecipient(cose.kid);
  if (!member) throw new ContextUnavailable('Security context not found (kid is no group member)');
  const kid = cose.kid;
  const piv = cose.partialIv;
  const seq = partialIvToNumber(piv);
  const window = member.replayWindow;
  if (!window.isUnknown) window.check(seq);

  const mode: GroupMode = cose.group ? 'group' : 'pairwise';
  const key = cose.group ? member.groupKey : member.pairwiseKeys(group).recipient;
  const alg = cose.group ? group.groupEncryption : group.aead;
  const inner = openGroupMessage(group, message, true, cose, optionBytes, member, key, alg, kid, piv, kid, piv);
  if (!isRequestCode(inner.code)) throw new DecodeError('plaintext code ' + inner.code + ' is not a request code');

  const observe = innerOption(inner.options, Option.OBSERVE);
  const registration = observe !== undefined && partialIvToNumber(observe) === 0;
  const binding: GroupRequestBinding = { group, mode, kid, piv, seq, peer: member, observe: registration, responders: new Map() };
  if (window.isUnknown) {
    const echo = innerOption(inner.options, Option.ECHO);
    if (!options.echo) throw new ReplayError('replay window of member unknown and no Echo verifier');
    if (echo === undefined || !options.echo.verify(group, member, echo)) throw new ReplayErrorWithEcho<GroupRequestBinding>('Replay window unknown: Echo needed', options.echo.issue(group, member), binding);
    window.initialiseFromFreshRequest(seq);
  } else {
    window.accept(seq);
  }
  group.keep(member);
  const plain: Message = { type: message.type, code: inner.code, messageId: message.messageId, token: message.token, options: mergeReceivedOptions(message.options, inner.options), payload: inner.payload };
  return { message: plain, binding, member };
}

/**
 * §7.4 / §8.4: verify one of possibly many responses to the request of `binding` (client side).
 * The responder's kid is required; to a pairwise request only the addressed member may answer.
 */
export function unprotectGroupResponse(message: Message, binding: GroupRequestBinding): { message: Message; member: GroupRecipient; mode: GroupMode; partialIv: number | undefined } {
  const group = binding.group;
  const optionBytes = oscoreOptionBytes(message);
  const cose = decodeGroupOscoreOption(optionBytes);
  if (!isResponseCode(message.code)) throw new DecodeError('OSCORE response with non-response code ' + message.code);
  if (cose.kidContext) throw new DecodeError('kid context in a response');
  if (!cose.kid) throw new DecodeError('group response without the responder\'s kid');
  if (binding.peer && !equalBytes(cose.kid, binding.peer.senderId)) throw new ContextUnavailable('response from another member than the one addressed');
  const member = group.candidateRecipient(cose.kid);
  if (!member) throw new ContextUnavailable('Security context not found (kid is no group member)');
  const responder = toHex(member.senderId);
  const last = binding.responders.get(responder);
  let seq: number | undefined;
  let nonceId = binding.kid;
  let noncePiv = binding.piv;
  if (cose.partialIv) {
    seq = partialIvToNumber(cose.partialIv);
    if (last !== undefined && seq <= last) throw new ReplayError('response Partial IV ' + seq + ' not above ' + last + ' from this member');
    nonceId = member.senderId;
    noncePiv = cose.partialIv;
  } else if (last !== undefined) {
    throw new ReplayError('second response from this member without a Partial IV');
  }
  const mode: GroupMode = cose.group ? 'group' : 'pairwise';
  const key = cose.group ? member.groupKey : member.pairwiseKeys(group).recipient;
  const alg = cose.group ? group.groupEncryption : group.aead;
  const inner = openGroupMessage(group, message, false, cose, optionBytes, member, key, alg, nonceId, noncePiv, binding.kid, binding.piv);
  if (!isResponseCode(inner.code)) throw new DecodeError('plaintext code ' + inner.code + ' is not a response code');
  let innerOptions = inner.options;
  const hasObserve = innerOption(innerOptions, Option.OBSERVE) !== undefined;
  if (hasObserve && !binding.observe) throw new ProtectionInvalid('Inner Observe in a response to a request that did not register');
  if (hasObserve && seq === undefined) throw new ProtectionInvalid('notification without Partial IV');
  binding.responders.set(responder, seq ?? -1);
  group.keep(member);
  if (hasObserve && seq !== undefined) {
    const value = observeFromPartialIv(seq);
    innerOptions = innerOptions.map((o) => (o.number === Option.OBSERVE ? { number: o.number, value } : o));
  }
  const plain: Message = { type: message.type, code: inner.code, messageId: message.messageId, token: message.token, options: mergeReceivedOptions(message.options, innerOptions), payload: inner.payload };
  return { message: plain, member, mode, partialIv: seq };
}
