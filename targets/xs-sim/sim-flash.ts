/**
 * The simulated ESP32's flash partition as a file (`.sim/flash.bin`): the file-backed NOR flash of
 * targets/node/file-flash.ts (erase to 0xFF, writes only clear bits, every change written through
 * to the file before the device's request returns — so a SIGKILL of the simulator is a power cut
 * that keeps exactly what the device had written, as on the MCU), at the device's geometry:
 * 64 KiB (16 sectors of 4 KiB), the size of the `oscore` partition in
 * targets/moddable/esp32/partitions.csv.
 */
import { openFileFlash, type FileFlash } from '../node/file-flash.js';

export const SIM_FLASH_SECTORS = 16;
export const SIM_FLASH_BLOCK = 4096;

export type FileBackedFlash = FileFlash;

export function openFlashFile(path: string, sectors = SIM_FLASH_SECTORS): FileBackedFlash {
  return openFileFlash(path, { sectors, blockSize: SIM_FLASH_BLOCK });
}
