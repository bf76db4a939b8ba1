/**
 * The EDHOC Responder of a CoAP server (RFC 9528 Appendix A.2, RFC 9668 §3.3): the handshake table
 * behind POST /.well-known/edhoc and the EDHOC option, and the OSCORE contexts it establishes.
 *
 * Steps (A.2.1): message_1 (payload `true` ‖ message_1) → choose C_R (unused as a Recipient ID and
 * ≠ C_I, §3.3.3 / App. A.1) → the EDHOC core makes message_2 → 2.04 with message_2. message_3 (C_R ‖
 * message_3, or RFC 9668's combined request) → the session of C_R → the core verifies message_3 →
 * `result.oscore()` (App. A.1) → a SecurityContext made by the application's `establish` (so it lands
 * in the same ContextStore as any other) → found by the OSCORE layer's lookup like any other context.
 *
 * Bounds, so that a flood of message_1 can exhaust neither memory nor CPU:
 * - at most `maxHandshakes` sessions in total and `maxHandshakesPerPeer` per peer address; a new
 *   message_1 beyond either limit gets 5.03 (Max-Age: when a slot frees), no crypto is spent on it;
 * - each session has a deadline (`handshakeTimeoutMs`); a failed session keeps its slot until then,
 *   so a peer cannot restart handshakes faster than its slots expire (each costs us an ECDH);
 * - once `echoThreshold` sessions are open, a message_1 must carry a fresh Echo (RFC 9175 §2.4,
 *   A.2: "the Responder may demand Echo first"): spoofed sources get a cheap 4.01 and nothing else;
 * - at most `maxContexts` established contexts, the oldest retired first (`retire`).
 * Every malformed or hostile message gets an EDHOC error message (4.00) or 5.03 — never an exception
 * to the caller and never a change to an established context.
 */
import type { Clock, RandomSource } from '../ports.js';
import { equalBytes, toHex } from '../bytes.js';
import type { Peer } from '../coap/exchange.js';
import { peerKey } from '../coap/exchange.js';
import type { EchoValues } from '../coap/echo.js';
import type { SecurityContext, SecurityContextParams } from '../oscore/context.js';
import { EdhocError, EdhocResponder, type EdhocCredential, type EdhocResult, type IdCred, type OwnCredential, type EadItem } from '../edhoc/index.js';
import type { AsymmetricCrypto } from '../crypto/asymmetric.js';
import { EdhocFramingError, peekInitiatorConnectionId, unspecifiedErrorMessage } from './edhoc-wire.js';

/** What the Responder presents for a request: method, cipher suites (preference order), credential. */
export interface ResponderIdentity {
  method: 0 | 1 | 2 | 3;
  suites: number[];
  own: OwnCredential;
}

export interface EdhocLimits {
  /** Sessions (message_1 seen, message_3 not yet) in total. */
  maxHandshakes: number;
  /** Sessions per peer address (IP, without port). */
  maxHandshakesPerPeer: number;
  /** A session not completed by then is dropped; a failed one holds its slot until then. */
  handshakeTimeoutMs: number;
  /** From this many open sessions on, message_1 must carry a fresh Echo (0: always; Infinity: never). */
  echoThreshold: number;
  /** Established contexts kept at most (oldest retired first). */
  maxContexts: number;
}

export const DEFAULT_EDHOC_LIMITS: EdhocLimits = { maxHandshakes: 8, maxHandshakesPerPeer: 2, handshakeTimeoutMs: 30_000, echoThreshold: 4, maxContexts: 16 };

/** What the application learns about a finished handshake (for its log: IDs, never keys). */
export interface EstablishedInfo {
  peer: Peer;
  /** Our Recipient ID (= C_R) and Sender ID (= C_I), App. A.1. */
  recipientId: Uint8Array;
  senderId: Uint8Array;
  credential: EdhocCredential;
  ead: EadItem[];
  /** True when message_3 came in an RFC 9668 combined request. */
  combined: boolean;
}

export interface EdhocResponderOptions {
  crypto: AsymmetricCrypto;
  random: RandomSource;
  clock: Clock;
  /** The own credential for a request (aiocoap: one per origin); undefined → 4.04, as aiocoap. */
  identity(request: { peer: Peer; uriHost?: string }): ResponderIdentity | undefined;
  /** The peer's credential for its ID_CRED_I (§3.5.3); undefined ends the handshake with error 3/1. */
  trust(idCred: IdCred): EdhocCredential | undefined;
  /** Make the SecurityContext (with its ContextStore) for a finished handshake. */
  establish(params: SecurityContextParams, info: EstablishedInfo): SecurityContext;
  /** A context leaves the table (capacity): close it, free its storage. */
  retire?(context: SecurityContext): void;
  /** Recipient IDs (without ID Context) other contexts of this server use: never chosen as C_R. */
  recipientIdInUse?(id: Uint8Array): boolean;
  /** Echo values for the message_1 challenge (default: none → message_1 is never challenged). */
  echo?: EchoValues;
  limits?: Partial<EdhocLimits>;
  /** Called with a line per handshake step (the CLI's -v); IDs and suites only, never keys. */
  trace?(line: string): void;
}

