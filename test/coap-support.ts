/** Shared set-up for the CoAP tests: endpoints on a simulated network with a virtual clock. */
import { VirtualClock } from '../src/sim/virtual-clock.js';
import { SimNetwork, type SimNetworkOptions } from '../src/sim/sim-network.js';
import { Prng } from '../src/sim/prng.js';
import { Endpoint, type EndpointOptions } from '../src/coap/endpoint.js';
import { decodeMessage } from '../src/coap/codec.js';
import type { Message } from '../src/coap/message.js';

export interface Sent {
  at: number;
  from: string;
  to: string;
  message: Message;
}

export function simWorld(net: SimNetworkOptions = {}, seed = 7) {
  const clock = new VirtualClock();
  const network = new SimNetwork(clock, { seed, ...net });
  const sent: Sent[] = [];
  network.onSend = (data, from, fromPort, to, toPort) => {
    let message: Message;
    try {
      message = decodeMessage(data.slice());
    } catch {
      return;
    }
    sent.push({ at: clock.now(), from: from + ':' + fromPort, to: to + ':' + toPort, message });
  };
  let n = 0;
  const endpoint = (address: string, port = 5683, opts: Partial<EndpointOptions> = {}) =>
    new Endpoint({ port: network.port(address, port), clock, random: new Prng(seed * 1000 + ++n), ...opts });
  return { clock, network, sent, endpoint, rng: new Prng(seed + 99) };
}

/** Await a promise while advancing the virtual clock in steps until it settles. */
export async function drive<T>(clock: VirtualClock, p: Promise<T>, stepMs = 100, limitMs = 600_000): Promise<T> {
  let settled = false;
  p.then(() => (settled = true), () => (settled = true));
  for (let t = 0; t < limitMs && !settled; t += stepMs) await clock.advanceAsync(stepMs);
  return p;
}
