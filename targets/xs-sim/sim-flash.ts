/**
 * The simulated ESP32's flash partition as a file (`.sim/flash.bin`): a NOR flash
 * (src/sim/nor-flash.ts enforces erase-to-0xFF and write-clears-bits) whose every change is written
 * through to the file before the device's request returns — so a SIGKILL of the simulator is a
 * power cut that keeps exactly what the device had written, as on the MCU.
 * 64 KiB (16 sectors of 4 KiB), the size of the `oscore` partition in
 * targets/moddable/esp32/partitions.csv.
 */
import { closeSync, existsSync, openSync, readFileSync, writeSync, fsyncSync } from 'node:fs';
import { NorFlash } from '../../src/sim/nor-flash.js';

export const SIM_FLASH_SECTORS = 16;
export const SIM_FLASH_BLOCK = 4096;

export interface FileBackedFlash {
  flash: NorFlash;
  close(): void;
}

export function openFlashFile(path: string, sectors = SIM_FLASH_SECTORS): FileBackedFlash {
  const size = sectors * SIM_FLASH_BLOCK;
  let image: Uint8Array;
  if (existsSync(path)) {
    const data = readFileSync(path);
    if (data.length !== size) throw new Error(path + ': expected ' + size + ' bytes of simulated flash, found ' + data.length + ' (delete it to start over)');
    image = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  } else {
    image = new Uint8Array(size).fill(0xff);
  }
  const fd = openSync(path, existsSync(path) ? 'r+' : 'w+');
  if (image.every((b) => b === 0xff)) writeSync(fd, image, 0, size, 0);
  const flash = new NorFlash({
    blockSize: SIM_FLASH_BLOCK,
    image,
    shareImage: true,
    onChange: (offset, length) => {
      writeSync(fd, image, offset, length, offset);
    },
  });
  return {
    flash,
    close() {
      fsyncSync(fd);
      closeSync(fd);
    },
  };
}
