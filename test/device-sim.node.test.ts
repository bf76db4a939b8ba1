/**
 * `npm start` end to end, on the XS engine (the device bundle in xsnap-worker) and on Node: start
 * the simulated device as a child process, talk to it over real UDP with our client and the client
 * context `npm start` provisioned (aiocoap format), observe /temperature, PUT /led, then:
 * - a power cut (SIGKILL): the next start resumes at the sequence reservation with an unknown
 *   replay window; the client's next request is answered 4.01 + Echo and its repetition succeeds
 *   (RFC 8613 App. B.1.2); a request captured before the cut, replayed, is refused;
 * - a clean stop (SIGINT): the next start has the exact sequence number and window.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContextDirectory, securityContextParams } from '../targets/node/context-dir.js';
import { openNodeEndpoint } from '../targets/node/coap.js';
import { nodeClock, nodeRandom } from '../targets/node/ports.js';
import { oscoreLayer } from '../src/coap/oscore-layer.js';
import { SecurityContext } from '../src/oscore/context.js';
import { Code } from '../src/coap/numbers.js';
import { utf8Decode } from '../src/bytes.js';
import type { Endpoint } from '../src/coap/endpoint.js';
import type { UdpPort } from '../targets/node/udp.js';
import { createSocket } from 'node:dgram';
import { SimDevice, freePort } from './harness/sim-device.js';
// @ts-expect-error: plain JS helper of the test scripts
import { XSNAP_WORKER } from '../scripts/xsnap-paths.mjs';

/** `npm start` on `engine` (building the bundles first when `build`), ready once it serves. */
function startDevice(engine: string, state: string, port: number, build: boolean): Promise<SimDevice> {
  const args = ['--engine', engine, '--state', state, '--port', String(port), '--sensor-interval', '150'];
  return SimDevice.start(build ? args : [...args, '--no-build'], 'serving OSCORE-protected CoAP on');
}

/** The client side: the context directory `npm start` wrote, used exactly as the CLI would. */
async function openClient(state: string): Promise<{ ep: Endpoint; udp: UdpPort; ctx: SecurityContext; dir: ContextDirectory; sent: Uint8Array[] }> {
  const dir = await ContextDirectory.open(join(state, 'client', 'context'));
  const ctx = new SecurityContext(securityContextParams(dir.config), { store: dir });
  const { endpoint: ep, udp } = await openNodeEndpoint({ host: '127.0.0.1', port: 0, oscore: oscoreLayer({ contextFor: () => ctx, clock: nodeClock, random: nodeRandom }) });
  const sent: Uint8Array[] = [];
  const send = udp.send.bind(udp);
  udp.send = (data, address, port) => { sent.push(data.slice()); send(data, address, port); };
  return { ep, udp, ctx, dir, sent };
}

async function closeClient(c: { ep: Endpoint; ctx: SecurityContext; dir: ContextDirectory }): Promise<void> {
  c.ep.close();
  c.ctx.close();
  await c.dir.release();
}

/** Send raw bytes from a fresh socket; the response's code (0 if none within 2 s). */
function rawExchange(port: number, datagram: Uint8Array): Promise<number> {
  const s = createSocket('udp4');
  return new Promise((resolve) => {
    const t = setTimeout(() => { s.close(); resolve(0); }, 2000);
    s.on('message', (m) => { clearTimeout(t); s.close(); resolve(m[1]); });
    s.bind(0, '127.0.0.1', () => s.send(datagram, port, '127.0.0.1'));
  });
}

