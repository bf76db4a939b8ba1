/**
 * Serving requests sent to a group address (RFC 7252 §8), on top of ServerMessaging
 * (server-messaging.ts), which drops every datagram its port marks as multicast. Only a NON request
 * is served (§8.1); nothing is answered with RST or an error, and answers wait a random Leisure
 * (§8.2). MulticastServerMessaging serves only; MulticastMessaging is Messaging (requests of our
 * own) that serves group requests too (Node's Endpoint). A device whose port never reports multicast
 * composes the plain classes and carries none of this.
 */
import type { Message } from './message.js';
import { MessageType, isRequestCode } from './numbers.js';
import { decodeMessage } from './codec.js';
import { MessageFormatError } from '../errors.js';
import type { Peer } from './exchange.js';
import { ServerMessaging } from './server-messaging.js';
import { Messaging } from './messaging.js';

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
}

function receiveGroupDatagram(messaging: ServerMessaging, data: Uint8Array, peer: Peer): void {
  if (messaging.closed) return;
  messaging.stats.received++;
  let m: Message;
  try {
    m = decodeMessage(data, messaging.params.decodeLimits);
  } catch (e) {
    if (!(e instanceof MessageFormatError)) throw e;
    messaging.stats.malformed++;
    return; // §8.1: never an RST to multicast
  }
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