/** An answer for the CoAP layer: code, payload and (for 4.01 / 5.03) Echo or Max-Age. */
export interface EdhocAnswer {
  code: number;
  payload: Uint8Array;
  /** 64 for EDHOC messages and errors; undefined for empty answers. */
  contentFormat?: number;
  echo?: Uint8Array;
  maxAge?: number;
}

interface Session {
  cR: Uint8Array;
  peer: Peer;
  address: string;
  deadline: number;
  /** undefined once the session failed (it keeps the slot until the deadline). */
  responder?: EdhocResponder;
}

interface Established {
  context: SecurityContext;
  peer: Peer;
}

const CHANGED = 0x44;
const BAD_REQUEST = 0x80;
const UNAUTHORIZED = 0x81;
const NOT_FOUND = 0x84;
const INTERNAL_SERVER_ERROR = 0xa0;
const SERVICE_UNAVAILABLE = 0xa3;
const CF_EDHOC = 64;

function errorAnswer(code: number, bytes: Uint8Array): EdhocAnswer {
  return { code, payload: bytes, contentFormat: CF_EDHOC };
}

/** §3.3.2: the one-byte identifiers first (−24..23 as CBOR ints), in aiocoap's order. */
function oneByteIds(): number[] {
  const out: number[] = [];
  for (let i = 0x37; i >= 0x20; i--) out.push(i);
  for (let i = 0; i <= 0x17; i++) out.push(i);
  return out;
}

export class EdhocResponderService {
  readonly limits: EdhocLimits;
  private readonly sessions = new Map<string, Session>();
  /** Established contexts by Recipient ID (hex), oldest first. */
  private readonly established = new Map<string, Established>();

  constructor(private readonly opts: EdhocResponderOptions) {
    this.limits = { ...DEFAULT_EDHOC_LIMITS, ...opts.limits };
  }

  /** Open sessions (for tests and status). */
  get handshakes(): number {
    return this.sessions.size;
  }

  /** Established contexts, oldest first. */
  contexts(): SecurityContext[] {
    return [...this.established.values()].map((e) => e.context);
  }

  /** For the OSCORE layer's ContextLookup: EDHOC contexts have no ID Context (App. A.1). */
  find(kid: Uint8Array, kidContext: Uint8Array | undefined): SecurityContext | undefined {
    if (kidContext !== undefined) return undefined;
    return this.established.get(toHex(kid))?.context;
  }

  /** Put back a context established before (e.g. read from flash at boot). */
  adopt(context: SecurityContext, peer: Peer = { address: '', port: 0 }): void {
    this.remember(context, peer);
  }

  private trace(line: string): void {
    this.opts.trace?.(line);
  }

  /** Forget sessions past their deadline. */
  private expire(now: number): void {
    for (const [k, s] of this.sessions) if (s.deadline <= now) this.sessions.delete(k);
  }

  private idInUse(id: Uint8Array): boolean {
    const hex = toHex(id);
    return this.sessions.has(hex) || this.established.has(hex) || (this.opts.recipientIdInUse?.(id) ?? false);
  }

  /** C_R: unused as a Recipient ID, ≠ C_I (§3.3.3); one byte while one is free, else two random bytes. */
  private chooseConnectionId(cI: Uint8Array): Uint8Array | undefined {
    for (const b of oneByteIds()) {
      const id = new Uint8Array([b]);
      if (!equalBytes(id, cI) && !this.idInUse(id)) return id;
    }
    for (let tries = 0; tries < 16; tries++) {
      const id = new Uint8Array(2);
      this.opts.random.fill(id);
      if (!equalBytes(id, cI) && !this.idInUse(id)) return id;
    }
    return undefined;
  }

