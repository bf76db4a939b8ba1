/**
 * A simulated NOR flash partition kept in a file (e.g. `.sim/flash.bin`): the NorFlash of
 * src/sim/nor-flash.ts (erase to 0xFF, writes only clear bits, wear counters, power-cut injection)
 * over a file image. Every change is written through to the file before the call returns, so
 * killing the process is a power cut that keeps exactly what was written, as on the device.
 * One file is open once per process: a second image of it would be a second copy of the flash,
 * and of the security contexts in it (two live copies reuse nonces — src/persist/README.md).
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, realpathSync, writeSync } from 'node:fs';
import { NorFlash } from '../../src/sim/nor-flash.js';
import { LoadError } from '../../src/errors.js';

/** Flash files open in this process (real paths). */
const openFiles = new Set<string>();

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
    if (data.length !== size) throw new Error(path + ': expected ' + size + ' bytes of simulated flash, found ' + data.length + ' (delete it to start over)');
    image = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  } else {
    image = new Uint8Array(size).fill(0xff);
  }
  const fd = openSync(path, exists ? 'r+' : 'w+');
  const real = realpathSync(path);
  if (openFiles.has(real)) {
    closeSync(fd);
    throw new LoadError(path + ': this flash file is already open in this process (close it first: a second image would be a second copy of its contexts)');
  }
  openFiles.add(real);
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
      openFiles.delete(real);
      fsyncSync(fd);
      closeSync(fd);
    },
  };
}
