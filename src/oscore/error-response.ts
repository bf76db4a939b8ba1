/**
 * What a server answers when verifying a request fails (RFC 8613 §8.2, §7.4): an unprotected
 * error response with an Outer Max-Age 0 (so OSCORE-unaware caches drop it) and the RFC's
 * diagnostic payload, as libcoap sends them in the interop captures:
 *   DecodeError        → 4.02 "Failed to decode COSE"
 *   ContextUnavailable → 4.01 "Security context not found"
 *   ProtectionInvalid  → 4.00 "Decryption failed"
 *   ReplayError        → 4.01 "Replay detected"
 * ReplayErrorWithEcho is answered with a *protected* 4.01 carrying Echo (App. B.1.2):
 * `protectEchoChallenge`. NotAProtectedMessage is plain CoAP, for the caller's policy.
 */
import type { Message } from '../coap/message.js';
import { Code } from '../coap/numbers.js';
import { Option } from '../coap/option-registry.js';
import { ContextUnavailable, DecodeError, ProtectionInvalid, ReplayError, ReplayErrorWithEcho } from '../errors.js';
import { protectResponse, type RequestBinding } from './protect.js';

export interface OscoreErrorResponse {
  code: number;
  diagnostic: string;
  /** §8.2: the Outer Max-Age to set (0). */
  maxAge: number;
}

const DECODE = 'Failed to decode COSE';
const CONTEXT_NOT_FOUND = 'Security context not found';
const DECRYPTION_FAILED = 'Decryption failed';
const REPLAY = 'Replay detected';

/** The §8.2 diagnostic payloads by name (pure: a bundle that only answers errors inlines the strings). */
export const DIAGNOSTIC = /* @__PURE__ */ Object.freeze({ DECODE, CONTEXT_NOT_FOUND, DECRYPTION_FAILED, REPLAY } as const);

/** The unprotected error response for a failure of unprotectRequest, or undefined when none applies. */
export function oscoreErrorResponse(error: unknown): OscoreErrorResponse | undefined {
  if (error instanceof ReplayErrorWithEcho) return undefined;
  if (error instanceof DecodeError) return { code: Code.BAD_OPTION, diagnostic: DECODE, maxAge: 0 };
  if (error instanceof ContextUnavailable) return { code: Code.UNAUTHORIZED, diagnostic: CONTEXT_NOT_FOUND, maxAge: 0 };
  if (error instanceof ProtectionInvalid) return { code: Code.BAD_REQUEST, diagnostic: DECRYPTION_FAILED, maxAge: 0 };
  if (error instanceof ReplayError) return { code: Code.UNAUTHORIZED, diagnostic: REPLAY, maxAge: 0 };
  return undefined;
}

/**
 * App. B.1.2: protect the 4.01 that challenges a request with Echo. `response` is the skeleton
 * from the messaging layer (type, message ID, token); its code and options are set here, and it
 * is protected with a Partial IV of our own.
 */
export function protectEchoChallenge(error: ReplayErrorWithEcho, response: Message): Message {
  const binding = error.request as RequestBinding | undefined;
  if (!binding) throw new TypeError('ReplayErrorWithEcho without a request binding');
  const challenge: Message = { type: response.type, code: Code.UNAUTHORIZED, messageId: response.messageId, token: response.token, options: [{ number: Option.ECHO, value: error.echo }], payload: new Uint8Array(0) };
  return protectResponse(challenge, binding, { partialIv: true });
}
