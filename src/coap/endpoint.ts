/**
 * CoAP endpoint: one DatagramPort, client and server at once (RFC 7252 §2), composed of layers.
 *
 * LAYER SEAM (types in exchange.ts). Server side, bottom-up:
 *
 *   datagram → codec → Messaging (CON/ACK/RST, retransmit, dedup, tokens; messaging.ts)
 *     → outer layers      (`outer`: e.g. outer Block-wise for proxies, RFC 8613 §4.1.3.4.2)
 *     → OSCORE layer      (`oscore`: unprotect, kid lookup, replay, App. B.1.2 Echo; RFC 8613 §8.2)
 *     → inner layers      (`inner`: Block-wise, Observe, Echo/Request-Tag — RFC 7959/7641/9175)
 *     → critical-option check (§5.4.1) → Router (Uri-Path → resource; 4.04/4.05; policy requireOscore)
 *
 * Client side, top-down: request() → inner layers → OSCORE (protect) → outer layers → Messaging.
 * `outer`/`inner` are arrays of StackLayer ({ name, client?, server? }); the first element of each
 * array is the one nearest to messaging. A ServerLayer wraps the handler above it; a ClientLayer
 * wraps the transport below it. A layer never reaches past its neighbour.
 */
import type { Clock, DatagramPort, RandomSource } from '../ports.js';
import type { CoapOption, Message } from './message.js';
import { createMessage } from './message.js';
import { MessageType, Code } from './numbers.js';
import { Option } from './option-registry.js';
import { encodeUint, utf8Encode } from '../bytes.js';
import { CancelledError, TimeoutError } from '../errors.js';
import { firstUnknownCriticalOption } from './codec.js';
import { Messaging, derivedTimes, type TransmissionParameters } from './messaging.js';
import { Response } from './response.js';
import { Router, errorResponse, methodCode, type Method, type ResourceHandler, type ResourcePolicy } from './server.js';
import { parseCoapUri, uriOptions, splitPath, formatCoapUri, DEFAULT_PORT } from './uri.js';
import type { ClientTransport, OutgoingRequest, Peer, RequestHandle, ResponseSink, ServerHandler, StackLayer } from './exchange.js';
import { BlockwiseLayer, type BlockwiseLayerOptions } from './blockwise-layer.js';
import { ObserveLayer, observeRequest } from './observe-layer.js';
import type { NotificationStream, ObserveLimits } from './observe.js';
import { EchoLayer, type EchoLayerOptions } from './echo-layer.js';

/** The part of AbortSignal we use (Node's AbortSignal fits; XS code can pass its own). */
export interface AbortSignalLike {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

export interface EndpointOptions {
  port: DatagramPort;
  clock: Clock;
  random: RandomSource;
  params?: Partial<TransmissionParameters>;
  /** Layers between messaging and OSCORE (first = nearest messaging), e.g. outer Block-wise. */
  outer?: StackLayer[];
  /** The OSCORE layer (oscore-layer.ts), when OSCORE is used. */
  oscore?: StackLayer;
  /** Layers between OSCORE and the resources (first = nearest OSCORE): Block-wise, Observe, Echo. */
  inner?: StackLayer[];
  /** Inner Block-wise (RFC 7959), on unless `false`; it sits nearest OSCORE, below `inner`. */
  blockwise?: BlockwiseLayerOptions | false;
  /** Observe (RFC 7641), on unless `false`; above Block-wise and Echo. */
  observe?: Partial<ObserveLimits> | false;
  /**
   * Echo (RFC 9175 §2), above Block-wise. The client repeats a request once with the Echo of a
   * 4.01; the server policies (freshness, amplification mitigation) apply only when this is given.
   * `false` leaves the layer out. With an OSCORE layer and no `echo` given it is left out too: the
   * OSCORE layer repeats protected requests itself (RFC 8613 App. B.1.2) and two layers would repeat twice.
   */
  echo?: EchoLayerOptions | false;
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

export class Endpoint {
  readonly messaging: Messaging;
  readonly router = new Router();
  readonly clock: Clock;
  /** The top of the client stack (inner layers → OSCORE → outer → messaging). */
  readonly transport: ClientTransport;
  private readonly times: ReturnType<typeof derivedTimes>;
  /** The coap-ext layers (undefined when switched off). */
  readonly blockwise?: BlockwiseLayer;
  readonly observation?: ObserveLayer;
  readonly echo?: EchoLayer;

