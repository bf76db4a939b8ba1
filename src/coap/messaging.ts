/**
 * CoAP messaging for a client and server (RFC 7252 §4): ServerMessaging (server-messaging.ts:
 * message IDs, retransmission §4.2/§4.8, ACK/RST, §5.2 responses, deduplication §4.5) plus the
 * requests of our own — token matching (§5.3.2), piggybacked and separate responses to them
 * (§5.2), NSTART (§4.7) and the empty-message ping (§4.3).
 *
 * It carries each OutgoingRequest of the layer stack (exchange.ts) down as a ClientTransport.
 */
import type { Message } from './message.js';
import { MessageType } from './numbers.js';
import { encodeMessage, firstUnknownCriticalOption } from './codec.js';
import { ResetError, TimeoutError, CancelledError } from '../errors.js';
import { equalBytes, toHex } from '../bytes.js';
import type { OutgoingRequest, Peer, RequestHandle, ResponseSink } from './exchange.js';
import { peerKey } from './exchange.js';
import { ServerMessaging, emptyMessage } from './server-messaging.js';

export { ServerMessaging, DEFAULT_PARAMETERS, derivedTimes, type TransmissionParameters, type MessagingStats } from './server-messaging.js';

/** A request of ours waiting for responses, keyed by peer + token. */
export interface ClientExchange {
  key: string;
  peer: Peer;
  /** peerKey(peer), computed once. */
  pk: string;
  token: Uint8Array;
  request: OutgoingRequest;
  sink: ResponseSink;
  mid: number;
  state: 'queued' | 'sent' | 'closed';
  holdsNstart: boolean;
}

export class Messaging extends ServerMessaging {
  protected readonly exchanges = new Map<string, ClientExchange>();
  private readonly queues = new Map<string, ClientExchange[]>();
  private readonly inFlight = new Map<string, number>();

  override send(request: OutgoingRequest, sink: ResponseSink): RequestHandle {
    if (this.closed) {
      sink.error(new CancelledError('endpoint closed'));
      return { close() {} };
    }
    const pk = this.keyOf(request);
    if (this.exchanges.size >= this.params.maxOpenRequests || !pk) {
      sink.error(new Error(pk ? 'too many open requests (limit ' + this.params.maxOpenRequests + ')' : NO_MULTICAST));
      return { close() {} };
    }
    let token: Uint8Array;
    let key: string;
    if (request.token) {
      token = request.token;
      key = pk + '|' + toHex(token);
      if (token.length > 8 || this.exchanges.has(key)) {
        sink.error(new Error('token in use or longer than 8 bytes'));
        return { close() {} };
      }
    } else {
      do {
        token = new Uint8Array(this.params.tokenLength);
        this.random.fill(token);
        key = pk + '|' + toHex(token);
      } while (this.exchanges.has(key));
    }
    const ex: ClientExchange = { key, peer: request.peer, pk, token, request, sink, mid: -1, state: 'queued', holdsNstart: false };
    this.exchanges.set(key, ex);
    if ((this.inFlight.get(pk) ?? 0) < this.params.nstart) this.transmitRequest(ex);
    else {
      let q = this.queues.get(pk);
      if (!q) this.queues.set(pk, (q = []));
      q.push(ex);
    }
    return { close: () => this.closeExchange(ex) };
  }

  /** Empty CON (§4.3 "CoAP ping"): resolves when the peer answers (RST), rejects with TimeoutError. */
  ping(peer: Peer): Promise<void> {
    return new Promise((resolve, reject) => {
      const mid = this.allocateMid();
      const bytes = encodeMessage({ type: MessageType.CON, code: 0, messageId: mid, token: new Uint8Array(0), options: [], payload: new Uint8Array(0) });
      this.startTransmission(peer, mid, bytes, { onAck: () => resolve(), onReset: () => resolve(), onTimeout: () => reject(new TimeoutError('no answer to ping')) });
    });
  }

  /** Stop every timer, fail open requests with CancelledError, release the port. */
  override close(): void {
    if (this.closed) return;
    super.close();
    const open = [...this.exchanges.values()];
    this.exchanges.clear();
    this.queues.clear();
    for (const ex of open) {
      ex.state = 'closed';
      ex.sink.error(new CancelledError('endpoint closed'));
    }
  }