  /**
   * A.2.1, message_1 → message_2. `echo` is the request's Echo option; `uriHost` its Uri-Host.
   */
  message1(message1: Uint8Array, peer: Peer, echo: Uint8Array | undefined, uriHost?: string): EdhocAnswer {
    const now = this.opts.clock.now();
    this.expire(now);
    const identity = this.opts.identity({ peer, uriHost });
    if (!identity) return { code: NOT_FOUND, payload: new Uint8Array(0) };
    // Capacity first: nothing is computed for a message_1 we would not keep.
    const address = peer.address;
    let perPeer = 0;
    let oldest = Infinity;
    for (const s of this.sessions.values()) {
      oldest = Math.min(oldest, s.deadline);
      if (s.address === address) perPeer++;
    }
    if (this.sessions.size >= this.limits.maxHandshakes || perPeer >= this.limits.maxHandshakesPerPeer) {
      this.trace('EDHOC: message_1 from ' + peerKey(peer) + ' refused: ' + (perPeer >= this.limits.maxHandshakesPerPeer ? 'too many handshakes from this address' : 'too many handshakes'));
      return { code: SERVICE_UNAVAILABLE, payload: new Uint8Array(0), maxAge: Math.max(1, Math.ceil((oldest - now) / 1000)) };
    }
    const echoValues = this.opts.echo;
    if (echoValues && this.sessions.size >= this.limits.echoThreshold && !echoValues.verify('edhoc:' + peerKey(peer), echo)) {
      this.trace('EDHOC: message_1 from ' + peerKey(peer) + ': Echo demanded first (RFC 9175 §2.4)');
      return { code: UNAUTHORIZED, payload: new Uint8Array(0), echo: echoValues.issue('edhoc:' + peerKey(peer)) };
    }
    let cI: Uint8Array;
    try {
      cI = peekInitiatorConnectionId(message1);
    } catch (e) {
      return errorAnswer(BAD_REQUEST, unspecifiedErrorMessage((e as Error).message));
    }
    const cR = this.chooseConnectionId(cI);
    if (!cR) return errorAnswer(INTERNAL_SERVER_ERROR, unspecifiedErrorMessage('no free connection identifier'));
    const responder = new EdhocResponder({ method: identity.method, suites: identity.suites, own: identity.own, connectionId: cR, trust: (id) => this.opts.trust(id), crypto: this.opts.crypto, random: this.opts.random });
    // The slot is taken before the work is done, and kept until the deadline if the work fails.
    const session: Session = { cR, peer, address, deadline: now + this.limits.handshakeTimeoutMs, responder };
    this.sessions.set(toHex(cR), session);
    let message2: Uint8Array;
    try {
      message2 = responder.handleMessage1(message1);
    } catch (e) {
      session.responder = undefined;
      this.trace('EDHOC: message_1 from ' + peerKey(peer) + ' rejected: ' + (e as Error).message);
      return this.failure(e);
    }
    this.trace('EDHOC: message_1 from ' + peerKey(peer) + ' (C_I ' + toHex(cI) + '), message_2 sent (C_R ' + toHex(cR) + ')');
    return { code: CHANGED, payload: message2, contentFormat: CF_EDHOC };
  }

  /** An exception from the core or from establishing → the EDHOC error answer (A.2.3). */
  private failure(e: unknown): EdhocAnswer {
    if (e instanceof EdhocError) return errorAnswer(BAD_REQUEST, e.bytes);
    if (e instanceof EdhocFramingError) return errorAnswer(BAD_REQUEST, unspecifiedErrorMessage(e.message));
    return errorAnswer(BAD_REQUEST, unspecifiedErrorMessage('EDHOC processing failed'));
  }

  /**
   * message_3 for the session of C_R (A.2.1 with the C_R prefix, or RFC 9668 §3.3.1 with the kid).
   * Returns the new context, or the answer to send instead. A session ends with its message_3, however
   * that goes (§6: an error ends the handshake); a failure keeps the slot until the deadline.
   */
  message3(cR: Uint8Array, message3: Uint8Array, peer: Peer, combined: boolean): { context: SecurityContext } | { answer: EdhocAnswer } {
    this.expire(this.opts.clock.now());
    const session = this.sessions.get(toHex(cR));
    const responder = session?.responder;
    if (!session || !responder) return { answer: errorAnswer(BAD_REQUEST, unspecifiedErrorMessage('no EDHOC session for C_R ' + toHex(cR))) };
    session.responder = undefined;
    let result: EdhocResult;
    let context: SecurityContext;
    try {
      result = responder.handleMessage3(message3);
      const o = result.oscore();
      const params: SecurityContextParams = { masterSecret: o.masterSecret, masterSalt: o.masterSalt, senderId: o.senderId, recipientId: o.recipientId, algorithm: o.aeadAlgorithm, hkdf: o.hkdf };
      context = this.opts.establish(params, { peer, recipientId: o.recipientId, senderId: o.senderId, credential: result.peer, ead: result.ead, combined });
    } catch (e) {
      this.trace('EDHOC: message_3 for C_R ' + toHex(cR) + ' rejected: ' + (e as Error).message);
      return { answer: this.failure(e) };
    }
    this.sessions.delete(toHex(cR));
    this.remember(context, peer);
    this.trace('EDHOC: message_3 verified' + (combined ? ' (combined request, RFC 9668)' : '') + '; OSCORE context: Sender ID ' + toHex(context.senderId) + ', Recipient ID ' + toHex(context.recipientId));
    return { context };
  }

  /** Is a handshake with this C_R waiting for its message_3? */
  awaitsMessage3(cR: Uint8Array): boolean {
    return this.sessions.get(toHex(cR))?.responder !== undefined;
  }

  /** An EDHOC error message the Initiator sent with C_R (§6): the session ends. */
  abort(cR: Uint8Array): void {
    const s = this.sessions.get(toHex(cR));
    if (s) s.responder = undefined;
  }

  private remember(context: SecurityContext, peer: Peer): void {
    const hex = toHex(context.recipientId);
    const old = this.established.get(hex);
    if (old && old.context !== context) this.opts.retire?.(old.context);
    this.established.delete(hex);
    while (this.established.size >= this.limits.maxContexts) {
      const [k, e] = this.established.entries().next().value as [string, Established];
      this.established.delete(k);
      this.opts.retire?.(e.context);
    }
    this.established.set(hex, { context, peer });
  }

  /** Drop every session (endpoint closing); established contexts stay with their owner. */
  clear(): void {
    this.sessions.clear();
  }
}
