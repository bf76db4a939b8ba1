/**
 * Device benchmarks (issue 8 budgets):
 * - device bundle sizes, minified (terser) and gzipped, per entry of rollup.config.mjs, with the
 *   share of each area in the unminified bundle (what to cut first);
 * - XS heap: live slots after GC in xsnap-worker for one security context and an idle server;
 * - computrons per exchange on the simulator's device bundle (the example app in xsnap-worker):
 *   a protected GET, a protected PUT, and an unprotected request (refused 4.01) for comparison.
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { rollup, type RollupOptions, type OutputOptions } from 'rollup';
import { fmt, type Section } from './harness.js';
import { XsnapWorker } from '../targets/xs-sim/xsnap-worker.js';
import { SimulatedDeviceHost } from '../targets/xs-sim/device-host.js';
import { NorFlash } from '../src/sim/nor-flash.js';
import { RecordLog } from '../src/persist/record-log.js';
import { storeContext } from '../src/device-image/oscore-contexts.js';
import { SecurityContext } from '../src/oscore/context.js';
import { MemoryContextStore } from '../src/oscore/store.js';
import { oscoreLayer } from '../src/coap/oscore-layer.js';
import { openNodeEndpoint } from '../targets/node/coap.js';
import { nodeClock, nodeRandom } from '../targets/node/ports.js';

const ROOT = process.cwd();

type Entry = RollupOptions & { output: OutputOptions };

function area(id: string): string {
  const p = id.replace(ROOT + '/', '');
  if (p.includes('node_modules/@noble/')) return '@noble (AES/SHA fallback)';
  if (/src\/coap\/(block|blockwise|observe|echo|request-tag)/.test(p)) return 'CoAP ext (Block-wise, Observe, Echo)';
  if (p.startsWith('src/coap/oscore-layer')) return 'OSCORE';
  if (p.startsWith('src/coap/server.') || p.startsWith('src/coap/client.') || p.startsWith('src/coap/uri') || p.startsWith('src/coap/response')) return 'CoAP client/server API';
  if (p.startsWith('src/coap/')) return 'CoAP core';
  if (p.startsWith('src/oscore/')) return 'OSCORE';
  if (p.startsWith('src/crypto/') || p.startsWith('targets/moddable/crypto') || p.startsWith('targets/moddable/hkdf') || p.startsWith('targets/moddable/aes')) return 'CCM + HKDF';
  if (p.startsWith('src/persist/') || p.startsWith('src/device-image/')) return 'persistence';
  if (p.startsWith('examples/')) return 'example app';
  return 'ports, bytes, errors';
}

async function sizes(): Promise<{ rows: (string | number)[][]; shares: string }> {
  const config = (await import(pathToFileURL(join(ROOT, 'rollup.config.mjs')).href)).default as Entry[];
  const rows: (string | number)[][] = [];
  const shares: string[] = [];
  for (const e of config) {
    const file = String(e.output.file ?? 'dist/device/' + e.output.entryFileNames);
    if (!/example-|sim-device/.test(file)) continue;
    const b = await rollup({ ...e, onwarn: () => {} });
    const { output } = await b.write(e.output); // dist/device/*: the computron run uses sim-device.js
    await b.close();
    // An example app is the app module and its preloaded library chunk: the figure is both, each
    // gzipped on its own (as they are separate modules on the device).
    const chunks = output.filter((o) => o.type === 'chunk');
    const code = chunks.map((c) => c.code).join('');
    const gz = chunks.reduce((n, c) => n + gzipSync(c.code, { level: 9 }).length, 0);
    const parts = chunks.length > 1 ? ' (' + chunks.map((c) => c.fileName.replace('.js', '') + ' ' + fmt(gzipSync(c.code, { level: 9 }).length)).join(' + ') + ')' : '';
    rows.push([file.replace('dist/device/', '') + parts, String(e.input), fmt(code.length), fmt(gz), (gz / 1024).toFixed(1) + ' KiB']);
    // Area shares from an unminified pass (rendered module lengths before terser).
    const plugins = (e.plugins as unknown[]).slice(0, -1) as RollupOptions['plugins'];
    const raw = await rollup({ ...e, plugins, onwarn: () => {} });
    const gen = await raw.generate(e.output);
    await raw.close();
    const byArea = new Map<string, number>();
    let total = 0;
    for (const [id, m] of gen.output.flatMap((o) => (o.type === 'chunk' ? Object.entries(o.modules) : []))) {
      byArea.set(area(id), (byArea.get(area(id)) ?? 0) + m.renderedLength);
      total += m.renderedLength;
    }
    if (file.includes('example-')) {
      shares.push('Share of the unminified ' + file.replace('dist/device/', '').replace('.js', '') + ' bundle by area: ' + [...byArea.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => k + ' ' + Math.round((100 * v) / total) + '%').join(', ') + '.');
    }
  }
  return { rows, shares: shares.join(' ') };
}

async function heap(workerBinary: string): Promise<(string | number)[][]> {
  const r = await esbuild.build({ entryPoints: [join(ROOT, 'bench/xs/device-heap-entry.ts')], bundle: true, write: false, format: 'iife', platform: 'neutral', mainFields: ['module', 'main'], target: 'es2022', logLevel: 'error' });
  const w = new XsnapWorker(workerBinary, () => new Uint8Array(0), { stdout: () => {} });
  try {
    await w.evaluate(r.outputFiles[0].text);
    const base = (await w.evaluate('gc()')).meter.currentHeapCount;
    const one = (await w.evaluate('step(1)')).meter.currentHeapCount;
    const two = (await w.evaluate('step(2)')).meter.currentHeapCount;
    const three = (await w.evaluate('step(3)')).meter.currentHeapCount;
    const row = (what: string, slots: number) => [what, fmt(slots), fmt(slots * 16)];
    return [
      row('one security context (AES-CCM-16-64-128, keys prepared)', one - base),
      row('idle server: Endpoint (full default layers) + OSCORE layer + 2 resources (context excluded)', two - one),
      row('idle server as the device app composes it: ComposedEndpoint + OSCORE server side + Observe + Router + 2 resources', three - two),
    ];
  } finally {
    await w.close();
  }
}

async function computrons(workerBinary: string): Promise<{ get: number; put: number; plain: number }> {
  const bundle = readFileSync(join(ROOT, 'dist/device/sim-device.js'), 'utf8');
  const flash = new NorFlash({ sectors: 4 });
  const params = { masterSecret: Uint8Array.from({ length: 16 }, (_, i) => i + 1), masterSalt: Uint8Array.from([0x9e, 0x7c, 0xa9, 0x22, 0x23, 0x78, 0x63, 0x40]), senderId: Uint8Array.of(2), recipientId: Uint8Array.of(1) };
  storeContext(RecordLog.open(flash), 'client', params);
  const host = await SimulatedDeviceHost.start({ workerBinary, bundle, flash, port: 0, log: () => {}, config: { sensorIntervalMs: 3600000 } });
  const client = new SecurityContext({ ...params, senderId: Uint8Array.of(1), recipientId: Uint8Array.of(2) }, { store: new MemoryContextStore() });
  const { endpoint: protectedEp } = await openNodeEndpoint({ host: '127.0.0.1', port: 0, oscore: oscoreLayer({ contextFor: () => client, clock: nodeClock, random: nodeRandom }) });
  const { endpoint: plainEp } = await openNodeEndpoint({ host: '127.0.0.1', port: 0 });
  const uri = (p: string) => 'coap://127.0.0.1:' + host.port + p;
  const measure = async (send: () => Promise<unknown>, n = 20): Promise<number> => {
    await send(); // warm-up (first request of a fresh window, ACK caches)
    let total = 0;
    for (let i = 0; i < n; i++) {
      await send();
      await new Promise((r) => setTimeout(r, 5)); // the request's delivery has finished
      total += host.lastMeter!.compute;
    }
    return Math.round(total / n);
  };
  try {
    const get = await measure(() => protectedEp.request({ uri: uri('/temperature') }));
    const put = await measure(() => protectedEp.request({ uri: uri('/led'), method: 'PUT', payload: 'toggle' }));
    const plain = await measure(() => plainEp.request({ uri: uri('/temperature') }));
    return { get, put, plain };
  } finally {
    protectedEp.close();
    plainEp.close();
    await host.shutdown();
  }
}

/** Computrons of a protected GET /temperature on the simulator's build (for device-mcsim.bench.ts). */
export async function protectedGetComputrons(): Promise<number> {
  const config = (await import(pathToFileURL(join(ROOT, 'rollup.config.mjs')).href)).default as Entry[];
  const sim = config.find((e) => String(e.output.file).endsWith('sim-device.js'))!;
  const b = await rollup({ ...sim, onwarn: () => {} });
  await b.write(sim.output);
  await b.close();
  const { XSNAP_WORKER } = (await import(pathToFileURL(join(ROOT, 'scripts/xsnap-paths.mjs')).href)) as { XSNAP_WORKER: string };
  return (await computrons(XSNAP_WORKER)).get;
}

