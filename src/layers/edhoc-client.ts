/**
 * The client side of EDHOC in the CoAP stack (RFC 9528 App. A.2 as Initiator, RFC 9668 §3.2): a
 * client layer in the OSCORE slot of the endpoint. For a request whose credentials say EDHOC and
 * that has no OSCORE context yet for its peer, it first runs the handshake below OSCORE:
 *
 *   POST /.well-known/edhoc  `true` ‖ message_1   (Content-Format 65)   → 2.04 message_2
 *   then either POST /.well-known/edhoc  C_R ‖ message_3   → 2.04       (two round trips), or
 *   RFC 9668: the first OSCORE request carries the EDHOC option and message_3 ‖ OSCORE payload.
 *
 * The finished handshake's `result.oscore()` (App. A.1) becomes a SecurityContext through
 * `establish` (by default in memory, as aiocoap keeps EDHOC contexts) and protects this request and
 * later ones to that peer. Requests meanwhile wait for the one handshake. A 4.01 + Echo to
 * message_1 is answered once with the Echo (RFC 9175 §2.3). A server that says "Security context not
 * found" has lost the context: it is forgotten, and the next request runs a new handshake.
 */
import type { Clock, RandomSource } from '../ports.js';
import { toHex, utf8Decode, utf8Encode } from '../bytes.js';
import { OscoreXsError } from '../errors.js';
import type { Message } from '../coap/message.js';
import { createMessage, getOption, hasOption, setOption, setUintOption, getOptions } from '../coap/message.js';
import { Option } from '../coap/option-registry.js';
import { peerKey, type ClientTransport, type OutgoingRequest, type RequestHandle, type ResponseSink, type StackLayer } from '../coap/exchange.js';
import type { LayeredMessage } from '../coap/client.js';
import { SecurityContext, type SecurityContextParams } from '../oscore/context.js';
import { decodeOscoreOption } from '../oscore/option.js';
import { oscoreClientLayer } from '../coap/oscore-layer.js';
import { DIAGNOSTIC } from '../oscore/error-response.js';
import { EdhocInitiator, EdhocPeerError, ERR_WRONG_SELECTED_CIPHER_SUITE, type EdhocCredential, type IdCred, type OwnCredential } from '../edhoc/index.js';
import type { AsymmetricCrypto } from '../crypto/asymmetric.js';
import { CF_CID_EDHOC_CBOR_SEQ, EDHOC_PATH, connectionIdPayload, errorCodeOf, message1Payload } from './edhoc-wire.js';

/** What the client uses toward one peer (aiocoap's `edhoc-oscore` entry of a URI pattern). */
export interface InitiatorIdentity {
  method: 0 | 1 | 2 | 3;
  suites: number[];
  own: OwnCredential;
  /** The Responder's credential for its ID_CRED_R; undefined ends the handshake. */
  trust(idCred: IdCred): EdhocCredential | undefined;
  /** RFC 9668 combined request (aiocoap's `use_combined_edhoc`; its default is true). */
  combined: boolean;
}

export interface EdhocClientOptions {
  crypto: AsymmetricCrypto;
  random: RandomSource;
  clock?: Clock;
  /** The EDHOC credentials for a request and a name for them (contexts are kept per name and peer). */
  credentialsFor(request: OutgoingRequest): { name: string; identity: InitiatorIdentity } | undefined;
  /** Other contexts (pre-shared), asked first. */
  contextFor?(request: OutgoingRequest): SecurityContext | undefined;
  /** Make the SecurityContext of a finished handshake (default: in memory). */
  establish?(params: SecurityContextParams): SecurityContext;
  /** A line per handshake step (the CLI's -v): IDs, never keys. */
  trace?(line: string): void;
}

/** The handshake did not complete: the server's EDHOC error, a CoAP error, or our own rejection. */
export class EdhocHandshakeError extends OscoreXsError {
  constructor(message: string, readonly edhocErrorCode?: number, readonly coapCode?: number) {
    super(message);
  }
}

const CHANGED_CLASS = 2;
const UNAUTHORIZED = 0x81;
const POST = 2;

interface Pending {
  waiting: { resolve(c: SecurityContext): void; reject(e: Error): void }[];
}

/** One request down `lower`, as a promise of its (final) response. */
function exchange(lower: ClientTransport, request: OutgoingRequest): Promise<Message> {
  return new Promise((resolve, reject) => {
    const handle: RequestHandle = lower.send(request, {
      response: (m) => {
        handle.close();
        resolve(m);
      },
      error: reject,
    });
  });
}

