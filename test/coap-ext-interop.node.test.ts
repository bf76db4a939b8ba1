/**
 * Block-wise and Observe against real peers over UDP on 127.0.0.1: libcoap 4.3 (`coap-server`,
 * `coap-client`) and node-coap. Processes are started on a free port and stopped by PID.
 * Without libcoap the libcoap tests skip, except in CI where they fail.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openNodeEndpoint } from '../targets/node/coap.js';
import type { Endpoint } from '../src/coap/endpoint.js';
import { Code } from '../src/coap/numbers.js';
import { equalBytes } from '../src/bytes.js';
import * as coap from 'coap';
import { COAP_CLIENT, COAP_SERVER, freeUdpPort, run, start, stop, waitForPing, type Proc } from './coap-interop-support.js';

const missing = !COAP_SERVER || !COAP_CLIENT;
const skip = missing && !process.env.CI ? 'libcoap3-bin not installed (apt-get install -y libcoap3-bin)' : false;

/** Printable bytes so the command-line tools can carry them unchanged. */
function text(n: number, seed = 0): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(97 + ((i * 7 + seed + (i >> 5)) % 26));
  return s;
}

describe('coap-ext interop: our client → libcoap coap-server (Block-wise, Observe)', { skip }, () => {
  let server: Proc | undefined;
  let client: Endpoint;
  let base: string;
  before(async () => {
    const port = await freeUdpPort();
    base = 'coap://127.0.0.1:' + port;
    server = start(COAP_SERVER!, ['-A', '127.0.0.1', '-p', String(port), '-d', '10', '-v', '0']);
    ({ endpoint: client } = await openNodeEndpoint({ host: '127.0.0.1', params: { ackTimeout: 300 } }));
    await waitForPing(client, port);
  });
  after(async () => {
    client?.close();
    await stop(server);
  });

  it('PUT of 5000 bytes goes out in Block1 blocks; GET brings it back whole with Block2', async () => {
    const body = text(5000, 1);
    const put = await client.request({ uri: base + '/example_data', method: 'PUT', payload: body, contentFormat: 0 });
    assert.ok(put.codeString === '2.04' || put.codeString === '2.01', put.codeString + ' ' + put.text());
    const get = await client.request({ uri: base + '/example_data' });
    assert.equal(get.codeString, '2.05');
    assert.equal(get.text().length, 5000);
    assert.equal(get.text(), body);
  });

  it('observes /time: registration and at least one notification, then cancel', async () => {
    const stream = client.observe({ uri: base + '/time' });
    const first = await stream.next();
    assert.equal(first.done, false);
    assert.equal(first.value!.codeString, '2.05');
    assert.notEqual(first.value!.observe, undefined, 'coap-server registered the observation');
    const second = await stream.next(); // coap-server notifies /time every second
    assert.equal(second.done, false);
    assert.ok(second.value!.observe! !== first.value!.observe);
    await stream.cancel();
  });
});

describe('coap-ext interop: libcoap coap-client → our server (Block-wise, Observe)', { skip }, () => {
  let server: Endpoint;
  let base: string;
  let stored = '';
  let dir: string;
  const big = text(4000, 2);
  let tick = 0;
  let timer: ReturnType<typeof setInterval> | undefined;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'coap-ext-'));
    const port = await freeUdpPort();
    base = 'coap://127.0.0.1:' + port;
    ({ endpoint: server } = await openNodeEndpoint({ host: '127.0.0.1', port }));
    server.resource('/big', { GET: () => ({ payload: big, contentFormat: 0 }) });
    server.resource('/store', {
      GET: () => ({ payload: stored }),
      PUT: (req) => {
        stored = req.text();
        return { code: Code.CHANGED };
      },
    });
    server.resource('/counter', { GET: () => ({ payload: 'tick ' + tick }) }, { observable: true });
    timer = setInterval(() => {
      tick++;
      server.notify('/counter');
    }, 300);
  });
  after(() => {
    if (timer) clearInterval(timer);
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const client = (...args: string[]) => run(COAP_CLIENT!, ['-B', '10', ...args]);

  it('GET of a 4000-byte resource (Block2 at our 1024 and at the client-chosen 64)', async () => {
    const r = await client('-m', 'get', base + '/big');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), big);
    const small = await client('-b', '64', '-m', 'get', base + '/big');
    assert.equal(small.stdout.trim(), big);
  });

  it('PUT of a 3000-byte file with Block1 is reassembled for the resource', async () => {
    const body = text(3000, 3);
    const f = join(dir, 'up.txt');
    writeFileSync(f, body);
    const r = await client('-m', 'put', '-b', '256', '-f', f, base + '/store');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(stored, body);
    const back = await client('-m', 'get', '-o', join(dir, 'back.txt'), base + '/store');
    assert.equal(back.code, 0, back.stderr);
    assert.ok(equalBytes(readFileSync(join(dir, 'back.txt')), Buffer.from(body)));
  });

  it('Observe for 2 s gets several increasing notifications', async () => {
    const r = await client('-s', '2', '-m', 'get', base + '/counter');
    assert.equal(r.code, 0, r.stderr);
    const ticks = [...r.stdout.matchAll(/tick (\d+)/g)].map((m) => Number(m[1]));
    assert.ok(ticks.length >= 3, r.stdout);
    for (let i = 1; i < ticks.length; i++) assert.ok(ticks[i] > ticks[i - 1]);
  });
});

