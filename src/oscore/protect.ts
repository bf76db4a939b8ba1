/**
 * Protecting messages (RFC 8613 §8.1 request, §8.3 response), as pipeline steps named after the
 * RFC: split options (§4.1) → plaintext (§5.3) → Partial IV and nonce (§5.2) → AAD (§5.4) →
 * encrypt (COSE_Encrypt0) → OSCORE option (§6.1) → outer message (§4.2).
 *
 * A request leaves behind a RequestBinding — the association (token → context, request kid and
 * Partial IV) of §8 that its response (or notifications) are protected and verified with.
 * Responses reuse the request's nonce unless they carry their own Partial IV: responses to an
 * Observe registration (notifications) do by default, App. B.1.2 Echo challenges on request.
 */
import type { CoapOption, Message } from '../coap/message.js';
import { encodedOptionsLength, writeOptionsAndPayload } from '../coap/codec.js';
import { Option } from '../coap/option-registry.js';
import { isRequestCode, isResponseCode } from '../coap/numbers.js';
import type { SecurityContext } from './context.js';
import { splitOptions, outerCode, insertSorted, isObserveRegistration } from './classes.js';

export { isObserveRegistration };
import { encodeOscoreOption, encodePartialIv, type OscoreOptionValue } from './option.js';
import { aeadNonce } from './nonce.js';
import { aeadAad } from './aad.js';

/** §8: what a response needs from its request. Kept per token by the layer above. */
export interface RequestBinding {
  readonly context: SecurityContext;
  /** request_kid: the requester's Sender ID as carried in the request. */
  readonly kid: Uint8Array;
  /** request_piv: the request's Partial IV bytes. */
  readonly piv: Uint8Array;
  /** The request's sequence number (its Partial IV as a number). */
  readonly seq: number;
  /** The request's AEAD nonce, reused by responses without a Partial IV. */
  readonly nonce: Uint8Array;
  /** The AEAD AAD shared by the request and all its responses (same request_kid/request_piv). */
  readonly aad: Uint8Array;
  /** The request was an Observe registration (Inner Observe 0). */
  readonly observe: boolean;
  /** Client side of an observation: highest notification Partial IV accepted (§7.4.1). */
  notificationNumber: number | undefined;
}

export interface ProtectRequestOptions {
  /** Send the ID Context as kid context (§5.1); default: when the context has one. */
  includeKidContext?: boolean;
}

/** §5.3: Code · Inner options · (0xFF · payload). */
export function composePlaintext(code: number, inner: readonly CoapOption[], payload: Uint8Array): Uint8Array {
  const pt = new Uint8Array(1 + encodedOptionsLength(inner, payload));
  pt[0] = code;
  writeOptionsAndPayload(inner, payload, pt, 1);
  return pt;
}

/**
 * Compose the plaintext (§5.3) straight into the buffer that becomes the ciphertext and seal it
 * there (§5.2–5.4 inputs given): one allocation per message, and no plaintext copy is left behind
 * (the bytes are encrypted where they were written). No module-level scratch buffer, so the
 * library keeps no mutable module state (it is preloaded into flash on Moddable).
 */
function sealPlaintext(context: SecurityContext, nonce: Uint8Array, aad: Uint8Array, code: number, inner: readonly CoapOption[], payload: Uint8Array): Uint8Array {
  const key = context.senderKey;
  const buf = new Uint8Array(1 + encodedOptionsLength(inner, payload) + key.algorithm.tagLength);
  buf[0] = code;
  writeOptionsAndPayload(inner, payload, buf, 1);
  key.sealInPlace(nonce, aad, buf);
  return buf;
}

/**
 * §4.2: the outer message — Outer options with the OSCORE option in number order, the ciphertext
 * as payload. `outer` (a fresh list from splitOptions) takes the OSCORE option.
 */
export function outerMessage(original: Message, code: number, outer: CoapOption[], optionValue: Uint8Array, ciphertext: Uint8Array): Message {
  insertSorted(outer, { number: Option.OSCORE, value: optionValue });
  return { type: original.type, code, messageId: original.messageId, token: original.token, options: outer, payload: ciphertext };
}

/** §8.1: protect a request with the Sender Context of `context`. Takes a sequence number. */
export function protectRequest(context: SecurityContext, request: Message, options: ProtectRequestOptions = {}): { message: Message; binding: RequestBinding } {
  if (!isRequestCode(request.code)) throw new RangeError('protectRequest: code ' + request.code + ' is not a request code');
  const split = splitOptions(request.options, true);
  const seq = context.sequence.take();
  const piv = encodePartialIv(seq);
  const kid = context.senderId;
  const nonce = aeadNonce(context.commonIv, kid, piv);
  const aad = aeadAad(context.algorithm.id, kid, piv);
  const ciphertext = sealPlaintext(context, nonce, aad, request.code, split.inner, request.payload);
  // The ID Context as kid context unless the caller says not to (§5.1); none when the context has none.
  const value: OscoreOptionValue = { partialIv: piv, kid, kidContext: options.includeKidContext === false ? undefined : context.idContext };
  const message = outerMessage(request, outerCode(true, split.outerObserve), split.outer, encodeOscoreOption(value), ciphertext);
  const binding: RequestBinding = { context, kid, piv, seq, nonce, aad, observe: isObserveRegistration(split.inner), notificationNumber: undefined };
  return { message, binding };
}

export interface ProtectResponseOptions {
  /**
   * Send a fresh Partial IV of our own (and use it for the nonce). Default: when the response
   * carries Observe or answers an Observe registration — every notification, successful or
   * error, needs one (§4.1.3.5.2). App. B.1.2 Echo challenges pass true.
   */
  partialIv?: boolean;
}

/** §8.3: protect a response to the request described by `binding`. */
export function protectResponse(response: Message, binding: RequestBinding, options: ProtectResponseOptions = {}): Message {
  if (!isResponseCode(response.code)) throw new RangeError('protectResponse: code ' + response.code + ' is not a response code');
  const context = binding.context;
  const split = splitOptions(response.options, false);
  const ownPiv = options.partialIv ?? (split.outerObserve || binding.observe);
  let nonce = binding.nonce;
  const value: OscoreOptionValue = {};
  if (ownPiv) {
    const piv = encodePartialIv(context.sequence.take());
    nonce = aeadNonce(context.commonIv, context.senderId, piv);
    value.partialIv = piv;
  }
  const ciphertext = sealPlaintext(context, nonce, binding.aad, response.code, split.inner, response.payload);
  return outerMessage(response, outerCode(false, split.outerObserve), split.outer, encodeOscoreOption(value), ciphertext);
}
