/**
 * CoAP messaging for a server (RFC 7252 §4): message IDs, CON retransmission with exponential
 * back-off (§4.2, §4.8) for separate responses and notifications, ACK/RST, piggybacked and separate
 * responses (§5.2), answering a ping (§4.3), message deduplication within EXCHANGE_LIFETIME /
 * NON_LIFETIME (§4.5) in a bounded cache. Every timer goes through the Clock port, every random
 * number through the RandomSource port.
 *
 * It is the bottom of the layer stack (exchange.ts): it hands each new request up as a
 * ServerExchange. Sending requests of our own (tokens, §5.3.2 matching, NSTART §4.7, ping) is the
 * subclass Messaging (messaging.ts), so a device that only serves carries none of it; here every
 * response is unexpected and answered with RST, and `send` fails.
 * Datagrams the port marks as sent to a group address (§8) are dropped here: serving them is
 * MulticastServerMessaging (multicast-messaging.ts), so a device whose port reports none carries none of it.
 * Deliberately not here: congestion control beyond NSTART, PROBING_RATE.
 */
import type { Clock, DatagramPort, RandomSource, TimerHandle } from '../ports.js';
import type { Message } from './message.js';
import { MessageType, isRequestCode, isResponseCode } from './numbers.js';
import { decodeMessage, encodeMessage, firstUnknownCriticalOption, DEFAULT_DECODE_LIMITS, type DecodeLimits } from './codec.js';
import { MessageFormatError, ResetError, TimeoutError } from '../errors.js';
import type { ClientTransport, OutgoingRequest, Peer, RequestHandle, ResponseSink, ServerExchange, ServerHandler } from './exchange.js';
import { peerKey } from './exchange.js';

/** RFC 7252 §4.8 transmission parameters, plus our local limits. Times in ms. */
export interface TransmissionParameters {
  ackTimeout: number;
  ackRandomFactor: number;
  maxRetransmit: number;
  nstart: number;
  /** §4.8.2 MAX_LATENCY: used for EXCHANGE_LIFETIME and NON_LIFETIME. */
  maxLatency: number;
  /** A server answers a CON with an empty ACK when its handler has not responded by then (§5.2.2). */
  emptyAckDelay: number;
  /** Bound on the deduplication cache (§4.5); the oldest entries go first when full. */
  dedupCacheSize: number;
  /** Bound on client requests waiting for NSTART or in flight. */
  maxOpenRequests: number;
  /** Token length for new requests (0..8, §5.3.1). */
  tokenLength: number;
  /** §8.2 Leisure: a server delays its answer to a multicast request by a random time up to this (ms). */
  leisure: number;
  decodeLimits: DecodeLimits;
}

export const DEFAULT_PARAMETERS: TransmissionParameters = Object.freeze({
  ackTimeout: 2000,
  ackRandomFactor: 1.5,
  maxRetransmit: 4,
  nstart: 1,
  maxLatency: 100000,
  emptyAckDelay: 1000,
  dedupCacheSize: 512,
  maxOpenRequests: 256,
  tokenLength: 8,
  leisure: 5000,
  decodeLimits: DEFAULT_DECODE_LIMITS,
});

/**
 * Deduplication cache bound for a microcontroller (examples/device/app.ts): each entry keeps a
 * peer key, an expiry and the reply bytes (≈ 10 XS slots + ~100 chunk bytes, ~0.25 KiB), so 512
 * would be ~130 KiB. 16 covers a few clients' retransmissions; an entry evicted earlier than
 * EXCHANGE_LIFETIME costs at most a reprocessed NON, or under OSCORE a replay-rejected CON.
 */
export const DEVICE_DEDUP_CACHE_SIZE = 16;

/** §4.8.2 derived times. */
export function derivedTimes(p: TransmissionParameters) {
  const maxTransmitSpan = p.ackTimeout * (2 ** p.maxRetransmit - 1) * p.ackRandomFactor;
  const maxTransmitWait = p.ackTimeout * (2 ** (p.maxRetransmit + 1) - 1) * p.ackRandomFactor;
  const processingDelay = p.ackTimeout;
  return {
    maxTransmitSpan,
    maxTransmitWait,
    exchangeLifetime: maxTransmitSpan + 2 * p.maxLatency + processingDelay,
    nonLifetime: maxTransmitSpan + p.maxLatency,
  };
}

