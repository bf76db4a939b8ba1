/**
 * The Moddable target: every port of src/ports.ts bound to Moddable's runtime, for ESP32 and for
 * the desktop simulator `lin`. Platform differences (flash, RNG seeding) live in the module
 * `oscore-xs/platform`, which manifest.json maps to platform-esp32.ts or platform-lin.ts. It is
 * imported as `moddable:oscore-xs/platform`: a module the app's manifest provides (every XS
 * resolver strips the `moddable:` prefix), which mcpack leaves to the manifest instead of looking
 * for it in the npm package.
 */
import { openFlash, seedRandom, platformName } from 'moddable:oscore-xs/platform';
import type { AesBlockCipherFactory, Clock, DatagramPort, FlashPort, RandomSource } from '../../src/ports.js';
import { PreparedKeyCache } from '../../src/crypto/key-cache.js';
import { nativeAesBlockCipherFactory } from './aes.js';
import { ModdableClock } from './clock.js';
import { ModdableRandomSource } from './random.js';
import { Ecma419UdpPort } from './udp.js';

export { nativeAesBlockCipherFactory, ModdableClock, ModdableRandomSource, Ecma419UdpPort, openFlash, platformName };

export interface ModdablePorts {
  datagram: DatagramPort;
  clock: Clock;
  random: RandomSource;
  flash: FlashPort;
  /**
   * The native AES of `crypt`. Device builds already make it the default (rollup substitutes
   * src/crypto/aes-noble.ts); pass it as `new SecurityContext(params, { aes: ports.aes })` where
   * a build does not substitute.
   */
  aes: AesBlockCipherFactory;
  /**
   * The prepared keys of the app's security contexts, on `aes`: pass it as
   * `new SecurityContext(params, { keyCache: ports.keyCache })`, so only the contexts in use hold
   * prepared keys (a context holds its raw keys only).
   */
  keyCache: PreparedKeyCache;
}

/**
 * Prepared keys kept by default: the two keys each of two contexts in use at a time. Another
 * context's first message prepares its key again (native AES: a key schedule and two Mode objects).
 */
export const DEFAULT_PREPARED_KEYS = 4;

export interface ModdablePortOptions {
  /** UDP port to bind (5683 for a CoAP server; omit for an ephemeral client port). */
  port?: number;
  /** Data partition holding the OSCORE state (default "oscore", see esp32/partitions.csv). */
  partition?: string;
  /** How many prepared keys the shared cache keeps (default DEFAULT_PREPARED_KEYS). */
  preparedKeys?: number;
}

/**
 * Bind all ports. Nothing here changes module state (the library is preloadable): what differs
 * per app is in the returned object.
 */
export function createModdablePorts(options: ModdablePortOptions = {}): ModdablePorts {
  seedRandom();
  return {
    datagram: new Ecma419UdpPort({ port: options.port }),
    clock: new ModdableClock(),
    random: new ModdableRandomSource(),
    flash: openFlash(options.partition ?? 'oscore'),
    aes: nativeAesBlockCipherFactory,
    keyCache: new PreparedKeyCache(options.preparedKeys ?? DEFAULT_PREPARED_KEYS, nativeAesBlockCipherFactory),
  };
}
