/**
 * Evaluated in xsnap-worker by bench/device.bench.ts, one step per delivery: each step builds one
 * more thing, keeps it alive, collects garbage, and the worker's meter reports the live slots.
 *   step(1): one security context (keys derived and prepared, in-memory store)
 *   step(2): an idle CoAP server with the OSCORE layer and two protected resources (Endpoint: the
 *            full default layer set, as on Node)
 *   step(3): the same server composed as the device app does (examples/device/app.ts):
 *            ComposedEndpoint with the OSCORE server side, Observe and a Router only
 */
import { Endpoint } from '../../src/coap/endpoint.js';
import { ComposedEndpoint } from '../../src/coap/composed-endpoint.js';
import { ObserveLayer } from '../../src/coap/observe-layer.js';
import { Router } from '../../src/coap/server.js';
import { oscoreLayer, oscoreServerLayer } from '../../src/coap/oscore-layer.js';
import { SecurityContext } from '../../src/oscore/context.js';
import { contextLookup } from '../../src/oscore/unprotect.js';
import type { Clock, DatagramPort, RandomSource } from '../../src/ports.js';

declare const gc: () => void;
const keep: unknown[] = [];
const port: DatagramPort = { send() {}, onReceive() {}, close() {} };
const clock: Clock = { now: () => 0, setTimer: () => 0, clearTimer() {} };
let x = 1;
const random: RandomSource = { fill(b) { for (let i = 0; i < b.length; i++) b[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24; } };
const bytes = (n: number, s: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + s) & 255);

(globalThis as unknown as { step: (n: number) => void }).step = (n: number) => {
  if (n === 1) {
    keep.push(new SecurityContext({ masterSecret: bytes(16, 1), masterSalt: bytes(8, 2), senderId: bytes(1, 3), recipientId: bytes(1, 4) }));
  } else if (n === 2) {
    const ctx = keep[0] as SecurityContext;
    const ep = new Endpoint({ port, clock, random, oscore: oscoreLayer({ lookup: contextLookup([ctx]), clock, random }) });
    ep.resource('/temperature', { GET: () => ({ payload: '21.5' }) }, { requireOscore: true, observable: true });
    ep.resource('/led', { GET: () => ({ payload: 'off' }), PUT: () => ({ code: 0x44 }) }, { requireOscore: true });
    keep.push(ep);
  } else if (n === 3) {
    const ctx = keep[0] as SecurityContext;
    const ep = new ComposedEndpoint({ port, clock, random, oscore: oscoreServerLayer({ lookup: contextLookup([ctx]), clock, random }), inner: [new ObserveLayer(clock)], router: new Router() });
    ep.resource('/temperature', { GET: () => ({ payload: '21.5' }) }, { requireOscore: true, observable: true });
    ep.resource('/led', { GET: () => ({ payload: 'off' }), PUT: () => ({ code: 0x44 }) }, { requireOscore: true });
    keep.push(ep);
  }
  gc();
};
