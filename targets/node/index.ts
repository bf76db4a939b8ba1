/** oscore-xs for Node: the platform-free core plus Node ports (UDP, clock, random, file flash, aiocoap context directories). */
export * from '../../src/index.js';
export * from '../../src/sim/index.js';
export { UdpPort } from './udp.js';
export { nodeClock, nodeRandom } from './ports.js';
export { openNodeEndpoint, type NodeEndpointOptions } from './coap.js';
export { readCredentialsFile, loadCredentialsFile, type CredentialsDocument, type CredentialsFormat } from './credentials-file.js';
export { credentialBytes } from '../../src/credentials/bytes-value.js';
// Group OSCORE (RFC 10021) and the host AEADs: Node only for now, so the Moddable library bundle stays as it was.
export * from '../../src/group/index.js';
export { groupOscoreLayer, type GroupOscoreLayerOptions, type GroupRequestChoice } from '../../src/layers/group-oscore-layer.js';
export { collectAnswers, type RequestSender } from '../../src/coap/multicast-client.js';
export { openGroupDirectory, readGroupDirectory, writeNewGroup } from './group-dir.js';
export { HOST_AEAD_ALGORITHMS, findAnyAlgorithm, findAnyAlgorithmByName, A128GCM, A192GCM, A256GCM, CHACHA20_POLY1305 } from '../../src/crypto/host-aeads.js';
export { nobleAsymmetricCrypto } from '../../src/crypto/asymmetric-noble.js';
// Moving a stored context (src/persist/README.md); device images: write a device's partition (the device side reads it with openDeviceContexts)
export { exportContextState, destroyContext } from '../../src/persist/context-move.js';
export { buildDeviceImage, describeDeviceImage, oscoreContextEntry, checkNewContext, type DeviceImageEntry, type PartitionGeometry } from '../../src/device-image/image.js';
export { parsePartitionTable, findPartition, parsePartitionNumber, linFlashFileName, type PartitionEntry } from '../../src/device-image/partition-table.js';
// EDHOC (RFC 9528) and its CoAP layers (App. A.2, RFC 9668): Node here; a device app includes targets/moddable/edhoc/manifest.json.
export * from '../../src/edhoc/index.js';
export { EdhocResponderService, DEFAULT_EDHOC_LIMITS, type ResponderIdentity, type EdhocLimits, type EstablishedInfo, type EdhocResponderOptions } from '../../src/layers/edhoc-responder.js';
export { edhocResource, edhocLookup, edhocCombinedLayer, edhocOscoreServerLayer } from '../../src/layers/edhoc-server.js';
export { edhocClientLayer, edhocClientTransport, EdhocHandshakeError, type InitiatorIdentity, type EdhocClientOptions } from '../../src/layers/edhoc-client.js';
