/**
 * Group OSCORE over multicast CoAP on the simulated network (RFC 10021 with RFC 7252 §8), both
 * engines: a client and two servers, each a ComposedEndpoint with the group layer; the servers
 * join the group address. A group-mode GET to the group address is answered by both members after
 * their Leisure and collected by the client; a pairwise request goes to one member by unicast.
 * Multicast rules: no answer to errors (unknown path, refused request), NON only (a CON to the
 * group is ignored, no RST), answers spread over the Leisure.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { toHex, utf8Decode } from '../src/bytes.js';
import { VirtualClock } from '../src/sim/virtual-clock.js';
import { SimNetwork } from '../src/sim/sim-network.js';
import { Prng } from '../src/sim/prng.js';
import { ComposedEndpoint } from '../src/coap/composed-endpoint.js';
import { Messaging } from '../src/coap/messaging.js';
import { MulticastMessaging, MulticastServerMessaging } from '../src/coap/multicast-messaging.js';
import { Router } from '../src/coap/server.js';
import { CoapClient, type LayeredMessage } from '../src/coap/client.js';
import { collectAnswers } from '../src/coap/multicast-client.js';
import { encodeMessage } from '../src/coap/codec.js';
import { MessageType, Code } from '../src/coap/numbers.js';
import { groupOscoreLayer } from '../src/layers/group-oscore-layer.js';
import { protectGroupRequest } from '../src/group/index.js';
import { MemoryContextStore } from '../src/oscore/store.js';
import { makeMembers, memberContext, groupGet, MEMBER_IDS } from './fuzz/group-world.js';

const GROUP_ADDRESS = '224.0.1.187';
const LEISURE = 2000;

function world(seed = 1, restarted = false) {
  const clock = new VirtualClock();
  const network = new SimNetwork(clock, { seed, delay: 5, jitter: 5 });
  const keyed = makeMembers(-8, 21);
  // restarted: the servers come back with a used store, so members' replay windows are unknown (App. B.1.2).
  const groups = [0, 1, 2].map((i) => memberContext(keyed, i, -8, {}, restarted && i > 0 ? new MemoryContextStore({ nextSeq: 100, window: 'unknown' }) : undefined));
  const served: string[] = [];
  const servers = [1, 2].map((i) => {
    const port = network.port('10.0.0.' + (i + 1), 5683);
    network.joinGroup(port, GROUP_ADDRESS);
    const ep = new ComposedEndpoint({ port, clock, random: new Prng(10 + i), messaging: MulticastServerMessaging, params: { leisure: LEISURE }, outer: [groupOscoreLayer({ groups: [groups[i]], clock, random: new Prng(20 + i) })], router: new Router() });
    ep.resource('/temp', { GET: (req) => (served.push(i + ':' + req.peer.address), { payload: '2' + i + ' C' }) }, { requireOscore: true });
    return ep;
  });
  const clientEp = new ComposedEndpoint({ port: network.port('10.0.0.1', 40000), clock, random: new Prng(3), messaging: MulticastMessaging, outer: [groupOscoreLayer({})] });
  return { clock, network, groups, servers, client: new CoapClient(clientEp), clientEp, served };
}

async function settle<T>(clock: VirtualClock, p: Promise<T>, ms: number): Promise<T> {
  await clock.advanceAsync(ms);
  return p;
}

const member = (r: { message: LayeredMessage }) => toHex(r.message.layerData!.groupMember as Uint8Array);

describe('Group OSCORE over multicast CoAP on the simulated network', () => {
  it('a group-mode GET to the group address: both members answer after their Leisure, the client collects both', async () => {
    const w = world();
    const sent: number[] = [];
    w.network.onSend = (_d, from, _fp, to) => {
      if (from !== '10.0.0.1') sent.push(w.clock.now());
      else assert.equal(to, GROUP_ADDRESS);
    };
    const answers = await settle(w.clock, collectAnswers(w.client, w.clock, { uri: 'coap://' + GROUP_ADDRESS + '/temp', layerData: { group: { context: w.groups[0] } } }, LEISURE + 500), LEISURE + 600);
    assert.deepEqual(answers.map((a) => member(a) + '@' + a.peer.address + ':' + utf8Decode(a.payload)).sort(), ['02@10.0.0.2:21 C', '03@10.0.0.3:22 C']);
    assert.ok(answers.every((a) => a.code === Code.CONTENT && a.message.type === MessageType.NON));
    assert.deepEqual(w.served.sort(), ['1:10.0.0.1', '2:10.0.0.1']);
    assert.equal(sent.length, 2);
    for (const t of sent) assert.ok(t <= LEISURE + 20, 'answered within the Leisure: ' + t);
    assert.notEqual(Math.round(sent[0]), Math.round(sent[1]), 'the two members drew different delays');
  });

  it('errors are not answered to a multicast request: unknown path, wrong group key, unknown member', async () => {
    const w = world(2);
    const none = await settle(w.clock, collectAnswers(w.client, w.clock, { uri: 'coap://' + GROUP_ADDRESS + '/nothing', layerData: { group: { context: w.groups[0] } } }, LEISURE + 500), LEISURE + 600);
    assert.equal(none.length, 0, '4.04 suppressed');
    const keyed = makeMembers(-8, 21);
    const wrong = memberContext(keyed, 0, -8, { masterSecret: new Uint8Array(16).fill(9) });
    const refused = await settle(w.clock, collectAnswers(w.client, w.clock, { uri: 'coap://' + GROUP_ADDRESS + '/temp', layerData: { group: { context: wrong } } }, LEISURE + 500), LEISURE + 600);
    assert.equal(refused.length, 0, '4.00 Decryption failed suppressed');
    assert.equal(w.served.length, 0);
  });

  it('a CON to the group address is ignored (no ACK, no RST, no answer)', async () => {
    const w = world(3);
    const seen: string[] = [];
    w.network.onSend = (_d, from) => seen.push(from);
    const port = w.network.port('10.0.0.9', 40001);
    const { message } = protectGroupRequest(w.groups[0], groupGet('temp'));
    port.send(encodeMessage({ ...message, type: MessageType.CON }), GROUP_ADDRESS, 5683);
    await w.clock.advanceAsync(LEISURE + 500);
    assert.deepEqual(seen, ['10.0.0.9']);
    assert.equal(w.served.length, 0);
  });

  it('pairwise mode by unicast to one member, answered pairwise without Leisure', async () => {
    const w = world(4);
    const p = w.client.request({ uri: 'coap://10.0.0.2/temp', layerData: { group: { context: w.groups[0], mode: 'pairwise', to: MEMBER_IDS[1] } } });
    const r = await settle(w.clock, p, 200);
    assert.equal(utf8Decode(r.payload), '21 C');
    assert.equal(r.message.type, MessageType.ACK, 'piggybacked on the ACK: a unicast CON');
    assert.equal((r.message as LayeredMessage).layerData!.groupMode, 'pairwise');
  });

  it('after a member restarted: a request to it is challenged with Echo and repeated with it once (App. B.1.2 per member)', async () => {
    const w = world(6, true);
    const toServer: number[] = [];
    w.network.onSend = (_d, from, _fp, to) => {
      if (from === '10.0.0.1' && to === '10.0.0.2') toServer.push(w.clock.now());
    };
    const r = await settle(w.clock, w.client.request({ uri: 'coap://10.0.0.2/temp', layerData: { group: { context: w.groups[0] } } }), 300);
    assert.equal(utf8Decode(r.payload), '21 C');
    assert.equal(toServer.length, 2, 'the request, then the request with Echo');
    assert.deepEqual(w.served, ['1:10.0.0.1'], 'the resource ran once, for the fresh request');
    // To the group, the restarted members' challenges come back as answers (no repeat to all).
    const answers = await settle(w.clock, collectAnswers(w.client, w.clock, { uri: 'coap://' + GROUP_ADDRESS + '/temp', layerData: { group: { context: w.groups[0] } } }, LEISURE + 500), LEISURE + 600);
    assert.deepEqual(answers.map((a) => member(a) + ':' + a.code).sort(), ['02:' + Code.CONTENT, '03:' + Code.UNAUTHORIZED]);
  });
});
