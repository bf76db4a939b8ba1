/**
 * The RecordLog's record format on NOR flash: encoding, and the scan of one sector that boot
 * recovery builds on (valid records, torn writes, damage).
 *
 * Record (4-byte aligned, little endian):
 *   0 'O' 'X' magic · 2 flags (DELETED, DAMAGED) · 3 keyLength
 *   4 commit word (FFFFFFFF while written, 00000000 once complete)
 *   8 gen u32 (one counter over the whole log: the newest record of a key has the highest gen)
 *   12 bodyLength u16 · 14 key · body · CRC-32 of all before (magic as 'OX', commit word as FFFFFFFF)
 * A record is written in one write, then committed by clearing its commit word (a second write):
 * it counts when its CRC matches and its commit has begun (the commit write only starts once the
 * record is complete). A record whose commit began but whose CRC fails is damage, never mistaken
 * for a torn write; a record whose magic took a bit flip still reads (its CRC counts 'OX').
 */
import { crc32 } from './crc.js';

export const MAGIC0 = 0x4f;
export const MAGIC1 = 0x58;
export const HEADER = 14;
const TRAILER = 4;
export const MAX_KEY_LENGTH = 64;
/** The record is a tombstone: the key was deleted (moved away). */
export const FLAG_DELETED = 0x01;
/** The key's state may have been lost to damage in the partition: it must not be used. */
export const FLAG_DAMAGED = 0x02;
/** Bytes a record with this key and body occupies in flash. */
export function recordSize(keyLength: number, bodyLength: number): number {
  return (HEADER + keyLength + bodyLength + TRAILER + 3) & ~3;
}

export interface Found {
  sector: number;
  offset: number;
  gen: number;
  flags: number;
  key: Uint8Array;
  bodyLength: number;
  size: number;
}

export interface Region {
  start: number;
  end: number;
  /** A committed record failed its CRC (not a torn write). */
  damaged: boolean;
}

export interface SectorScan {
  records: Found[];
  regions: Region[];
  /** End of the last valid record. */
  validEnd: number;
  /** Aligned end of the last byte that is not 0xFF (0 when blank). */
  dataEnd: number;
}

