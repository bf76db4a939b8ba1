/**
 * RandomSource on Moddable: the `rng` module's keystream (seeded from the ESP32 hardware RNG, or by
 * the platform module on `lin`). Used for tokens, message IDs and Echo values; key material is
 * provisioned from outside the device.
 */
import RNG from 'rng';
import type { RandomSource } from '../../src/ports.js';

export class ModdableRandomSource implements RandomSource {
  fill(bytes: Uint8Array): void {
    if (bytes.length) bytes.set(new Uint8Array(RNG.get(bytes.length)));
  }
}
