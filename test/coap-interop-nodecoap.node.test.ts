/**
 * Interop with node-coap (the `coap` npm package) as an independent second peer, in-process:
 * our client against its server and its client against our server, over IPv4 and IPv6 loopback.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as coap from 'coap';
import { openNodeEndpoint } from '../targets/node/coap.js';
import type { Endpoint } from '../src/coap/endpoint.js';
import { Code } from '../src/coap/numbers.js';
import { freeUdpPort } from './coap-interop-support.js';

function nodeCoapRequest(params: coap.CoapRequestParams, payload?: string): Promise<coap.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = coap.request(params);
    req.on('response', resolve);
    req.on('error', reject);
    req.on('timeout', reject);
    req.end(payload);
  });
}

for (const family of ['udp4', 'udp6'] as const) {
  const host = family === 'udp4' ? '127.0.0.1' : '::1';
  const uriHost = family === 'udp4' ? host : '[' + host + ']';

  describe('interop (' + family + '): our client → node-coap server', () => {
    let server: coap.Server;
    let client: Endpoint;
    let base: string;
    let last = '';
    before(async () => {
      const port = await freeUdpPort();
      base = 'coap://' + uriHost + ':' + port;
      server = coap.createServer({ type: family }, (req, res) => {
        if (req.url === '/hello' && req.method === 'GET') {
          res.setOption('Content-Format', 'text/plain');
          return res.end('node-coap says hi');
        }
        if (req.url === '/data' && req.method === 'PUT') {
          last = req.payload.toString();
          res.code = '2.04';
          return res.end();
        }
        if (req.url?.startsWith('/echo') && req.method === 'POST') {
          res.code = '2.01';
          return res.end('echo:' + req.payload.toString() + ':' + req.url);
        }
        res.code = '4.04';
        res.end();
      });
      await new Promise<void>((r) => server.listen(port, host, () => r()));
      ({ endpoint: client } = await openNodeEndpoint({ host }));
    });
    after(async () => {
      client?.close();
      await new Promise<void>((r) => server.close(() => r()));
    });

    it('GET', async () => {
      const r = await client.request({ uri: base + '/hello' });
      assert.equal(r.codeString, '2.05');
      assert.equal(r.text(), 'node-coap says hi');
      assert.equal(r.contentFormat, 0);
    });
    it('NON GET', async () => {
      const r = await client.request({ uri: base + '/hello', confirmable: false, timeout: 5000 });
      assert.equal(r.text(), 'node-coap says hi');
    });
    it('PUT', async () => {
      const r = await client.request({ uri: base + '/data', method: 'PUT', payload: 'stored' });
      assert.equal(r.codeString, '2.04');
      assert.equal(last, 'stored');
    });
    it('POST with a query', async () => {
      const r = await client.request({ uri: base + '/echo?a=1', method: 'POST', payload: 'p' });
      assert.equal(r.codeString, '2.01');
      assert.equal(r.text(), 'echo:p:/echo?a=1');
    });
    it('4.04', async () => {
      assert.equal((await client.request({ uri: base + '/nothing' })).codeString, '4.04');
    });
  });

  describe('interop (' + family + '): node-coap client → our server', () => {
    let server: Endpoint;
    let port: number;
    let agent: coap.Agent;
    before(async () => {
      port = await freeUdpPort();
      ({ endpoint: server } = await openNodeEndpoint({ host, port }));
      server.resource('/hello', { GET: () => ({ payload: 'oscore-xs says hi', contentFormat: 0 }) });
      server.resource('/sum', { POST: (req) => ({ code: Code.CHANGED, payload: String(req.text().split(',').map(Number).reduce((a, b) => a + b, 0)) }) });
      server.resource('/slow', { GET: () => new Promise((r) => setTimeout(() => r({ payload: 'late' }), 1200)) });
      agent = new coap.Agent({ type: family });
    });
    after(() => {
      agent?.close();
      server?.close();
    });

    it('GET', async () => {
      const r = await nodeCoapRequest({ hostname: host, port, pathname: '/hello', agent });
      assert.equal(r.code, '2.05');
      assert.equal(r.payload.toString(), 'oscore-xs says hi');
    });
    it('NON GET', async () => {
      const r = await nodeCoapRequest({ hostname: host, port, pathname: '/hello', confirmable: false, agent });
      assert.equal(r.payload.toString(), 'oscore-xs says hi');
    });
    it('POST', async () => {
      const r = await nodeCoapRequest({ hostname: host, port, pathname: '/sum', method: 'POST', agent }, '1,2,39');
      assert.equal(r.code, '2.04');
      assert.equal(r.payload.toString(), '42');
    });
    it('separate response after an empty ACK', async () => {
      const r = await nodeCoapRequest({ hostname: host, port, pathname: '/slow', agent });
      assert.equal(r.payload.toString(), 'late');
    });
    it('4.04 / 4.05', async () => {
      assert.equal((await nodeCoapRequest({ hostname: host, port, pathname: '/none', agent })).code, '4.04');
      assert.equal((await nodeCoapRequest({ hostname: host, port, pathname: '/hello', method: 'DELETE', agent })).code, '4.05');
    });
  });
}
