/**
 * Platform module for Moddable's desktop simulator (`lin`, `mcsim`), mapped to the specifier
 * `oscore-xs/platform` by targets/moddable/manifest.json's "platforms" section. `lin` has no
 * `flash` module (importing it aborts the app), so the partition is simulated in a file,
 * `<config.file.root>oscore-xs-<label>.flash` (/tmp/ on lin) — or the path in the build configuration
 * `oscore_flash` (mcconfig `oscore_flash=/path/file.flash`), so several mcsim instances on one machine
 * keep separate partitions — with NOR rules enforced here: erase
 * sets a sector to 0xFF, a write can only clear bits. The `file` module flushes every write, so
 * killing mcsim keeps what was written, like a power cut. (`preference` would be the other
 * choice, but on lin it rewrites one JSON file, deleting it first, on every change.)
 * `c_rand()` is libc `rand()` there (the same sequence on every run), so `rng` is seeded from the
 * clock.
 */
import { File } from 'file';
import config from 'mc/config';
import RNG from 'rng';
import Time from 'time';
import type { FlashPort } from '../../src/ports.js';
import { linFlashFileName } from '../../src/device-image/partition-table.js';

export const platformName: string = 'lin';

const SECTOR = 4096;
/** Simulated partition size (64 KiB, as the `oscore` partition in esp32/partitions.csv). */
const DEFAULT_SIZE = 65536;

export function openFlash(label: string, byteLength = DEFAULT_SIZE): FlashPort {
  const configured = (config as Record<string, unknown>).oscore_flash;
  const path = typeof configured === 'string' && configured ? configured : config.file.root + linFlashFileName(label);
  const file = new File(path, true);
  if (file.length < byteLength) {
    const blank = new Uint8Array(SECTOR).fill(0xff);
    for (let at = file.length - (file.length % SECTOR); at < byteLength; at += SECTOR) {
      file.position = at;
      file.write(blank.buffer as ArrayBuffer);
    }
  }
  const check = (offset: number, length: number): void => {
    if (!(offset >= 0 && length >= 0 && offset + length <= byteLength)) throw new RangeError('flash: out of range ' + offset + '+' + length);
  };
  const read = (offset: number, length: number): Uint8Array => {
    check(offset, length);
    file.position = offset;
    return new Uint8Array(file.read(ArrayBuffer, length));
  };
  return {
    blockSize: SECTOR,
    byteLength,
    erase(sector: number): void {
      check(sector * SECTOR, SECTOR);
      file.position = sector * SECTOR;
      file.write(new Uint8Array(SECTOR).fill(0xff).buffer as ArrayBuffer);
    },
    read,
    write(offset: number, bytes: Uint8Array): void {
      const data = read(offset, bytes.length);
      for (let i = 0; i < data.length; i++) data[i] &= bytes[i];
      file.position = offset;
      file.write(data.buffer as ArrayBuffer);
    },
  };
}

/** Seed `rng` from wall-clock and tick counters (the desktop has no hardware RNG behind c_rand). */
export function seedRandom(): void {
  const seed = new Uint8Array(16);
  let a = Date.now();
  let b = Time.ticks;
  for (let i = 0; i < 8; i++) {
    seed[i] = a & 0xff;
    seed[8 + i] = (b & 0xff) ^ ((Math.random() * 256) | 0);
    a = Math.floor(a / 256);
    b = Math.floor(b / 256);
  }
  RNG.init(seed.buffer as ArrayBuffer);
}
