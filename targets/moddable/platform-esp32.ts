/**
 * Platform module for ESP32 (and other MCUs with Moddable's `flash` module), mapped to the
 * specifier `oscore-xs/platform` by manifest.json's "platforms" section. platform-lin.ts is its
 * desktop twin; both export the same three names.
 */
import Flash from 'flash';
import type { FlashPort } from '../../src/ports.js';

export const platformName: string = 'esp32';

/**
 * The data partition `label` as a FlashPort (NOR: erase sets a 4096-byte sector to 0xFF, writes
 * clear bits). The partition comes from the partition table (esp32/partitions.csv has `oscore`).
 */
export function openFlash(label: string): FlashPort {
  const flash = new Flash(label);
  return {
    blockSize: flash.blockSize,
    byteLength: flash.byteLength,
    erase(sector: number): void {
      flash.erase(sector);
    },
    read(offset: number, length: number): Uint8Array {
      return new Uint8Array(flash.read(offset, length) as ArrayBuffer);
    },
    write(offset: number, bytes: Uint8Array): void {
      // The native write reads a whole buffer; hand it one that starts at the first byte.
      const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer;
      flash.write(offset, bytes.length, whole as ArrayBuffer);
    },
  };
}

/** `rng` seeds itself from `esp_random()` (the hardware RNG) on first use: nothing to add. */
export function seedRandom(): void {}
