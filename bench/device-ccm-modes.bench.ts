/**
 * Issue 17.3 on the real Moddable runtime (mcsim on lin, test/harness/mcsim.ts): CPU time per
 * protected exchange with CCM's CTR and CBC-MAC through `crypt`'s native Mode against CCM's
 * JavaScript passes on the same native AES block (bench/mcsim/ccm-modes.ts, the example server
 * app on either AES port, plus a 256-byte /blob). Both apps run side by side and are measured in
 * alternating rounds; CPU is user + system of each mcsim process from /proc/<pid>/stat minus its
 * idle CPU over the same wall time — not wall time: mcsim's event loop answers a datagram only
 * after ~20 ms, whatever the app does. Without an SDK the figures in BENCHMARKS.md are kept.
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

const ROUNDS = 3;
const PER_ROUND = Number(process.env.OSCORE_XS_BENCH_MCSIM_EXCHANGES ?? 600);
const IN_FLIGHT = 16;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export default async (): Promise<Section[] | null> => {
  const found = findModdableSdk();
  if (!found.sdk) {
    console.error('bench: device-ccm-modes skipped (figures in BENCHMARKS.md kept): ' + found.skip);
    return null;
  }
  const sdk = found.sdk;
  const work = mkdtempSync(join(tmpdir(), 'oscore-xs-bench-ccm-'));
  const apps: McsimApp[] = [];
  const params = { masterSecret: new Uint8Array(randomBytes(16)), masterSalt: new Uint8Array(randomBytes(8)) };
  try {
    const stage = await stageDeviceSources(work, { entries: ['bench/mcsim/ccm-modes.ts'] });
    const variants: { name: string; modes: string; port: number; app?: McsimApp; idlePerMs: number; get: (path: string) => Promise<void>; close: () => void; us: Record<string, number[]> }[] = [];
    for (const [name, modes] of [['native-mode CCM (crypt Mode: CTR, CBC)', '1'], ['JS-CCM (JavaScript CTR/CBC-MAC on the native AES block)', '0']]) {
      const port = await freeUdpPortAnyAddress();
      const label = 'ccm' + modes;
      const so = await buildApp(sdk, { stage, manifest: 'bench/mcsim/manifest_ccm.json', label, config: { oscore_secret: toHex(params.masterSecret), oscore_salt: toHex(params.masterSalt), oscore_sender: '02', oscore_recipient: '01', oscore_port: port, oscore_flash: join(work, label + '.flash'), oscore_ccm_modes: modes } });
      const app = await McsimApp.start(sdk, so, { workDir: work, label });
      apps.push(app);
      const vectors = await app.waitFor(/^ccm-vectors /, 60000);
      if (!/ ok /.test(vectors)) throw new Error(label + ': ' + vectors);
      await app.waitFor(/^ccm-modes serving/, 20000);
      const client = new SecurityContext({ ...params, senderId: Uint8Array.of(1), recipientId: Uint8Array.of(2) });
      const { endpoint } = await openNodeEndpoint({ host: '127.0.0.1', port: 0, oscore: oscoreLayer({ contextFor: () => client, clock: nodeClock, random: nodeRandom }), params: { nstart: IN_FLIGHT } });
      const get = async (path: string) => {
        const r = await endpoint.request({ uri: 'coap://127.0.0.1:' + port + path });
        if (r.code !== Code.CONTENT) throw new Error(label + ' ' + path + ' answered ' + r.code);
      };
      for (let i = 0; i < 20; i++) await get('/temperature'); // Echo round after provisioning, warm-up
      variants.push({ name, modes, port, app, idlePerMs: 0, get, close: () => endpoint.close(), us: { '/temperature': [], '/blob': [] } });
    }
    for (const v of variants) {
      const c0 = v.app!.cpuTimeMs();
      const w0 = performance.now();
      await sleep(3000);
      v.idlePerMs = (v.app!.cpuTimeMs() - c0) / (performance.now() - w0);
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const path of ['/temperature', '/blob']) {
        for (const v of round % 2 ? [...variants].reverse() : variants) {
          const c0 = v.app!.cpuTimeMs();
          const t0 = performance.now();
          let next = 0;
          await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
            while (next++ < PER_ROUND) await v.get(path);
          }));
          const wall = performance.now() - t0;
          v.us[path].push(((v.app!.cpuTimeMs() - c0 - v.idlePerMs * wall) * 1000) / PER_ROUND);
        }
      }
    }
    for (const v of variants) v.close();
    const [modes, js] = variants;
    const cell = (v: (typeof variants)[0], path: string) => fmt(median(v.us[path])) + ' (' + fmt(Math.min(...v.us[path])) + '–' + fmt(Math.max(...v.us[path])) + ')';
    const ratio = (path: string) => (median(modes.us[path]) / median(js.us[path])).toFixed(2) + '×';
    return [
      {
        title: 'CCM with native modes on the Moddable runtime (mcsim, lin): CPU per protected exchange',
        command: 'MODDABLE=/path/to/moddable npm run bench -- device-ccm-modes',
        columns: ['exchange', modes.name + ', µs', js.name + ', µs', 'native modes ÷ JS'],
        rows: [
          ['protected GET /temperature → 2.05 (4-byte payload)', cell(modes, '/temperature'), cell(js, '/temperature'), ratio('/temperature')],
          ['protected GET /blob → 2.05 (256-byte payload)', cell(modes, '/blob'), cell(js, '/blob'), ratio('/blob')],
        ],
        notes:
          'Median (min–max) of ' + ROUNDS + ' alternating rounds of ' + fmt(PER_ROUND) + ' exchanges, ' + IN_FLIGHT + ' in flight, per app; each mcsim process\'s user + system time from /proc/<pid>/stat minus its own idle CPU over the same wall time (' + fmt(modes.idlePerMs * 1000, 1) + ' and ' + fmt(js.idlePerMs * 1000, 1) + ' µs per ms measured over 3 s); load average at the end: ' + fmt(loadavg()[0], 1) + '. ' +
          'Both apps run the same src/crypto/ccm.ts on `crypt`\'s native AES: with Mode, the message passes are one native CTR call and one native CBC call per message (B0, the AAD, a partial last block and the tag stay block calls); without, CCM\'s JavaScript XOR loops call the block cipher twice per 16 bytes. Each app first checked the RFC 3610 vectors on both paths (bench/mcsim/ccm-modes.ts). The figures include the whole datagram path of the desktop runtime, which is most of the time for small messages.',
      },
    ];
  } finally {
    for (const a of apps) await a.stop();
    rmSync(work, { recursive: true, force: true });
  }
};
