/**
 * A seeded in-memory datagram network for tests on both engines: DatagramPorts bound to
 * (address, port) names, delivering through a Clock with configurable loss, duplication,
 * reordering (extra random delay), base delay and jitter, and an MTU (larger datagrams are dropped,
 * as an IP path without fragmentation would). Same seed and same traffic, same outcome.
 * Multicast (RFC 7252 §8): a bound port joins a group address (`joinGroup`); a datagram sent to
 * (group, port) reaches every member bound to that port number, each copy lost/delayed on its own,
 * and is marked as multicast on delivery.
 */
import type { Clock, DatagramPort } from '../ports.js';
import { Prng } from './prng.js';

export interface SimNetworkOptions {
  seed?: number;
  /** Probability a datagram is lost (0..1). */
  loss?: number;
  /** Probability a datagram is delivered twice (0..1). */
  duplicate?: number;
  /** Probability a datagram gets an extra delay of up to `reorderDelay` ms (0..1). */
  reorder?: number;
  reorderDelay?: number;
  /** One-way delay in ms and uniform jitter added to it. */
  delay?: number;
  jitter?: number;
  /** Largest datagram delivered (bytes); larger ones are dropped. */
  mtu?: number;
}

export interface SimNetworkStats {
  sent: number;
  delivered: number;
  lost: number;
  duplicated: number;
  tooBig: number;
  unreachable: number;
}

type Receive = (data: Uint8Array, address: string, port: number, multicast?: boolean) => void;

export class SimNetwork {
  readonly stats: SimNetworkStats = { sent: 0, delivered: 0, lost: 0, duplicated: 0, tooBig: 0, unreachable: 0 };
  private readonly rng: Prng;
  private readonly opts: Required<SimNetworkOptions>;
  private readonly ports = new Map<string, SimPort>();
  /** group address|port → member ports. */
  private readonly groups = new Map<string, SimPort[]>();
  /** Optional tap for tests: sees every datagram sent (before loss). */
  onSend?: (data: Uint8Array, from: string, fromPort: number, to: string, toPort: number) => void;

  constructor(private readonly clock: Clock, options: SimNetworkOptions = {}) {
    this.opts = {
      seed: options.seed ?? 1,
      loss: options.loss ?? 0,
      duplicate: options.duplicate ?? 0,
      reorder: options.reorder ?? 0,
      reorderDelay: options.reorderDelay ?? 200,
      delay: options.delay ?? 1,
      jitter: options.jitter ?? 0,
      mtu: options.mtu ?? 1500,
    };
    this.rng = new Prng(this.opts.seed);
  }

  /** Change loss/duplication/... while running (e.g. a partition: loss 1). */
  configure(options: SimNetworkOptions): void {
    Object.assign(this.opts, options);
  }

  /** Bind a port. Throws if the name is taken. */
  port(address: string, port: number): DatagramPort {
    const key = address + '|' + port;
    if (this.ports.has(key)) throw new Error('address in use: ' + key);
    const p = new SimPort(this, address, port);
    this.ports.set(key, p);
    return p;
  }

  /** Make a port of this network receive what is sent to `group` on its port number. */
  joinGroup(port: DatagramPort, group: string): void {
    const p = port as SimPort;
    if (!(p instanceof SimPort) || this.ports.get(p.address + '|' + p.localPort) !== p) throw new Error('joinGroup: not a port of this network');
    const key = group + '|' + p.localPort;
    const members = this.groups.get(key) ?? [];
    if (!members.includes(p)) members.push(p);
    this.groups.set(key, members);
  }

  /** @internal */
  unbind(p: SimPort): void {
    if (this.ports.get(p.address + '|' + p.localPort) === p) this.ports.delete(p.address + '|' + p.localPort);
    for (const [key, members] of this.groups) {
      const i = members.indexOf(p);
      if (i >= 0) members.splice(i, 1);
      if (members.length === 0) this.groups.delete(key);
    }
  }

  /** @internal */
  transmit(from: SimPort, data: Uint8Array, address: string, port: number): void {
    this.stats.sent++;
    this.onSend?.(data, from.address, from.localPort, address, port);
    const members = this.groups.get(address + '|' + port);
    if (members) {
      for (const m of members.slice()) this.carry(from, data, m.address, port, true);
      return;
    }
    this.carry(from, data, address, port, false);
  }

  private carry(from: SimPort, data: Uint8Array, address: string, port: number, multicast: boolean): void {
    if (data.length > this.opts.mtu) {
      this.stats.tooBig++;
      return;
    }
    if (this.rng.float() < this.opts.loss) {
      this.stats.lost++;
      return;
    }
    const copies = this.rng.float() < this.opts.duplicate ? 2 : 1;
    if (copies === 2) this.stats.duplicated++;
    for (let i = 0; i < copies; i++) {
      let d = this.opts.delay + this.rng.float() * this.opts.jitter;
      if (this.rng.float() < this.opts.reorder) d += this.rng.float() * this.opts.reorderDelay;
      const bytes = data.slice();
      this.clock.setTimer(d, () => {
        const target = this.ports.get(address + '|' + port);
        if (!target) {
          this.stats.unreachable++;
          return;
        }
        this.stats.delivered++;
        target.deliver(bytes, from.address, from.localPort, multicast);
      });
    }
  }
}

class SimPort implements DatagramPort {
  private handler?: Receive;
  private closed = false;

  constructor(private readonly net: SimNetwork, readonly address: string, readonly localPort: number) {}

  send(data: Uint8Array, address: string, port: number): void {
    if (!this.closed) this.net.transmit(this, data, address, port);
  }

  onReceive(handler: Receive): void {
    this.handler = handler;
  }

  close(): void {
    this.closed = true;
    this.net.unbind(this);
  }

  /** @internal */
  deliver(data: Uint8Array, address: string, port: number, multicast: boolean): void {
    if (!this.closed && this.handler) this.handler(data, address, port, multicast);
  }
}
