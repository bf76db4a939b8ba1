/**
 * The one error hierarchy of oscore-xs.
 *
 * OSCORE errors carry aiocoap's names so users can catch them by the names they know.
 * CoAP errors carry the response code and diagnostic payload a server sends for them.
 * Everything thrown on bad input from the network or from storage is one of these.
 */

/** Root of every error oscore-xs throws on purpose. */
export class OscoreXsError extends Error {
  constructor(message: string) {
    super(message);
    // Not `this.name = …`: Moddable freezes the built-ins (they live in flash), and assigning over
    // the read-only inherited Error.prototype.name throws a TypeError there (the override mistake).
    Object.defineProperty(this, 'name', { value: new.target.name, writable: true, enumerable: true, configurable: true });
  }
}

// ---- CoAP (RFC 7252) ----

/** An error that maps to a CoAP response: `code` (e.g. 0x84 for 4.04) and a diagnostic payload. */
export class CoapError extends OscoreXsError {
  readonly code: number;
  readonly diagnostic: string;
  constructor(code: number, diagnostic: string, message?: string) {
    super(message ?? diagnostic);
    this.code = code;
    this.diagnostic = diagnostic;
  }
}

/** A datagram that is not a well-formed CoAP message (RFC 7252 §3). `messageId`/`isRequest` when known, for RST / 4.00. */
export class MessageFormatError extends OscoreXsError {
  readonly messageId?: number;
  constructor(message: string, messageId?: number) {
    super(message);
    this.messageId = messageId;
  }
}

/** An unrecognised critical option (RFC 7252 §5.4.1): 4.02 Bad Option for requests, reject for responses. */
export class BadOptionError extends CoapError {
  readonly optionNumber: number;
  constructor(optionNumber: number, diagnostic?: string) {
    super(0x82, diagnostic ?? 'Unknown critical option ' + optionNumber);
    this.optionNumber = optionNumber;
  }
}

/** No response arrived in time (CON retransmissions exhausted, or the request's own timeout). */
export class TimeoutError extends OscoreXsError {}

/** The request was cancelled by its AbortSignal or by closing the endpoint. */
export class CancelledError extends OscoreXsError {}

/** The peer answered with a Reset (RFC 7252 §4.2). */
export class ResetError extends OscoreXsError {}

/**
 * A block-wise transfer (RFC 7959) could not be completed on the client: blocks that do not
 * line up, a body over the configured limit, or a representation that kept changing.
 */
export class BlockwiseError extends OscoreXsError {}

// ---- OSCORE (RFC 8613) ----

/** Base of the OSCORE errors. */
export class OscoreError extends OscoreXsError {}

/** The message has no OSCORE option (it is plain CoAP). */
export class NotAProtectedMessage extends OscoreError {}

/** Malformed OSCORE option or COSE structure (§6.1, §8.2: 4.02 Bad Option). */
export class DecodeError extends OscoreError {}

/** Authentication failed (§8.2: 4.00 "Decryption failed"). */
export class ProtectionInvalid extends OscoreError {}

/** The Partial IV was seen before or is outside the window (§7.4: 4.01 "Replay detected"). */
export class ReplayError extends OscoreError {}

/**
 * The replay window is not initialised (App. B.1.2 after an unclean reboot): the request
 * authenticated, but freshness must be proven by repeating it with the Echo value carried here.
 */
export class ReplayErrorWithEcho<R = unknown> extends ReplayError {
  readonly echo: Uint8Array;
  /** The authenticated request's binding (src/oscore RequestBinding): the 4.01 + Echo response is protected with it. */
  readonly request?: R;
  constructor(message: string, echo: Uint8Array, request?: R) {
    super(message);
    this.echo = echo;
    this.request = request;
  }
}

/** No usable context: kid unknown (§8.2: 4.01 "Security context not found"), sequence exhausted, or storage refused. */
export class ContextUnavailable extends OscoreError {}

/** A security context or its storage could not be loaded (bad configuration, corrupt record). Names the file/field. */
export class LoadError extends OscoreXsError {}

/** Persistent storage refused an operation: the flash partition is full, or a write did not verify. */
export class StorageError extends OscoreXsError {}

// ---- Asymmetric crypto (RFC 9053) ----

/**
 * A peer's public key that must not be used (RFC 9528 §9.2): a P-256 point not on the curve, a
 * key of the wrong length or encoding, or an X25519 key giving the all-zero shared secret.
 */
export class InvalidPublicKey extends OscoreXsError {}

/** An algorithm or curve this build does not offer (e.g. X25519 on the device's native crypto). */
export class UnsupportedAlgorithm extends OscoreXsError {}

// ---- CBOR (RFC 8949) ----

/**
 * Bytes that are not the CBOR expected: malformed, truncated, not deterministically encoded
 * (RFC 8949 §4.2.1; RFC 9528 §3.1 requires it), or of another type than the structure needs.
 */
export class CborDecodeError extends OscoreXsError {}