export interface MessagingStats {
  received: number;
  malformed: number;
  retransmissions: number;
  duplicates: number;
  resetsSent: number;
  dedupEvictions: number;
}

/** A CON we sent and are retransmitting until ACK/RST/give-up. */
export interface Transmission {
  key: string;
  peer: Peer;
  bytes: Uint8Array;
  attempt: number;
  timeout: number;
  timer: TimerHandle;
  onAck(ack: Message): void;
  onReset(): void;
  onTimeout(): void;
}

/** What we remember about a message ID a peer used (§4.5). */
export interface DedupEntry {
  expires: number;
  /** Bytes to send again when a duplicate CON arrives (ACK, piggybacked response, RST). */
  reply?: Uint8Array;
}

export const NO_CLIENT_SIDE = 'no client side (compose with messaging: Messaging)';

export class ServerMessaging implements ClientTransport {
  readonly params: TransmissionParameters;
  readonly stats: MessagingStats = { received: 0, malformed: 0, retransmissions: 0, duplicates: 0, resetsSent: 0, dedupEvictions: 0 };
  /** Where new (non-duplicate) requests go. */
  onRequest: ServerHandler = (ex) => ex.respond({ type: MessageType.ACK, code: 0xa1, messageId: 0, token: new Uint8Array(0), options: [], payload: new Uint8Array(0) });

  private nextMid: number;
  protected readonly transmissions = new Map<string, Transmission>();
  private readonly dedup = new Map<string, DedupEntry>();
  private readonly times: ReturnType<typeof derivedTimes>;
  /** True once closed. Public (like recordNew, sendOwn, randomFloat) only for multicast-messaging.ts; not for users. */
  closed = false;
  /** Scratch for randomFloat (one draw per CON sent): no allocation per transmission. */
  private readonly jitterBytes = new Uint8Array(4);

  constructor(
    protected readonly port: DatagramPort,
    readonly clock: Clock,
    protected readonly random: RandomSource,
    params: Partial<TransmissionParameters> = {},
  ) {
    this.params = { ...DEFAULT_PARAMETERS, ...params };
    if (this.params.tokenLength < 0 || this.params.tokenLength > 8) throw new RangeError('tokenLength must be 0..8');
    this.times = derivedTimes(this.params);
    const r = new Uint8Array(2);
    random.fill(r);
    this.nextMid = (r[0] << 8) | r[1];
    port.onReceive((data, address, p, multicast) => this.receive(data, { address, port: p }, multicast));
  }

  /** A server sends no requests: the client side is Messaging (messaging.ts). */
  send(_request: OutgoingRequest, sink: ResponseSink): RequestHandle {
    sink.error(new TypeError(NO_CLIENT_SIDE));
    return { close() {} };
  }

  /** Message IDs remembered for deduplication now (§4.5): at most `params.dedupCacheSize`. */
  get dedupEntries(): number {
    return this.dedup.size;
  }

