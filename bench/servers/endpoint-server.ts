// A plain oscore-xs Endpoint on 127.0.0.1 with one in-memory resource, /bench, answering GET with
// the bytes given, under OSCORE (server side of bench/server-workload.ts's context). Prints "port N".
import { openNodeEndpoint } from '../../targets/node/coap.js';
import { oscoreLayer } from '../../src/coap/oscore-layer.js';
import { SecurityContext, contextLookup, MemoryContextStore } from '../../src/oscore/index.js';
import { SERVER_PARAMS, BODY } from '../server-workload.js';

const ctx = new SecurityContext(SERVER_PARAMS, { store: new MemoryContextStore({ reserveStep: 1 << 30 }) });
const { endpoint, udp } = await openNodeEndpoint({ host: '127.0.0.1', port: 0, oscore: oscoreLayer({ lookup: contextLookup([ctx]) }) });
endpoint.resource('/bench', { GET: () => ({ payload: BODY }) }, { requireOscore: true });
console.log('port ' + udp.localPort);
process.on('SIGTERM', () => {
  endpoint.close();
  udp.close();
});
