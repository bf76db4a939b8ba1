/**
 * Verifying messages (RFC 8613 §8.2 request, §8.4 response), the mirror of ./protect.ts:
 * OSCORE option → decompress (§6.1) → find the Recipient Context by kid / kid context →
 * replay check (§7.4, read-only) → AAD (§5.4) → nonce (§5.2) → decrypt → parse the plaintext →
 * only now update state (replay window, notification number) → the decrypted message.
 *
 * Every failure is a typed error (src/errors.ts) and leaves the context as it was:
 * NotAProtectedMessage (no OSCORE option), DecodeError (malformed option or plaintext: 4.02),
 * ContextUnavailable (no context for kid: 4.01), ReplayError (4.01), ProtectionInvalid (4.00),
 * ReplayErrorWithEcho (App. B.1.2: the request authenticated but freshness is unknown).
 */
import type { CoapOption, Message } from '../coap/message.js';
import { readOptionsAndPayload } from '../coap/codec.js';
import { Option } from '../coap/option-registry.js';
import { isRequestCode, isResponseCode } from '../coap/numbers.js';
import { ContextUnavailable, DecodeError, MessageFormatError, NotAProtectedMessage, ProtectionInvalid, ReplayError, ReplayErrorWithEcho } from '../errors.js';
import type { SecurityContext } from './context.js';
import type { RequestBinding } from './protect.js';
import { decodeOscoreOption, partialIvToNumber } from './option.js';
import { isObserveRegistration, mergeReceivedOptions, observeFromPartialIv } from './classes.js';
import { aeadNonce } from './nonce.js';
import { aeadAad } from './aad.js';
import { ContextIndex } from './context-index.js';

/** Find the security context whose Recipient ID is `kid` (and ID Context `kidContext`, when sent). */
export type ContextLookup = (kid: Uint8Array, kidContext: Uint8Array | undefined) => SecurityContext | undefined;

/**
 * The server's Echo source and check (RFC 9175), used only while a replay window is unknown
 * (App. B.1.2). The CoAP layer implements it (freshness by time or by a stored nonce).
 */
export interface EchoVerifier {
  /** A fresh Echo value to challenge a request received on `context`. */
  issue(context: SecurityContext): Uint8Array;
  /** True when `echo`, the Inner Echo of an authenticated request, proves it fresh. */
  verify(context: SecurityContext, echo: Uint8Array): boolean;
}

export interface UnprotectRequestOptions {
  echo?: EchoVerifier;
}

/** The bytes of the single OSCORE option of a message (NotAProtectedMessage without one, DecodeError for two). */
export function oscoreOptionBytes(message: Message): Uint8Array {
  let value: Uint8Array | undefined;
  for (const o of message.options) {
    if (o.number !== Option.OSCORE) continue;
    if (value !== undefined) throw new DecodeError('more than one OSCORE option');
    value = o.value;
  }
  if (value === undefined) throw new NotAProtectedMessage('no OSCORE option');
  return value;
}

/** Parse the decrypted plaintext (§5.3); a malformed one is a DecodeError. */
export function parsePlaintext(pt: Uint8Array): { code: number; options: CoapOption[]; payload: Uint8Array } {
  let parts: { options: CoapOption[]; payload: Uint8Array };
  try {
    parts = readOptionsAndPayload(pt, 1, pt.length);
  } catch (e) {
    if (e instanceof MessageFormatError) throw new DecodeError('plaintext: ' + e.message);
    throw e;
  }
  for (const o of parts.options) if (o.number === Option.OSCORE) throw new DecodeError('plaintext: nested OSCORE option');
  return { code: pt[0], options: parts.options, payload: parts.payload };
}

/** `code` (of the outer message or of the plaintext) must be a request code, or a response code. */
function checkCode(where: string, code: number, request: boolean): void {
  if (!(request ? isRequestCode : isResponseCode)(code)) throw new DecodeError(where + ' code ' + code + ' is not a ' + (request ? 'request' : 'response') + ' code');
}

function checkCiphertextLength(context: SecurityContext, payload: Uint8Array): void {
  // At least the code byte plus the tag.
  if (payload.length < context.algorithm.tagLength + 1) throw new DecodeError('ciphertext too short for code + tag: ' + payload.length + ' bytes');
}

export function innerOption(options: readonly CoapOption[], number: number): Uint8Array | undefined {
  for (const o of options) if (o.number === number) return o.value;
  return undefined;
}