for (const engine of ['xs', 'node']) {
  describe('npm start, engine ' + engine, { skip: engine === 'xs' && !existsSync(XSNAP_WORKER) && 'xsnap-worker not built' }, () => {
    const state = mkdtempSync(join(tmpdir(), 'oscore-xs-sim-'));
    let port = 0;
    let device: SimDevice | undefined;
    let captured: Uint8Array | undefined;
    before(async () => { port = await freePort(); });
    after(async () => {
      await device?.stop('SIGKILL');
      rmSync(state, { recursive: true, force: true });
    });

    it('provisions on first start and answers protected requests only', async () => {
      device = await startDevice(engine, state, port, engine === 'xs');
      assert.match(device.log(), /provisioned a new OSCORE context pair/);
      assert.match(device.log(), /npx oscore-xs client coap:\/\/127\.0\.0\.1:\d+\/temperature --credentials/);
      const c = await openClient(state);
      try {
        const r = await c.ep.request({ uri: `coap://127.0.0.1:${port}/temperature` });
        assert.equal(r.code, Code.CONTENT);
        assert.match(utf8Decode(r.payload), /^\d\d\.\d$/);
        captured = c.sent[c.sent.length - 1];
        const plain = await openNodeEndpoint({ host: '127.0.0.1', port: 0 });
        const p = await plain.endpoint.request({ uri: `coap://127.0.0.1:${port}/temperature` });
        plain.endpoint.close();
        assert.equal(p.code, Code.UNAUTHORIZED, 'an unprotected request is refused');
        assert.equal(utf8Decode(p.payload), 'OSCORE required');
      } finally {
        await closeClient(c);
      }
    });

    it('observes /temperature and switches the LED', async () => {
      const c = await openClient(state);
      try {
        const stream = c.ep.observe({ uri: `coap://127.0.0.1:${port}/temperature` });
        const seen: string[] = [];
        for await (const n of stream) {
          assert.equal(n.code, Code.CONTENT);
          seen.push(utf8Decode(n.payload));
          if (seen.length === 3) break;
        }
        assert.equal(seen.length, 3);
        assert.notEqual(seen[1], seen[0], 'a notification carries a new reading');
        const put = await c.ep.request({ uri: `coap://127.0.0.1:${port}/led`, method: 'PUT', payload: 'on' });
        assert.equal(put.code, Code.CHANGED);
        const bad = await c.ep.request({ uri: `coap://127.0.0.1:${port}/led`, method: 'PUT', payload: 'blue' });
        assert.equal(bad.code, Code.BAD_REQUEST);
        assert.equal(utf8Decode((await c.ep.request({ uri: `coap://127.0.0.1:${port}/led` })).payload), 'on');
        await device!.waitFor(/\[device\] LED on/);
        await device!.waitFor(/\[device\] temperature \d\d\.\d °C → 1 observer/);
      } finally {
        await closeClient(c);
      }
    });

    it('a power cut (SIGKILL) is recovered with Echo; an old request replayed is refused', async () => {
      await device!.stop('SIGKILL');
      device = await startDevice(engine, state, port, false);
      assert.match(device.log(), /next seq [1-9]\d* \(replay window unknown: Echo recovery, App\. B\.1\.2\)/);
      const c = await openClient(state);
      try {
        const r = await c.ep.request({ uri: `coap://127.0.0.1:${port}/led` });
        assert.equal(r.code, Code.CONTENT);
        assert.equal(utf8Decode(r.payload), 'off', 'the LED state was in RAM');
        assert.ok(c.sent.length >= 2, 'the first attempt was challenged with Echo and repeated');
        await device!.waitFor(/replay window re-initialised from a request that echoed our Echo value/);
      } finally {
        await closeClient(c);
      }
      assert.equal(await rawExchange(port, captured!), Code.UNAUTHORIZED, 'replayed request: 4.01 Replay detected');
    });

    it('a clean stop (SIGINT) writes the exact state: no Echo round on the next start', async () => {
      assert.equal(await device!.stop('SIGINT'), 0);
      await device!.waitFor(/clean shutdown: next seq \d+ and replay window written/);
      device = await startDevice(engine, state, port, false);
      assert.doesNotMatch(device.log(), /replay window unknown/);
      const c = await openClient(state);
      try {
        const r = await c.ep.request({ uri: `coap://127.0.0.1:${port}/temperature` });
        assert.equal(r.code, Code.CONTENT);
        assert.equal(c.sent.length, 1, 'no Echo challenge after a clean stop');
      } finally {
        await closeClient(c);
      }
      assert.equal(await device.stop('SIGINT'), 0);
    });
  });
}
