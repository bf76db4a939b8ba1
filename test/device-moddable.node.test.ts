/**
 * The Moddable build of the example device (dist/device/example-server.js: Moddable ports,
 * native AES/SHA-256 substitutes, platform-esp32.js) run on the XS engine, with the Moddable
 * runtime modules replaced by stand-ins that keep their contracts (test/device/moddable/) and
 * reach the network through the simulator bridge. Checks booting from a device image with no
 * configuration at all, the development fallback (first-boot provisioning from the build
 * configuration, with a warning), protected requests served through the native-crypto path, and
 * that a stored context wins over a changed configuration (no silent re-keying at sequence number 0).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { rollup, type RollupOptions, type OutputOptions } from 'rollup';
import { SimulatedDeviceHost } from '../targets/xs-sim/device-host.js';
import { NorFlash } from '../src/sim/nor-flash.js';
import { SecurityContext } from '../src/oscore/context.js';
import { MemoryContextStore } from '../src/oscore/store.js';
import { oscoreLayer } from '../src/coap/oscore-layer.js';
import { Code } from '../src/coap/numbers.js';
import { toHex, utf8Decode } from '../src/bytes.js';
import { buildDeviceImage, oscoreContextEntry } from '../src/device-image/image.js';
import { openNodeEndpoint } from '../targets/node/coap.js';
import { nodeClock, nodeRandom } from '../targets/node/ports.js';
// @ts-expect-error: plain JS helper of the test scripts
import { XSNAP_WORKER } from '../scripts/xsnap-paths.mjs';

const ROOT = process.cwd();
const STANDINS: Record<string, string> = {
  crypt: 'test/device/moddable/crypt.ts',
  flash: 'test/device/moddable/flash.ts',
  timer: 'test/device/moddable/timer.ts',
  time: 'test/device/moddable/time.ts',
  rng: 'test/device/moddable/rng.ts',
  'embedded:io/socket/udp': 'test/device/moddable/udp.ts',
  'mc/config': 'test/device/moddable/config.ts',
  'moddable:oscore-xs/platform': 'dist/device/platform-esp32.js',
};

async function buildFirmware(): Promise<string> {
  type Entry = RollupOptions & { output: OutputOptions };
  const config = (await import(pathToFileURL(join(ROOT, 'rollup.config.mjs')).href)).default as Entry[];
  for (const name of ['platform-esp32.js', 'example-server.js']) {
    const e = config.find((c) => String(c.output.file ?? 'dist/device/' + c.output.entryFileNames).endsWith(name))!;
    const b = await rollup({ ...e, onwarn: () => {} });
    await b.write(e.output);
    await b.close();
  }
  const r = await esbuild.build({
    // Built-ins frozen after the stand-ins are set up and before the firmware runs, as on Moddable.
    stdin: { contents: "import './test/device/moddable/runtime.ts';\nimport './test/device/moddable/frozen-builtins.ts';\nimport './dist/device/example-server.js';\n", resolveDir: ROOT, loader: 'ts' },
    bundle: true, write: false, format: 'iife', platform: 'neutral', mainFields: ['module', 'main'], target: 'es2022', logLevel: 'error',
    plugins: [{
      name: 'moddable-standins',
      setup(build) {
        build.onResolve({ filter: /^(crypt|flash|timer|time|rng|embedded:io\/socket\/udp|mc\/config|moddable:oscore-xs\/platform)$/ }, (a) => ({ path: resolve(ROOT, STANDINS[a.path]) }));
      },
    }],
  });
  return r.outputFiles[0].text;
}

const secret = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
const salt = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
const deviceConfig = { oscore_secret: toHex(secret), oscore_salt: toHex(salt), oscore_sender: '02', oscore_recipient: '01' };

describe('the Moddable device build on XS (runtime stand-ins)', { skip: !existsSync(XSNAP_WORKER) && 'xsnap-worker not built' }, () => {
  let firmware = '';
  const flash = new NorFlash({ sectors: 16 });
  const lines: string[] = [];
  let host: SimulatedDeviceHost | undefined;
  const client = new SecurityContext({ masterSecret: secret, masterSalt: salt, senderId: Uint8Array.of(1), recipientId: Uint8Array.of(2) }, { store: new MemoryContextStore() });
  let ep: Awaited<ReturnType<typeof openNodeEndpoint>>['endpoint'];

  before(async () => {
    firmware = await buildFirmware();
    ep = (await openNodeEndpoint({ host: '127.0.0.1', port: 0, oscore: oscoreLayer({ contextFor: () => client, clock: nodeClock, random: nodeRandom }) })).endpoint;
  });
  after(async () => {
    ep.close();
    await host?.kill();
  });

  it('boots from a device image with no configuration, and serves over the native-crypto path', async () => {
    const image = buildDeviceImage({ byteLength: 65536, blockSize: 4096 }, [oscoreContextEntry('client', { masterSecret: secret, masterSalt: salt, senderId: Uint8Array.of(2), recipientId: Uint8Array.of(1) })]);
    const imaged = await SimulatedDeviceHost.start({ workerBinary: XSNAP_WORKER, bundle: firmware, flash: new NorFlash({ image, blockSize: 4096 }), port: 0, log: (l) => lines.push(l), config: {} });
    try {
      assert.ok(lines.some((l) => l.startsWith('loaded OSCORE context client: sender 02, recipient 01')), lines.join('\n'));
      assert.ok(!lines.some((l) => l.startsWith('warning')), lines.join('\n'));
      const t = await ep.request({ uri: 'coap://127.0.0.1:' + imaged.port + '/temperature' });
      assert.equal(t.code, Code.CONTENT);
      const { status } = await imaged.status();
      assert.ok((status.encrypt as number) > 0, 'CCM ran on the native block cipher');
    } finally {
      await imaged.kill();
      lines.length = 0;
    }
  });

  it('development fallback: provisions from the build configuration on first boot, with a warning', async () => {
    host = await SimulatedDeviceHost.start({ workerBinary: XSNAP_WORKER, bundle: firmware, flash, port: 0, log: (l) => lines.push(l), config: deviceConfig });
    assert.ok(lines.some((l) => l.startsWith('oscore-xs example device on esp32')), lines.join('\n'));
    assert.ok(lines.some((l) => l.startsWith('provisioned OSCORE context config: sender 02, recipient 01')), lines.join('\n'));
    assert.ok(lines.some((l) => l.startsWith('warning: oscore_secret in config is for development only')), lines.join('\n'));
    const base = 'coap://127.0.0.1:' + host.port;
    const t = await ep.request({ uri: base + '/temperature' });
    assert.equal(t.code, Code.CONTENT);
    assert.match(utf8Decode(t.payload), /^\d\d\.\d$/);
    assert.equal((await ep.request({ uri: base + '/led', method: 'PUT', payload: 'toggle' })).code, Code.CHANGED);
    assert.equal(utf8Decode((await ep.request({ uri: base + '/led' })).payload), 'on');
    const { status } = await host.status();
    assert.ok((status.blockCipher as number) >= 2, 'keys prepared on crypt.BlockCipher');
    assert.ok((status.encrypt as number) > 0, 'CCM ran on the native block cipher');
    assert.ok((status.digest as number) > 0, 'HKDF ran on crypt.Digest');
    assert.ok((status.flashWrite as number) > 0 && (status.udpWrite as number) >= 3 && (status.timers as number) > 0);
  });

  it('keeps the stored context when the configuration changes (no re-keying at sequence 0)', async () => {
    await host!.kill();
    lines.length = 0;
    const other = { ...deviceConfig, oscore_secret: toHex(new Uint8Array(16).fill(7)) };
    host = await SimulatedDeviceHost.start({ workerBinary: XSNAP_WORKER, bundle: firmware, flash, port: 0, log: (l) => lines.push(l), config: other });
    assert.ok(lines.some((l) => /^loaded OSCORE context config: sender 02, recipient 01, .*next seq [1-9]/.test(l)), lines.join('\n'));
    const r = await ep.request({ uri: 'coap://127.0.0.1:' + host.port + '/led' });
    assert.equal(r.code, Code.CONTENT, 'the original client still works (after the Echo round of the power cut)');
    assert.equal(utf8Decode(r.payload), 'off');
  });
});
