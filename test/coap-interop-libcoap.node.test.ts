/**
 * Interop with libcoap 4.3 (Debian libcoap3-bin): our client against `coap-server`, libcoap's
 * `coap-client` against our server, plain CoAP over UDP on 127.0.0.1. Processes are started on a
 * free port and stopped by PID. Without the binaries the tests skip, except in CI where they fail.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openNodeEndpoint } from '../targets/node/coap.js';
import type { Endpoint } from '../src/coap/endpoint.js';
import { Code } from '../src/coap/numbers.js';
import { Option } from '../src/coap/option-registry.js';
import { utf8Encode } from '../src/bytes.js';
import { TimeoutError } from '../src/errors.js';
import { COAP_CLIENT, COAP_SERVER, freeUdpPort, run, start, stop, waitForPing, type Proc } from './coap-interop-support.js';

const missing = !COAP_SERVER || !COAP_CLIENT;
const skip = missing && !process.env.CI ? 'libcoap3-bin not installed (apt-get install -y libcoap3-bin)' : false;

describe('interop: our client → libcoap coap-server', { skip }, () => {
  let server: Proc | undefined;
  let client: Endpoint;
  let base: string;
  before(async () => {
    assert.ok(COAP_SERVER, 'coap-server not found on PATH');
    const port = await freeUdpPort();
    base = 'coap://127.0.0.1:' + port;
    server = start(COAP_SERVER, ['-A', '127.0.0.1', '-p', String(port), '-d', '10', '-v', '0']);
    ({ endpoint: client } = await openNodeEndpoint({ host: '127.0.0.1', params: { ackTimeout: 300 } }));
    await waitForPing(client, port);
  });
  after(async () => {
    client?.close();
    await stop(server);
  });

  it('GET / (CON, piggybacked)', async () => {
    const r = await client.request({ uri: base + '/' });
    assert.equal(r.codeString, '2.05');
    assert.match(r.text(), /libcoap/);
  });

  it('GET / as NON', async () => {
    const r = await client.request({ uri: base + '/', confirmable: false, timeout: 5000 });
    assert.equal(r.codeString, '2.05');
    assert.match(r.text(), /libcoap/);
  });

  it('PUT then GET /example_data', async () => {
    const put = await client.request({ uri: base + '/example_data', method: 'PUT', payload: 'from oscore-xs', contentFormat: 0 });
    assert.ok(put.codeString === '2.04' || put.codeString === '2.01', put.codeString); // 2.01 the first time
    const get = await client.request({ uri: base + '/example_data' });
    assert.equal(get.text(), 'from oscore-xs');
  });

  it('PUT creates a dynamic resource (2.01), POST to it, DELETE it', async () => {
    const created = await client.request({ uri: base + '/made-by-us', method: 'PUT', payload: 'dyn' });
    assert.equal(created.codeString, '2.01');
    assert.equal((await client.request({ uri: base + '/made-by-us' })).text(), 'dyn');
    const post = await client.request({ uri: base + '/made-by-us', method: 'POST', payload: 'x' });
    assert.ok(post.code === Code.CHANGED || post.code === Code.CREATED || post.code === Code.METHOD_NOT_ALLOWED, post.codeString);
    assert.equal((await client.request({ uri: base + '/made-by-us', method: 'DELETE' })).codeString, '2.02');
    assert.equal((await client.request({ uri: base + '/made-by-us' })).codeString, '4.04');
  });

  it('4.04 for a missing resource', async () => {
    assert.equal((await client.request({ uri: base + '/no/such' })).codeString, '4.04');
  });

  it('an unknown critical option: libcoap answers 4.02 echoing the option, so §5.4.1 makes us reject that ACK', async () => {
    // libcoap's own coap-client drops that response too ("unknown critical option 2049").
    const r = client.request({ uri: base + '/', options: [{ number: 2049, value: utf8Encode('x') }], timeout: 1500 });
    await assert.rejects(r, TimeoutError);
  });

  it('discovery: /.well-known/core in link format', async () => {
    const r = await client.request({ uri: base + '/.well-known/core' });
    assert.equal(r.contentFormat, 40);
    assert.match(r.text(), /<\/time>/);
  });
});

describe('interop: libcoap coap-client → our server', { skip }, () => {
  let server: Endpoint;
  let base: string;
  let stored = 'initial';
  before(async () => {
    assert.ok(COAP_CLIENT, 'coap-client not found on PATH');
    const port = await freeUdpPort();
    base = 'coap://127.0.0.1:' + port;
    ({ endpoint: server } = await openNodeEndpoint({ host: '127.0.0.1', port }));
    server.resource('/hello', { GET: () => ({ payload: 'world', contentFormat: 0 }) });
    server.resource('/store', {
      GET: () => ({ payload: stored }),
      PUT: (req) => { stored = req.text(); return { code: Code.CHANGED }; },
      POST: (req) => ({ code: Code.CREATED, options: [{ number: Option.LOCATION_PATH, value: utf8Encode('item-' + req.payload.length) }] }),
    });
    server.resource('/slow', { GET: () => new Promise((r) => setTimeout(() => r({ payload: 'eventually' }), 1500)) });
  });
  after(() => server?.close());

  const client = (...args: string[]) => run(COAP_CLIENT!, ['-B', '10', ...args]);

  it('GET', async () => {
    const r = await client('-m', 'get', base + '/hello');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'world');
  });

  it('NON GET', async () => {
    const r = await client('-N', '-m', 'get', base + '/hello');
    assert.equal(r.stdout.trim(), 'world');
  });

  it('PUT then GET', async () => {
    const put = await client('-m', 'put', '-e', 'from libcoap', base + '/store');
    assert.equal(put.code, 0, put.stderr);
    assert.equal(stored, 'from libcoap');
    assert.equal((await client('-m', 'get', base + '/store')).stdout.trim(), 'from libcoap');
  });

  it('POST (2.01 with Location-Path)', async () => {
    const r = await client('-v', '7', '-m', 'post', '-e', 'abc', base + '/store');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout + r.stderr, /2\.01/);
    assert.match(r.stdout + r.stderr, /item-3/);
  });

  it('a slow handler: empty ACK, then a separate response', async () => {
    const r = await client('-v', '7', '-m', 'get', base + '/slow');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /eventually/);
  });

  it('4.04 and 4.05 come back as such', async () => {
    const nf = await client('-m', 'get', base + '/missing');
    assert.match(nf.stdout + nf.stderr, /4\.04/);
    const na = await client('-m', 'delete', base + '/hello');
    assert.match(na.stdout + na.stderr, /4\.05/);
  });

  it('an unknown critical option gets 4.02', async () => {
    const r = await client('-O', '2049,x', '-m', 'get', base + '/hello');
    assert.match(r.stdout + r.stderr, /4\.02/);
  });
});