function u32(b: Uint8Array, i: number): number {
  return (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;
}

/**
 * CRC of a record's bytes [p, end), counting the magic as 'OX' (so a record whose magic took a
 * bit flip is still recognised by its CRC) and the commit word as erased (its value when the CRC
 * was written).
 */
function recordCrc(b: Uint8Array, p: number, end: number): number {
  let c = crc32(MAGIC, 0, 2);
  c = crc32(b, p + 2, p + 4, c);
  c = crc32(ERASED_WORD, 0, 4, c);
  return crc32(b, p + 8, end, c);
}
const MAGIC = new Uint8Array([MAGIC0, MAGIC1]);
const ERASED_WORD = new Uint8Array([0xff, 0xff, 0xff, 0xff]);

/**
 * The commit write began: some bit of the commit word is cleared. It only begins after the whole
 * record was written, so a record whose CRC matches and whose commit began is complete — even when
 * the commit write itself was cut (the record then counts as written just before the cut).
 */
function commitBegun(b: Uint8Array, p: number): boolean {
  return (b[p + 4] & b[p + 5] & b[p + 6] & b[p + 7]) !== 0xff;
}

/**
 * Could the unparsable bytes starting at `start` (up to `end`) be a record write cut by a power
 * failure? Then its commit word is still erased: the commit is written only after the record.
 * Any other start — a committed record with a failing check, garbage — is damage.
 */
function looksTorn(b: Uint8Array, start: number, end: number): boolean {
  for (let j = 4; j < 8; j++) if (start + j < end && b[start + j] !== 0xff) return false;
  return true;
}

type Parsed = { kind: 'valid'; found: Omit<Found, 'sector'> } | { kind: 'damaged'; certain: boolean } | { kind: 'invalid' };

function parseAt(b: Uint8Array, p: number, limit: number): Parsed {
  if (p + HEADER > limit) return { kind: 'invalid' };
  const magicOk = b[p] === MAGIC0 && b[p + 1] === MAGIC1;
  // The commit only begins once the whole record is written: not begun = a torn write.
  if (!commitBegun(b, p)) return { kind: 'invalid' };
  const k = b[p + 3];
  const bodyLength = b[p + 12] | (b[p + 13] << 8);
  const dataEnd = p + HEADER + k + bodyLength;
  const plausible = k >= 1 && k <= MAX_KEY_LENGTH && dataEnd + TRAILER <= limit;
  if (plausible && recordCrc(b, p, dataEnd) === u32(b, dataEnd)) {
    // (A record whose magic took a bit flip still matches: the CRC counts the magic as 'OX'.)
    return { kind: 'valid', found: { offset: p, gen: u32(b, p + 8), flags: b[p + 2], key: b.slice(p + HEADER, p + HEADER + k), bodyLength, size: recordSize(k, bodyLength) } };
  }
  if (!magicOk) return { kind: 'invalid' };
  // A committed record that fails its check is damage, not a torn write. `certain`: the commit
  // word is fully cleared and the key length plausible — random bytes almost never look so.
  const fullCommit = b[p + 4] === 0 && b[p + 5] === 0 && b[p + 6] === 0 && b[p + 7] === 0;
  return { kind: 'damaged', certain: fullCommit && k >= 1 && k <= MAX_KEY_LENGTH };
}

export function scanSector(b: Uint8Array, sector: number): SectorScan {
  const bs = b.length;
  let last = bs - 1;
  while (last >= 0 && b[last] === 0xff) last--;
  const dataEnd = (last + 4) & ~3;
  const records: Found[] = [];
  const regions: Region[] = [];
  let open: Region | null = null;
  let validEnd = 0;
  let p = 0;
  while (p < dataEnd) {
    const r = parseAt(b, p, bs);
    if (r.kind === 'valid') {
      if (open) { open.end = p; regions.push(open); open = null; }
      records.push({ sector, ...r.found });
      p += r.found.size;
      validEnd = p;
      continue;
    }
    // Where a record should start, any committed-looking header that fails is damage; inside
    // unparsable bytes (resynchronising), only one that is certainly a committed record.
    if (!open) open = { start: p, end: p, damaged: r.kind === 'damaged' };
    else if (r.kind === 'damaged' && r.certain) open.damaged = true;
    p += 4;
  }
  if (open) { open.end = dataEnd; regions.push(open); }
  for (const r of regions) if (!looksTorn(b, r.start, r.end)) r.damaged = true;
  return { records, regions, validEnd, dataEnd };
}

/** A record as written: commit word erased (the commit is a second write), CRC over the rest. */
export function encodeRecord(key: Uint8Array, flags: number, gen: number, body: Uint8Array): Uint8Array {
  const k = key.length;
  const dataEnd = HEADER + k + body.length;
  const rec = new Uint8Array(dataEnd + TRAILER);
  rec[0] = MAGIC0;
  rec[1] = MAGIC1;
  rec[2] = flags;
  rec[3] = k;
  rec.set(ERASED_WORD, 4);
  rec[8] = gen & 0xff;
  rec[9] = (gen >>> 8) & 0xff;
  rec[10] = (gen >>> 16) & 0xff;
  rec[11] = gen >>> 24;
  rec[12] = body.length & 0xff;
  rec[13] = body.length >>> 8;
  rec.set(key, HEADER);
  rec.set(body, HEADER + k);
  const c = recordCrc(rec, 0, dataEnd);
  rec[dataEnd] = c & 0xff;
  rec[dataEnd + 1] = (c >>> 8) & 0xff;
  rec[dataEnd + 2] = (c >>> 16) & 0xff;
  rec[dataEnd + 3] = c >>> 24;
  return rec;
}