  private transmitRequest(ex: ClientExchange): void {
    const pk = ex.pk;
    this.inFlight.set(pk, (this.inFlight.get(pk) ?? 0) + 1);
    ex.holdsNstart = true;
    ex.state = 'sent';
    ex.mid = this.allocateMid();
    const m = ex.request.message;
    let bytes: Uint8Array;
    try {
      bytes = encodeMessage({ type: ex.request.confirmable ? MessageType.CON : MessageType.NON, code: m.code, messageId: ex.mid, token: ex.token, options: m.options, payload: m.payload });
    } catch (e) {
      this.failExchange(ex, e as Error);
      return;
    }
    if (!ex.request.confirmable) {
      this.port.send(bytes, ex.peer.address, ex.peer.port);
      return;
    }
    this.startTransmission(ex.peer, ex.mid, bytes, {
      onAck: (ack) => {
        if (ex.state !== 'sent') return;
        this.releaseNstart(ex);
        // §5.2.1: a piggybacked response matches by message ID and token.
        if (ack.code !== 0 && equalBytes(ack.token, ex.token)) this.deliver(ex, ack);
      },
      onReset: () => this.failExchange(ex, new ResetError('request rejected with RST')),
      onTimeout: () => this.failExchange(ex, new TimeoutError('no acknowledgement after ' + (this.params.maxRetransmit + 1) + ' transmissions')),
    });
  }

  private deliver(ex: ClientExchange, response: Message, from?: Peer): void {
    this.releaseNstart(ex);
    if (ex.request.multicast) ex.sink.response(response, from);
    else ex.sink.response(response);
  }

  private failExchange(ex: ClientExchange, err: Error): void {
    if (ex.state === 'closed') return;
    this.closeExchange(ex);
    ex.sink.error(err);
  }

  private closeExchange(ex: ClientExchange): void {
    if (ex.state === 'closed') return;
    const wasQueued = ex.state === 'queued';
    ex.state = 'closed';
    if (this.exchanges.get(ex.key) === ex) this.exchanges.delete(ex.key);
    if (wasQueued) {
      const q = this.queues.get(ex.pk);
      if (q) q.splice(q.indexOf(ex), 1);
      return;
    }
    this.stopRetransmitting(ex);
    this.releaseNstart(ex);
  }

  /** Our CON of `ex` needs no more retransmissions (answered, or no longer wanted). */
  private stopRetransmitting(ex: ClientExchange): void {
    const t = ex.request.confirmable ? this.transmissions.get(ex.pk + '#' + ex.mid) : undefined;
    if (!t) return;
    this.clock.clearTimer(t.timer);
    this.transmissions.delete(t.key);
  }

  private releaseNstart(ex: ClientExchange): void {
    if (!ex.holdsNstart) return;
    ex.holdsNstart = false;
    const pk = ex.pk;
    const n = (this.inFlight.get(pk) ?? 1) - 1;
    if (n > 0) this.inFlight.set(pk, n);
    else this.inFlight.delete(pk);
    const q = this.queues.get(pk);
    if (q && q.length && !this.closed) {
      const next = q.shift()!;
      if (!q.length) this.queues.delete(pk);
      this.transmitRequest(next);
    }
  }

  /** The key of `request`'s peer (NSTART, token space); empty: refused (a multicast request, see MulticastMessaging). */
  protected keyOf(request: OutgoingRequest): string {
    return request.multicast ? '' : peerKey(request.peer);
  }

  /** The open request a response from `peer` with token `tokenHex` answers (§5.3.2). */
  protected match(peer: Peer, tokenHex: string): ClientExchange | undefined {
    return this.exchanges.get(peerKey(peer) + '|' + tokenHex);
  }

  protected override receiveResponse(m: Message, peer: Peer): void {
    const entry = this.recordNew(m, peer);
    if (!entry) return;
    const ex = this.match(peer, toHex(m.token));
    // §5.4.1: a CON response with an unknown critical option is rejected; a NON one ignored.
    // §5.3.2 / RFC 7641 §3.6: a response we do not expect (no open request) is rejected with RST.
    const unknownCritical = firstUnknownCriticalOption(m) !== undefined;
    if (!ex || ex.state !== 'sent' || unknownCritical) {
      if (m.type === MessageType.CON || !unknownCritical) entry.reply = this.sendReset(peer, m.messageId);
      return;
    }
    if (m.type === MessageType.CON) {
      entry.reply = emptyMessage(MessageType.ACK, m.messageId);
      this.port.send(entry.reply, peer.address, peer.port);
    }
    // A separate response also acknowledges our CON implicitly when its ACK was lost (§5.2.2).
    this.stopRetransmitting(ex);
    this.deliver(ex, m, peer);
  }
}

export const NO_MULTICAST = 'multicast: needs MulticastMessaging';
