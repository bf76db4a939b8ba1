/**
 * CoAP benchmarks: plain CoAP exchanges per second over UDP loopback (one request in flight at a
 * time, CON, piggybacked response), ours and node-coap's in the same run; and the codec's cost on
 * XS in computrons (deterministic) plus Node ops/s.
 */
import * as coap from 'coap';
import { opsPerSecond, opsPerSecondAsync, runOnXs, fmt, type Section } from './harness.js';
import { openNodeEndpoint } from '../targets/node/coap.js';
import { decodeMessage, encodeMessage } from '../src/coap/codec.js';
import { typicalRequest } from './coap-typical.js';
import { oscoreLayer } from '../src/coap/oscore-layer.js';
import { SecurityContext, contextLookup } from '../src/oscore/index.js';
import { fromHex } from '../src/bytes.js';

async function ours(withOscore = false): Promise<number> {
  // RFC 8613 App. C.1 parameters for the OSCORE row.
  const secret = fromHex('0102030405060708090a0b0c0d0e0f10');
  const salt = fromHex('9e7ca92223786340');
  const sctx = new SecurityContext({ masterSecret: secret, masterSalt: salt, senderId: fromHex('01'), recipientId: new Uint8Array(0) });
  const cctx = new SecurityContext({ masterSecret: secret, masterSalt: salt, senderId: new Uint8Array(0), recipientId: fromHex('01') });
  const { endpoint: server, udp } = await openNodeEndpoint({ host: '127.0.0.1', oscore: withOscore ? oscoreLayer({ lookup: contextLookup([sctx]) }) : undefined });
  server.resource('/bench', { GET: () => ({ payload: 'ok' }) }, { requireOscore: withOscore });
  const { endpoint: client } = await openNodeEndpoint({ host: '127.0.0.1', oscore: withOscore ? oscoreLayer({ contextFor: () => cctx }) : undefined });
  const uri = 'coap://127.0.0.1:' + udp.localPort + '/bench';
  try {
    return await opsPerSecondAsync(async () => {
      const r = await client.request({ uri });
      if (r.code !== 0x45) throw new Error('bad response ' + r.codeString);
    }, 2000);
  } finally {
    client.close();
    server.close();
  }
}

async function nodeCoap(): Promise<number> {
  const server = coap.createServer({ type: 'udp4' }, (_req, res) => res.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server as unknown as { _sock: { address(): { port: number } } })._sock.address().port;
  const agent = new coap.Agent({ type: 'udp4' });
  try {
    return await opsPerSecondAsync(
      () =>
        new Promise<void>((resolve, reject) => {
          const req = coap.request({ hostname: '127.0.0.1', port, pathname: '/bench', agent });
          req.on('response', (res: coap.IncomingMessage) => (res.code === '2.05' ? resolve() : reject(new Error(res.code))));
          req.on('error', reject);
          req.end();
        }),
      2000,
    );
  } finally {
    agent.close();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

export default async (): Promise<Section[]> => {
  const oursRate = await ours();
  const theirs = await nodeCoap();
  const oscoreRate = await ours(true);
  const m = typicalRequest();
  const bytes = encodeMessage(m);
  const enc = opsPerSecond(() => { encodeMessage(m); });
  const dec = opsPerSecond(() => { decodeMessage(bytes); });
  const xs = (await runOnXs('bench/coap-codec-xs.ts')) as { bytes: number; encode: number; decode: number; both: number };
  return [
    {
      title: 'CoAP loopback exchanges (UDP 127.0.0.1, CON GET, piggybacked 2.05, one in flight)',
      command: 'npm run bench -- coap',
      columns: ['implementation', 'exchanges/s', 'ratio to node-coap'],
      rows: [
        ['oscore-xs (client + server)', fmt(oursRate), fmt(oursRate / theirs, 2) + '×'],
        ['node-coap 1.5.0 (client + server)', fmt(theirs), '1.00×'],
        ['oscore-xs with OSCORE (AES-CCM-16-64-128, in-memory contexts)', fmt(oscoreRate), fmt(oscoreRate / theirs, 2) + '×'],
      ],
      notes: 'Client and server in one Node process, measured back to back in the same run; sequential request/response round trips for 2 s each after a warm-up. Plain rows carry no Block-wise/Observe work (small payloads pass those layers untouched).',
    },
    {
      title: 'CoAP codec: typical request (GET /sensors/temperature?unit=C, 4-byte token, Accept; ' + bytes.length + ' bytes)',
      command: 'npm run bench -- coap',
      columns: ['operation', 'XS computrons', 'Node ops/s'],
      rows: [
        ['encode', fmt(xs.encode), fmt(enc)],
        ['decode', fmt(xs.decode), fmt(dec)],
        ['encode + decode', fmt(xs.both), '—'],
      ],
    },
  ];
};