/** The message_3 waiting for the first OSCORE request of a context (RFC 9668 §3.2.1). */
class CombinedRequests {
  private readonly pending = new Map<string, Uint8Array>();
  key(peer: { address: string; port: number }, kid: Uint8Array): string {
    return peerKey(peer) + '#' + toHex(kid);
  }
  add(key: string, message3: Uint8Array): void {
    this.pending.set(key, message3);
  }
  /** A layer below OSCORE: prepends message_3 and adds the EDHOC option while one is pending. */
  transport(lower: ClientTransport): ClientTransport {
    return {
      send: (request, sink) => {
        const oscore = getOption(request.message, Option.OSCORE);
        if (oscore === undefined || this.pending.size === 0) return lower.send(request, sink);
        let kid: Uint8Array | undefined;
        try {
          kid = decodeOscoreOption(oscore).kid;
        } catch {
          kid = undefined;
        }
        const key = kid && this.key(request.peer, kid);
        const m3 = key !== undefined ? this.pending.get(key) : undefined;
        if (m3 === undefined || key === undefined) return lower.send(request, sink);
        const message: Message = { ...request.message, options: request.message.options.slice() };
        setOption(message, Option.EDHOC, new Uint8Array(0));
        const payload = new Uint8Array(m3.length + message.payload.length);
        payload.set(m3, 0);
        payload.set(message.payload, m3.length);
        message.payload = payload;
        // Kept until an answer arrives: if this request is lost, the next one carries message_3 again.
        return lower.send({ ...request, message }, {
          response: (m) => {
            this.pending.delete(key);
            sink.response(m);
          },
          error: (e) => sink.error(e),
        });
      },
    };
  }
}

/** The EDHOC Initiator + OSCORE client side (a StackLayer for the endpoint's `oscore` slot, client only). */
export function edhocClientLayer(opts: EdhocClientOptions): StackLayer {
  return { name: 'oscore', client: (lower) => edhocClientTransport(lower, opts) };
}

