/**
 * The device image file of `oscore-xs context new --device-image FILE`: the partition geometry
 * (offset and size of the `oscore` data partition read from the ESP-IDF partition table the firmware
 * is built with, targets/moddable/esp32/partitions.csv, unless overridden), writing FILE (new, or
 * `--add` to an image not yet written to its device), and the instructions that write it to the
 * device. The image itself is built by src/device-image/image.ts through the real RecordLog.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LoadError } from '../../../src/errors.js';
import { buildDeviceImage, describeDeviceImage, type DeviceImageEntry, type PartitionGeometry } from '../../../src/device-image/image.js';
import { findPartition, linFlashFileName, parsePartitionNumber, parsePartitionTable } from '../../../src/device-image/partition-table.js';
import { flagOpt, stringOpt, UsageError, type OptionSpec, type ParsedArgs } from './args.js';

export const deviceImageOptions: OptionSpec[] = [
  { name: 'device-image', value: 'FILE', help: "write the device's side into FILE, a flash partition image (not into a directory): give only OUTDIR_CLIENT" },
  { name: 'add', help: 'with --device-image: add the context to FILE, an image made earlier and not yet written to its device' },
  { name: 'name', value: 'NAME', help: "with --device-image: the context's name on the device (default client)" },
  { name: 'partition-table', value: 'CSV', help: 'ESP-IDF partition table with the partition (default: targets/moddable/esp32/partitions.csv of this package)' },
  { name: 'partition', value: 'NAME', help: 'the data partition (default oscore)' },
  { name: 'partition-size', value: 'BYTES', help: "override the partition's size from the table (e.g. 0x10000, 64K)" },
  { name: 'partition-offset', value: 'BYTES', help: "override the partition's offset from the table (e.g. 0x3C0000)" },
  { name: 'sector-size', value: 'BYTES', help: 'flash erase-sector size (default 4096, as on the ESP32)' },
];

/** The folder of this package (holding package.json "oscore-xs"), from a bundle anywhere inside it. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj) && (JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'oscore-xs') return dir;
    const up = dirname(dir);
    if (up === dir) throw new LoadError('cannot find the oscore-xs package folder (for its partition table): pass --partition-table');
    dir = up;
  }
}

export function defaultPartitionTable(): string {
  return join(packageRoot(), 'targets/moddable/esp32/partitions.csv');
}

export interface ImagePartition extends PartitionGeometry {
  name: string;
  offset: number;
  table: string;
}

function bytesOpt(p: ParsedArgs, name: string): number | undefined {
  const v = stringOpt(p, name);
  if (v === undefined) return undefined;
  try {
    return parsePartitionNumber(v);
  } catch {
    throw new UsageError('--' + name + ': expected a number of bytes (decimal or 0x hex, optional K/M)');
  }
}

/** The partition the image is for: the table's entry with the command line's overrides. */
export function imagePartition(p: ParsedArgs): ImagePartition {
  const table = resolve(stringOpt(p, 'partition-table') ?? defaultPartitionTable());
  const name = stringOpt(p, 'partition') ?? 'oscore';
  let text: string;
  try {
    text = readFileSync(table, 'utf8');
  } catch (e) {
    throw new LoadError(table + ': ' + (e as Error).message);
  }
  const entry = findPartition(parsePartitionTable(text), name);
  const offset = bytesOpt(p, 'partition-offset') ?? entry.offset;
  if (offset === undefined) throw new LoadError(table + ': partition "' + name + '" has no offset: pass --partition-offset');
  const blockSize = bytesOpt(p, 'sector-size') ?? 4096;
  const byteLength = bytesOpt(p, 'partition-size') ?? entry.size;
  if (offset % blockSize !== 0) throw new LoadError('partition offset 0x' + offset.toString(16) + ' is not aligned to the ' + blockSize + '-byte sector');
  return { name, offset, byteLength, blockSize, table };
}

export function deviceImageArgs(p: ParsedArgs): { file: string; add: boolean; name: string } | undefined {
  const file = stringOpt(p, 'device-image');
  if (file === undefined) {
    for (const o of ['add', 'name']) if (p.values.has(o)) throw new UsageError('--' + o + ' needs --device-image');
    return undefined;
  }
  return { file: resolve(file), add: flagOpt(p, 'add'), name: stringOpt(p, 'name') ?? 'client' };
}

/**
 * Build the image bytes for `entries` (into FILE's image with --add) and check everything, before
 * anything is written. Refuses to replace a file without --add: an image that was already written
 * to a device holds a live context, and a new image over it would hide that mistake.
 */
export function prepareDeviceImage(file: string, add: boolean, partition: ImagePartition, entries: DeviceImageEntry[]): Uint8Array {
  let existing: Uint8Array | undefined;
  if (add) {
    if (!existsSync(file)) throw new LoadError(file + ': no such image to --add to');
    existing = new Uint8Array(readFileSync(file));
    if (existing.length !== partition.byteLength) throw new LoadError(file + ': ' + existing.length + ' bytes, but partition "' + partition.name + '" is ' + partition.byteLength + ' (same --partition-* options as when it was made?)');
  } else if (existsSync(file)) {
    throw new LoadError(file + ': exists; refusing to overwrite (--add adds a context to an image not yet written to its device)');
  }
  return buildDeviceImage(partition, entries, existing);
}

/** Write the image readable only by its owner: new (never over a file), or replacing FILE (--add). */
export function writeDeviceImage(file: string, add: boolean, image: Uint8Array): void {
  if (!add) {
    writeFileSync(file, image, { flag: 'wx', mode: 0o600 });
    return;
  }
  const tmp = file + '.' + process.pid + '.tmp';
  writeFileSync(tmp, image, { flag: 'wx', mode: 0o600 });
  renameSync(tmp, file);
}

const hex = (n: number) => '0x' + n.toString(16);

/** What to run to put FILE on the device, and the reminder to delete it. */
export function deviceImageInstructions(file: string, partition: ImagePartition, image: Uint8Array): string {
  const held = describeDeviceImage(partition, image).contexts;
  return [
    'wrote ' + file + ': partition "' + partition.name + '" (' + partition.byteLength + ' bytes at ' + hex(partition.offset) + ', ' + partition.blockSize + '-byte sectors, from ' + partition.table + ')',
    '  holding the OSCORE context' + (held.length === 1 ? ' ' : 's ') + held.map((n) => '"' + n + '"').join(', '),
    'write it to the device:',
    '  ESP32:        esptool.py --chip esp32 write_flash ' + hex(partition.offset) + ' ' + file,
    '  lin (mcsim):  cp ' + file + ' /tmp/' + linFlashFileName(partition.name) + '   (before starting the app)',
    'then delete ' + file + ' (rm ' + file + '): it holds the device\'s keys, and a second device written',
    'from it would send with the same keys and sequence numbers (nonce reuse). Never copy a context: move it.',
    '',
  ].join('\n');
}