describe('coap-ext interop: node-coap (Block-wise, Observe)', () => {
  let ours: Endpoint;
  let theirs: coap.Server;
  let ourPort: number;
  let theirBase: string;
  let agent: coap.Agent;
  let uploaded = '';
  let tick = 0;
  let timer: ReturnType<typeof setInterval> | undefined;
  const big = text(3500, 4);
  before(async () => {
    ourPort = await freeUdpPort();
    ({ endpoint: ours } = await openNodeEndpoint({ host: '127.0.0.1', port: ourPort }));
    ours.resource('/big', { GET: () => ({ payload: big, contentFormat: 0 }) });
    ours.resource('/store', { PUT: (req) => ((uploaded = req.text()), { code: Code.CHANGED }) });
    ours.resource('/counter', { GET: () => ({ payload: 'tick ' + tick }) }, { observable: true });
    timer = setInterval(() => {
      tick++;
      ours.notify('/counter');
    }, 100);
    const theirPort = await freeUdpPort();
    theirBase = 'coap://127.0.0.1:' + theirPort;
    theirs = coap.createServer({ type: 'udp4' }, (req, res) => {
      if (req.url === '/big') return res.end(big);
      if (req.url === '/store' && req.method === 'PUT') {
        uploaded = req.payload.toString();
        res.code = '2.04';
        return res.end();
      }
      if (req.url === '/obs' && req.headers.Observe === 0) {
        let n = 0;
        res.write('n' + n);
        const t = setInterval(() => res.write('n' + ++n), 50);
        res.on('finish', () => clearInterval(t));
        return;
      }
      res.code = '4.04';
      res.end();
    });
    await new Promise<void>((r) => theirs.listen(theirPort, '127.0.0.1', () => r()));
    agent = new coap.Agent({ type: 'udp4' });
  });
  after(async () => {
    if (timer) clearInterval(timer);
    agent?.close();
    ours?.close();
    await new Promise<void>((r) => theirs.close(() => r()));
  });

  it('node-coap GETs our 3500-byte resource (it follows our Block2)', async () => {
    const r = await new Promise<coap.IncomingMessage>((resolve, reject) => {
      const req = coap.request({ hostname: '127.0.0.1', port: ourPort, pathname: '/big', agent });
      req.on('response', resolve);
      req.on('error', reject);
      req.end();
    });
    assert.equal(r.code, '2.05');
    assert.equal(r.payload.toString(), big);
  });

  it('we GET a 3500-byte response from node-coap (its Block2) and PUT 3000 bytes to it (our Block1)', async () => {
    const r = await ours.request({ uri: theirBase + '/big' });
    assert.equal(r.codeString, '2.05');
    assert.equal(r.text(), big);
    const body = text(3000, 5);
    const put = await ours.request({ uri: theirBase + '/store', method: 'PUT', payload: body });
    assert.equal(put.codeString, '2.04');
    assert.equal(uploaded, body);
  });

  it('we observe a node-coap resource: notifications in order, then cancel', async () => {
    const stream = ours.observe({ uri: theirBase + '/obs' });
    const got: string[] = [];
    for await (const r of stream) {
      got.push(r.text());
      if (got.length === 4) break; // leaving the loop cancels
    }
    assert.deepEqual(got, ['n0', 'n1', 'n2', 'n3']);
    assert.equal(stream.closed, true);
  });

  it('node-coap observes our resource and sees increasing values', async () => {
    const values = await new Promise<string[]>((resolve, reject) => {
      const req = coap.request({ hostname: '127.0.0.1', port: ourPort, pathname: '/counter', observe: true, agent });
      req.on('error', reject);
      req.on('response', (res: coap.IncomingMessage) => {
        const seen: string[] = [];
        res.on('data', (d: Buffer) => {
          seen.push(d.toString());
          if (seen.length === 4) {
            (res as unknown as { close(): void }).close();
            resolve(seen);
          }
        });
      });
      req.end();
    });
    const ticks = values.map((v) => Number(v.split(' ')[1]));
    for (let i = 1; i < ticks.length; i++) assert.ok(ticks[i] > ticks[i - 1], values.join());
  });
});