  /** Stop every timer and release the port. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.transmissions.values()) this.clock.clearTimer(t.timer);
    this.transmissions.clear();
    this.port.close();
  }

  // ---------------------------------------------------------------- retransmission (§4.2)

  protected startTransmission(peer: Peer, mid: number, bytes: Uint8Array, cb: Pick<Transmission, 'onAck' | 'onReset' | 'onTimeout'>): void {
    const key = peerKey(peer) + '#' + mid;
    const p = this.params;
    const t: Transmission = {
      key,
      peer,
      bytes,
      attempt: 0,
      // Initial timeout: uniform in [ACK_TIMEOUT, ACK_TIMEOUT * ACK_RANDOM_FACTOR].
      timeout: p.ackTimeout * (1 + this.randomFloat() * (p.ackRandomFactor - 1)),
      timer: undefined,
      ...cb,
    };
    this.transmissions.set(key, t);
    this.port.send(bytes, peer.address, peer.port);
    t.timer = this.clock.setTimer(t.timeout, () => this.retransmit(t));
  }

  private retransmit(t: Transmission): void {
    if (this.transmissions.get(t.key) !== t) return;
    if (t.attempt >= this.params.maxRetransmit) {
      this.transmissions.delete(t.key);
      t.onTimeout();
      return;
    }
    t.attempt++;
    t.timeout *= 2;
    this.stats.retransmissions++;
    this.port.send(t.bytes, t.peer.address, t.peer.port);
    t.timer = this.clock.setTimer(t.timeout, () => this.retransmit(t));
  }

  /**
   * Send a response of ours (`r`'s code, options, payload) with `token` as CON (retransmitted) or
   * NON; resolves when ACKed (CON) or sent (NON).
   */
  sendOwn(peer: Peer, token: Uint8Array, r: Message, confirmable: boolean): Promise<void> {
    const mid = this.allocateMid();
    let bytes: Uint8Array;
    try {
      bytes = encodeMessage({ type: confirmable ? MessageType.CON : MessageType.NON, code: r.code, messageId: mid, token, options: r.options, payload: r.payload });
    } catch (e) {
      return Promise.reject(e);
    }
    if (!confirmable) {
      this.port.send(bytes, peer.address, peer.port);
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      this.startTransmission(peer, mid, bytes, {
        onAck: () => resolve(),
        onReset: () => reject(new ResetError('message rejected with RST')),
        onTimeout: () => reject(new TimeoutError('message never acknowledged')),
      });
    });
  }

  // ---------------------------------------------------------------- receive path

  /** A datagram from `peer`; one sent to a group address (`multicast`) is not served here (see MulticastServerMessaging). */
  protected receive(data: Uint8Array, peer: Peer, multicast?: boolean): void {
    if (this.closed || multicast) return;
    const m = this.decodeDatagram(data);
    if (!m) {
      // §4.2: a CON we cannot process is rejected with RST (when we can read its message ID);
      // a malformed NON/ACK/RST is silently ignored (§4.3, §4.2).
      if (data.length >= 4 && data[0] >> 6 === 1 && ((data[0] >> 4) & 3) === MessageType.CON) this.sendReset(peer, (data[2] << 8) | data[3]);
      return;
    }
    // An ACK is empty or carries a response (§5.2.1), an RST is empty (§4.2); anything else in
    // them is ignored. A CON/NON carries a request or a response; an empty CON is a ping (§4.3),
    // answered with RST like a CON with a code of a reserved class; such a NON is ignored.
    if (m.type >= MessageType.ACK) {
      if (m.code === 0 || (m.type === MessageType.ACK && isResponseCode(m.code))) this.receiveAckOrReset(m, peer);
    } else if (isRequestCode(m.code)) this.receiveRequest(m, peer);
    else if (isResponseCode(m.code)) this.receiveResponse(m, peer);
    else if (m.type === MessageType.CON) this.sendReset(peer, m.messageId);
  }

  /**
   * Counts a received datagram and decodes it; a malformed one is counted as such and gives
   * undefined (the caller decides about an RST). Public only for multicast-messaging.ts.
   */
  decodeDatagram(data: Uint8Array): Message | undefined {
    this.stats.received++;
    try {
      return decodeMessage(data, this.params.decodeLimits);
    } catch (e) {
      if (!(e instanceof MessageFormatError)) throw e;
      this.stats.malformed++;
      return undefined;
    }
  }

  private receiveAckOrReset(m: Message, peer: Peer): void {
    const t = this.transmissions.get(peerKey(peer) + '#' + m.messageId);
    if (!t) return; // late or duplicate ACK/RST
    if (m.type === MessageType.ACK && m.code !== 0 && firstUnknownCriticalOption(m) !== undefined) return; // §5.4.1: reject = ignore an ACK
    this.clock.clearTimer(t.timer);
    this.transmissions.delete(t.key);
    if (m.type === MessageType.RST) t.onReset();
    else t.onAck(m);
  }

  /**
   * Records `m`'s message ID and returns the new entry (the caller stores the reply in it), or
   * returns undefined when `m` is a duplicate — answered again from the cache here.
   */
  recordNew(m: Message, peer: Peer): DedupEntry | undefined {
    const key = peerKey(peer) + '#' + m.messageId;
    const now = this.clock.now();
    const old = this.dedup.get(key);
    if (old && old.expires > now) {
      this.stats.duplicates++;
      if (m.type === MessageType.CON && old.reply) this.port.send(old.reply, peer.address, peer.port);
      return undefined;
    }
    if (old) this.dedup.delete(key);
    // Oldest first (a Map keeps insertion order): drop expired entries, then the oldest while full.
    for (const [k, e] of this.dedup) {
      const expired = e.expires <= now;
      if (!expired && this.dedup.size < this.params.dedupCacheSize) break;
      if (!expired) this.stats.dedupEvictions++;
      this.dedup.delete(k);
    }
    const lifetime = m.type === MessageType.CON ? this.times.exchangeLifetime : this.times.nonLifetime;
    const entry: DedupEntry = { expires: now + lifetime };
    this.dedup.set(key, entry);
    return entry;
  }

  /** A response while we have no request open (§5.3.2): CON → RST; NON → RST unless it is to be ignored (§5.4.1). */
  protected receiveResponse(m: Message, peer: Peer): void {
    const entry = this.recordNew(m, peer);
    if (entry && (m.type === MessageType.CON || firstUnknownCriticalOption(m) === undefined)) entry.reply = this.sendReset(peer, m.messageId);
  }

  private receiveRequest(m: Message, peer: Peer): void {
    const entry = this.recordNew(m, peer);
    if (!entry) return;
    const confirmable = m.type === MessageType.CON;
    let responded = false;
    let ackSent = false;
    let ackTimer: TimerHandle | undefined;
    const exchange: ServerExchange = {
      request: m,
      peer,
      respond: (r) => {
        if (responded || this.closed) return;
        responded = true;
        if (ackTimer !== undefined) this.clock.clearTimer(ackTimer);
        if (confirmable && !ackSent) {
          // §5.2.1 piggybacked response; kept so a duplicate CON gets it again.
          let bytes: Uint8Array;
          try {
            bytes = encodeMessage({ type: MessageType.ACK, code: r.code, messageId: m.messageId, token: m.token, options: r.options, payload: r.payload });
          } catch {
            bytes = encodeMessage({ type: MessageType.ACK, code: 0xa0, messageId: m.messageId, token: m.token, options: [], payload: new Uint8Array(0) });
          }
          entry.reply = bytes;
          this.port.send(bytes, peer.address, peer.port);
        } else {
          // §5.2.2 separate response (CON, retransmitted) or the answer to a NON request (§5.2.3).
          this.sendOwn(peer, m.token, r, confirmable).catch(() => {});
        }
      },
      notify: (r, con) => this.sendOwn(peer, m.token, r, con),
    };
    try {
      this.onRequest(exchange);
    } finally {
      // §5.2.2: an empty ACK when the handler has not answered within emptyAckDelay. Armed after
      // the handler returns, so the usual synchronous answer (piggybacked) costs no timer at all;
      // the delay still counts from the request's arrival (no time passes while we run).
      if (confirmable && !responded && !this.closed) {
        ackTimer = this.clock.setTimer(this.params.emptyAckDelay, () => {
          ackTimer = undefined;
          if (responded || this.closed) return;
          ackSent = true;
          entry.reply = emptyMessage(MessageType.ACK, m.messageId);
          this.port.send(entry.reply, peer.address, peer.port);
        });
      }
    }
  }

  protected sendReset(peer: Peer, mid: number): Uint8Array {
    const bytes = emptyMessage(MessageType.RST, mid);
    this.stats.resetsSent++;
    this.port.send(bytes, peer.address, peer.port);
    return bytes;
  }

  protected allocateMid(): number {
    const mid = this.nextMid;
    this.nextMid = (this.nextMid + 1) & 0xffff;
    return mid;
  }

  randomFloat(): number {
    const b = this.jitterBytes;
    this.random.fill(b);
    return (((b[0] << 24) >>> 0) + (b[1] << 16) + (b[2] << 8) + b[3]) / 4294967296;
  }
}

export function emptyMessage(type: MessageType, mid: number): Uint8Array {
  return new Uint8Array([0x40 | (type << 4), 0, mid >> 8, mid & 0xff]);
}