/**
 * How the device bundles got to their present size: gzip bytes of example-server / example-client
 * at each step of issue 8's size work, measured with the same rollup config and gzip -9 as sizes()
 * (recorded here because BENCHMARKS.md's History keeps only each run's result, not its reason).
 */
const SIZE_STEPS =
  'Size steps (gzip bytes, server / client): start 28,266 / 27,619 (Endpoint always built Block-wise, Echo, Observe and a Router, so no bundler could drop them); ' +
  '1. ComposedEndpoint takes its layers and Router as instances, Endpoint adds the defaults for Node/CLI/tests: 23,701 / 21,215; ' +
  '2. OSCORE layer split into oscoreServerLayer / oscoreClientLayer (a client carries no request verification, Echo issuer, §8.2 error responses; a server no request protection): 22,404 / 19,542; ' +
  '3. request API moved from the endpoint into CoapClient (a server carries no request building, URI parsing, Response): 20,868 / 19,564. ' +
  'Later changes in other areas move the figures above (the table is today\'s build). ' +
  'Round 2 (from 21,628 / 20,308: changes in other areas since step 3): ' +
  '4. client side of messaging (tokens, NSTART queues, ping, response matching) split into Messaging extends ServerMessaging; ComposedEndpoint defaults to ServerMessaging, a client passes `messaging: Messaging`: 20,860 / 20,442 (the client pays +134 for the subclass); ' +
  '5. the longest error messages said once and without repeated explanations (same facts, tested wording kept): 20,591 / 20,206; ' +
  '6. Echo MAC mode moved out of EchoIssuer into MacEchoIssuer (echo-mac.ts): 20,204 / 20,206; ' +
  '7. class fields compiled as constructor assignments in the device build (no bare `port;clock;…` field declarations; checked with frozen built-ins): 19,942 / 19,944. ' +
  'Measured what-ifs not done (example-server, from 20,591): no default MemoryContextStore in SecurityContext (store required; about 40 call sites in tests and tools) −249; RecordLog keys/delete/status and FlashContextStore exportState/destroy out of the classes (only tools and tests call them) −171. ' +
  'Left by area: OSCORE, persistence (RecordLog recovery runs at every boot), CoAP core messaging and codec, CCM; the 16 KiB goal needs a different split of those, not more trimming. ' +
  'Round 3 (issue 16, preloading; from 21,069 / 20,636 as one bundle each: changes in other areas since round 2, mostly the record log\'s rollback protection and the context index): ' +
  '8. no mutable module state; registry objects frozen, constant tables (Code, ContentFormat, Option, MessageType) left as plain object literals: freezing those too cost +766 on the server, because terser then keeps every entry instead of inlining the values used; ' +
  '9. each app split into its boot module and a library chunk the manifest preloads (the chunks are separate modules on the device, so each is gzipped on its own, and names crossing the chunk boundary are kept): +144 / +135 over one bundle. ' +
  'The example apps carry only OSCORE (CoAP, OSCORE, CCM, HKDF, flash persistence): EDHOC and Group OSCORE are separate entries (test/device-bundle.node.test.ts checks the names). The 16 KiB goal is not met. ' +
  'Round 4, sources (issue 16, five areas in parallel, from 22,412 / 22,117 by the same build; each figure measured on main as it stood, so they overlap a little): persistence −844 / −794 (recovery in one pass, one state encoder/reader, context moves out of FlashContextStore into context-move.ts, shorter messages naming the key/sector/field); OSCORE −829 / −799 (one CBOR head writer, VolatileContextStore as the default store, a compact option codec, shorter messages naming the field); CoAP core and the example app −707 / −661 (the device reads only the OSCORE class table of options, one message construction in messaging, one observer map, the app\'s config reader in the lib chunk), then multicast serving and sending out of the default messaging and the app\'s status() out −144 / −143; CCM\'s message pass as one port call (no JavaScript CTR/CBC-MAC loop on the device) and the one-buffer context about −100; RecordLog/FlashContextStore back from #private to TypeScript private (shortened by step 11, and on XS each #name costs stack at every call) −49 / −38. Result 19,623 / 19,394: 16 KiB is not met. Share of the server app by area (each module minified and gzipped alone): OSCORE 30 %, CoAP core 28 %, persistence 22 %, CCM + HKDF 12 %, example app 6 %, ports 3 %; what is left is protocol logic each area needs, trimmed to a few bytes per change. ' +
  'Round 4, build only (issue 16; rollup.config.mjs, scripts/private-names.mjs): ' +
  '10. the boot module no longer repeats the lib chunk\'s Moddable imports (rollup hoistTransitiveImports: false): −32 / −50; ' +
  '11. TypeScript `private` member names shortened in the Moddable bundles, by one table the TypeScript checker derives (a name is shortened only if every use resolves to a private declaration, and it is no public member, key, string, ES/Moddable API or dependency name anywhere): −77 / −133 on 19,867 / 19,674 (after the other areas had moved much state to #private, which terser shortens itself; −575 / −534 before that), with a fresh terser per chunk (the plugin had carried the boot module\'s top-level names into the next chunk). ' +
  'Tried and not kept: terser passes 3, unsafe_arrows/keep_fargs (±0.1 %); ecma 2022 output, hoist_props/toplevel, unsafe_math, unsafe_undefined (0); unsafe −9 / −9, unsafe_methods −2 / −1 (too little); unsafe_comps −47 / −47 and booleans_as_integers −41 / −45 (not safe: !(x >= 0) would accept NaN, booleans handed to APIs become numbers); inline 1 +10 / +13, reduce_funcs off +68 / +72; esbuild\'s minifier +1,513 / +1,214, esbuild then terser +8 / +19, terser then esbuild +811 / +916; every property name shortened (not safe: Moddable APIs, options, the public API) −1,048 / −930, the bound for a closed-world table of the example apps.';

