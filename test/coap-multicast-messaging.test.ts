/**
 * Serving group requests (RFC 7252 §8) is MulticastServerMessaging's (src/coap/multicast-messaging.ts);
 * the plain ServerMessaging the Moddable example apps compose serves none (it must not answer a
 * group datagram as if it were unicast). Sending multicast requests is MulticastMessaging's; the
 * plain Messaging refuses them. On the simulated network with raw datagrams.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from '../src/sim/virtual-clock.js';
import { SimNetwork } from '../src/sim/sim-network.js';
import { Prng } from '../src/sim/prng.js';
import { decodeMessage, encodeMessage } from '../src/coap/codec.js';
import { MessageType, Code } from '../src/coap/numbers.js';
import { ServerMessaging } from '../src/coap/server-messaging.js';
import { MulticastMessaging, MulticastServerMessaging } from '../src/coap/multicast-messaging.js';
import { Messaging } from '../src/coap/messaging.js';
import { createMessage } from '../src/coap/message.js';
import type { Peer } from '../src/coap/exchange.js';
import type { Message } from '../src/coap/message.js';

const GROUP = '224.0.1.187';
const LEISURE = 1000;

function world(Messaging: typeof ServerMessaging, code: number = Code.CONTENT) {
  const clock = new VirtualClock();
  const network = new SimNetwork(clock, { delay: 1 });
  const port = network.port('10.0.0.2', 5683);
  network.joinGroup(port, GROUP);
  const server = new Messaging(port, clock, new Prng(4), { leisure: LEISURE });
  const served: boolean[] = [];
  server.onRequest = (ex) => {
    served.push(ex.multicast === true);
    ex.respond({ type: MessageType.ACK, code, messageId: 0, token: new Uint8Array(0), options: [], payload: new Uint8Array([0x32]) });
  };
  const client = network.port('10.0.0.1', 40000);
  const answers: { m: Message; at: number }[] = [];
  client.onReceive((d) => answers.push({ m: decodeMessage(d), at: clock.now() }));
  const send = (type: MessageType, to = GROUP, messageId = 7, c: number = Code.GET) => client.send(encodeMessage({ type, code: c, messageId, token: new Uint8Array([1, 2]), options: [], payload: new Uint8Array(0) }), to, 5683);
  // Version 1, CON, token length 9 (> 8: a format error, §3).
  const sendMalformed = () => client.send(new Uint8Array([0x49, 1, 0, 10, 1, 2, 3, 4, 5, 6, 7, 8, 9]), GROUP, 5683);
  return { clock, server, served, answers, send, sendMalformed };
}

describe('multicast serving (RFC 7252 §8)', () => {
  it('plain ServerMessaging serves no group datagram (NON, CON, malformed: no handler call, no answer, no RST) and still serves unicast', async () => {
    const w = world(ServerMessaging);
    w.send(MessageType.NON);
    w.send(MessageType.CON, GROUP, 8);
    w.sendMalformed();
    await w.clock.advanceAsync(LEISURE * 3);
    assert.deepEqual(w.served, []);
    assert.equal(w.answers.length, 0);
    assert.equal(w.server.stats.resetsSent, 0);
    w.send(MessageType.CON, '10.0.0.2', 9);
    await w.clock.advanceAsync(10);
    assert.deepEqual(w.served, [false]);
    assert.equal(w.answers.length, 1);
    assert.equal(w.answers[0].m.type, MessageType.ACK);
  });

  for (const M of [MulticastServerMessaging, MulticastMessaging]) {
    it(M.name + ' serves a NON group request, answered NON after a random Leisure, duplicates once', async () => {
      const w = world(M);
      w.send(MessageType.NON);
      w.send(MessageType.NON); // same message ID: a duplicate (§4.5)
      await w.clock.advanceAsync(LEISURE + 10);
      assert.deepEqual(w.served, [true]);
      assert.equal(w.answers.length, 1);
      assert.equal(w.answers[0].m.type, MessageType.NON);
      assert.equal(w.answers[0].m.code, Code.CONTENT);
      assert.deepEqual([...w.answers[0].m.token], [1, 2]);
      assert.ok(w.answers[0].at > 2, 'the answer waited a Leisure');
    });

    it(M.name + ': a CON, a response or a malformed datagram to the group gets no answer and no RST; an error answer is not sent', async () => {
      const w = world(M);
      w.send(MessageType.CON);
      w.send(MessageType.NON, GROUP, 8, Code.CONTENT);
      w.sendMalformed();
      await w.clock.advanceAsync(LEISURE + 10);
      assert.equal(w.server.stats.malformed, 1);
      assert.deepEqual(w.served, []);
      assert.equal(w.answers.length, 0);
      assert.equal(w.server.stats.resetsSent, 0);
      const e = world(M, Code.NOT_FOUND);
      e.send(MessageType.NON);
      await e.clock.advanceAsync(LEISURE + 10);
      assert.deepEqual(e.served, [true]);
      assert.equal(e.answers.length, 0, '§8.2: no 4.xx to a group request');
    });
  }

  it('plain Messaging refuses a multicast request (nothing sent); MulticastMessaging sends it NON and matches answers from each member by token', async () => {
    const clock = new VirtualClock();
    const network = new SimNetwork(clock, { delay: 1 });
    const members = ['10.0.0.2', '10.0.0.3'].map((a) => {
      const p = network.port(a, 5683);
      network.joinGroup(p, GROUP);
      p.onReceive((d, from, fromPort) => {
        const m = decodeMessage(d);
        p.send(encodeMessage({ type: MessageType.NON, code: Code.CONTENT, messageId: m.messageId, token: m.token, options: [], payload: new Uint8Array([a.charCodeAt(7)]) }), from, fromPort);
      });
      return p;
    });
    assert.equal(members.length, 2);
    const sent: MessageType[] = [];
    network.onSend = (d, from) => {
      if (from === '10.0.0.1') sent.push(decodeMessage(d).type);
    };
    const request = { message: createMessage({ code: Code.GET }), peer: { address: GROUP, port: 5683 }, confirmable: true, multicast: true };
    const plain = new Messaging(network.port('10.0.0.1', 40000), clock, new Prng(5));
    const errors: Error[] = [];
    plain.send(request, { response: () => assert.fail('no response expected'), error: (e) => errors.push(e) });
    assert.equal(errors.length, 1);
    assert.match(errors[0].message, /multicast/);
    assert.deepEqual(sent, []);
    plain.close();

    const client = new MulticastMessaging(network.port('10.0.0.1', 40001), clock, new Prng(5));
    const answers: { payload: number; from?: Peer }[] = [];
    const handle = client.send(request, { response: (m, from) => answers.push({ payload: m.payload[0], from }), error: (e) => assert.fail(e) });
    await clock.advanceAsync(50);
    handle.close();
    assert.deepEqual(sent, [MessageType.NON], '§8.1: NON although confirmable was asked');
    assert.deepEqual(answers.map((a) => [a.payload, a.from?.address]).sort(), [[0x32, '10.0.0.2'], [0x33, '10.0.0.3']]);
  });
});
