/**
 * The oscore-xs library as one module for Moddable apps (`import {…} from "oscore-xs"` after
 * including the top-level manifest.json): the Moddable ports and the main platform-free API.
 * Apps that bundle themselves with rollup (as examples/device does) import the pieces directly
 * and get only what they use.
 */
export * from './index.js';
export { Endpoint, type EndpointOptions, type RequestInit } from '../../src/coap/endpoint.js';
export { oscoreLayer, type OscoreLayerOptions } from '../../src/coap/oscore-layer.js';
export { Code, ContentFormat } from '../../src/coap/numbers.js';
export { SecurityContext, contextLookup, MemoryContextStore, type SecurityContextParams, type ContextStore } from '../../src/oscore/index.js';
export { RecordLog } from '../../src/persist/record-log.js';
export { FlashContextStore } from '../../src/persist/flash-context-store.js';
export { fromHex, toHex, utf8Decode, utf8Encode } from '../../src/bytes.js';