export function edhocClientTransport(lower: ClientTransport, opts: EdhocClientOptions): ClientTransport {
  const combined = new CombinedRequests();
  const below = combined.transport(lower);
  const chosen = new WeakMap<OutgoingRequest, SecurityContext>();
  const oscore = oscoreClientLayer({ contextFor: (r) => chosen.get(r) ?? opts.contextFor?.(r) }).client!(below);
  const established = new Map<string, SecurityContext>();
  const pending = new Map<string, Pending>();
  const trace = (line: string) => opts.trace?.(line);
  const establish = opts.establish ?? ((p: SecurityContextParams) => new SecurityContext(p));

  /** C_I: one byte (a CBOR int, §3.3.2) not used as a Recipient ID by our other EDHOC contexts. */
  const chooseConnectionId = (): Uint8Array => {
    const used = new Set([...established.values()].map((c) => toHex(c.recipientId)));
    const r = new Uint8Array(1);
    for (let i = 0; i < 64; i++) {
      opts.random.fill(r);
      const b = r[0] % 48;
      const id = new Uint8Array([b < 24 ? b : 0x20 + b - 24]);
      if (!used.has(toHex(id))) return id;
    }
    const id = new Uint8Array(2);
    opts.random.fill(id);
    return id;
  };

  const handshake = async (request: OutgoingRequest, identity: InitiatorIdentity, key: string): Promise<SecurityContext> => {
    const initiator = new EdhocInitiator({ method: identity.method, suites: identity.suites, own: identity.own, connectionId: chooseConnectionId(), trust: (id) => identity.trust(id), crypto: opts.crypto, random: opts.random });
    const edhocRequest = (payload: Uint8Array, echo?: Uint8Array): OutgoingRequest => {
      const m = createMessage({ code: POST, payload });
      // The same origin as the request (aiocoap: the server picks its credential by origin).
      for (const h of getOptions(request.message, Option.URI_HOST)) setOption(m, Option.URI_HOST, h);
      for (const s of EDHOC_PATH) m.options.push({ number: Option.URI_PATH, value: utf8Encode(s) });
      m.options.sort((a, b) => a.number - b.number);
      setUintOption(m, Option.CONTENT_FORMAT, CF_CID_EDHOC_CBOR_SEQ);
      if (echo) setOption(m, Option.ECHO, echo);
      return { message: m, peer: request.peer, confirmable: true };
    };
    const post = async (payload: Uint8Array, what: string): Promise<Message> => {
      let response = await exchange(below, edhocRequest(payload));
      const echo = response.code === UNAUTHORIZED ? getOption(response, Option.ECHO) : undefined;
      if (echo) {
        trace('EDHOC: server asked for Echo before ' + what + ' (RFC 9175 §2.4); repeating');
        response = await exchange(below, edhocRequest(payload, echo));
      }
      return response;
    };
    const refused = (response: Message, what: string): EdhocHandshakeError => {
      const code = errorCodeOf(response.payload);
      const cls = (response.code >> 5) + '.' + String(response.code & 31).padStart(2, '0');
      return new EdhocHandshakeError('EDHOC ' + what + ' answered ' + cls + (code !== undefined ? ' with EDHOC error code ' + code : response.payload.length ? ' ' + utf8Decode(response.payload) : ''), code, response.code);
    };
    trace('EDHOC: message_1 to ' + peerKey(request.peer) + ' (method ' + identity.method + ', suites ' + identity.suites.join(',') + ')');
    let r2 = await post(message1Payload(initiator.message1()), 'message_1');
    if (r2.code >> 5 !== CHANGED_CLASS && errorCodeOf(r2.payload) === ERR_WRONG_SELECTED_CIPHER_SUITE) {
      // §6.3.2: the Responder names the suites it supports; the Initiator picks one of its own and starts over (once).
      try {
        initiator.handleMessage2(r2.payload);
      } catch (e) {
        if (!(e instanceof EdhocPeerError) || initiator.state !== 'start') throw refused(r2, 'message_1');
      }
      trace('EDHOC: the server chose another cipher suite (error code 2, SUITES_R ' + (r2.payload.length > 1 ? toHex(r2.payload.subarray(1)) : '') + '); message_1 again');
      r2 = await post(message1Payload(initiator.message1()), 'message_1');
    }
    if (r2.code >> 5 !== CHANGED_CLASS) throw refused(r2, 'message_1');
    const m3 = initiator.handleMessage2(r2.payload);
    const result = initiator.result();
    const o = result.oscore();
    const context = establish({ masterSecret: o.masterSecret, masterSalt: o.masterSalt, senderId: o.senderId, recipientId: o.recipientId, algorithm: o.aeadAlgorithm, hkdf: o.hkdf });
    trace('EDHOC: message_2 verified (C_R ' + toHex(result.peerConnectionId) + '); OSCORE context: Sender ID ' + toHex(context.senderId) + ', Recipient ID ' + toHex(context.recipientId));
    if (identity.combined) {
      combined.add(combined.key(request.peer, context.senderId), m3);
      trace('EDHOC: message_3 goes with the first OSCORE request (RFC 9668 combined request)');
    } else {
      const r4 = await post(connectionIdPayload(result.peerConnectionId, m3), 'message_3');
      if (r4.code >> 5 !== CHANGED_CLASS) throw refused(r4, 'message_3');
      trace('EDHOC: message_3 accepted');
    }
    established.set(key, context);
    return context;
  };

  const contextFor = (request: OutgoingRequest, identity: InitiatorIdentity, key: string): Promise<SecurityContext> => {
    const have = established.get(key);
    if (have) return Promise.resolve(have);
    return new Promise((resolve, reject) => {
      let p = pending.get(key);
      if (p) return void p.waiting.push({ resolve, reject });
      p = { waiting: [{ resolve, reject }] };
      pending.set(key, p);
      const done = p;
      handshake(request, identity, key).then(
        (c) => {
          pending.delete(key);
          for (const w of done.waiting) w.resolve(c);
        },
        (e: Error) => {
          pending.delete(key);
          trace('EDHOC: handshake failed: ' + e.message);
          for (const w of done.waiting) w.reject(e instanceof OscoreXsError ? e : new EdhocHandshakeError(e.message));
        },
      );
    });
  };

  return {
    send(request: OutgoingRequest, sink: ResponseSink): RequestHandle {
      const data = (request.message as LayeredMessage).layerData;
      if (data?.oscore || opts.contextFor?.(request)) return oscore.send(request, sink);
      const creds = opts.credentialsFor(request);
      if (!creds) return oscore.send(request, sink);
      const key = creds.name + '|' + peerKey(request.peer);
      let closed = false;
      let handle: RequestHandle | undefined;
      contextFor(request, creds.identity, key).then(
        (context) => {
          if (closed) return;
          const r: OutgoingRequest = { ...request };
          chosen.set(r, context);
          handle = oscore.send(r, {
            response: (m) => {
              // §8.2 / aiocoap: the server lost the context. Forget it; the next request handshakes anew.
              if (m.code === UNAUTHORIZED && !hasOption(m, Option.OSCORE) && utf8Decode(m.payload) === DIAGNOSTIC.CONTEXT_NOT_FOUND && established.get(key) === context) established.delete(key);
              sink.response(m);
            },
            error: (e) => sink.error(e),
          });
        },
        (e: Error) => {
          if (!closed) sink.error(e);
        },
      );
      return {
        close() {
          closed = true;
          handle?.close();
        },
      };
    },
  };
}

