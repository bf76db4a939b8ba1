/**
 * The device image on the real Moddable runtime (mcsim, lin; test/harness/mcsim.ts): the example
 * server app built with no context in its configuration — only `oscore_port` and `oscore_flash`, which
 * keep concurrent runs on one machine apart — boots from an image made by `oscore-xs context new
 * --device-image` and copied to its flash file, and serves protected requests to the client side
 * of the pair. The master secret is found (as hex or as bytes) only in the client's secret.json and
 * in the flash file: nowhere in the build output or anything else in the work folder. Skipped with
 * the reason without an SDK.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContextDirectory, securityContextParams } from '../targets/node/context-dir.js';
import { openNodeEndpoint } from '../targets/node/coap.js';
import { nodeClock, nodeRandom } from '../targets/node/ports.js';
import { oscoreLayer } from '../src/coap/oscore-layer.js';
import { SecurityContext } from '../src/oscore/context.js';
import { Code } from '../src/coap/numbers.js';
import { utf8Decode } from '../src/bytes.js';
import { run } from './cli-harness.js';
import { buildApp, findModdableSdk, freeUdpPortAnyAddress, mcsimRequired, McsimApp, stageDeviceSources } from './harness/mcsim.js';
import { filesHolding } from './harness/files-holding.js';

const found = findModdableSdk();
const skip = found.skip && !mcsimRequired() ? found.skip : false;

describe('a device image on the Moddable runtime (mcsim, lin)', { skip }, () => {
  const work = mkdtempSync(join(tmpdir(), 'oscore-xs-image-mcsim-'));
  let device: McsimApp | undefined;
  let port = 0;
  let secretHex = '';
  const config: Record<string, string | number> = {};

  before(async () => {
    const sdk = found.sdk!;
    const made = await run(['context', 'new', '--sender-id', '01', '--recipient-id', '02', '--device-image', join(work, 'dev.bin'), join(work, 'client-ctx')]);
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /lin \(mcsim\):\s+cp .*dev\.bin \/tmp\/oscore-xs-oscore\.flash/);
    secretHex = (JSON.parse(readFileSync(join(work, 'client-ctx/secret.json'), 'utf8')) as { secret_hex: string }).secret_hex;
    // What the CLI says for lin, into this run's own flash file; then the image is deleted.
    copyFileSync(join(work, 'dev.bin'), join(work, 'device.flash'));
    rmSync(join(work, 'dev.bin'));
    port = await freeUdpPortAnyAddress();
    Object.assign(config, { oscore_port: port, oscore_flash: join(work, 'device.flash') });
    const stage = await stageDeviceSources(work);
    const so = await buildApp(sdk, { stage, manifest: 'examples/device/manifest.json', label: 'imaged', config });
    device = await McsimApp.start(sdk, so, { workDir: work, label: 'imaged' });
    await device.waitFor(/serving \/temperature/, 30000);
  });
  after(async () => {
    await device?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('is built with no context in its configuration', () => {
    assert.deepEqual(Object.keys(config).sort(), ['oscore_flash', 'oscore_port']);
    assert.ok(existsSync(join(work, 'build-imaged')));
  });

  it('boots from the image alone: the stored context, no configuration warning', () => {
    assert.match(device!.log(), /loaded OSCORE context client: sender 02, recipient 01, AES-CCM-16-64-128, next seq 0/);
    assert.doesNotMatch(device!.log(), /warning|failed/);
  });

  it('serves protected requests to the client side of the pair', async () => {
    const dir = await ContextDirectory.open(join(work, 'client-ctx'));
    const ctx = new SecurityContext(securityContextParams(dir.config), { store: dir });
    const { endpoint } = await openNodeEndpoint({ host: '127.0.0.1', port: 0, oscore: oscoreLayer({ contextFor: () => ctx, clock: nodeClock, random: nodeRandom }) });
    try {
      const base = 'coap://127.0.0.1:' + port;
      const t = await endpoint.request({ uri: base + '/temperature' });
      assert.equal(t.code, Code.CONTENT);
      assert.match(utf8Decode(t.payload), /^\d\d\.\d$/);
      assert.equal((await endpoint.request({ uri: base + '/led', method: 'PUT', payload: 'on' })).code, Code.CHANGED);
      assert.equal(utf8Decode((await endpoint.request({ uri: base + '/led' })).payload), 'on');
    } finally {
      endpoint.close();
      ctx.close();
      await dir.release();
    }
  });

  it('the secret is in the client directory and the flash file only, nowhere in the build output', () => {
    assert.deepEqual(filesHolding(join(work, 'build-imaged'), secretHex), []);
    assert.deepEqual(filesHolding(work, secretHex), ['client-ctx/secret.json', 'device.flash']);
  });
});
