/** oscore-xs for Node: the platform-free core plus Node ports (UDP, clock, random, file flash, aiocoap context directories). */
export * from '../../src/index.js';
export * from '../../src/sim/index.js';
export { UdpPort } from './udp.js';
export { nodeClock, nodeRandom } from './ports.js';
export { openNodeEndpoint, type NodeEndpointOptions } from './coap.js';
export { readCredentialsFile, loadCredentialsFile, type CredentialsDocument, type CredentialsFormat } from './credentials-file.js';
export { credentialBytes } from '../../src/credentials/bytes-value.js';
