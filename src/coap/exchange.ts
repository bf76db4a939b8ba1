/**
 * The layer seam of the CoAP stack: the types every layer between messaging and the resource
 * speaks (RFC 7252 §2 request/response model; RFC 8613 §2 puts OSCORE between messaging and the
 * request layer; RFC 7959 §2 outer/inner Block-wise; RFC 7641 Observe inside OSCORE).
 *
 * Server side a layer is a function `ServerLayer = (inner: ServerHandler) => ServerHandler`: it gets
 * each ServerExchange from below, may answer it itself (e.g. 4.13, 4.01), or hand a derived exchange
 * (different `request`, wrapped `respond`/`notify`) to `inner`.
 * Client side a layer is `ClientLayer = (lower: ClientTransport) => ClientTransport`: it sees each
 * outgoing request on its way down and every response for it on its way up.
 * See the top of endpoint.ts for the order the endpoint composes them in.
 */
import type { Message } from './message.js';
import type { BodySink, BodySource } from './blockwise-client.js';

/** A transport address. `address` is an IP literal (or a simulated name), without brackets. */
export interface Peer {
  address: string;
  port: number;
}

export function peerKey(p: Peer): string {
  return p.address + '|' + p.port;
}

/** What the OSCORE layer tells the layers above about a verified request (RFC 8613 §8.2). */
export interface OscoreRequestInfo {
  /** The Recipient ID (the request's kid) whose context verified the request. */
  readonly recipientId: Uint8Array;
  /** The ID Context (kid context), when the context has one. */
  readonly idContext?: Uint8Array;
}

/**
 * One request as seen by one server layer. `request` has code, options, payload and token as
 * the layer below produced them (inside OSCORE: the decrypted inner request).
 */
export interface ServerExchange {
  readonly request: Message;
  readonly peer: Peer;
  /** Set by the OSCORE layer when the request was protected and verified. */
  readonly oscore?: OscoreRequestInfo;
  /** The request came to a group address (RFC 7252 §8): errors are not answered, answers wait a Leisure (§8.2). */
  readonly multicast?: boolean;
  /**
   * Send the response. Only `code`, `options` and `payload` are used; type, message ID and token
   * are the messaging layer's business. Call once (later calls are ignored).
   */
  respond(response: Message): void;
  /**
   * Send a further response with the same token (an Observe notification, RFC 7641 §4.2).
   * Resolves when delivered (CON: acknowledged; NON: sent); rejects with ResetError when the
   * client answers with RST, TimeoutError when a CON is never acknowledged.
   */
  notify(response: Message, confirmable: boolean): Promise<void>;
}

export type ServerHandler = (exchange: ServerExchange) => void;
export type ServerLayer = (inner: ServerHandler) => ServerHandler;

/** One outgoing request as seen by one client layer. */
export interface OutgoingRequest {
  /** code, options, payload (token/messageId/type are set by messaging). */
  message: Message;
  peer: Peer;
  confirmable: boolean;
  /**
   * Use this token instead of a fresh one: one token for all requests of a block-wise operation
   * (RFC 7959 §2.4; node-coap keys Block1 reassembly on it), or the registration's token in a GET
   * Observe=1 (RFC 7641 §3.6). Fails if the token is in use by an open request to the same peer.
   */
  token?: Uint8Array;
  /** The target as a coap:// URI (for layers that choose by URI, e.g. an OSCORE context per URI pattern). */
  uri?: string;
  /**
   * Sent to a group address (RFC 7252 §8.1): always NON, responses from any member are matched by
   * token alone and handed up with the responder's address, until the handle is closed.
   */
  multicast?: boolean;
  /** Block-wise: read the request body from here, block by block, instead of `message.payload` (bodies of any size). */
  bodySource?: BodySource;
  /** Block-wise: a successful response's body goes here block by block instead of into its payload. */
  bodySink?: BodySink;
}

/**
 * Where responses for one request go. `response` may be called more than once (Observe
 * notifications, RFC 7641) until the sender calls `close()` on the handle; `error` ends it.
 */
export interface ResponseSink {
  /** `from`: the responder, given for multicast requests (each member answers from its own address). */
  response(response: Message, from?: Peer): void;
  error(err: Error): void;
}

/** Handle of a request in flight: `close()` says no more responses are wanted (stops retransmission). */
export interface RequestHandle {
  close(): void;
}

export interface ClientTransport {
  send(request: OutgoingRequest, sink: ResponseSink): RequestHandle;
}

export type ClientLayer = (lower: ClientTransport) => ClientTransport;

/** A unit that plugs into both directions of the endpoint (Block-wise, Observe, OSCORE). */
export interface StackLayer {
  readonly name: string;
  client?: ClientLayer;
  server?: ServerLayer;
}
