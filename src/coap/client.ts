/**
 * The client API of an endpoint (RFC 7252 §5.1 requests, §4.3 ping): builds a request from a URI
 * or host/path parts (§6.4 URI decomposition in uri.ts), sends it down the endpoint's client stack
 * and waits for the response. Separate from ComposedEndpoint so that a device that only serves
 * carries none of it; `Endpoint` (endpoint.ts) delegates its request methods here.
 */
import type { Clock } from '../ports.js';
import type { CoapOption, Message } from './message.js';
import { createMessage } from './message.js';
import { Option } from './option-registry.js';
import { encodeUint, utf8Encode } from '../bytes.js';
import { CancelledError, TimeoutError } from '../errors.js';
import { derivedTimes, Messaging, type ServerMessaging } from './messaging.js';
import { NO_CLIENT_SIDE } from './server-messaging.js';
import { Response } from './response.js';
import { methodCode, type Method } from './server.js';
import { parseCoapUri, uriOptions, splitPath, formatCoapUri, DEFAULT_PORT } from './uri.js';
import type { ClientTransport, OutgoingRequest, Peer, RequestHandle, ResponseSink } from './exchange.js';

/** The part of AbortSignal we use (Node's AbortSignal fits; XS code can pass its own). */
export interface AbortSignalLike {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** Where a request goes: a coap:// URI, or host/port/path/query parts. */
export type RequestTarget =
  | { uri: string }
  | { host: string; port?: number; path?: string | string[]; query?: string[] };

export type RequestInit = RequestTarget & {
  method?: Method | number;
  /** Extra options (any order; Uri-* options come from the target). */
  options?: CoapOption[];
  payload?: Uint8Array | string;
  contentFormat?: number;
  accept?: number;
  /** CON (default) or NON. */
  confirmable?: boolean;
  /** To a group address (RFC 7252 §8): NON, answers from every member (see collectAnswers in multicast-client.ts). */
  multicast?: boolean;
  /** Overall time limit in ms (default: EXCHANGE_LIFETIME for CON, MAX_TRANSMIT_WAIT for NON). */
  timeout?: number;
  signal?: AbortSignalLike;
  /**
   * Per-request data for the layers (e.g. `{ oscore: context }`); carried on the message object
   * the layers see as `request.message` via `layerData`.
   */
  layerData?: Record<string, unknown>;
};

/** A request message may carry data for the layers; the codec ignores it. */
export type LayeredMessage = Message & { layerData?: Record<string, unknown> };

/** What a CoapClient needs of an endpoint (a ComposedEndpoint composed with `messaging: Messaging` fits). */
export interface ClientStack {
  readonly messaging: ServerMessaging;
  readonly clock: Clock;
  /** The top of the client stack. */
  readonly transport: ClientTransport;
}

export class CoapClient {
  private readonly times: ReturnType<typeof derivedTimes>;

  constructor(private readonly stack: ClientStack) {
    this.times = derivedTimes(stack.messaging.params);
  }

  /** Send a request and wait for its (final) response. Rejects with TimeoutError, ResetError, CancelledError. */
  request(init: RequestInit): Promise<Response> {
    let out: OutgoingRequest;
    try {
      out = this.buildRequest(init);
    } catch (e) {
      return Promise.reject(e);
    }
    const timeout = init.timeout ?? (out.confirmable ? this.times.exchangeLifetime : this.times.maxTransmitWait);
    return new Promise<Response>((resolve, reject) => {
      const signal = init.signal;
      if (signal?.aborted) return reject(new CancelledError('request aborted'));
      let handle: RequestHandle | undefined;
      let done = false;
      const finish = () => {
        done = true;
        this.stack.clock.clearTimer(timer);
        signal?.removeEventListener('abort', onAbort);
        handle?.close();
      };
      const onAbort = () => {
        if (done) return;
        finish();
        reject(new CancelledError('request aborted'));
      };
      const timer = this.stack.clock.setTimer(timeout, () => {
        if (done) return;
        finish();
        reject(new TimeoutError('no response within ' + timeout + ' ms'));
      });
      signal?.addEventListener('abort', onAbort);
      const sink: ResponseSink = {
        response: (m) => {
          if (done) return;
          finish();
          resolve(new Response(m, out.peer));
        },
        error: (e) => {
          if (done) return;
          finish();
          reject(e);
        },
      };
      handle = this.stack.transport.send(out, sink);
      if (done) handle.close();
    });
  }

  /** The low-level form of request(): every response goes to `sink` until the handle is closed (Observe). */
  send(init: RequestInit, sink: ResponseSink): RequestHandle {
    return this.stack.transport.send(this.buildRequest(init), sink);
  }

  /** CoAP ping (RFC 7252 §4.3). */
  ping(peer: Peer): Promise<void> {
    const m = this.stack.messaging;
    if (!(m instanceof Messaging)) return Promise.reject(new TypeError(NO_CLIENT_SIDE));
    return m.ping(peer);
  }

  buildRequest(init: RequestInit): OutgoingRequest {
    let host: string;
    let port: number;
    let path: string[];
    let query: string[];
    if ('uri' in init) {
      const u = parseCoapUri(init.uri);
      if (u.scheme !== 'coap') throw new TypeError('only coap:// is supported (no DTLS)');
      ({ host, port, path, query } = u);
    } else {
      host = init.host.startsWith('[') ? init.host.slice(1, -1) : init.host;
      port = init.port ?? DEFAULT_PORT;
      path = typeof init.path === 'string' ? splitPath(init.path) : init.path ?? [];
      query = init.query ?? [];
    }
    const options = [...uriOptions(host, path, query), ...(init.options ?? [])];
    if (init.contentFormat !== undefined) options.push({ number: Option.CONTENT_FORMAT, value: encodeUint(init.contentFormat) });
    if (init.accept !== undefined) options.push({ number: Option.ACCEPT, value: encodeUint(init.accept) });
    const payload = typeof init.payload === 'string' ? utf8Encode(init.payload) : init.payload ?? new Uint8Array(0);
    const message: LayeredMessage = createMessage({ code: methodCode(init.method ?? 'GET'), options, payload });
    if (init.layerData) message.layerData = init.layerData;
    const uri = 'uri' in init ? init.uri : formatCoapUri(host, port, path, query);
    const out: OutgoingRequest = { message, peer: { address: host, port }, confirmable: init.confirmable ?? true, uri };
    if (init.multicast) {
      out.multicast = true;
      out.confirmable = false;
    }
    return out;
  }
}
