/**
 * A simulated NOR flash partition implementing the FlashPort (src/ports.ts), for tests on both
 * engines and, over a file, for the simulated device (targets/node/file-flash.ts).
 *
 * NOR semantics: `erase(sector)` sets a whole sector to 0xFF; `write` can only clear bits, so
 * programming a 1 over a 0 is a bug in the caller and throws FlashProgramError. Counters record
 * writes, programmed bytes and erases per sector (wear).
 *
 * Power cuts: `cutPowerAfter(n)` lets n more byte steps happen (one step per programmed byte, one
 * per byte of an erase), then tears the operation in progress: a write keeps its first bytes, the
 * torn byte is optionally partially programmed, the rest is lost; an erase leaves the sector partly
 * erased with a garbage byte at the cut. Afterwards every access throws PowerCut until `reboot()`.
 */
import { Prng } from './prng.js';
import type { FlashPort } from '../ports.js';

/** Thrown by every access while the simulated power is off. */
export class PowerCut extends Error {
  constructor(message = 'power cut') {
    super(message);
    this.name = 'PowerCut';
  }
}

/** A write tried to turn a 0 bit into a 1 (NOR cannot), or an access out of the partition. */
export class FlashProgramError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlashProgramError';
  }
}

export interface NorFlashOptions {
  /** Number of sectors (default 2). */
  sectors?: number;
  /** Sector (erase block) size in bytes (default 4096, as on the ESP32). */
  blockSize?: number;
  /** Start from this content (copied unless `shareImage`); default all 0xFF. */
  image?: Uint8Array;
  /** Use `image` itself as the backing store (file-flash mirrors it to disk). */
  shareImage?: boolean;
  /** Called after bytes [offset, offset+length) changed (file-flash persists them). */
  onChange?: (offset: number, length: number) => void;
  /** Torn byte of a cut write gets a random subset of its intended bits (default true). */
  partialTornByte?: boolean;
  /** Seed for the garbage left by cuts. */
  seed?: number;
}

export class NorFlash implements FlashPort {
  readonly blockSize: number;
  readonly byteLength: number;
  readonly sectorCount: number;
  /** The backing bytes (exposed for tests that inject corruption and for snapshots). */
  readonly bytes: Uint8Array;
  readonly writesPerSector: number[];
  readonly erasesPerSector: number[];
  writes = 0;
  erases = 0;
  bytesProgrammed = 0;
  /** Byte steps done since creation (programmed bytes + erased bytes): for cut enumeration. */
  steps = 0;
  private budget = Infinity;
  private off = false;
  private readonly onChange?: (offset: number, length: number) => void;
  private readonly partialTornByte: boolean;
  private readonly rng: Prng;

  constructor(options: NorFlashOptions = {}) {
    this.blockSize = options.blockSize ?? 4096;
    if (!Number.isInteger(this.blockSize) || this.blockSize < 64 || this.blockSize % 4 !== 0) throw new RangeError('blockSize must be a multiple of 4, at least 64');
    if (options.image) {
      if (options.image.length === 0 || options.image.length % this.blockSize !== 0) throw new RangeError('flash image must be a whole number of sectors');
      this.sectorCount = options.image.length / this.blockSize;
      this.bytes = options.shareImage ? options.image : options.image.slice();
    } else {
      this.sectorCount = options.sectors ?? 2;
      if (!Number.isInteger(this.sectorCount) || this.sectorCount < 1) throw new RangeError('sectors must be a positive integer');
      this.bytes = new Uint8Array(this.sectorCount * this.blockSize).fill(0xff);
    }
    this.byteLength = this.bytes.length;
    this.writesPerSector = new Array<number>(this.sectorCount).fill(0);
    this.erasesPerSector = new Array<number>(this.sectorCount).fill(0);
    this.onChange = options.onChange;
    this.partialTornByte = options.partialTornByte ?? true;
    this.rng = new Prng(options.seed ?? 1);
  }

  /** A copy with the same content (not the counters), powered. */
  clone(options: Omit<NorFlashOptions, 'image' | 'blockSize'> = {}): NorFlash {
    return new NorFlash({ ...options, blockSize: this.blockSize, image: this.bytes });
  }

  /** Let `n` more byte steps happen, then cut the power in the middle of the operation. */
  cutPowerAfter(n: number): void {
    if (!(n >= 0)) throw new RangeError('cutPowerAfter: n must be ≥ 0');
    this.budget = n;
  }

  /** True while the power is cut (until reboot()). */
  get isOff(): boolean {
    return this.off;
  }

  /** Power comes back: accesses work again, no cut pending. */
  reboot(): void {
    this.off = false;
    this.budget = Infinity;
  }

  private checkPower(): void {
    if (this.off) throw new PowerCut('flash accessed while the power is off');
  }

  private checkRange(offset: number, length: number): void {
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > this.byteLength)
      throw new FlashProgramError('flash access out of range: ' + offset + '+' + length + ' of ' + this.byteLength);
  }

  read(offset: number, length: number): Uint8Array {
    this.checkPower();
    this.checkRange(offset, length);
    return this.bytes.slice(offset, offset + length);
  }

  write(offset: number, data: Uint8Array): void {
    this.checkPower();
    this.checkRange(offset, data.length);
    const b = this.bytes;
    for (let i = 0; i < data.length; i++) {
      if ((data[i] & ~b[offset + i] & 0xff) !== 0)
        throw new FlashProgramError('NOR write would set bits at offset ' + (offset + i) + ' (0x' + b[offset + i].toString(16) + ' ← 0x' + data[i].toString(16) + ')');
    }
    const first = (offset / this.blockSize) | 0;
    const last = ((offset + Math.max(data.length, 1) - 1) / this.blockSize) | 0;
    for (let s = first; s <= last; s++) this.writesPerSector[s]++;
    this.writes++;
    let done = data.length;
    let torn = false;
    if (data.length > this.budget) {
      done = this.budget;
      torn = true;
    }
    for (let i = 0; i < done; i++) b[offset + i] &= data[i];
    this.bytesProgrammed += done;
    this.steps += done;
    if (torn) {
      // The byte being programmed when the power failed may have some of its bits cleared.
      if (this.partialTornByte) b[offset + done] &= data[done] | (this.rng.next() & 0xff);
      this.off = true;
      this.onChange?.(offset, data.length);
      throw new PowerCut('power cut while writing ' + data.length + ' bytes at ' + offset + ' (after ' + done + ')');
    }
    this.budget -= done;
    this.onChange?.(offset, data.length);
  }

  erase(sector: number): void {
    this.checkPower();
    if (!Number.isInteger(sector) || sector < 0 || sector >= this.sectorCount) throw new FlashProgramError('no sector ' + sector);
    const start = sector * this.blockSize;
    this.erasesPerSector[sector]++;
    this.erases++;
    if (this.budget < this.blockSize) {
      const done = this.budget;
      this.bytes.fill(0xff, start, start + done);
      // Partly erased: some bits of the byte at the cut went back to 1.
      this.bytes[start + done] |= this.rng.next() & 0xff;
      this.steps += done;
      this.off = true;
      this.onChange?.(start, this.blockSize);
      throw new PowerCut('power cut while erasing sector ' + sector + ' (after ' + done + ' bytes)');
    }
    this.bytes.fill(0xff, start, start + this.blockSize);
    this.steps += this.blockSize;
    this.budget -= this.blockSize;
    this.onChange?.(start, this.blockSize);
  }
}
