/** A CoAP Endpoint on Node: UDP sockets, the Node clock and random source (targets/node ports). */
import { Endpoint, type EndpointOptions } from '../../src/coap/endpoint.js';
import { UdpPort, type UdpPortOptions } from './udp.js';
import { nodeClock, nodeRandom } from './ports.js';

export type NodeEndpointOptions = UdpPortOptions & Omit<EndpointOptions, 'port' | 'clock' | 'random'> & Partial<Pick<EndpointOptions, 'clock' | 'random'>>;

/** Open a UDP endpoint (port 0 = a free port; read it back from `udp.localPort`). */
export async function openNodeEndpoint(opts: NodeEndpointOptions = {}): Promise<{ endpoint: Endpoint; udp: UdpPort }> {
  const udp = await UdpPort.open({ host: opts.host, port: opts.port });
  const endpoint = new Endpoint({ ...opts, port: udp, clock: opts.clock ?? nodeClock, random: opts.random ?? nodeRandom });
  return { endpoint, udp };
}
