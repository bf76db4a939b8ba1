/** targets/node/udp.ts: dual-stack binding, unmapped peer addresses, sends that cannot fail. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { UdpPort } from '../targets/node/udp.js';
import { openNodeEndpoint } from '../targets/node/coap.js';
import { freeUdpPort } from './coap-interop-support.js';

function sendFrom(type: 'udp4' | 'udp6', to: string, port: number, data: Uint8Array): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const s = createSocket(type);
    const t = setTimeout(() => { s.close(); reject(new Error('no answer')); }, 2000);
    s.on('message', (m) => { clearTimeout(t); s.close(); resolve(new Uint8Array(m)); });
    s.send(data, port, to);
  });
}

describe('node UDP transport', () => {
  it('binds IPv4 and IPv6 on one port when no host is given; peers read back unmapped', async () => {
    const port = await freeUdpPort();
    const udp = await UdpPort.open({ port });
    assert.equal(udp.localPort, port);
    const from: string[] = [];
    udp.onReceive((d, address, p) => { from.push(address); udp.send(d, address, p); });
    try {
      assert.deepEqual(await sendFrom('udp4', '127.0.0.1', port, new Uint8Array([4])), new Uint8Array([4]));
      assert.deepEqual(await sendFrom('udp6', '::1', port, new Uint8Array([6])), new Uint8Array([6]));
      assert.deepEqual(from, ['127.0.0.1', '::1']);
    } finally {
      udp.close();
    }
  });

  it('rejects a host name as bind address; sending to a closed port or a bad address does not throw', async () => {
    await assert.rejects(UdpPort.open({ host: 'localhost' }), TypeError);
    const udp = await UdpPort.open({ host: '127.0.0.1' });
    udp.send(new Uint8Array([1]), '127.0.0.1', await freeUdpPort());
    udp.send(new Uint8Array([1]), '::1', 5683); // no udp6 socket: dropped
    udp.send(new Uint8Array([1]), '127.0.0.1', 0);
    await new Promise((r) => setTimeout(r, 50));
    udp.close();
    udp.close();
  });

  it('an endpoint on both families answers a GET over each', async () => {
    const port = await freeUdpPort();
    const { endpoint: server } = await openNodeEndpoint({ port });
    server.resource('/x', { GET: (req) => ({ payload: req.peer.address }) });
    const { endpoint: c4 } = await openNodeEndpoint({ host: '127.0.0.1' });
    const { endpoint: c6 } = await openNodeEndpoint({ host: '::1' });
    try {
      assert.equal((await c4.request({ uri: 'coap://127.0.0.1:' + port + '/x' })).text(), '127.0.0.1');
      assert.equal((await c6.request({ uri: 'coap://[::1]:' + port + '/x' })).text(), '::1');
    } finally {
      c4.close();
      c6.close();
      server.close();
    }
  });
});
