/**
 * OSCORE (RFC 8613): the public API of src/oscore. Platform-free; works on the one Message model
 * (src/coap/message.ts) and the AEAD contract (src/crypto/aead.ts).
 *
 * Contexts
 *   new SecurityContext(params, { store?, keys? })   params: { masterSecret, masterSalt?, senderId,
 *       recipientId, idContext?, algorithm? = 10, hkdf? = 'SHA-256', replayWindowSize? = 32 }
 *       Derives Sender/Recipient Key and Common IV (§3.2), prepares the keys once, calls
 *       store.load() once. Bad parameters → LoadError naming the field. ctx.close() → store.close().
 *   deriveKeys(params), kdfInfo(...)                  the raw derivation (tests, tools)
 *   ContextStore, MemoryContextStore, ReplayState     persistence contract (App. B.1; a context given no
 *       store keeps its state in a VolatileContextStore):
 *       load() once at open, reserve(upTo) before a sequence number at/above the durable limit,
 *       close(nextSeq, window | 'unknown') at clean shutdown
 *   contextLookup([ctx, …]) → ContextLookup           (kid, kidContext) → context, for servers (hashed:
 *       ContextIndex, O(1) in the number of contexts)
 *
 * Client
 *   const { message, binding } = protectRequest(ctx, plainRequest, { includeKidContext? })
 *   … send `message`; keep `binding` with the token (for Observe: as long as the observation lives)
 *   const { message: plain, partialIv } = unprotectResponse(protectedResponse, binding)
 *
 * Server
 *   const { message: plain, binding, context } = unprotectRequest(protectedRequest, lookup, { echo? })
 *   … handle `plain` …
 *   const out = protectResponse(plainResponse, binding, { partialIv? })
 *       (own Partial IV by default for responses to an Observe registration, §4.1.3.5.2;
 *        otherwise the request's nonce is reused, §8.3)
 *   On failure: oscoreErrorResponse(err) → { code, diagnostic, maxAge: 0 } for an unprotected error
 *   response (4.02 / 4.01 / 4.00 / 4.01, §8.2), or for ReplayErrorWithEcho (App. B.1.2, replay
 *   window unknown after an unclean stop): protectEchoChallenge(err, skeleton) → protected 4.01 + Echo.
 *   EchoVerifier { issue(ctx), verify(ctx, echo) } is supplied by the CoAP layer (RFC 9175).
 *
 * Errors (src/errors.ts): NotAProtectedMessage, DecodeError, ContextUnavailable, ProtectionInvalid,
 * ReplayError, ReplayErrorWithEcho, LoadError. A failed verification changes no state.
 *
 * Building blocks (exported for tests and tools): encodeCbor, OSCORE option codec, option classes,
 * nonce, AAD, SenderSequence, ReplayWindow.
 */
export { SecurityContext, deriveKeys, kdfInfo, checkParams, type SecurityContextParams, type SecurityContextOptions, type DerivedKeys } from './context.js';
export { MemoryContextStore, VolatileContextStore, type ContextStore, type ReplayState, type ReplayWindowSnapshot } from './store.js';
export { SenderSequence, MAX_SEQUENCE_NUMBER } from './sequence.js';
export { ReplayWindow, DEFAULT_REPLAY_WINDOW_SIZE, MAX_REPLAY_WINDOW_SIZE } from './replay.js';
export { encodeCbor, type CborValue } from './cbor.js';
export { encodeOscoreOption, decodeOscoreOption, encodePartialIv, partialIvToNumber, type OscoreOptionValue } from './option.js';
export { splitOptions, mergeReceivedOptions, outerCode, decomposeProxyUri, type SplitOptions } from './classes.js';
export { aeadNonce } from './nonce.js';
export { externalAad, encStructure, aeadAad } from './aad.js';
export { protectRequest, protectResponse, composePlaintext, type RequestBinding, type ProtectRequestOptions, type ProtectResponseOptions } from './protect.js';
export { ContextIndex, type IndexedContext } from './context-index.js';
export { unprotectRequest, unprotectResponse, contextLookup, type ContextLookup, type EchoVerifier, type UnprotectRequestOptions } from './unprotect.js';
export { oscoreErrorResponse, protectEchoChallenge, DIAGNOSTIC, type OscoreErrorResponse } from './error-response.js';
