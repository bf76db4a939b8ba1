/**
 * Compile-time checks (no runtime code) for modules that stand in for others in device builds:
 * platform-lin.ts must offer what platform-esp32.ts offers (both answer to `oscore-xs/platform`),
 * and the native crypto modules must offer what the src/crypto modules they replace offer
 * (rollup.config.mjs swaps them in Moddable builds).
 */
import type * as Esp32 from './platform-esp32.js';
import type * as Lin from './platform-lin.js';
import type * as SrcAes from '../../src/crypto/aes-noble.js';
import type * as DeviceAes from './crypto-aes.js';
import type * as SrcHkdf from '../../src/crypto/hkdf.js';
import type * as DeviceHkdf from './crypto-hkdf.js';
import type * as SrcSha256 from '../../src/crypto/sha256.js';
import type * as DeviceSha256 from './crypto-sha256.js';
import type * as SrcAsymmetric from '../../src/crypto/asymmetric-noble.js';
import type * as DeviceAsymmetric from './crypto-asymmetric.js';

type Conforms<Want, Have extends Want> = Have;
export type PlatformLinConforms = Conforms<typeof Esp32, typeof Lin>;
export type AesConforms = Conforms<typeof SrcAes, typeof DeviceAes>;
export type HkdfConforms = Conforms<typeof SrcHkdf, typeof DeviceHkdf>;
export type Sha256Conforms = Conforms<typeof SrcSha256, typeof DeviceSha256>;
export type AsymmetricConforms = Conforms<typeof SrcAsymmetric, typeof DeviceAsymmetric>;
