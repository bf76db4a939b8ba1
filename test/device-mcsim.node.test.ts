/**
 * The example device apps on the real Moddable runtime: built with the SDK's `mcconfig -m -p lin`
 * (release) and run in `mcsim` under Xvfb (test/harness/mcsim.ts). What only the real runtime can
 * break is exercised here: the ECMA-419 UDP socket, the `file`-backed flash of platform-lin, native
 * `crypt` AES/SHA-256, frozen built-ins and the stack size.
 * - server app (examples/device/manifest.json), context pair from our CLI (`oscore-xs context new`):
 *   protected GET /temperature, PUT /led toggle, unprotected GET refused 4.01, Observe;
 *   then `kill -9` of mcsim (a power cut), restart: the next protected GET goes through the
 *   App. B.1.2 Echo round, and a request captured before the cut, replayed, is refused;
 * - client app (examples/device/manifest_client.json) against a Node server with the matching
 *   context: its protected PUTs arrive.
 * Each app gets a free UDP port and its own flash file (mcconfig `oscore_port`, `oscore_flash`), so
 * runs on one machine do not meet. Without an SDK the suite is skipped with the reason.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContextDirectory, securityContextParams } from '../targets/node/context-dir.js';
import { openNodeEndpoint } from '../targets/node/coap.js';
import { nodeClock, nodeRandom } from '../targets/node/ports.js';
import { parseContextConfig } from '../src/credentials/context-config.js';
import { oscoreLayer } from '../src/coap/oscore-layer.js';
import { contextLookup } from '../src/oscore/unprotect.js';
import { SecurityContext, type SecurityContextParams } from '../src/oscore/context.js';
import { Code } from '../src/coap/numbers.js';
import { toHex, utf8Decode } from '../src/bytes.js';
import type { Endpoint } from '../src/coap/endpoint.js';
import { buildApp, findModdableSdk, freeUdpPortAnyAddress, mcsimRequired, McsimApp, stageDeviceSources, type ModdableSdk } from './harness/mcsim.js';

const found = findModdableSdk();
const skip = found.skip && !mcsimRequired() ? found.skip : false;

/** `oscore-xs context new` as a user runs it: two aiocoap context directories. */
function contextNew(first: string, second: string): void {
  const r = spawnSync(process.execPath, ['bin/oscore-xs.mjs', 'context', 'new', '--sender-id', '01', '--recipient-id', '02', first, second], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

/** A context directory's parameters as mcconfig configuration; the directory is then deleted (moved). */
function moveToBuildConfig(dir: string): Record<string, string> {
  const files = ['secret.json', 'settings.json'].map((name) => ({ name: join(dir, name), text: readFileSync(join(dir, name), 'utf8') }));
  const p: SecurityContextParams = securityContextParams(parseContextConfig(dir, files));
  rmSync(dir, { recursive: true, force: true });
  return {
    oscore_secret: toHex(p.masterSecret),
    oscore_salt: p.masterSalt ? toHex(p.masterSalt) : '',
    oscore_sender: toHex(p.senderId),
    oscore_recipient: toHex(p.recipientId),
  };
}

async function openContextDir(dir: string): Promise<{ ctx: SecurityContext; dir: ContextDirectory }> {
  const d = await ContextDirectory.open(dir);
  return { ctx: new SecurityContext(securityContextParams(d.config), { store: d }), dir: d };
}

/** Send raw bytes from a fresh socket; the response's code (0 if none within 3 s). */
function rawExchange(port: number, datagram: Uint8Array): Promise<number> {
  const s = createSocket('udp4');
  return new Promise((resolve) => {
    const t = setTimeout(() => { s.close(); resolve(0); }, 3000);
    s.on('message', (m) => { clearTimeout(t); s.close(); resolve(m[1]); });
    s.bind(0, '127.0.0.1', () => s.send(datagram, port, '127.0.0.1'));
  });
}

describe('the example apps on the Moddable runtime (mcsim, lin)', { skip }, () => {
  let sdk: ModdableSdk;
  const work = mkdtempSync(join(tmpdir(), 'oscore-xs-mcsim-'));
  let stage = '';
  const apps: McsimApp[] = [];
  before(async () => {
    assert.ok(found.sdk, String(found.skip));
    sdk = found.sdk;
    stage = await stageDeviceSources(work, { bundles: ['platform-lin.js', 'example-server.js', 'example-client.js'] });
  });
  after(async () => {
    for (const a of apps) await a.stop();
    rmSync(work, { recursive: true, force: true });
  });

  describe('server app: examples/device/manifest.json', () => {
    let device: McsimApp;
    let port = 0;
    let client: { ctx: SecurityContext; dir: ContextDirectory } | undefined;
    let ep: Endpoint;
    const sent: Uint8Array[] = [];
    let captured: Uint8Array | undefined;
    let base = '';
    let buildLog = '';

    before(async () => {
      contextNew(join(work, 'client-ctx'), join(work, 'device-ctx'));
      port = await freeUdpPortAnyAddress();
      base = 'coap://127.0.0.1:' + port;
      const so = await buildApp(sdk, {
        stage,
        manifest: 'examples/device/manifest.json',
        label: 'server',
        config: { ...moveToBuildConfig(join(work, 'device-ctx')), oscore_port: port, oscore_flash: join(work, 'server.flash'), oscore_sensor_ms: 200 },
      });
      buildLog = readFileSync(join(work, 'server.mcconfig.log'), 'utf8');
      device = await McsimApp.start(sdk, so, { workDir: work, label: 'server' });
      apps.push(device);
      await device.waitFor(/serving \/temperature/);
      client = await openContextDir(join(work, 'client-ctx'));
      const ctx = client.ctx;
      const opened = await openNodeEndpoint({ host: '127.0.0.1', port: 0, oscore: oscoreLayer({ contextFor: () => ctx, clock: nodeClock, random: nodeRandom }) });
      ep = opened.endpoint;
      const send = opened.udp.send.bind(opened.udp);
      opened.udp.send = (data, address, p) => { sent.push(data.slice()); send(data, address, p); };
    });
    after(async () => {
      ep?.close();
      client?.ctx.close();
      await client?.dir.release();
    });

    it('boots on lin and provisions the context from its build configuration into its flash file', () => {
      assert.match(device.log(), /oscore-xs example device on lin/);
      assert.match(device.log(), /provisioned OSCORE context config: sender 02, recipient 01, AES-CCM-16-64-128, next seq 0/);
      assert.match(device.log(), /warning: oscore_secret in config is for development only/);
      assert.ok(existsSync(join(work, 'server.flash')), 'the flash file named by oscore_flash');
    });

    it('preloads its library chunk: the XS linker finds no module-level variable or unfrozen object in it', () => {
      assert.match(buildLog, /# xsl modules/, 'the build log has the linker step');
      const lib = buildLog.split('\n').filter((l) => /### warning: example-server-lib:/.test(l));
      assert.deepEqual(lib, [], 'xsl warns about state in the preloaded module');
    });

    it('answers a protected GET /temperature with a temperature', async () => {
      const r = await ep.request({ uri: base + '/temperature' });
      assert.equal(r.code, Code.CONTENT);
      assert.match(utf8Decode(r.payload), /^\d\d\.\d$/);
      captured = sent[sent.length - 1];
    });

    it('toggles the LED with a protected PUT', async () => {
      assert.equal(utf8Decode((await ep.request({ uri: base + '/led' })).payload), 'off');
      const from = device.lines.length;
      assert.equal((await ep.request({ uri: base + '/led', method: 'PUT', payload: 'toggle' })).code, Code.CHANGED);
      assert.equal(utf8Decode((await ep.request({ uri: base + '/led' })).payload), 'on');
      await device.waitFor(/^LED on$/, 5000, from);
      assert.equal((await ep.request({ uri: base + '/led', method: 'PUT', payload: 'toggle' })).code, Code.CHANGED);
      assert.equal(utf8Decode((await ep.request({ uri: base + '/led' })).payload), 'off');
    });

    it('refuses an unprotected GET with 4.01', async () => {
      const plain = await openNodeEndpoint({ host: '127.0.0.1', port: 0 });
      try {
        const r = await plain.endpoint.request({ uri: base + '/temperature' });
        assert.equal(r.code, Code.UNAUTHORIZED);
        assert.equal(utf8Decode(r.payload), 'OSCORE required');
      } finally {
        plain.endpoint.close();
      }
    });

    it('delivers Observe notifications of /temperature', async () => {
      const seen: string[] = [];
      for await (const n of ep.observe({ uri: base + '/temperature' })) {
        assert.equal(n.code, Code.CONTENT);
        seen.push(utf8Decode(n.payload));
        if (seen.length === 3) break;
      }
      assert.equal(seen.length, 3, 'the registration response and two notifications');
      assert.notEqual(seen[1], seen[0], 'a notification carries a new reading');
      await device.waitFor(/^temperature \d\d\.\d °C → 1 observer$/, 5000);
    });

    it('after kill -9 (a power cut) and a restart: the Echo round of App. B.1.2, then 2.05; a pre-cut request replayed is refused', async () => {
      assert.ok(captured, 'a request was captured before the cut');
      await device.powerCut();
      assert.equal(device.running, false);
      const from = device.lines.length;
      await device.restart();
      const boot = await device.waitFor(/^loaded OSCORE context/, 20000, from);
      assert.match(boot, /next seq [1-9]\d* \(replay window unknown: Echo recovery, App\. B\.1\.2\)/);
      await device.waitFor(/serving \/temperature/, 20000, from);
      const before = sent.length;
      const r = await ep.request({ uri: base + '/temperature' });
      assert.equal(r.code, Code.CONTENT);
      assert.match(utf8Decode(r.payload), /^\d\d\.\d$/);
      assert.ok(sent.length - before >= 2, 'the first attempt was challenged with Echo and repeated');
      await device.waitFor(/replay window re-initialised from a request that echoed our Echo value/, 5000, from);
      assert.equal(await rawExchange(port, captured!), Code.UNAUTHORIZED, 'the replayed request: 4.01');
      assert.equal((await ep.request({ uri: base + '/led' })).code, Code.CONTENT, 'still serving after the replay');
    });
  });

  describe('client app: examples/device/manifest_client.json', () => {
    it('delivers protected PUTs to a Node server holding the matching context', async () => {
      contextNew(join(work, 'gateway-ctx'), join(work, 'reporter-ctx'));
      const gateway = await openContextDir(join(work, 'gateway-ctx'));
      const { endpoint: server, udp } = await openNodeEndpoint({ host: '127.0.0.1', port: 0, oscore: oscoreLayer({ lookup: contextLookup([gateway.ctx]), clock: nodeClock, random: nodeRandom }) });
      const readings: string[] = [];
      const senders = new Set<string>();
      server.resource('/readings', {
        PUT: (req) => {
          senders.add(req.oscore ? toHex(req.oscore.recipientId) : 'unprotected');
          readings.push(req.text());
          return { code: Code.CHANGED };
        },
      }, { requireOscore: true });
      try {
        const so = await buildApp(sdk, {
          stage,
          manifest: 'examples/device/manifest_client.json',
          label: 'client',
          config: { ...moveToBuildConfig(join(work, 'reporter-ctx')), oscore_target: 'coap://127.0.0.1:' + udp.localPort + '/readings', oscore_flash: join(work, 'client.flash'), oscore_interval_ms: 300 },
        });
        const reporter = await McsimApp.start(sdk, so, { workDir: work, label: 'client' });
        apps.push(reporter);
        await reporter.waitFor(/^reported \d+\.\d: 2\.04$/, 30000);
        for (let i = 0; i < 200 && readings.length < 3; i++) await new Promise((r) => setTimeout(r, 50));
        assert.ok(readings.length >= 3, 'three readings arrived: ' + JSON.stringify(readings));
        for (const r of readings) assert.match(r, /^\d+\.\d$/);
        assert.deepEqual([...senders], ['02'], 'every reading came under OSCORE from the device (Sender ID 02)');
        await reporter.stop();
      } finally {
        server.close();
        gateway.ctx.close();
        await gateway.dir.release();
      }
    });
  });
});
