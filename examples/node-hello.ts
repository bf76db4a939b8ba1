/**
 * A protected CoAP exchange on Node: an OSCORE server and client in one script (README example).
 * Run: npx esbuild examples/node-hello.ts --bundle --platform=node --format=esm --packages=external | node --input-type=module
 */
import { openNodeEndpoint, oscoreLayer, contextLookup, SecurityContext, fromHex } from '../targets/node/index.js';

export async function main(): Promise<string> {
  const secret = { masterSecret: fromHex('0102030405060708090a0b0c0d0e0f10'), masterSalt: fromHex('9e7ca92223786340') };
  const serverCtx = new SecurityContext({ ...secret, senderId: fromHex('01'), recipientId: fromHex('') });
  const clientCtx = new SecurityContext({ ...secret, senderId: fromHex(''), recipientId: fromHex('01') });

  const server = await openNodeEndpoint({ host: '127.0.0.1', port: 0, oscore: oscoreLayer({ lookup: contextLookup([serverCtx]) }) });
  server.endpoint.resource('hello', { GET: () => ({ payload: 'Hello World!' }) }, { requireOscore: true });

  const client = await openNodeEndpoint({ host: '127.0.0.1', port: 0, oscore: oscoreLayer({ contextFor: () => clientCtx }) });
  try {
    const res = await client.endpoint.request({ method: 'GET', uri: `coap://127.0.0.1:${server.udp.localPort}/hello` });
    return `${res.codeString} ${res.text()}`;
  } finally {
    client.endpoint.close();
    client.udp.close();
    server.endpoint.close();
    server.udp.close();
  }
}

if (typeof process !== 'undefined' && process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  main().then((line) => console.log(line));
}
