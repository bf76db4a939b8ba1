/**
 * Set-up for the hostile-peer and fault tests (not a test file): an OSCORE server endpoint on the
 * simulated network whose resources are counted, a raw attacker port that sends and records
 * datagrams, and helpers to build protected requests by hand (RFC 8613 §8.1).
 */
import { simWorld } from '../coap-support.js';
import { oscoreLayer } from '../../src/coap/oscore-layer.js';
import { contextLookup } from '../../src/oscore/unprotect.js';
import type { SecurityContext } from '../../src/oscore/context.js';
import { decodeMessage } from '../../src/coap/codec.js';
import type { Message } from '../../src/coap/message.js';
import { Code } from '../../src/coap/numbers.js';
import type { EndpointOptions } from '../../src/coap/endpoint.js';
import type { StackLayer } from '../../src/coap/exchange.js';
import type { SimNetworkOptions } from '../../src/sim/sim-network.js';

export type World = ReturnType<typeof simWorld>;

/** A server 'srv':port verifying with `contexts`; `calls` counts what reached a resource. */
export function oscoreServer(w: World, contexts: SecurityContext[], port = 5683, extra: Partial<EndpointOptions> = {}) {
  const calls: string[] = [];
  /** Every request the OSCORE layer let through, whatever its path (above OSCORE, below the router). */
  const verified: Message[] = [];
  const counter: StackLayer = { name: 'verified-counter', server: (next) => (ex) => (ex.oscore && verified.push(ex.request), next(ex)) };
  const srv = w.endpoint('srv', port, { oscore: oscoreLayer({ lookup: contextLookup(contexts), clock: w.clock, random: w.rng }), ...extra, inner: [counter, ...(extra.inner ?? [])] });
  const handler = (req: { text(): string; oscore?: unknown }) => {
    calls.push(req.text());
    return { code: Code.CHANGED, payload: 'ok' };
  };
  srv.resource('/r', { GET: handler, POST: handler, PUT: handler, FETCH: handler }, { requireOscore: true });
  srv.resource('/big', { GET: () => ({ payload: 'x'.repeat(900) }) });
  return { srv, calls, verified };
}

/** A raw port that records every datagram it receives (decoded when possible). */
export function rawPeer(w: World, address: string, port = 40000) {
  const p = w.network.port(address, port);
  const got: Message[] = [];
  const bytes: Uint8Array[] = [];
  p.onReceive((d) => {
    bytes.push(d);
    try {
      got.push(decodeMessage(d));
    } catch {
      /* a malformed answer would show up as a count mismatch */
    }
  });
  return { port: p, got, bytes };
}

export function world(net: SimNetworkOptions = {}, seed = 7): World {
  return simWorld(net, seed);
}
