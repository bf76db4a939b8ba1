/**
 * The oscore-xs library as one module for Moddable apps (`import {…} from "oscore-xs"` after
 * including the top-level manifest.json): the Moddable ports plus the core API of src/index.ts
 * without its simulation exports (virtual clock, simulated network and flash: test tools that
 * would only take flash space on a device). Keep the list in step with src/index.ts. Apps that
 * bundle themselves with rollup (as examples/device does) import the pieces directly and get
 * only what they use: a ComposedEndpoint of the layers they pass (see examples/device/app.ts).
 */
export * from './index.js';
export * from '../../src/errors.js';
export type { DatagramPort, Clock, TimerHandle, RandomSource, FlashPort, AesBlockCipher, AesBlockCipherFactory } from '../../src/ports.js';
export { toHex, fromHex, concatBytes, equalBytes, equalBytesConstantTime, utf8Encode, utf8Decode, encodeUint, decodeUint } from '../../src/bytes.js';

// CoAP
export * from '../../src/coap/message.js';
export { MessageType, Code, ContentFormat, code, codeToString, isRequestCode, isResponseCode } from '../../src/coap/numbers.js';
export { Option, OPTIONS, optionSpec, optionName, isCritical, isUnsafe, isNoCacheKey, oscoreClassOf, type OptionSpec } from '../../src/coap/option-registry.js';
export { encodeMessage, decodeMessage, encodeOptionsAndPayload, readOptionsAndPayload, DEFAULT_DECODE_LIMITS, type DecodeLimits } from '../../src/coap/codec.js';
export { Endpoint, type EndpointOptions, type RequestInit, type RequestTarget, type AbortSignalLike } from '../../src/coap/endpoint.js';
export { ComposedEndpoint, type ComposedEndpointOptions } from '../../src/coap/composed-endpoint.js';
export { CoapClient } from '../../src/coap/client.js';
export { BlockwiseLayer, type BlockwiseLayerOptions } from '../../src/coap/blockwise-layer.js';
export { ObserveLayer } from '../../src/coap/observe-layer.js';
export { EchoLayer, type EchoLayerOptions } from '../../src/coap/echo-layer.js';
export { Response } from '../../src/coap/response.js';
export { Router, IncomingRequest, type Method, type ResourceHandler, type ResourcePolicy, type ResponseInit } from '../../src/coap/server.js';
export { parseCoapUri, formatCoapUri, type CoapUri } from '../../src/coap/uri.js';
export { Messaging, ServerMessaging, DEFAULT_PARAMETERS, type TransmissionParameters } from '../../src/coap/messaging.js';
export { oscoreLayer, oscoreServerLayer, oscoreClientLayer, type OscoreLayerOptions, type OscoreServerLayerOptions, type OscoreClientLayerOptions } from '../../src/coap/oscore-layer.js';
export { EchoIssuer } from '../../src/coap/echo.js';
export { MacEchoIssuer } from '../../src/coap/echo-mac.js';
export type { StackLayer, Peer } from '../../src/coap/exchange.js';

// OSCORE
export * from '../../src/oscore/index.js';

// Crypto
export { getAlgorithm, findAlgorithm, algorithmByName, AEAD_ALGORITHMS } from '../../src/crypto/algorithms.js';
export type { AeadAlgorithm, AeadKey } from '../../src/crypto/aead.js';
export { hkdfSha256 } from '../../src/crypto/hkdf.js';
export { setAesBlockCipherFactory } from '../../src/crypto/aes.js';

// Persistence (App. B.1)
export { RecordLog } from '../../src/persist/record-log.js';
export { FlashContextStore, doublingChunks, rateBoundedChunks } from '../../src/persist/flash-context-store.js';
