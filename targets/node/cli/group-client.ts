/**
 * `oscore-xs client --group DIR URI`: a Group OSCORE request (RFC 10021). To a group address
 * (224.0.0.0/4, ff00::/8) it goes out NON in group mode and every member's answer is collected for
 * `--wait` seconds (RFC 7252 §8.2) and printed with the member that sent it; to a unicast address
 * it is one request, in pairwise mode with `--pairwise ID` (the member addressed) or group mode.
 */
import { isIP } from 'node:net';
import { toHex, fromHex } from '../../../src/bytes.js';
import type { Message } from '../../../src/coap/message.js';
import type { RequestInit, LayeredMessage } from '../../../src/coap/client.js';
import { collectAnswers } from '../../../src/coap/multicast-client.js';
import type { Messaging } from '../../../src/coap/messaging.js';
import type { ResponseSink } from '../../../src/coap/exchange.js';
import { groupOscoreLayer } from '../../../src/layers/group-oscore-layer.js';
import { nodeClock } from '../ports.js';
import { openGroupDirectory } from '../group-dir.js';
import { UsageError } from './args.js';
import type { CliIo } from './io.js';
import { openStack } from './stack.js';

export function isMulticastAddress(a: string): boolean {
  if (isIP(a) === 4) {
    const first = Number(a.split('.')[0]);
    return first >= 224 && first <= 239;
  }
  return isIP(a) === 6 && a.toLowerCase().startsWith('ff');
}

export interface GroupClientOptions {
  dir: string;
  init: RequestInit;
  /** Seconds to collect answers to a multicast request (default 6: above the 5 s default Leisure). */
  wait?: number;
  /** Hex Sender ID of the member for a pairwise request. */
  pairwise?: string;
  multicastInterface?: string;
  io: CliIo;
  verbose: boolean;
  show: (m: Message) => number;
}

export async function groupClient(o: GroupClientOptions): Promise<number> {
  let to: Uint8Array | undefined;
  if (o.pairwise !== undefined) {
    if (!/^([0-9a-fA-F]{2})*$/.test(o.pairwise)) throw new UsageError('--pairwise: expected the member\'s Sender ID in hex');
    to = fromHex(o.pairwise);
  }
  const { config, context } = await openGroupDirectory(o.dir);
  const host = 'host' in o.init ? o.init.host : '';
  const multicast = isMulticastAddress(host);
  if (multicast && to) throw new UsageError('--pairwise goes to one member: give its unicast address, not the group address');
  const stack = await openStack({ io: o.io, outer: [groupOscoreLayer({})], multicastInterface: o.multicastInterface });
  const layerData = { group: { context, mode: to ? 'pairwise' : 'group', to } };
  if (o.verbose) o.io.err('→ Group OSCORE (' + o.dir + ', group ' + toHex(config.groupId) + ', sender ID ' + toHex(config.senderId) + ', ' + (to ? 'pairwise to ' + toHex(to) : 'group mode') + ')\n');
  try {
    if (!multicast) {
      const r = await stack.endpoint.request({ ...o.init, layerData });
      return o.show(r.message);
    }
    const waitMs = (o.wait ?? 6) * 1000;
    // Straight to messaging through the group layer: the inner layers (Block-wise, Observe, Echo)
    // follow one peer's exchange and would end it at the first member's answer.
    const transport = groupOscoreLayer({}).client!(stack.endpoint.messaging as Messaging);
    const sender = { buildRequest: (i: RequestInit) => stack.endpoint.buildRequest(i), send: (i: RequestInit, sink: ResponseSink) => transport.send(stack.endpoint.buildRequest(i), sink) };
    const answers = await collectAnswers(sender, nodeClock, { ...o.init, confirmable: false, layerData }, waitMs);
    if (answers.length === 0) {
      o.io.err('no answer from any member within ' + waitMs / 1000 + ' s\n');
      return 1;
    }
    let code = 0;
    for (const a of answers) {
      const member = (a.message as LayeredMessage).layerData?.groupMember as Uint8Array | undefined;
      o.io.err('from ' + a.peer.address + ':' + a.peer.port + (member ? ' (member ' + toHex(member) + ')' : '') + '\n');
      code = Math.max(code, o.show(a.message));
    }
    return code;
  } finally {
    await stack.close();
    context.close();
  }
}