export default async (): Promise<Section[]> => {
  const { XSNAP_WORKER } = (await import(pathToFileURL(join(ROOT, 'scripts/xsnap-paths.mjs')).href)) as { XSNAP_WORKER: string };
  const size = await sizes();
  const heapRows = await heap(XSNAP_WORKER);
  const c = await computrons(XSNAP_WORKER);
  const computeRows = [
    ['protected GET /temperature → 2.05 (unprotect + handler + protect)', fmt(c.get)],
    ['protected PUT /led → 2.04', fmt(c.put)],
    ['unprotected GET /temperature → 4.01 OSCORE required', fmt(c.plain)],
  ];
  return [
    {
      title: 'Device bundle size (rollup + terser, gzip -9)',
      command: 'npm run bench -- device',
      columns: ['bundle', 'entry', 'minified bytes', 'gzip bytes', 'gzip'],
      rows: size.rows,
      notes:
        'example-server/-client are the Moddable builds (native AES and SHA-256 of `crypt` replace @noble; Moddable modules external). sim-device is the simulator build of the same app with the @noble fallback and the xsnap bridge. sim-device-edhoc and sim-device-group are separate simulator bundles of the app with EDHOC and as a Group OSCORE member (docs/group.md), both with @noble/curves; they do not change the OSCORE-only ones. Goal for CoAP + OSCORE + CCM + persistence: ≤ 16 KiB gzip. ' +
        size.shares +
        ' ' +
        SIZE_STEPS,
    },
    {
      title: 'XS heap (xsnap-worker, live slots after GC)',
      command: 'npm run bench -- device',
      columns: ['what', 'slots', 'bytes at 16 B/slot (32-bit MCU)'],
      rows: heapRows,
      notes: 'Slots only: byte buffers and strings live in the chunk heap, which the worker does not report (keys, IVs and the replay bitmap are a few dozen bytes each).',
    },
    {
      title: 'Computrons per exchange on the device bundle (simulator, XS)',
      command: 'npm run bench -- device',
      columns: ['exchange (whole delivery: decode → response sent)', 'computrons'],
      rows: computeRows,
      notes: 'Mean of 20 after a warm-up, measured by xsnap-worker per delivered datagram. The simulator runs AES in JavaScript (@noble fallback); on the ESP32 the block cipher is native, so the protected exchanges cost less there.',
    },
  ];
};
