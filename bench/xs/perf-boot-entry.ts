/**
 * XS side of bench/perf.bench.ts, target 5: computrons from power-on to the first protected
 * response, with N = 8 security contexts stored on (simulated) NOR flash. The flash image is
 * written beforehand, outside the meter: 8 contexts created, then one clean boot/close cycle each,
 * as a device that has run before. Metered, in boot order:
 *   recover  RecordLog.open (scan the partition, find the live records; src/persist)
 *   contexts 8 × FlashContextStore.open + new SecurityContext (HKDF-SHA256 §3.2.1, AES key
 *            schedules, store.load() which writes the "running" reservation, App. B.1.1)
 *   endpoint Endpoint + OSCORE layer (lookup over the 8) + one protected resource
 *   first    the first protected request datagram in → protected response datagram out
 * Prints one XS-RESULT line.
 */
import { meter } from '../../test/harness/xs-meter.js';
import { report } from '../xs-report.js';
import { NorFlash } from '../../src/sim/nor-flash.js';
import { RecordLog } from '../../src/persist/record-log.js';
import { FlashContextStore } from '../../src/persist/flash-context-store.js';
import { SecurityContext, type SecurityContextParams } from '../../src/oscore/context.js';
import { MemoryContextStore } from '../../src/oscore/store.js';
import { contextLookup, unprotectResponse } from '../../src/oscore/unprotect.js';
import { protectRequest } from '../../src/oscore/protect.js';
import { hkdfSha256 } from '../../src/crypto/hkdf.js';
import { Endpoint } from '../../src/coap/endpoint.js';
import { oscoreLayer } from '../../src/coap/oscore-layer.js';
import { createMessage } from '../../src/coap/message.js';
import { decodeMessage, encodeMessage } from '../../src/coap/codec.js';
import { Code, MessageType } from '../../src/coap/numbers.js';
import { Option } from '../../src/coap/option-registry.js';
import { utf8Encode } from '../../src/bytes.js';
import { Prng } from '../../src/sim/prng.js';
import type { DatagramPort } from '../../src/ports.js';
import { MapClock, PAYLOAD, PARAMS } from '../perf-workload.js';

const N = 8;
const params = (i: number): SecurityContextParams => ({ ...PARAMS, senderId: new Uint8Array([0x10 + i]), recipientId: new Uint8Array([0x20 + i]) });
const key = (i: number) => utf8Encode('ctx-' + i);

// Before power-on: a partition that has seen the contexts created and one clean run each.
const image = new NorFlash({ sectors: 2, blockSize: 4096 });
{
  const log = RecordLog.open(image);
  for (let i = 0; i < N; i++) FlashContextStore.create(log, key(i));
  for (let i = 0; i < N; i++) {
    const ctx = new SecurityContext(params(i), { store: FlashContextStore.open(log, key(i)) });
    ctx.sequence.take();
    ctx.close();
  }
}

// The client (not metered): the peer of the last context, so the lookup walks all eight.
const peer = params(N - 1);
const client = new SecurityContext({ ...peer, senderId: peer.recipientId, recipientId: peer.senderId }, { store: new MemoryContextStore() });
const plain = createMessage({ type: MessageType.CON, code: Code.GET, messageId: 0x1234, token: new Uint8Array([1, 2, 3, 4]), options: [{ number: Option.URI_PATH, value: utf8Encode('temperature') }] });
const req = protectRequest(client, plain);
const requestDatagram = encodeMessage(req.message);

const out: Record<string, number> = {};
let response: Uint8Array | undefined;
const port: DatagramPort & { deliver?: (d: Uint8Array) => void } = {
  send: (d) => void (response = d),
  onReceive: (h) => void (port.deliver = (d) => h(d, '10.0.0.1', 5683)),
  close() {},
};

const flash = image.clone();
let log!: RecordLog;
let contexts: SecurityContext[] = [];
let server!: Endpoint;
{
  out.recover = meter(() => { log = RecordLog.open(flash); })!;
  out.contexts = meter(() => {
    for (let i = 0; i < N; i++) contexts.push(new SecurityContext(params(i), { store: FlashContextStore.open(log, key(i)) }));
  })!;
  out.endpoint = meter(() => {
    const clock = new MapClock();
    server = new Endpoint({ port, clock, random: new Prng(3), oscore: oscoreLayer({ lookup: contextLookup(contexts) }) });
    server.resource('/temperature', { GET: () => ({ payload: PAYLOAD, contentFormat: 0 }) }, { requireOscore: true });
  })!;
  out.first = meter(() => port.deliver!(requestDatagram))!;
}
// (meters do not nest: the total is the sum of the stages, metered back to back)
out.total = out.recover + out.contexts + out.endpoint + out.first;
const answer = unprotectResponse(decodeMessage(response!), req.binding).message;
if (answer.code !== Code.CONTENT || answer.payload.length !== 64) throw new Error('no protected 2.05 at boot');
// The key derivation alone: three HKDF-SHA256 calls per context (Sender Key, Recipient Key, Common IV).
out.hkdf = meter(() => { hkdfSha256(PARAMS.masterSecret, PARAMS.masterSalt, new Uint8Array(20), 16); })! * 3 * N;
out.n = N;
out.flashWritesAtBoot = flash.writes;
report(out);