/** §8.2: verify a request. `lookup` finds the context; state changes only on success. */
export function unprotectRequest(message: Message, lookup: ContextLookup, options: UnprotectRequestOptions = {}): { message: Message; binding: RequestBinding; context: SecurityContext } {
  const cose = decodeOscoreOption(oscoreOptionBytes(message));
  checkCode('OSCORE request:', message.code, true);
  if (!cose.partialIv || !cose.kid) throw new DecodeError('request without ' + (cose.partialIv ? 'kid' : 'Partial IV'));
  const context = lookup(cose.kid, cose.kidContext);
  if (!context) throw new ContextUnavailable('Security context not found');
  checkCiphertextLength(context, message.payload);
  // The decoded kid and Partial IV are copies, so the binding may keep them (responses, notifications).
  const kid = cose.kid;
  const piv = cose.partialIv;
  const seq = partialIvToNumber(piv);
  const window = context.replayWindow;
  if (!window.isUnknown) window.check(seq);

  const aad = aeadAad(context.algorithm.id, kid, piv);
  const nonce = aeadNonce(context.commonIv, context.recipientId, piv);
  const pt = context.recipientKey.open(nonce, aad, message.payload);
  if (pt === null) throw new ProtectionInvalid('Decryption failed');
  const inner = parsePlaintext(pt);
  checkCode('plaintext', inner.code, true);

  const binding: RequestBinding = { context, kid, piv, seq, nonce, aad, observe: isObserveRegistration(inner.options), notificationNumber: undefined };

  if (window.isUnknown) {
    // App. B.1.2: authenticated, but a replay cannot be ruled out until an Echo proves freshness.
    const echo = innerOption(inner.options, Option.ECHO);
    if (!options.echo) throw new ReplayError('replay window unknown: no Echo verifier');
    if (echo === undefined || !options.echo.verify(context, echo)) throw new ReplayErrorWithEcho<RequestBinding>('replay window unknown: Echo needed', options.echo.issue(context), binding);
    window.initialiseFromFreshRequest(seq);
  } else {
    window.accept(seq);
  }

  const plain: Message = { type: message.type, code: inner.code, messageId: message.messageId, token: message.token, options: mergeReceivedOptions(message.options, inner.options), payload: inner.payload };
  return { message: plain, binding, context };
}

/**
 * §8.4: verify a response to the request of `binding`. For notifications (Inner Observe with a
 * Partial IV) the Partial IV must exceed the binding's notification number (§7.4.1), which is
 * then raised; the decrypted Observe value becomes the Partial IV's low 24 bits (§4.1.3.5.2).
 */
export function unprotectResponse(message: Message, binding: RequestBinding): { message: Message; partialIv: number | undefined } {
  const cose = decodeOscoreOption(oscoreOptionBytes(message));
  checkCode('OSCORE response:', message.code, false);
  if (cose.kidContext) throw new DecodeError('kid context in a response');
  const context = binding.context;
  checkCiphertextLength(context, message.payload);
  let nonce = binding.nonce;
  let seq: number | undefined;
  if (cose.partialIv) {
    seq = partialIvToNumber(cose.partialIv);
    if (binding.observe && binding.notificationNumber !== undefined && seq <= binding.notificationNumber)
      throw new ReplayError('notification Partial IV ' + seq + ' not above ' + binding.notificationNumber);
    nonce = aeadNonce(context.commonIv, context.recipientId, cose.partialIv);
  }
  const pt = context.recipientKey.open(nonce, binding.aad, message.payload);
  if (pt === null) throw new ProtectionInvalid('Decryption failed');
  const inner = parsePlaintext(pt);
  checkCode('plaintext', inner.code, false);

  let innerOptions = inner.options;
  if (innerOption(innerOptions, Option.OBSERVE) !== undefined) {
    if (!binding.observe) throw new ProtectionInvalid('Inner Observe in a response to no Observe registration');
    // §8.4.2: a notification (Inner Observe) must carry its own Partial IV; a final response
    // without Observe may reuse the request nonce (libcoap ends observations that way).
    if (seq === undefined) throw new ProtectionInvalid('notification without Partial IV');
    binding.notificationNumber = seq;
    const value = observeFromPartialIv(seq);
    innerOptions = innerOptions.map((o) => (o.number === Option.OBSERVE ? { number: o.number, value } : o));
  }
  const plain: Message = { type: message.type, code: inner.code, messageId: message.messageId, token: message.token, options: mergeReceivedOptions(message.options, innerOptions), payload: inner.payload };
  return { message: plain, partialIv: seq };
}

/**
 * A ContextLookup over a fixed list: Recipient ID equal to kid and, when the request carries a
 * kid context, ID Context equal to it (§5.1: the server SHALL then use a context with that ID
 * Context). Hash lookups (./context-index.ts), so thousands of contexts cost no more per request
 * than one; the first matching context in list order wins.
 */
export function contextLookup(contexts: readonly SecurityContext[]): ContextLookup {
  const index = new ContextIndex(contexts);
  return (kid, kidContext) => index.find(kid, kidContext);
}
