/**
 * Multicast CoAP (RFC 7252 §8) on top of ServerMessaging (server-messaging.ts), which drops every
 * datagram its port marks as multicast, and Messaging (messaging.ts), which refuses multicast
 * requests. Serving: only a NON request is served (§8.1); nothing is answered with RST or an error,
 * and answers wait a random Leisure (§8.2). Sending: a multicast request goes NON and its answers,
 * from each member's own address, match by token alone.
 * MulticastServerMessaging serves only; MulticastMessaging does both and sends unicast requests
 * too (Node's Endpoint). A device whose port never reports multicast composes the plain classes and
 * carries none of this.
 */
import { MessageType, isRequestCode } from './numbers.js';
import { toHex } from '../bytes.js';
import type { OutgoingRequest, Peer, RequestHandle, ResponseSink } from './exchange.js';
import { peerKey } from './exchange.js';
import { ServerMessaging } from './server-messaging.js';
import { Messaging, type ClientExchange } from './messaging.js';

export class MulticastServerMessaging extends ServerMessaging {
  protected override receive(data: Uint8Array, peer: Peer, multicast?: boolean): void {
    if (multicast) receiveGroupDatagram(this, data, peer);
    else super.receive(data, peer);
  }
}

export class MulticastMessaging extends Messaging {
  protected override receive(data: Uint8Array, peer: Peer, multicast?: boolean): void {
    if (multicast) receiveGroupDatagram(this, data, peer);
    else super.receive(data, peer);
  }

  /** §8.1: a multicast request always goes NON. */
  override send(request: OutgoingRequest, sink: ResponseSink): RequestHandle {
    return super.send(request.multicast ? { ...request, confirmable: false } : request, sink);
  }

  /** A multicast request's NSTART and token space are the group's. */
  protected override keyOf(request: OutgoingRequest): string {
    return (request.multicast ? MULTICAST_KEY : '') + peerKey(request.peer);
  }

  /** §8.2: answers to a multicast request come from each member's own address; they match by token alone. */
  protected override match(peer: Peer, tokenHex: string): ClientExchange | undefined {
    let ex = super.match(peer, tokenHex);
    if (!ex) for (const c of this.exchanges.values()) if (c.request.multicast && c.state === 'sent' && toHex(c.token) === tokenHex) ex = c;
    return ex;
  }
}

/** Prefix of a multicast request's key. */
const MULTICAST_KEY = 'multicast:';

function receiveGroupDatagram(messaging: ServerMessaging, data: Uint8Array, peer: Peer): void {
  if (messaging.closed) return;
  const m = messaging.decodeDatagram(data);
  if (!m) return; // §8.1: never an RST to multicast
  // §8.1: only a NON request is served; a CON, a response or an empty message gets no answer at all.
  if (m.type !== MessageType.NON || !isRequestCode(m.code) || !messaging.recordNew(m, peer)) return;
  let responded = false;
  messaging.onRequest({
    request: m,
    peer,
    multicast: true,
    respond: (r) => {
      if (responded || messaging.closed) return;
      responded = true;
      // §8.2: never an error answer (4.xx, 5.xx); the answer waits a random Leisure.
      if (r.code >> 5 >= 4 || r.code === 0) return;
      messaging.clock.setTimer(messaging.randomFloat() * messaging.params.leisure, () => {
        if (!messaging.closed) messaging.sendOwn(peer, m.token, r, false).catch(() => {});
      });
    },
    notify: (r, con) => messaging.sendOwn(peer, m.token, r, con),
  });
}
