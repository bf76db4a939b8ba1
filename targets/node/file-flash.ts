/**
 * A simulated NOR flash partition kept in a file (e.g. `.sim/flash.bin`): the NorFlash of
 * src/sim/nor-flash.ts (erase to 0xFF, writes only clear bits, wear counters, power-cut injection)
 * over a file image. Every change is written through to the file before the call returns, so
 * killing the process is a power cut that keeps exactly what was written, as on the device.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { NorFlash } from '../../src/sim/nor-flash.js';

export interface FileFlashOptions {
  /** Sectors of a new file (default 16: 64 KiB, like the device's `oscore` partition). */
  sectors?: number;
  /** Default 4096, the ESP32's erase sector. */
  blockSize?: number;
  /** fsync after every change (slower; survives an OS crash, not only a process kill). */
  sync?: boolean;
}

export interface FileFlash {
  flash: NorFlash;
  close(): void;
}

/** Open (or create, erased) a flash image file. An existing file must have the expected size. */
export function openFileFlash(path: string, options: FileFlashOptions = {}): FileFlash {
  const blockSize = options.blockSize ?? 4096;
  const size = (options.sectors ?? 16) * blockSize;
  let image: Uint8Array;
  const exists = existsSync(path);
  if (exists) {
    const data = readFileSync(path);
    if (data.length !== size) throw new Error(path + ': expected ' + size + ' bytes of simulated flash, found ' + data.length);
    image = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  } else {
    image = new Uint8Array(size).fill(0xff);
  }
  const fd = openSync(path, exists ? 'r+' : 'w+');
  if (!exists) writeSync(fd, image, 0, size, 0);
  let open = true;
  const flash = new NorFlash({
    blockSize,
    image,
    shareImage: true,
    onChange: (offset, length) => {
      if (!open) throw new Error(path + ': flash file is closed');
      writeSync(fd, image, offset, length, offset);
      if (options.sync) fsyncSync(fd);
    },
  });
  return {
    flash,
    close() {
      if (!open) return;
      open = false;
      fsyncSync(fd);
      closeSync(fd);
    },
  };
}
