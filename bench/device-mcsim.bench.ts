/**
 * The example server app on the real Moddable runtime (mcsim on lin, test/harness/mcsim.ts), when
 * an SDK is present (`MODDABLE=… npm run bench -- device`); without one this file keeps the figures
 * BENCHMARKS.md already has and says why.
 * - XS heap in use (after `Debug.gc()`, from `Instrumentation`) after boot, after 100 protected
 *   exchanges, and with 8 security contexts instead of 1 (bench/mcsim/heap-report.ts: the example
 *   app plus heap reports, built with `mcconfig -m -i -p lin`, a release build with instrumentation).
 * - CPU time of the mcsim process per protected exchange (user + system from /proc/<pid>/stat over
 *   a few thousand exchanges, minus what mcsim burns idle over the same wall time), beside the
 *   xsnap computrons of the same exchange on the simulator's build of the app. Not wall time:
 *   mcsim's event loop on lin answers a datagram only after ~20 ms, whatever the app does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fmt, type Section } from './harness.js';
import { buildApp, findModdableSdk, freeUdpPortAnyAddress, McsimApp, stageDeviceSources } from '../test/harness/mcsim.js';
import { SecurityContext } from '../src/oscore/context.js';
import { oscoreLayer } from '../src/coap/oscore-layer.js';
import { Code } from '../src/coap/numbers.js';
import { toHex } from '../src/bytes.js';
import { openNodeEndpoint } from '../targets/node/coap.js';
import { nodeClock, nodeRandom } from '../targets/node/ports.js';
import { protectedGetComputrons } from './device.bench.js';

const CONTEXTS = 8;
const ROUNDS = 3;
const PER_ROUND = Number(process.env.OSCORE_XS_BENCH_MCSIM_EXCHANGES ?? 1000);
const IN_FLIGHT = 16;
/** Bytes per XS slot: 32 on 64-bit lin (where mcsim runs), 16 on a 32-bit MCU such as the ESP32. */
const SLOT_LIN = 32;
const SLOT_MCU = 16;

function parseHeap(line: string): { slots: number; chunks: number } {
  const m = /slots=(\d+) chunks=(\d+)/.exec(line);
  if (!m) throw new Error('no heap figures in: ' + line);
  return { slots: Number(m[1]) / SLOT_LIN, chunks: Number(m[2]) };
}

