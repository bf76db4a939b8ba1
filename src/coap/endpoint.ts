/**
 * CoAP endpoint with the full default layer set (RFC 7252 §2), for the Node API, the CLI and the
 * tests: a ComposedEndpoint (composed-endpoint.ts, where the layer seam is described) that adds
 * inner Block-wise (RFC 7959), Echo (RFC 9175 §2 with §2.4 amplification mitigation on, see `echo`
 * below) and Observe (RFC 7641) unless
 * switched off, a Router, client-side messaging (Messaging), the request API of CoapClient (client.ts) and `observe()` for the client
 * side of Observe. Device applications
 * that want only some of these use ComposedEndpoint and pass the layers themselves, so their
 * bundle carries nothing else.
 */
import type { Peer, RequestHandle, ResponseSink, OutgoingRequest, StackLayer } from './exchange.js';
import { Router } from './server.js';
import { Response } from './response.js';
import { BlockwiseLayer, type BlockwiseLayerOptions } from './blockwise-layer.js';
import { ObserveLayer, observeRequest } from './observe-layer.js';
import type { NotificationStream, ObserveLimits } from './observe.js';
import { EchoLayer, type EchoLayerOptions } from './echo-layer.js';
import { ComposedEndpoint, type ComposedEndpointOptions } from './composed-endpoint.js';
import { CoapClient, type RequestInit } from './client.js';
import { MulticastMessaging } from './multicast-messaging.js';

export { ComposedEndpoint, type ComposedEndpointOptions } from './composed-endpoint.js';
export { CoapClient, type AbortSignalLike, type RequestInit, type RequestTarget, type LayeredMessage } from './client.js';

export interface EndpointOptions extends Omit<ComposedEndpointOptions, 'router' | 'messaging'> {
  /** Inner Block-wise (RFC 7959), on unless `false`; it sits nearest OSCORE, below `inner`. */
  blockwise?: BlockwiseLayerOptions | false;
  /** Observe (RFC 7641), on unless `false`; above Block-wise and Echo. */
  observe?: Partial<ObserveLimits> | false;
  /**
   * Echo (RFC 9175 §2), above Block-wise. On by default with amplification mitigation (§2.4,
   * RFC 7252 §11.3): responses to requests that are not OSCORE-authenticated, from addresses not
   * yet verified, stay within 3× the request (large GET/FETCH responses as small Block2 blocks,
   * others as 4.01 + Echo; see echo-layer.ts). The client repeats a request once with the Echo of
   * a 4.01 — except by default with an OSCORE layer, which repeats protected requests itself
   * (RFC 8613 App. B.1.2; two layers would repeat twice). Options given here replace the defaults
   * (e.g. `requireFresh`); opt out with `{ amplificationFactor: 0 }` (keeps the client repeat) or
   * `false` (no Echo layer at all, and Block-wise ignores a preemptive Echo).
   */
  echo?: EchoLayerOptions | false;
}

interface DefaultLayers {
  blockwise?: BlockwiseLayer;
  echo?: EchoLayer;
  observation?: ObserveLayer;
  /** The layers to add below `inner`, in order (first = nearest OSCORE). */
  added: StackLayer[];
}

/** The default layers, except those already passed in `inner`/`outer` (e.g. by the CLI stack): not added twice. */
function defaultLayers(opts: EndpointOptions): DefaultLayers {
  const given = [...(opts.outer ?? []), ...(opts.inner ?? [])];
  const added: StackLayer[] = [];
  const add = <T extends StackLayer>(layer: T): T => (added.push(layer), layer);
  const blockwise = (given.find((l) => l instanceof BlockwiseLayer) as BlockwiseLayer | undefined) ?? (opts.blockwise === false ? undefined : add(new BlockwiseLayer(opts.clock, { followEcho: opts.echo !== false, ...opts.blockwise })));
  const echo = (given.find((l) => l instanceof EchoLayer) as EchoLayer | undefined) ?? (opts.echo === false ? undefined : add(new EchoLayer(opts.clock, opts.random, opts.echo ?? { client: !opts.oscore })));
  const observation = (given.find((l) => l instanceof ObserveLayer) as ObserveLayer | undefined) ?? (opts.observe === false ? undefined : add(new ObserveLayer(opts.clock, opts.observe ?? {})));
  return { blockwise, echo, observation, added };
}

export class Endpoint extends ComposedEndpoint {
  declare readonly router: Router;
  /** The coap-ext layers (undefined when switched off). */
  readonly blockwise?: BlockwiseLayer;
  readonly echo?: EchoLayer;
  private readonly client: CoapClient;

  constructor(opts: EndpointOptions) {
    const d = defaultLayers(opts);
    super({ ...opts, messaging: MulticastMessaging, inner: [...d.added, ...(opts.inner ?? [])], router: new Router() });
    this.blockwise = d.blockwise;
    this.echo = d.echo;
    this.client = new CoapClient(this);
  }

  /** Send a request and wait for its (final) response. Rejects with TimeoutError, ResetError, CancelledError. */
  request(init: RequestInit): Promise<Response> {
    return this.client.request(init);
  }

  /** The low-level form of request(): every response goes to `sink` until the handle is closed (Observe). */
  send(init: RequestInit, sink: ResponseSink): RequestHandle {
    return this.client.send(init, sink);
  }

  /** CoAP ping (RFC 7252 §4.3). */
  ping(peer: Peer): Promise<void> {
    return this.client.ping(peer);
  }

  buildRequest(init: RequestInit): OutgoingRequest {
    return this.client.buildRequest(init);
  }

  /**
   * Observe a resource (RFC 7641): the stream yields the registration's response, then each
   * notification; `cancel()` (or leaving a for-await loop) ends the observation.
   */
  observe(init: RequestInit): NotificationStream<Response> {
    const out = this.buildRequest(init);
    return observeRequest(this.transport, out, this.clock, (m) => new Response(m, out.peer));
  }
}
