/**
 * CoAP endpoint composed of exactly the layers it is given (RFC 7252 §2: one DatagramPort, client
 * and server at once). It constructs nothing optional itself: Block-wise, Observe, Echo (RFC
 * 7959/7641/9175), OSCORE (RFC 8613) and the Router of the resources come in as instances, so an
 * application bundle carries only the layers it passes (a client-only device app carries no
 * Router, observer registry or Block1 reassembly). The request API is CoapClient (client.ts) over
 * `transport`, so a server-only app carries no request building either. `Endpoint` (endpoint.ts) is
 * this with the full default set and the request API, for the Node API, the CLI and the tests.
 *
 * LAYER SEAM (types in exchange.ts). Server side, bottom-up:
 *
 *   datagram → codec → messaging (CON/ACK/RST, retransmit, dedup; server-messaging.ts, and
 *                      for requests of our own tokens and NSTART: messaging.ts)
 *     → outer layers      (`outer`: e.g. outer Block-wise for proxies, RFC 8613 §4.1.3.4.2)
 *     → OSCORE layer      (`oscore`: unprotect, kid lookup, replay, App. B.1.2 Echo; RFC 8613 §8.2)
 *     → inner layers      (`inner`: Block-wise, Observe, Echo/Request-Tag — RFC 7959/7641/9175)
 *     → critical-option check (§5.4.1) → Router (Uri-Path → resource; 4.04/4.05; policy requireOscore)
 *
 * Client side, top-down: CoapClient.request() (client.ts) → inner layers → OSCORE (protect) → outer layers → Messaging
 * (only when the endpoint is composed with `messaging: Messaging`).
 * `outer`/`inner` are arrays of StackLayer ({ name, client?, server? }); the first element of each
 * array is the one nearest to messaging. A ServerLayer wraps the handler above it; a ClientLayer
 * wraps the transport below it. A layer never reaches past its neighbour.
 */
import type { Clock, DatagramPort, RandomSource } from '../ports.js';
import { MessageType, Code } from './numbers.js';
import { firstUnknownCriticalOption } from './codec.js';
import { ServerMessaging, type TransmissionParameters } from './server-messaging.js';
import { errorResponse, type Method, type ResourceHandler, type ResourcePolicy, type Router } from './server.js';
import type { ClientTransport, ServerHandler, StackLayer } from './exchange.js';
import type { ObserveLayer } from './observe-layer.js';

export interface ComposedEndpointOptions {
  port: DatagramPort;
  clock: Clock;
  random: RandomSource;
  params?: Partial<TransmissionParameters>;
  /**
   * The messaging class: ServerMessaging (the default) serves unicast requests only; pass
   * `MulticastServerMessaging` (multicast-messaging.ts) to serve group requests (RFC 7252 §8) too, or
   * `Messaging` (messaging.ts, both and requests of our own: CoapClient over `transport`). Chosen by the caller, so
   * a device that only serves carries no client-side messaging.
   */
  messaging?: typeof ServerMessaging;
  /** Layers between messaging and OSCORE (first = nearest messaging), e.g. outer Block-wise. */
  outer?: StackLayer[];
  /** The OSCORE layer (oscore-layer.ts), when OSCORE is used. */
  oscore?: StackLayer;
  /**
   * Layers between OSCORE and the resources (first = nearest OSCORE), e.g.
   * `[new BlockwiseLayer(clock), new ObserveLayer(clock)]`. An ObserveLayer among them serves
   * `resource(…, { observable: true })` and `notify()`.
   */
  inner?: StackLayer[];
  /**
   * The resources (`new Router()`, server.ts). Without one the endpoint is a client only: it
   * answers every request 4.04 and `resource()` throws.
   */
  router?: Router;
}

/** A layer with state to drop when the endpoint closes (Block-wise reassembly, observers). */
type ClearableLayer = StackLayer & { clear?(): void };

export class ComposedEndpoint {
  readonly messaging: ServerMessaging;
  readonly router?: Router;
  readonly clock: Clock;
  /** The top of the client stack (inner layers → OSCORE → outer → messaging). */
  readonly transport: ClientTransport;
  /** The Observe layer among `inner`/`outer`, if any (found by name: no class reference, so no bundling). */
  readonly observation?: ObserveLayer;
  private readonly layers: ClearableLayer[];

  constructor(opts: ComposedEndpointOptions) {
    this.clock = opts.clock;
    this.router = opts.router;
    this.messaging = new (opts.messaging ?? ServerMessaging)(opts.port, opts.clock, opts.random, opts.params);
    const outer = opts.outer ?? [];
    const inner = opts.inner ?? [];
    this.layers = [...outer, ...inner];
    this.observation = this.layers.find((l): l is ObserveLayer => l.name === 'observe');
    const bottomUp: StackLayer[] = [...outer, ...(opts.oscore ? [opts.oscore] : []), ...inner];
    let transport: ClientTransport = this.messaging;
    for (const l of bottomUp) if (l.client) transport = l.client(transport);
    this.transport = transport;
    let handler: ServerHandler = this.router ? this.router.handle : (ex) => ex.respond(errorResponse(Code.NOT_FOUND, ''));
    for (let i = bottomUp.length - 1; i >= 0; i--) {
      const s = bottomUp[i].server;
      if (s) handler = s(handler);
    }
    this.messaging.onRequest = outerOptionCheck(handler);
  }

  /** Add a resource; `path` like '/sensors/temp'. Needs a `router`. */
  resource(path: string, handlers: Partial<Record<Method, ResourceHandler>>, policy?: ResourcePolicy): this {
    if (!this.router) throw new TypeError('endpoint has no router');
    this.router.resource(path, handlers, policy);
    if (policy?.observable) this.observation?.markObservable(path);
    return this;
  }

  /** Send the observers of `path` its current state (RFC 7641 §4.2); returns how many there were. */
  notify(path: string, options: { confirmable?: boolean } = {}): number {
    return this.observation?.notify(path, options) ?? 0;
  }

  close(): void {
    this.messaging.close();
    for (const l of this.layers) l.clear?.();
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
