/**
 * Platform module for Moddable's desktop simulator (`lin`, `mcsim`), mapped to the specifier
 * `oscore-xs/platform` by manifest.json's "platforms" section. `lin` has no `flash` module, so
 * the NOR flash is simulated over `preference` (one ArrayBuffer per 4096-byte sector, in the
 * domain "oscore-flash"), with NOR rules enforced here: erase sets 0xFF, a write can only clear
 * bits. `c_rand()` is libc `rand()` there (the same sequence on every run), so `rng` is seeded from
 * the clock.
 */
import Preference from 'preference';
import RNG from 'rng';
import Time from 'time';
import type { FlashPort } from '../../src/ports.js';

export const platformName: string = 'lin';

const SECTOR = 4096;
/** Simulated partition size when the manifest gives none (64 KiB, as esp32/partitions.csv). */
const DEFAULT_SIZE = 65536;

export function openFlash(label: string, byteLength = DEFAULT_SIZE): FlashPort {
  const domain = 'oscore-flash';
  const key = (sector: number) => label + '.' + sector;
  const load = (sector: number): Uint8Array => {
    const v = Preference.get(domain, key(sector));
    const out = new Uint8Array(SECTOR).fill(0xff);
    if (v instanceof ArrayBuffer && v.byteLength === SECTOR) out.set(new Uint8Array(v));
    return out;
  };
  const check = (offset: number, length: number): void => {
    if (!(offset >= 0 && length >= 0 && offset + length <= byteLength)) throw new RangeError('flash: out of range ' + offset + '+' + length);
  };
  return {
    blockSize: SECTOR,
    byteLength,
    erase(sector: number): void {
      check(sector * SECTOR, SECTOR);
      Preference.delete(domain, key(sector));
    },
    read(offset: number, length: number): Uint8Array {
      check(offset, length);
      const out = new Uint8Array(length);
      for (let done = 0; done < length; ) {
        const at = offset + done;
        const sector = Math.floor(at / SECTOR);
        const from = at - sector * SECTOR;
        const n = Math.min(SECTOR - from, length - done);
        out.set(load(sector).subarray(from, from + n), done);
        done += n;
      }
      return out;
    },
    write(offset: number, bytes: Uint8Array): void {
      check(offset, bytes.length);
      for (let done = 0; done < bytes.length; ) {
        const at = offset + done;
        const sector = Math.floor(at / SECTOR);
        const from = at - sector * SECTOR;
        const n = Math.min(SECTOR - from, bytes.length - done);
        const data = load(sector);
        for (let i = 0; i < n; i++) data[from + i] &= bytes[done + i];
        Preference.set(domain, key(sector), data.buffer as ArrayBuffer);
        done += n;
      }
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
  RNG.init(seed.buffer);
}
