/**
 * oscore-xs, the platform-free core: CoAP (RFC 7252, 7641, 7959, 9175) and OSCORE (RFC 8613) on
 * ports (src/ports.ts). Runs unchanged on XS and Node; targets supply the ports
 * (targets/node/index.ts re-exports all of this plus the simulation tools of src/sim and the Node
 * ports; targets/moddable/library.ts all of this plus the Moddable ports). Nothing here is test-only.
 */
export * from './errors.js';
export type { DatagramPort, Clock, TimerHandle, RandomSource, FlashPort, AesBlockCipher, AesBlockCipherFactory } from './ports.js';
export { toHex, fromHex, concatBytes, equalBytes, equalBytesConstantTime, utf8Encode, utf8Decode, encodeUint, decodeUint } from './bytes.js';

// CoAP
export * from './coap/message.js';
export { MessageType, Code, ContentFormat, code, codeToString, isRequestCode, isResponseCode } from './coap/numbers.js';
export { Option, OPTIONS, optionSpec, optionName, isCritical, isUnsafe, isNoCacheKey, oscoreClassOf, type OptionSpec } from './coap/option-registry.js';
export { encodeMessage, decodeMessage, encodeOptionsAndPayload, readOptionsAndPayload, DEFAULT_DECODE_LIMITS, type DecodeLimits } from './coap/codec.js';
export { Endpoint, type EndpointOptions, type RequestInit, type RequestTarget, type AbortSignalLike } from './coap/endpoint.js';
export { ComposedEndpoint, type ComposedEndpointOptions } from './coap/composed-endpoint.js';
export { CoapClient } from './coap/client.js';
export { BlockwiseLayer, type BlockwiseLayerOptions } from './coap/blockwise-layer.js';
export { ObserveLayer } from './coap/observe-layer.js';
export { EchoLayer, type EchoLayerOptions } from './coap/echo-layer.js';
export { Response } from './coap/response.js';
export { Router, IncomingRequest, type Method, type ResourceHandler, type ResourcePolicy, type ResponseInit } from './coap/server.js';
export { parseCoapUri, formatCoapUri, type CoapUri } from './coap/uri.js';
export { MulticastServerMessaging, MulticastMessaging } from './coap/multicast-messaging.js';
export { Messaging, ServerMessaging, DEFAULT_PARAMETERS, type TransmissionParameters } from './coap/messaging.js';
export { oscoreLayer, oscoreServerLayer, oscoreClientLayer, type OscoreLayerOptions, type OscoreServerLayerOptions, type OscoreClientLayerOptions } from './coap/oscore-layer.js';
export { EchoIssuer } from './coap/echo.js';
export { MacEchoIssuer } from './coap/echo-mac.js';
export type { StackLayer, Peer } from './coap/exchange.js';

// OSCORE
export * from './oscore/index.js';

// Crypto
export { getAlgorithm, findAlgorithm, algorithmByName, AEAD_ALGORITHMS } from './crypto/algorithms.js';
export type { AeadAlgorithm, AeadKey } from './crypto/aead.js';
export { hkdfSha256 } from './crypto/hkdf.js';
export { defaultAesBlockCipherFactory } from './crypto/aes.js';

// Persistence (App. B.1)
export { RecordLog } from './persist/record-log.js';
export { FlashContextStore, doublingChunks, rateBoundedChunks } from './persist/flash-context-store.js';

// Device images (src/device-image): the security contexts a device reads from its partition at boot
export { openDeviceContexts, openStoredContexts, storedContextNames, contextKeys, CONFIG_SECRET_WARNING, type StoredContext } from './device-image/oscore-contexts.js';