/** `keycache capacity=C miss-seal-us=… hit-seal-us=…` (bench/mcsim/heap-report.ts). */
function parseKeyCache(line: string): { capacity: number; miss: number; hit: number } {
  const m = /capacity=(\d+) miss-seal-us=([\d.]+) hit-seal-us=([\d.]+)/.exec(line);
  if (!m) throw new Error('no key cache figures in: ' + line);
  return { capacity: Number(m[1]), miss: Number(m[2]), hit: Number(m[3]) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export default async (): Promise<Section[] | null> => {
  const found = findModdableSdk();
  if (!found.sdk) {
    console.error('bench: device-mcsim skipped (figures in BENCHMARKS.md kept): ' + found.skip);
    return null;
  }
  const sdk = found.sdk;
  const work = mkdtempSync(join(tmpdir(), 'oscore-xs-bench-mcsim-'));
  let app: McsimApp | undefined;
  const params = { masterSecret: new Uint8Array(randomBytes(16)), masterSalt: new Uint8Array(randomBytes(8)) };
  try {
    const stage = await stageDeviceSources(work, { bundles: ['platform-lin.js'], entries: ['bench/mcsim/heap-report.ts'], externals: ['debug', 'instrumentation'] });
    const port = await freeUdpPortAnyAddress();
    const so = await buildApp(sdk, {
      stage,
      manifest: 'bench/mcsim/manifest.json',
      label: 'heap',
      instrument: true,
      config: { oscore_secret: toHex(params.masterSecret), oscore_salt: toHex(params.masterSalt), oscore_sender: '02', oscore_recipient: '01', oscore_port: port, oscore_flash: join(work, 'heap.flash'), oscore_contexts: CONTEXTS, oscore_report_after: 100 },
    });
    app = await McsimApp.start(sdk, so, { workDir: work, label: 'heap' });
    const boot = parseHeap(await app.waitFor(/^heap boot /));

    const client = new SecurityContext({ ...params, senderId: Uint8Array.of(1), recipientId: Uint8Array.of(2) });
    const { endpoint } = await openNodeEndpoint({ host: '127.0.0.1', port: 0, oscore: oscoreLayer({ contextFor: () => client, clock: nodeClock, random: nodeRandom }), params: { nstart: IN_FLIGHT } });
    const uri = 'coap://127.0.0.1:' + port + '/temperature';
    const get = async () => {
      const r = await endpoint.request({ uri });
      if (r.code !== Code.CONTENT) throw new Error('protected GET answered ' + r.code);
    };
    try {
      for (let i = 0; i < 100; i++) await get();
      const after = parseHeap(await app.waitFor(/^heap after-requests /));
      const many = parseHeap(await app.waitFor(new RegExp('^heap contexts=' + CONTEXTS + ' ')));
      const used = parseHeap(await app.waitFor(new RegExp('^heap contexts-used=' + CONTEXTS + ' ')));
      const keyCache = parseKeyCache(await app.waitFor(/^keycache /));
      for (let i = 0; i < 100; i++) await get();
      const more = parseHeap(await app.waitFor(/^heap after-more-requests /));

      // mcsim's own idle CPU (GTK main loop, timers) over a quiet stretch, subtracted below.
      const idle0 = app.cpuTimeMs();
      const w0 = performance.now();
      await sleep(3000);
      const idlePerMs = (app.cpuTimeMs() - idle0) / (performance.now() - w0);

      const perExchangeUs: number[] = [];
      let rate = 0;
      for (let round = 0; round < ROUNDS; round++) {
        const c0 = app.cpuTimeMs();
        const t0 = performance.now();
        let next = 0;
        await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
          while (next++ < PER_ROUND) await get();
        }));
        const wall = performance.now() - t0;
        const cpu = app.cpuTimeMs() - c0 - idlePerMs * wall;
        perExchangeUs.push((cpu * 1000) / PER_ROUND);
        rate = (PER_ROUND * 1000) / wall;
      }
      const computrons = await protectedGetComputrons();
      const kib = (bytes: number) => (bytes / 1024).toFixed(1) + ' KiB';
      /** Per-context rows against the 1 KiB goal: bytes, then KiB to two places. */
      const perContext = (bytes: number) => fmt(bytes) + ' B (' + (bytes / 1024).toFixed(2) + ' KiB)';
      const heapRow = (what: string, h: { slots: number; chunks: number }) => [what, fmt(h.slots), fmt(h.slots * SLOT_MCU), fmt(h.chunks), kib(h.slots * SLOT_MCU + h.chunks)];
      const perContextSlots = (many.slots - after.slots) / (CONTEXTS - 1);
      const perContextChunks = (many.chunks - after.chunks) / (CONTEXTS - 1);
      const perUsedSlots = (used.slots - after.slots) / (CONTEXTS - 1);
      const perUsedChunks = (used.chunks - after.chunks) / (CONTEXTS - 1);
      const spread = fmt(Math.min(...perExchangeUs)) + '–' + fmt(Math.max(...perExchangeUs));
      return [
        {
          title: 'XS heap of the example server app on the Moddable runtime (mcsim, lin)',
          command: 'MODDABLE=/path/to/moddable npm run bench -- device',
          columns: ['when', 'live slots', 'slot bytes at 16 B/slot (32-bit MCU)', 'chunk bytes', 'heap on an MCU (slots × 16 + chunks)'],
          rows: [
            heapRow('after boot (context loaded from flash, server composed, socket bound)', boot),
            heapRow('after 100 protected GETs', after),
            heapRow(CONTEXTS + ' security contexts instead of 1', many),
            ['per additional security context', fmt(perContextSlots, 1), fmt(perContextSlots * SLOT_MCU), fmt(perContextChunks), perContext(perContextSlots * SLOT_MCU + perContextChunks)],
            heapRow(CONTEXTS + ' security contexts, each with its keys prepared (as after its first exchange)', used),
            ['per additional security context in use (keys prepared)', fmt(perUsedSlots, 1), fmt(perUsedSlots * SLOT_MCU), fmt(perUsedChunks), perContext(perUsedSlots * SLOT_MCU + perUsedChunks)],
            heapRow('then 100 more protected GETs (the extra contexts released)', more),
            ['kept per exchange over those 100 (against after 100 GETs; bounded caches already full)', fmt((more.slots - after.slots) / 100, 1), fmt(((more.slots - after.slots) / 100) * SLOT_MCU), fmt((more.chunks - after.chunks) / 100), kib(((more.slots - after.slots) / 100) * SLOT_MCU + (more.chunks - after.chunks) / 100)],
          ],
          notes:
            'Read with `Instrumentation.get("XS Slot Heap Used" / "XS Chunk Heap Used")` right after `Debug.gc()` in bench/mcsim/heap-report.ts (the example app of examples/device/app.ts plus these reports), built with `mcconfig -m -i -p lin` (release build with instrumentation). mcsim runs 64-bit XS (32-byte slots): slots are counted there and shown at the ESP32\'s 16 bytes; chunk sizes hold pointers in places, so they are slightly larger than on the MCU. ' +
            'The additional contexts have other Sender/Recipient IDs, keys derived, the in-memory sequence state (the default VolatileContextStore; a context in flash has its FlashContextStore instead), and share the app\'s key cache (`ports.keyCache`, ' + keyCache.capacity + ' prepared keys: the two keys each of two contexts in use; src/crypto/key-cache.ts): a context holds its IDs, Common IV and raw keys in one buffer, and its keys are prepared (native AES of `crypt`, its CTR and CBC Mode, CCM scratch) on first use into the cache, evicting the least recently used. So "in use" (the second pair of rows: every extra context sealed and opened once) costs an additional context nothing more once more contexts are in use than the cache holds; the row is what the cache grew from the first context\'s 2 keys to ' + keyCache.capacity + ', spread over the ' + (CONTEXTS - 1) + ' extra contexts. Goal ≤ 1 KiB per additional context, idle and in use. The app is built with the example manifests\' 512-slot XS stack (`creation.stack` in bench/mcsim/manifest.json). From 6777399 to the return to TypeScript `private` members it needed 1,024: XS reserves a stack slot for each `#private` name in the function that defines the class (here the app\'s one module, whose top level runs the whole boot) and copies each `#name` a method uses onto the stack at every call, so RecordLog\'s 34 `#names` cost about 75 slots at boot. Before the shared cache and the one-buffer context (commit b868d1d): 71 slots + 208 chunk bytes = 1.3 KiB idle, 215 slots + 1,168 chunk bytes = 4.5 KiB in use (each context its own two prepared keys). The 100 GETs were sequential, one client context; the growth they cause (' + fmt((after.slots - boot.slots) / 100, 1) + ' slots and ' + fmt((after.chunks - boot.chunks) / 100) + ' chunk bytes per exchange) includes the first exchange preparing the keys of the context and the deduplication cache of RFC 7252 §4.5 (each response kept EXCHANGE_LIFETIME), which the device app bounds to DEVICE_DEDUP_CACHE_SIZE = 16 entries (src/coap/server-messaging.ts); the last row shows what 100 more exchanges keep once that cache is full. Before keys were prepared on first use and the cache bounded for the device (commit 5c875ce): 63.0 KiB after boot, 88.4 KiB after 100 GETs (10.1 slots and 99 chunk bytes kept per exchange, up to 512 entries), 3.7 KiB per additional context.',
        },
        {
          title: 'The shared key cache on the Moddable runtime (mcsim, lin): the price of a miss',
          command: 'MODDABLE=/path/to/moddable npm run bench -- device',
          columns: ['seal of a 16-byte message, 20-byte AAD (key cache of ' + keyCache.capacity + ' prepared keys)', 'µs in mcsim'],
          rows: [
            ['its key evicted: prepared again (native AES key, CCM object, CTR and CBC Mode), then the seal', fmt(keyCache.miss, 1)],
            ['its key in the cache', fmt(keyCache.hit, 1)],
            ['price of a miss', fmt(keyCache.miss - keyCache.hit, 1)],
          ],
          notes:
            'bench/mcsim/heap-report.ts, Date.now() over 2,000 seals each: the ' + (CONTEXTS - 1) + ' extra contexts\' Sender Keys in turn (more than the cache holds: every seal prepares its key, checked by the cache\'s count), then one context\'s key again and again; on the desktop CPU under mcsim, not an ESP32 figure (the ratio is what carries over). A context that talks after ' + keyCache.capacity / 2 + ' others have pays one miss per key, two per exchange (open the request, seal the response); a device that talks to more peers at once can pass a larger `preparedKeys` to createModdablePorts, at the RAM of a prepared key each (the in-use row of the heap table × ' + (CONTEXTS - 1) + ' ÷ ' + (keyCache.capacity - 2) + ').',
        },
        {
          title: 'CPU per protected exchange on the Moddable runtime (mcsim, lin) beside xsnap computrons',
          command: 'MODDABLE=/path/to/moddable npm run bench -- device',
          columns: ['exchange', 'mcsim CPU µs per exchange (median of ' + ROUNDS + ' × ' + fmt(PER_ROUND) + ')', 'spread', 'xsnap computrons (simulator build, same exchange)'],
          rows: [['protected GET /temperature → 2.05', fmt(median(perExchangeUs)), spread, fmt(computrons)]],
          notes:
            'User + system time of the mcsim process from /proc/<pid>/stat over ' + ROUNDS + ' rounds of ' + fmt(PER_ROUND) + ' exchanges, ' + IN_FLIGHT + ' in flight, minus mcsim\'s idle CPU over the same wall time (' + fmt(idlePerMs * 1000, 1) + ' µs per ms measured over 3 s); load average of the machine at the end: ' + fmt(loadavg()[0], 1) + ' (CPU time grows on a busy machine: caches, scheduling). Includes the whole datagram path of the desktop runtime (GLib socket, event loop) around native `crypt` AES-CCM and our JavaScript. ' +
            'Wall time is not a device figure: mcsim on lin answers each datagram only after ~20 ms (its event loop), so throughput here (' + fmt(rate) + ' exchanges/s at ' + IN_FLIGHT + ' in flight) says little; the process is mostly idle. Computrons: xsnap metering of the simulator\'s build (@noble AES in JavaScript), see the table above.',
        },
      ];
    } finally {
      endpoint.close();
    }
  } finally {
    await app?.stop();
    rmSync(work, { recursive: true, force: true });
  }
};
