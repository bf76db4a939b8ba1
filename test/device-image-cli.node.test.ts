/**
 * `oscore-xs context new --device-image`: the device side of a fresh pair goes into a flash
 * partition image and nowhere else; the client side is an aiocoap context directory. The printed
 * instructions name the partition's offset from the ESP32 partition table and the lin flash file,
 * and say to delete the image. An image built by the CLI boots the device bundle on the XS engine
 * (xsnap-worker) and the same app on Node, which serve the client of that image and refuse the
 * client of a second image (other keys). Several contexts go into one image with --add; every
 * refusal leaves the files as they were.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { rollup, type RollupOptions, type OutputOptions } from 'rollup';
import { run } from './cli-harness.js';
import { ContextDirectory, securityContextParams } from '../targets/node/context-dir.js';
import { openNodeEndpoint } from '../targets/node/coap.js';
import { nodeClock, nodeRandom } from '../targets/node/ports.js';
import { UdpPort } from '../targets/node/udp.js';
import { SimulatedDeviceHost } from '../targets/xs-sim/device-host.js';
import { startDeviceApp } from '../examples/device/app.js';
import { oscoreLayer } from '../src/coap/oscore-layer.js';
import { SecurityContext } from '../src/oscore/context.js';
import { Code } from '../src/coap/numbers.js';
import { NorFlash } from '../src/sim/nor-flash.js';
import { RecordLog } from '../src/persist/record-log.js';
import { openStoredContexts } from '../src/device-image/oscore-contexts.js';
import { toHex, utf8Decode } from '../src/bytes.js';
// @ts-expect-error: plain JS helper of the test scripts
import { XSNAP_WORKER } from '../scripts/xsnap-paths.mjs';
import { filesHolding } from './harness/files-holding.js';

const dir = mkdtempSync(join(tmpdir(), 'oscore-xs-image-'));
const at = (name: string) => join(dir, name);
const newPair = (image: string, client: string, ...extra: string[]) => run(['context', 'new', '--sender-id', '01', '--recipient-id', '02', '--device-image', at(image), ...extra, at(client)]);
const secretOf = (client: string) => (JSON.parse(readFileSync(at(client + '/secret.json'), 'utf8')) as { secret_hex: string }).secret_hex;
const imageFlash = (image: string) => new NorFlash({ image: new Uint8Array(readFileSync(at(image))), blockSize: 4096 });

/** A client for `clientDir` (the directory the CLI wrote), as the CLI's client would open it. */
async function request(clientDir: string, port: number, path: string): Promise<{ code: number; text: string }> {
  const ctxDir = await ContextDirectory.open(at(clientDir));
  const ctx = new SecurityContext(securityContextParams(ctxDir.config), { store: ctxDir });
  const { endpoint } = await openNodeEndpoint({ host: '127.0.0.1', port: 0, oscore: oscoreLayer({ contextFor: () => ctx, clock: nodeClock, random: nodeRandom }) });
  try {
    const r = await endpoint.request({ uri: 'coap://127.0.0.1:' + port + path });
    return { code: r.code, text: utf8Decode(r.payload) };
  } finally {
    endpoint.close();
    ctx.close();
    await ctxDir.release();
  }
}

after(() => rmSync(dir, { recursive: true, force: true }));

