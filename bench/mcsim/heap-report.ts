/**
 * The example server app (examples/device/app.ts) on Moddable with heap reports, for
 * `npm run bench -- device` in mcsim (build with `mcconfig -m -i -p lin`: instrumentation in a
 * release build). Same ports and provisioning as examples/device/moddable/main.ts; the app is not
 * changed, this entry only adds console lines, each after `Debug.gc()`:
 *   `heap boot slots=<bytes> chunks=<bytes> requests=0`                 after the app started
 *   `heap after-requests slots=… chunks=… requests=N`                   once N ≥ oscore_report_after
 *   `heap contexts=K slots=… chunks=…`                                  after K−1 more contexts
 *   `heap contexts-used=K slots=… chunks=…`                             once their keys are prepared
 *   `keycache capacity=C miss-seal-us=… hit-seal-us=…`                  the shared key cache's price
 *   `heap after-more-requests slots=… chunks=… requests=N`              once N ≥ 2 × oscore_report_after
 * The extra contexts (keys derived, in-memory sequence state) share the app's key cache
 * (`ports.keyCache`, as examples/device/app.ts passes it) and stay referenced, so the difference is
 * the RAM one more security context costs. The key cache line: µs per seal of a 16-byte message
 * with a 20-byte AAD when its key was evicted (the extra contexts in turn, more of them than the
 * cache holds) and when it is cached, from Date.now() over many. "XS Slot Heap Used" is live slots × the
 * slot size (32 bytes on 64-bit lin, 16 on a 32-bit MCU); "XS Chunk Heap Used" the chunk bytes.
 */
import config from 'mc/config';
import Debug from 'debug';
import Instrumentation from 'instrumentation';
import Timer from 'timer';
import { fromHex } from '../../src/bytes.js';
import { SecurityContext } from '../../src/oscore/context.js';
import { createModdablePorts } from '../../targets/moddable/index.js';
import { startDeviceApp } from '../../examples/device/app.js';

const c = config as Record<string, unknown>;
const text = (k: string) => (typeof c[k] === 'string' ? (c[k] as string) : '');
const number = (k: string, fallback: number) => (Number(c[k]) > 0 ? Number(c[k]) : fallback);

function log(line: string): void {
  trace(line + '\n');
}

function heap(): string {
  Debug.gc();
  return 'slots=' + Instrumentation.get(Instrumentation.map('XS Slot Heap Used')) + ' chunks=' + Instrumentation.get(Instrumentation.map('XS Chunk Heap Used'));
}

const params = {
  masterSecret: fromHex(text('oscore_secret')),
  masterSalt: text('oscore_salt') ? fromHex(text('oscore_salt')) : undefined,
  senderId: fromHex(text('oscore_sender')),
  recipientId: fromHex(text('oscore_recipient')),
};
const ports = createModdablePorts({ port: number('oscore_port', 5683), partition: 'oscore' });
// No sensor notifications during the measurement (an hour between readings).
const app = startDeviceApp(ports, { log, provision: params, sensorIntervalMs: 3600000 });
log('heap boot ' + heap() + ' requests=0');

const after = number('oscore_report_after', 100);
const contexts = number('oscore_contexts', 8);
const extra: SecurityContext[] = [];
/** µs per operation, over `n` of them (Date.now() has ms resolution: n large enough for many ms). */
function micros(n: number, op: (i: number) => void): string {
  const t0 = Date.now();
  for (let i = 0; i < n; i++) op(i);
  return ((1000 * (Date.now() - t0)) / n).toFixed(1);
}

function keyCachePrices(): string {
  const cache = ports.keyCache;
  const nonce = new Uint8Array(13), aad = new Uint8Array(20), pt = new Uint8Array(16);
  // More contexts than the cache holds keys, each in turn: every seal prepares its key again
  // (native AES key, CCM object, then the CTR and CBC Mode at the seal).
  const before = cache.prepared;
  const miss = micros(2000, (i) => extra[i % extra.length].senderKey.seal(nonce, aad, pt));
  if (cache.prepared - before !== 2000) throw new Error('expected every seal to miss, prepared ' + (cache.prepared - before));
  const hit = micros(2000, () => extra[0].senderKey.seal(nonce, aad, pt));
  return 'capacity=' + cache.capacity + ' miss-seal-us=' + miss + ' hit-seal-us=' + hit;
}

const poll = Timer.repeat(() => {
  const requests = app.state.requests;
  if (requests < after) return;
  Timer.clear(poll);
  log('heap after-requests ' + heap() + ' requests=' + requests);
  // K−1 more contexts with other Sender/Recipient IDs, as a device talking to K peers holds them.
  for (let i = 1; i < contexts; i++) extra.push(new SecurityContext({ ...params, senderId: Uint8Array.of(0x10 + i), recipientId: Uint8Array.of(0x50 + i) }, { keyCache: ports.keyCache }));
  log('heap contexts=' + contexts + ' ' + heap());
  // Keys are prepared on first use: the same contexts once each has sealed and opened a message.
  for (const x of extra) if (!x.senderKey || !x.recipientKey) throw new Error('no key');
  log('heap contexts-used=' + contexts + ' ' + heap());
  log('keycache ' + keyCachePrices());
  // Then as many exchanges again, the extra contexts released: compared with after-requests, what
  // stays per exchange once the bounded caches are full.
  for (const x of extra) x.close(); // their keys leave the shared cache
  extra.length = 0;
  const more = Timer.repeat(() => {
    const n = app.state.requests;
    if (n < 2 * after) return;
    Timer.clear(more);
    log('heap after-more-requests ' + heap() + ' requests=' + n);
  }, 100);
}, 100);
