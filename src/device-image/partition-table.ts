/**
 * ESP-IDF partition tables in their CSV form (`Name, Type, SubType, Offset, Size, Flags`; `#`
 * starts a comment; numbers in decimal or 0x hex, sizes may end in K or M), as
 * targets/moddable/esp32/partitions.csv gives the `oscore` data partition. The device-image
 * command reads the partition's offset and size from here, so they are written down in one place:
 * the table the firmware build uses.
 */
import { LoadError } from '../errors.js';

export interface PartitionEntry {
  name: string;
  type: string;
  subtype: string;
  /** Undefined when the table leaves it to the build tools (an empty Offset column). */
  offset?: number;
  size: number;
}

/** A number of the table: decimal or 0x hex, with an optional K or M (×1024, ×1024²) suffix. */
export function parsePartitionNumber(text: string): number {
  const m = /^(0x[0-9a-f]+|\d+)([km]?)$/i.exec(text.trim());
  if (!m) throw new LoadError('partition table: "' + text + '" is not a number (decimal or 0x hex, optional K/M)');
  const n = Number(m[1]);
  return m[2] === '' ? n : n * (m[2].toLowerCase() === 'k' ? 1024 : 1024 * 1024);
}

export function parsePartitionTable(csv: string): PartitionEntry[] {
  const out: PartitionEntry[] = [];
  csv.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) return;
    const cols = line.split(',').map((c) => c.trim());
    if (cols.length < 5 || !cols[0] || !cols[4]) throw new LoadError('partition table line ' + (i + 1) + ': expected Name, Type, SubType, Offset, Size');
    out.push({ name: cols[0], type: cols[1], subtype: cols[2], offset: cols[3] ? parsePartitionNumber(cols[3]) : undefined, size: parsePartitionNumber(cols[4]) });
  });
  return out;
}

/** The partition `name`; LoadError naming the ones there are when it is missing. */
export function findPartition(table: readonly PartitionEntry[], name: string): PartitionEntry {
  const p = table.find((e) => e.name === name);
  if (!p) throw new LoadError('partition table has no partition "' + name + '" (it has: ' + table.map((e) => e.name).join(', ') + ')');
  return p;
}

/**
 * On Moddable's desktop simulator (`lin`) there is no flash: the partition `name` is the file
 * `<config.file.root>oscore-xs-<name>.flash` (config.file.root is /tmp/ there), read by
 * targets/moddable/platform-lin.ts.
 */
export function linFlashFileName(name: string): string {
  return 'oscore-xs-' + name + '.flash';
}