describe('context new --device-image', () => {
  it('writes the client directory and the image only, and says how to write and then delete it', async () => {
    const r = await newPair('a.bin', 'client-a', '--uri', 'coap://192.168.1.50/*');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(dir).sort(), ['a.bin', 'client-a']);
    assert.equal(statSync(at('a.bin')).size, 0x10000, 'the size of the oscore partition in partitions.csv');
    assert.equal(statSync(at('a.bin')).mode & 0o777, 0o600);
    assert.match(r.stdout, /"coap:\/\/192\.168\.1\.50\/\*": \{\s*"oscore": \{\s*"basedir": ".*client-a\/"/);
    assert.ok(r.stdout.includes('esptool.py --chip esp32 write_flash 0x3c0000 ' + at('a.bin')), r.stdout);
    assert.ok(r.stdout.includes('cp ' + at('a.bin') + ' /tmp/oscore-xs-oscore.flash'), r.stdout);
    assert.ok(r.stdout.includes('then delete ' + at('a.bin')), r.stdout);
    assert.match(r.stdout, /holding the OSCORE context "client"/);
    // The secret is in the client's directory and in the image, nowhere else.
    assert.deepEqual(filesHolding(dir, secretOf('client-a')), ['a.bin', 'client-a/secret.json']);
    const [stored] = openStoredContexts(RecordLog.open(imageFlash('a.bin')));
    assert.equal(toHex(stored.params.masterSecret), secretOf('client-a'));
    assert.equal(toHex(stored.params.senderId), '02', "the device's Sender ID is the client's Recipient ID");
  });

  it('a second device gets other keys', async () => {
    assert.equal((await newPair('b.bin', 'client-b')).code, 0);
    assert.notEqual(secretOf('client-b'), secretOf('client-a'));
    assert.deepEqual(filesHolding(dir, secretOf('client-a')), ['a.bin', 'client-a/secret.json']);
  });

  it('refuses to overwrite an image, to --add to a missing one, or a clashing context; nothing changes', async () => {
    const before = readFileSync(at('a.bin'));
    const again = await newPair('a.bin', 'client-x');
    assert.equal(again.code, 1);
    assert.match(again.stderr, /a\.bin: exists; refusing to overwrite/);
    assert.equal((await newPair('none.bin', 'client-x', '--add')).code, 1);
    const clash = await newPair('a.bin', 'client-x', '--add', '--name', 'other');
    assert.equal(clash.code, 1, 'same Recipient ID on the device as "client"');
    assert.match(clash.stderr, /same Recipient ID and ID Context/);
    assert.deepEqual(readFileSync(at('a.bin')), before);
    assert.ok(!existsSync(at('client-x')) && !existsSync(at('none.bin')));
    const usage = await run(['context', 'new', '--sender-id', '01', '--recipient-id', '02', '--device-image', at('c.bin'), at('x'), at('y')]);
    assert.equal(usage.code, 2);
    assert.equal((await run(['context', 'new', '--sender-id', '01', '--recipient-id', '02', '--add', at('x'), at('y')])).code, 2);
  });

  it('--add puts a second context into the image; partition options override the table', async () => {
    const r = await run(['context', 'new', '--sender-id', '03', '--recipient-id', '04', '--device-image', at('a.bin'), '--add', '--name', 'phone', at('client-p')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /holding the OSCORE contexts "client", "phone"/);
    assert.deepEqual(openStoredContexts(RecordLog.open(imageFlash('a.bin'))).map((c) => c.name), ['client', 'phone']);
    const small = await newPair('s.bin', 'client-s', '--partition-size', '32K', '--partition-offset', '0x200000');
    assert.equal(small.code, 0, small.stderr);
    assert.equal(statSync(at('s.bin')).size, 32768);
    assert.match(small.stdout, /write_flash 0x200000 /);
    const missing = await newPair('t.bin', 'client-t', '--partition', 'nope');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no partition "nope" \(it has: nvs, phy_init, factory, oscore\)/);
  });
});

type Boot = (flash: NorFlash) => Promise<{ port: number; lines: string[]; stop(): Promise<void> }>;

async function simBundle(): Promise<string> {
  type Entry = RollupOptions & { output: OutputOptions };
  const config = (await import(pathToFileURL(join(process.cwd(), 'rollup.config.mjs')).href)).default as Entry[];
  const e = config.find((c) => String(c.output.file).endsWith('sim-device.js'))!;
  const b = await rollup({ ...e, onwarn: () => {} });
  const { output } = await b.generate(e.output);
  await b.close();
  return output[0].code;
}

const engines: Record<string, { skip: string | false; boot: () => Promise<Boot> }> = {
  'the device bundle on XS (xsnap-worker)': {
    skip: !existsSync(XSNAP_WORKER) && 'xsnap-worker not built',
    boot: async () => {
      const bundle = await simBundle();
      return async (flash) => {
        const lines: string[] = [];
        const host = await SimulatedDeviceHost.start({ workerBinary: XSNAP_WORKER, bundle, flash, port: 0, log: (l) => lines.push(l), config: { sensorIntervalMs: 3600000 } });
        return { port: host.port, lines, stop: async () => void (await host.shutdown()) };
      };
    },
  },
  'the app on Node': {
    skip: false,
    boot: async () => async (flash) => {
      const lines: string[] = [];
      const udp = await UdpPort.open({ host: '127.0.0.1', port: 0 });
      const app = startDeviceApp({ datagram: udp, clock: nodeClock, random: nodeRandom, flash }, { log: (l) => lines.push(l), sensorIntervalMs: 3600000 });
      return { port: udp.localPort, lines, stop: async () => app.shutdown() };
    },
  },
};

for (const [engine, { skip, boot }] of Object.entries(engines)) {
  describe('an image built by the CLI boots ' + engine, { skip }, () => {
    let start: Boot;
    before(async () => {
      start = await boot();
    });

    it('serves the client of its image, refuses the client of another image', async () => {
      const device = await start(imageFlash('b.bin'));
      try {
        assert.match(device.lines.join('\n'), /loaded OSCORE context client: sender 02, recipient 01/);
        const other = await request('client-a', device.port, '/led');
        assert.deepEqual(other, { code: Code.BAD_REQUEST, text: 'Decryption failed' }, 'device A\'s keys do not open device B');
        const r = await request('client-b', device.port, '/temperature');
        assert.equal(r.code, Code.CONTENT);
        assert.match(r.text, /^\d\d\.\d$/);
      } finally {
        await device.stop();
      }
    });

    it('serves every context of an image with several', async () => {
      const device = await start(imageFlash('a.bin'));
      try {
        assert.match(device.lines.join('\n'), /loaded OSCORE context phone: sender 04, recipient 03/);
        assert.equal((await request('client-a', device.port, '/led')).code, Code.CONTENT);
        assert.equal((await request('client-p', device.port, '/led')).code, Code.CONTENT);
      } finally {
        await device.stop();
      }
    });
  });
}
