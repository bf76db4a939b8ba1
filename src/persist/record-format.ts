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
 *
 * Sector: counter A · witness W · records · counter B. Each is a bit string (FF when erased). The
 * k-th record committed in a sector clears bit k of that sector's A and B, after its commit word,
 * and bit k of W in the sector before it (W counts the records of the sector after its own). A
 * record that vanishes without a trace — bytes erased or overwritten back to what a never-written
 * or torn record looks like — leaves its bits cleared: boot sees more records counted than it
 * finds, which is damage, never a power cut (a cut comes before the bits are cleared). Three
 * copies, at the two ends of the sector and near the start of another one: no single run of damage
 * reaches the newest records and more than one of them.
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
/** The smallest record (1-byte key, empty body): bounds the records a sector can hold. */
const MIN_RECORD = 20;
/** Bytes of one record counter for a sector of `blockSize` bytes: a bit per possible record, 4-byte aligned. */
export function counterLength(blockSize: number): number {
  return ((Math.ceil(blockSize / MIN_RECORD) + 31) >>> 5) << 2;
}
/** Records counted by the counter at b[start, start + length): the highest cleared bit + 1. */
export function readCounter(b: Uint8Array, start: number, length: number): number {
  for (let i = length - 1; i >= 0; i--) {
    const v = b[start + i];
    if (v !== 0xff) {
      let bit = 7;
      while ((v & (0x80 >>> bit)) !== 0) bit--;
      return i * 8 + bit + 1;
    }
  }
  return 0;
}
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
  /** End of the last valid record (the records' start when none). */
  validEnd: number;
  /** Aligned end of the last byte of the records' area that is not 0xFF (the area's start when none). */
  dataEnd: number;
  /**
   * Records committed in this sector as its counters A and B say: the larger copy that is
   * possible at all (`possible`); a copy above that was damaged (a raised bit). Both impossible:
   * Infinity (damage, refuse to guess).
   */
  counted: number;
  /** At most this many records can have been committed here: the valid ones, and as many more as the other bytes could hold. */
  possible: number;
  /** This sector's witness W: records committed in the sector after it. */
  witnessed: number;
  /** Every byte of the sector, counters included, is 0xFF. */
  blank: boolean;
}

/** The u32 (little endian) at b[i]. */
export function getU32(b: Uint8Array, i: number): number {
  return (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;
}

/** Write `v` as a u32 (little endian) at b[i]; returns b. */
export function putU32(b: Uint8Array, i: number, v: number): Uint8Array {
  for (let j = 0; j < 4; j++) b[i + j] = v >>> (8 * j);
  return b;
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

/** parseAt: no record starts here (or a torn write), a committed record that fails its check, one that certainly is a record. */
const NO_RECORD = 0;
const DAMAGED = 1;
const CERTAINLY_DAMAGED = 2;

function parseAt(b: Uint8Array, p: number, limit: number, sector: number): Found | number {
  // The commit only begins once the whole record is written: not begun = a torn write.
  if (p + HEADER > limit || !commitBegun(b, p)) return NO_RECORD;
  const k = b[p + 3];
  const bodyLength = b[p + 12] | (b[p + 13] << 8);
  const dataEnd = p + HEADER + k + bodyLength;
  const keyOk = k >= 1 && k <= MAX_KEY_LENGTH;
  if (keyOk && dataEnd + TRAILER <= limit && recordCrc(b, p, dataEnd) === getU32(b, dataEnd)) {
    // (A record whose magic took a bit flip still matches: the CRC counts the magic as 'OX'.)
    return { sector, offset: p, gen: getU32(b, p + 8), flags: b[p + 2], key: b.slice(p + HEADER, p + HEADER + k), bodyLength, size: recordSize(k, bodyLength) };
  }
  if (b[p] !== MAGIC0 || b[p + 1] !== MAGIC1) return NO_RECORD;
  // A committed record that fails its check is damage, not a torn write. Certain: the commit
  // word is fully cleared and the key length plausible — random bytes almost never look so.
  return keyOk && getU32(b, p + 4) === 0 ? CERTAINLY_DAMAGED : DAMAGED;
}

/** Scan one sector (`b` is its whole content): A, W and B are `counter` bytes each, the records between W and B. */
export function scanSector(b: Uint8Array, sector: number, counter: number): SectorScan {
  const start = 2 * counter;
  const bs = b.length - counter;
  let last = bs - 1;
  while (last >= start && b[last] === 0xff) last--;
  const dataEnd = last < start ? start : (last + 4) & ~3;
  const records: Found[] = [];
  const regions: Region[] = [];
  let open: Region | null = null;
  let validEnd = start;
  let validBytes = 0;
  let p = start;
  while (p < dataEnd) {
    const r = parseAt(b, p, bs, sector);
    if (typeof r === 'object') {
      if (open) {
        open.end = p;
        open = null;
      }
      records.push(r);
      validBytes += r.size;
      validEnd = p += r.size;
      continue;
    }
    // Where a record should start, any committed-looking header that fails is damage; inside
    // unparsable bytes (resynchronising), only one that is certainly a committed record.
    if (!open) regions.push((open = { start: p, end: p, damaged: r !== NO_RECORD }));
    else if (r === CERTAINLY_DAMAGED) open.damaged = true;
    p += 4;
  }
  if (open) open.end = dataEnd;
  for (const r of regions) if (!looksTorn(b, r.start, r.end)) r.damaged = true;
  const possible = records.length + Math.floor((bs - start - validBytes) / MIN_RECORD);
  const a = readCounter(b, 0, counter);
  const z = readCounter(b, bs, counter);
  const witnessed = readCounter(b, counter, counter);
  const counted = Math.max(a <= possible ? a : -1, z <= possible ? z : -1);
  // (A counter reads 0 only when all its bytes are erased.)
  return { records, regions, validEnd, dataEnd, counted: counted < 0 ? Infinity : counted, possible, witnessed, blank: dataEnd === start && a + z + witnessed === 0 };
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
  putU32(rec, 8, gen);
  rec[12] = body.length & 0xff;
  rec[13] = body.length >>> 8;
  rec.set(key, HEADER);
  rec.set(body, HEADER + k);
  return putU32(rec, dataEnd, recordCrc(rec, 0, dataEnd));
}