  constructor(opts: EndpointOptions) {
    this.clock = opts.clock;
    this.messaging = new Messaging(opts.port, opts.clock, opts.random, opts.params);
    this.times = derivedTimes(this.messaging.params);
    // Layers passed in `inner`/`outer` (e.g. by the CLI stack) are used as they are, not added twice.
    const given = [...(opts.outer ?? []), ...(opts.inner ?? [])];
    const ext: StackLayer[] = [];
    const add = <T extends StackLayer>(layer: T): T => (ext.push(layer), layer);
    this.blockwise = (given.find((l) => l instanceof BlockwiseLayer) as BlockwiseLayer | undefined) ?? (opts.blockwise === false ? undefined : add(new BlockwiseLayer(opts.clock, opts.blockwise ?? {})));
    this.echo = (given.find((l) => l instanceof EchoLayer) as EchoLayer | undefined) ?? (opts.echo === false || (opts.echo === undefined && opts.oscore) ? undefined : add(new EchoLayer(opts.clock, opts.random, opts.echo ?? { server: false })));
    this.observation = (given.find((l) => l instanceof ObserveLayer) as ObserveLayer | undefined) ?? (opts.observe === false ? undefined : add(new ObserveLayer(opts.clock, opts.observe ?? {})));
    const bottomUp: StackLayer[] = [...(opts.outer ?? []), ...(opts.oscore ? [opts.oscore] : []), ...ext, ...(opts.inner ?? [])];
    let transport: ClientTransport = this.messaging;
    for (const l of bottomUp) if (l.client) transport = l.client(transport);
    this.transport = transport;
    let handler: ServerHandler = this.router.handle;
    for (let i = bottomUp.length - 1; i >= 0; i--) {
      const s = bottomUp[i].server;
      if (s) handler = s(handler);
    }
    this.messaging.onRequest = outerOptionCheck(handler);
  }

  /** Add a resource; `path` like '/sensors/temp'. */
  resource(path: string, handlers: Partial<Record<Method, ResourceHandler>>, policy?: ResourcePolicy): this {
    this.router.resource(path, handlers, policy);
    if (policy?.observable) this.observation?.markObservable(path);
    return this;
  }

  /** Send the observers of `path` its current state (RFC 7641 §4.2); returns how many there were. */
  notify(path: string, options: { confirmable?: boolean } = {}): number {
    return this.observation?.notify(path, options) ?? 0;
  }

  /**
   * Observe a resource (RFC 7641): the stream yields the registration's response, then each
   * notification; `cancel()` (or leaving a for-await loop) ends the observation.
   */
  observe(init: RequestInit): NotificationStream<Response> {
    const out = this.buildRequest(init);
    return observeRequest(this.transport, out, this.clock, (m) => new Response(m, out.peer));
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
        this.clock.clearTimer(timer);
        signal?.removeEventListener('abort', onAbort);
        handle?.close();
      };
      const onAbort = () => {
        if (done) return;
        finish();
        reject(new CancelledError('request aborted'));
      };
      const timer = this.clock.setTimer(timeout, () => {
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
      handle = this.transport.send(out, sink);
      if (done) handle.close();
    });
  }

  /** The low-level form of request(): every response goes to `sink` until the handle is closed (Observe). */
  send(init: RequestInit, sink: ResponseSink): RequestHandle {
    return this.transport.send(this.buildRequest(init), sink);
  }

  /** CoAP ping (RFC 7252 §4.3). */
  ping(peer: Peer): Promise<void> {
    return this.messaging.ping(peer);
  }

  close(): void {
    this.messaging.close();
    this.blockwise?.clear();
    this.observation?.clear();
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
    return { message, peer: { address: host, port }, confirmable: init.confirmable ?? true, uri };
  }
}

/**
 * §5.4.1 on the message as it came off the wire: a CON request with an unknown critical option
 * gets 4.02; a NON one is ignored (the RFC's rule for Non-confirmable messages).
 */
function outerOptionCheck(next: ServerHandler): ServerHandler {
  return (ex) => {
    const bad = firstUnknownCriticalOption(ex.request);
    if (bad === undefined) return next(ex);
    if (ex.request.type === MessageType.CON) ex.respond(errorResponse(Code.BAD_OPTION, 'Unknown critical option ' + bad));
  };
}
