/**
 * The XS simulator host (targets/xs-sim): a small device bundle runs in xsnap-worker and talks to
 * the world only through the bridged ports. Real UDP on 127.0.0.1, host timers, NOR flash
 * (src/sim/nor-flash.ts), random bytes, a clean shutdown and a power cut.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync } from 'node:fs';
import * as esbuild from 'esbuild';
import { SimulatedDeviceHost } from '../targets/xs-sim/device-host.js';
import { NorFlash } from '../src/sim/nor-flash.js';
// @ts-expect-error: plain JS helper of the test scripts
import { XSNAP_WORKER } from '../scripts/xsnap-paths.mjs';

async function buildBundle(): Promise<string> {
  const r = await esbuild.build({ entryPoints: ['test/device/bridge-device.ts'], bundle: true, write: false, format: 'iife', platform: 'neutral', target: 'es2022', logLevel: 'error' });
  return r.outputFiles[0].text;
}

function client(): Promise<Socket> {
  const s = createSocket('udp4');
  return new Promise((resolve) => s.bind(0, '127.0.0.1', () => resolve(s)));
}

function ask(s: Socket, port: number, text: string | Uint8Array, timeoutMs = 3000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { s.off('message', on); reject(new Error('no answer to ' + String(text))); }, timeoutMs);
    const on = (msg: Buffer) => { clearTimeout(t); s.off('message', on); resolve(msg); };
    s.on('message', on);
    s.send(typeof text === 'string' ? Buffer.from(text) : text, port, '127.0.0.1');
  });
}

describe('xs-sim device host', { skip: !existsSync(XSNAP_WORKER) && 'xsnap-worker not built' }, () => {
  let bundle = '';
  let flash: NorFlash;
  let host: SimulatedDeviceHost;
  let sock: Socket;
  const lines: string[] = [];

  before(async () => {
    bundle = await buildBundle();
    flash = new NorFlash({ sectors: 4 });
    host = await SimulatedDeviceHost.start({ workerBinary: XSNAP_WORKER, bundle, flash, port: 0, log: (l) => lines.push(l) });
    sock = await client();
  });
  after(async () => {
    sock.close();
    await host.kill();
  });

  it('boots in XS and logs through the bridge', () => {
    assert.ok(lines.includes('bridge device up, flash count 0'), lines.join('\n'));
    assert.ok(host.pid && host.pid > 0);
  });

  it('answers a datagram over real UDP and writes NOR flash synchronously', async () => {
    assert.equal((await ask(sock, host.port, 'abc')).toString(), 'cba #1');
    assert.equal((await ask(sock, host.port, 'xyz')).toString(), 'zyx #2');
    assert.equal(flash.bytes[0], 0);
    assert.equal(flash.bytes[1], 0);
    assert.equal(flash.bytes[2], 0xff);
  });

  it('runs timers on the host clock and honours clearTimer', async () => {
    const fired = (await ask(sock, host.port, 'timer 120')).toString();
    const ms = Number(fired.replace('fired after ', ''));
    assert.ok(ms >= 110 && ms < 1000, fired);
    assert.equal((await ask(sock, host.port, 'cancel')).toString(), 'cancelled ok');
  });

  it('draws random bytes from the host', async () => {
    const a = await ask(sock, host.port, 'random');
    const b = await ask(sock, host.port, 'random');
    assert.equal(a.length, 16);
    assert.notDeepEqual(a, b);
  });

  it('survives an exception in the device and keeps serving', async () => {
    const faults = host.faults;
    sock.send(Buffer.from('throw'), host.port, '127.0.0.1');
    assert.equal((await ask(sock, host.port, 'ok')).toString(), 'ko #3');
    assert.equal(host.faults, faults + 1);
  });

  it('reports status with XS heap figures', async () => {
    const { status, meter } = await host.status();
    assert.equal(status.flashCount, 3);
    assert.equal(status.blockSize, 4096);
    assert.equal(status.byteLength, 4 * 4096);
    assert.ok(meter.allocate > 0 && meter.currentHeapCount > 0);
  });

  it('clean shutdown waits for the device\'s asynchronous close', async () => {
    const answer = await host.shutdown();
    assert.equal(answer, 'done');
    assert.equal(flash.bytes[64], 0);
    assert.ok(lines.includes('clean shutdown'));
  });

  it('a power cut (SIGKILL) keeps what was written; the next boot sees it', async () => {
    const h2 = await SimulatedDeviceHost.start({ workerBinary: XSNAP_WORKER, bundle, flash, port: 0, log: (l) => lines.push(l) });
    assert.equal((await ask(sock, h2.port, 'q')).toString(), 'q #4');
    await h2.kill();
    await assert.rejects(ask(sock, h2.port, 'gone', 300));
    const h3 = await SimulatedDeviceHost.start({ workerBinary: XSNAP_WORKER, bundle, flash, port: 0, log: (l) => lines.push(l) });
    assert.ok(lines.includes('bridge device up, flash count 4'));
    await h3.kill();
  });
});
