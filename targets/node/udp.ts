/**
 * DatagramPort over Node's dgram (RFC 7252 runs over UDP, §3): one udp4 and/or one udp6 socket.
 * Datagrams to IPv4 addresses leave through the udp4 socket, to IPv6 through udp6, so a peer's
 * address reads back exactly as it was written (no "::ffff:" mapped forms to confuse token matching).
 */
import { createSocket, type Socket, type SocketOptions } from 'node:dgram';
import { lookup as dnsLookup } from 'node:dns';
import { isIP } from 'node:net';
import type { DatagramPort } from '../../src/ports.js';

export interface UdpPortOptions {
  /** Address to bind: an IPv4 or IPv6 literal; omitted = both 0.0.0.0 and :: (same port). */
  host?: string;
  /** Port to bind (0 = any free one). */
  port?: number;
  /**
   * IPv4 group addresses to join on `port` (RFC 7252 §8): datagrams sent to them arrive flagged as
   * multicast. Needs a specific `host`: a socket bound to 0.0.0.0 would also get the group's
   * datagrams (Linux's IP_MULTICAST_ALL), unflagged.
   */
  groups?: string[];
  /** The interface address for sending to and joining groups (e.g. 127.0.0.1 for loopback tests). */
  multicastInterface?: string;
}

export class UdpPort implements DatagramPort {
  private handler: (data: Uint8Array, address: string, port: number, multicast?: boolean) => void = () => {};
  private constructor(private readonly v4: Socket | undefined, private readonly v6: Socket | undefined, readonly localPort: number, private readonly groupSockets: Socket[] = []) {
    for (const s of [v4, v6]) {
      if (!s) continue;
      s.on('message', (msg, rinfo) => this.handler(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength), unmapped(rinfo.address), rinfo.port));
      // A send error (e.g. ICMP unreachable surfacing as ECONNREFUSED) is a lost datagram to CoAP.
      s.on('error', () => {});
    }
    for (const g of groupSockets) {
      g.on('message', (msg, rinfo) => this.handler(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength), unmapped(rinfo.address), rinfo.port, true));
      g.on('error', () => {});
    }
  }

  static async open(opts: UdpPortOptions = {}): Promise<UdpPort> {
    const family = opts.host === undefined ? 0 : isIP(opts.host);
    if (opts.host !== undefined && family === 0) throw new TypeError('bind address must be an IP literal: ' + opts.host);
    let v4: Socket | undefined;
    let v6: Socket | undefined;
    let port = opts.port ?? 0;
    if (family === 0 || family === 4) {
      v4 = await bind(createSocket({ type: 'udp4', lookup: literalFirstLookup }), opts.host ?? '0.0.0.0', port);
      port = v4.address().port;
    }
    if (family === 0 || family === 6) {
      try {
        v6 = await bind(createSocket({ type: 'udp6', ipv6Only: true, lookup: literalFirstLookup }), opts.host ?? '::', port);
        port = v6.address().port;
      } catch (e) {
        if (family === 6) throw e;
        v6 = undefined; // no IPv6 on this host: IPv4 only
      }
    }
    const groupSockets: Socket[] = [];
    try {
      if (opts.multicastInterface && v4) {
        v4.setMulticastInterface(opts.multicastInterface);
        v4.setMulticastLoopback(true);
      }
      for (const group of opts.groups ?? []) {
        if (isIP(group) !== 4) throw new TypeError('group address must be an IPv4 literal: ' + group);
        if (family !== 4 || opts.host === '0.0.0.0') throw new TypeError('joining a group needs a specific IPv4 bind address (see UdpPortOptions.groups)');
        const g = await bind(createSocket({ type: 'udp4', reuseAddr: true }), group, port);
        groupSockets.push(g);
        g.addMembership(group, opts.multicastInterface ?? opts.host);
      }
    } catch (e) {
      for (const s of [v4, v6, ...groupSockets]) s?.close();
      throw e;
    }
    return new UdpPort(v4, v6, port, groupSockets);
  }

  send(data: Uint8Array, address: string, port: number): void {
    const s = isIP(address) === 6 ? this.v6 : this.v4;
    if (!s) return;
    try {
      s.send(data, port, address);
    } catch {
      // DatagramPort contract: drop on transient errors.
    }
  }

  onReceive(handler: (data: Uint8Array, address: string, port: number, multicast?: boolean) => void): void {
    this.handler = handler;
  }

  close(): void {
    for (const s of [this.v4, this.v6, ...this.groupSockets]) {
      try {
        s?.close();
      } catch {
        // already closed
      }
    }
  }
}

function bind(s: Socket, host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.bind(port, host, () => {
      s.off('error', reject);
      resolve(s);
    });
  });
}

/**
 * dgram resolves every destination through `lookup`, even an IP literal, and the default
 * (dns.lookup) answers a literal one tick later: a closure and a nextTick per datagram. Peers are
 * almost always literals (read back from received datagrams), so answer those at once; dgram
 * accepts a synchronous answer (it does the same for connected sockets). Names still go to DNS.
 */
const literalFirstLookup: SocketOptions['lookup'] = (host, options, callback) => {
  const family = isIP(host);
  if (family !== 0) callback(null, host, family);
  else dnsLookup(host, options, callback);
};

function unmapped(a: string): string {
  return a.startsWith('::ffff:') && isIP(a.slice(7)) === 4 ? a.slice(7) : a;
}
