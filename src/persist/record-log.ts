/**
 * RecordLog: an append-only, power-cut-safe key → value log on a NOR flash partition of ≥ 2
 * sectors (the storage under RFC 8613 App. B.1: sequence reservations and replay windows).
 *
 * Record (4-byte aligned, little endian):
 *   0 'O' 'X' magic · 2 flags (DELETED, DAMAGED) · 3 keyLength
 *   4 commit word (FFFFFFFF while written, 00000000 once complete)
 *   8 gen u32 (one counter over the whole log: the newest record of a key has the highest gen)
 *   12 bodyLength u16 · 14 key · body · CRC-32 of all before (commit word as FFFFFFFF)
 * A record is written in one write, then committed by clearing its commit word (a second write):
 * it counts when its CRC matches and its commit has begun (the commit write only starts once the
 * record is complete). A record whose commit began but whose CRC fails is damage, never mistaken
 * for a torn write (the CRC counts the magic as 'OX', so a record whose magic took a bit flip
 * still reads). Only damage that destroys the magic and more of the newest record looks torn.
 *
 * Sectors form a ring. Records go to the active sector; the sector after it (the spare) is kept
 * erased. When the active sector is full, the spare becomes active, the new record goes there,
 * then the live records of the sector after it are copied over and that sector is erased — it is
 * the next spare. So erases rotate through every sector (wear levelling).
 *
 * Boot recovery (open): scan every sector; the active sector holds the highest gen. Torn writes
 * can only be at the tail of the active sector: they are sealed by zeroing (clearing bits is always
 * possible on NOR), so the scan later reads them as padding. A non-blank spare means a rotation was
 * interrupted (copying or erasing): it is finished. Anything else that does not parse — a committed
 * record whose CRC fails, or garbage before a valid record — is damage: every key whose newest
 * record is older than the first valid record after the damage may have lost a newer state, so
 * such keys are marked DAMAGED (durably) and `read` throws LoadError for them.
 */
import type { FlashPort } from '../ports.js';
import { LoadError, StorageError } from '../errors.js';
import { toHex } from '../bytes.js';
import { crc32 } from './crc.js';

const MAGIC0 = 0x4f;
const MAGIC1 = 0x58;
const HEADER = 14;
const TRAILER = 4;
export const MAX_KEY_LENGTH = 64;
/** The record is a tombstone: the key was deleted (moved away). */
export const FLAG_DELETED = 0x01;
/** The key's state may have been lost to damage in the partition: it must not be used. */
export const FLAG_DAMAGED = 0x02;
const MAX_GEN = 0xffffffff;
/**
 * Reserved key of the record that says "damage was found in this partition": a key whose every
 * record was destroyed cannot be told from a key never stored, so creating one must be deliberate.
 */
const DAMAGE_KEY = new Uint8Array([0]);
const DAMAGE_ID = '00';
/**
 * Reserved key of the record written just before a sector is erased, naming it. An erase cut by a
 * power failure leaves undefined bits; this record says the spare's content is an interrupted
 * erase, so it is not mistaken for damage — and a non-blank spare without it is looked at closely.
 */
const ERASE_KEY = new Uint8Array([1]);
const ERASE_ID = '01';
/** One-byte keys below 8 are reserved for the log itself. */
const RESERVED_KEYS = 8;

/** Bytes a record with this key and body occupies in flash. */
export function recordSize(keyLength: number, bodyLength: number): number {
  return (HEADER + keyLength + bodyLength + TRAILER + 3) & ~3;
}

interface Entry {
  key: Uint8Array;
  sector: number;
  offset: number;
  gen: number;
  flags: number;
  bodyLength: number;
  /** Bit s set: some valid record of this key (maybe older) is in sector s. */
  sectors: number;
}

interface Found {
  sector: number;
  offset: number;
  gen: number;
  flags: number;
  key: Uint8Array;
  bodyLength: number;
  size: number;
}

interface Region {
  start: number;
  end: number;
  /** A committed record failed its CRC (not a torn write). */
  damaged: boolean;
}

interface SectorScan {
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
 * Could the unparsable bytes starting at `start` be a write cut by a power failure (or a cut seal
 * of one)? Without the magic it cannot be told from one. With it, a cut record write has an
 * erased commit word; a begun commit with a failing CRC is damage.
 */
function looksTorn(b: Uint8Array, start: number, end: number): boolean {
  if (end - start < 8 || b[start] !== MAGIC0 || b[start + 1] !== MAGIC1) return true;
  return !commitBegun(b, start);
}

type Parsed = { kind: 'valid'; found: Omit<Found, 'sector'> } | { kind: 'damaged' } | { kind: 'invalid' };

function parseAt(b: Uint8Array, p: number, limit: number): Parsed {
  if (p + HEADER > limit) return { kind: 'invalid' };
  const magicOk = b[p] === MAGIC0 && b[p + 1] === MAGIC1;
  const committed = commitBegun(b, p);
  // Without magic only a complete, committed record (its magic damaged) can still parse.
  if (!magicOk && !committed) return { kind: 'invalid' };
  const k = b[p + 3];
  const bodyLength = b[p + 12] | (b[p + 13] << 8);
  if (k < 1 || k > MAX_KEY_LENGTH) return { kind: 'invalid' };
  const dataEnd = p + HEADER + k + bodyLength;
  if (dataEnd + TRAILER > limit) return { kind: 'invalid' };
  const crcOk = recordCrc(b, p, dataEnd) === u32(b, dataEnd);
  if (crcOk && committed) {
    return { kind: 'valid', found: { offset: p, gen: u32(b, p + 8), flags: b[p + 2], key: b.slice(p + HEADER, p + HEADER + k), bodyLength, size: recordSize(k, bodyLength) } };
  }
  // Commit is the last step of a write: committed with a bad CRC is damage, not a torn write.
  return magicOk && committed ? { kind: 'damaged' } : { kind: 'invalid' };
}

function scanSector(b: Uint8Array, sector: number): SectorScan {
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
    if (b[p] === 0 && b[p + 1] === 0 && b[p + 2] === 0 && b[p + 3] === 0) {
      // Zero padding: a sealed torn write. It neither opens nor closes an unparsable region, since
      // a torn record may itself contain aligned zero words.
      p += 4;
      continue;
    }
    const r = parseAt(b, p, bs);
    if (r.kind === 'valid') {
      if (open) { open.end = p; regions.push(open); open = null; }
      records.push({ sector, ...r.found });
      p += r.found.size;
      validEnd = p;
      continue;
    }
    if (!open) open = { start: p, end: p, damaged: false };
    if (r.kind === 'damaged') open.damaged = true;
    p += 4;
  }
  if (open) { open.end = dataEnd; regions.push(open); }
  for (const r of regions) if (!looksTorn(b, r.start, r.end)) r.damaged = true;
  return { records, regions, validEnd, dataEnd };
}

/** What boot recovery found and did (for tests, diagnostics and the benchmark). */
export interface RecoveryReport {
  /** Torn writes sealed at the tail of the active sector. */
  sealed: number;
  /** A rotation interrupted by a power cut was finished. */
  finishedRotation: boolean;
  /** Regions of damage found (corruption, not power cuts). */
  damagedRegions: number;
  /** Keys marked DAMAGED by this boot. */
  damagedKeys: number;
}

export class RecordLog {
  readonly flash: FlashPort;
  readonly sectorCount: number;
  readonly blockSize: number;
  private readonly index = new Map<string, Entry>();
  private active = 0;
  private appendAt = 0;
  private maxGen = 0;
  private readonly blank: boolean[];
  /** Partition offset of the last record written by this instance (-1: none yet). */
  private newestOffset = -1;
  /** Keys boot recovery still has to mark DAMAGED. */
  private pendingDamage: Uint8Array[] = [];
  /** Filled by open(). */
  recovery: RecoveryReport = { sealed: 0, finishedRotation: false, damagedRegions: 0, damagedKeys: 0 };

  private constructor(flash: FlashPort) {
    this.flash = flash;
    this.blockSize = flash.blockSize;
    this.sectorCount = Math.floor(flash.byteLength / flash.blockSize);
    if (this.sectorCount < 2) throw new LoadError('record log: the flash partition needs at least 2 sectors, has ' + this.sectorCount);
    if (this.sectorCount > 30) throw new LoadError('record log: at most 30 sectors, has ' + this.sectorCount);
    this.blank = new Array<boolean>(this.sectorCount).fill(false);
  }

  /** Scan the partition and recover from any interrupted write, rotation or erase. */
  static open(flash: FlashPort): RecordLog {
    const log = new RecordLog(flash);
    log.recover();
    return log;
  }

  private recover(): void {
    const n = this.sectorCount;
    const scans: SectorScan[] = [];
    let best = -1;
    for (let s = 0; s < n; s++) {
      const scan = scanSector(this.flash.read(s * this.blockSize, this.blockSize), s);
      scans.push(scan);
      this.blank[s] = scan.dataEnd === 0;
      for (const f of scan.records) {
        if (best < 0 || f.gen > this.maxGen) { this.maxGen = f.gen; best = s; }
        this.noteRecord(f);
      }
    }
    this.active = best < 0 ? 0 : best;
    const spare = (this.active + 1) % n;
    const act = scans[this.active];

    // Damage: anything unparsable outside the spare, except a torn write at the active tail.
    // In the spare, a record that failed its CRC after its commit is damage too — unless the
    // spare is the sector whose erase was begun (then its content is undefined by design). So a
    // destroyed active sector is never taken for an old one being erased.
    let threshold = -1;
    const erasing = this.index.get(ERASE_ID);
    const erasingSector = erasing ? this.flash.read(erasing.sector * this.blockSize + erasing.offset + HEADER + 1, 1)[0] : -1;
    if (erasingSector !== spare) {
      for (const r of scans[spare].regions) {
        if (!r.damaged) continue;
        this.recovery.damagedRegions++;
        threshold = this.maxGen + 1;
      }
    }
    for (let i = 2; i <= n; i++) {
      const s = (this.active + i) % n;
      for (const r of scans[s].regions) {
        if (s === this.active && r.start >= act.validEnd && !r.damaged) continue;
        this.recovery.damagedRegions++;
        threshold = Math.max(threshold, this.firstGenAfter(scans, s, r.start));
      }
    }

    this.appendAt = Math.max(act.validEnd, act.dataEnd);
    for (const r of act.regions) {
      if (r.start >= act.validEnd && !r.damaged) this.seal(r);
    }
    this.blank[this.active] = this.appendAt === 0;

    if (threshold >= 0) {
      // Decide first: writing may rotate and give the copied records new gens. Erasing a sector
      // erases evidence, so freeSector marks every pending key before it erases.
      this.pendingDamage = [...this.index.values()].filter((e) => e.gen < threshold && (e.flags & FLAG_DAMAGED) === 0 && !(e.key.length === 1 && e.key[0] < RESERVED_KEYS)).map((e) => e.key);
      this.recovery.damagedKeys = this.pendingDamage.length;
    }
    if (!this.blank[spare]) {
      this.recovery.finishedRotation = true;
      this.freeSector(spare);
    }
    while (this.pendingDamage.length > 0) this.writeRecord(this.pendingDamage.shift()!, FLAG_DAMAGED, new Uint8Array(0));
    if (this.recovery.damagedRegions > 0 && !this.index.has(DAMAGE_ID)) this.writeRecord(DAMAGE_KEY, FLAG_DAMAGED, new Uint8Array(0));
  }

  /**
   * Seal a torn write at the tail of the active sector so later scans read it as zero padding.
   * One write, front to back: a cut seal has lost the magic first, so it still reads as torn.
   */
  private seal(r: Region): void {
    this.flash.write(this.active * this.blockSize + r.start, new Uint8Array(r.end - r.start));
    this.recovery.sealed++;
  }

  /** The gen of the first valid record after (sector s, offset) in ring order; past the end: maxGen + 1. */
  private firstGenAfter(scans: SectorScan[], s: number, offset: number): number {
    const n = this.sectorCount;
    for (let i = 0; i < n; i++) {
      const t = (s + i) % n;
      for (const f of scans[t].records) if (i > 0 || f.offset > offset) return f.gen;
      if (t === this.active) break;
    }
    return this.maxGen + 1;
  }

  private noteRecord(f: Found): void {
    const id = toHex(f.key);
    const e = this.index.get(id);
    if (!e) {
      this.index.set(id, { key: f.key, sector: f.sector, offset: f.offset, gen: f.gen, flags: f.flags, bodyLength: f.bodyLength, sectors: 1 << f.sector });
      return;
    }
    e.sectors |= 1 << f.sector;
    if (f.gen > e.gen) {
      e.sector = f.sector;
      e.offset = f.offset;
      e.gen = f.gen;
      e.flags = f.flags;
      e.bodyLength = f.bodyLength;
    }
  }

  private checkKey(key: Uint8Array): void {
    if (!(key instanceof Uint8Array) || key.length < 1 || key.length > MAX_KEY_LENGTH) throw new RangeError('record key must be 1..' + MAX_KEY_LENGTH + ' bytes');
    if (key.length === 1 && key[0] < RESERVED_KEYS) throw new RangeError('one-byte record keys below 08 are reserved');
  }

  /** True once damage was found in this partition (durable: it stays until the partition is erased). */
  get damageSeen(): boolean {
    return this.index.has(DAMAGE_ID);
  }

  /** Keys with a stored value (not deleted; damaged keys included). */
  keys(): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (const e of this.index.values()) if ((e.flags & FLAG_DELETED) === 0 && !(e.key.length === 1 && e.key[0] < RESERVED_KEYS)) out.push(e.key.slice());
    return out;
  }

  has(key: Uint8Array): boolean {
    this.checkKey(key);
    const e = this.index.get(toHex(key));
    return !!e && (e.flags & FLAG_DELETED) === 0;
  }

  /** The newest value of `key`, or undefined. Throws LoadError when damage may have lost its newest value. */
  read(key: Uint8Array): Uint8Array | undefined {
    this.checkKey(key);
    const e = this.index.get(toHex(key));
    if (!e || (e.flags & FLAG_DELETED) !== 0) return undefined;
    if ((e.flags & FLAG_DAMAGED) !== 0) throw new LoadError('record log: the stored state of key ' + toHex(key) + ' may have been lost to flash damage; it cannot be used');
    return this.flash.read(e.sector * this.blockSize + e.offset + HEADER + e.key.length, e.bodyLength);
  }

  /** Durably store `body` as the newest value of `key` (one record write, sometimes a rotation). */
  append(key: Uint8Array, body: Uint8Array): void {
    this.checkKey(key);
    if (body.length > 0xffff) throw new RangeError('record body over 65535 bytes');
    // A new key may take the live records past half a sector: refuse it. The other half is room
    // for the records written between rotations and for torn writes during one (power cuts).
    if (!this.has(key) && this.liveBytes() + recordSize(key.length, body.length) > this.blockSize / 2)
      throw new StorageError('record log full: the live records of a new key would exceed half a ' + this.blockSize + '-byte sector');
    this.writeRecord(key, 0, body);
  }

  /** Bytes the newest record of every stored key occupies (what a rotation copies). */
  liveBytes(): number {
    let n = 0;
    for (const e of this.index.values()) if ((e.flags & FLAG_DELETED) === 0) n += recordSize(e.key.length, e.bodyLength);
    return n;
  }

  /** Store a tombstone: `key` reads as absent from now on. */
  delete(key: Uint8Array): void {
    this.checkKey(key);
    if (this.index.has(toHex(key))) this.writeRecord(key, FLAG_DELETED, new Uint8Array(0));
  }

  private writeRecord(key: Uint8Array, flags: number, body: Uint8Array): void {
    const size = recordSize(key.length, body.length);
    let rotated = false;
    if (this.appendAt + size > this.blockSize) {
      this.rotate(key, size);
      rotated = true;
    }
    this.put(key, flags, body);
    if (rotated) {
      this.freeSector((this.active + 1) % this.sectorCount);
      // A new active sector holding one record is fragile: a bit flip in it leaves no valid record
      // there, boot then takes the previous sector as active and erases this one as an unfinished
      // rotation — silently bringing back the key's older value (found by the reliability fuzzer,
      // test/reliability-fuzz-storage.test.ts). A second copy keeps the sector recognisable, and
      // damage to either copy is then seen as damage.
      if (this.appendAt === size && this.appendAt + size <= this.blockSize) this.put(key, flags, body);
    }
  }

  /** Make the spare the active sector, after checking that the copies will fit beside `size` bytes. */
  private rotate(key: Uint8Array, size: number): void {
    const n = this.sectorCount;
    const next = (this.active + 2) % n;
    const id = toHex(key);
    let need = size + ERASE_RECORD_SIZE;
    for (const [k, e] of this.index) if (e.sector === next && k !== id && !this.droppable(e, next)) need += recordSize(e.key.length, e.bodyLength);
    if (need > this.blockSize) throw new StorageError('record log full: ' + need + ' bytes of live records do not fit a ' + this.blockSize + '-byte sector');
    this.active = (this.active + 1) % n;
    this.appendAt = 0;
    if (!this.blank[this.active]) throw new StorageError('record log: spare sector ' + this.active + ' is not erased');
  }

  /** A tombstone with no older record outside sector s can be forgotten when s is erased. */
  private droppable(e: Entry, s: number): boolean {
    return (e.flags & FLAG_DELETED) !== 0 && (e.sectors & ~(1 << s)) === 0;
  }

  /** Copy the live records of sector s into the active sector, then erase s. */
  private freeSector(s: number): void {
    while (this.pendingDamage.length > 0) {
      const k = this.pendingDamage.shift()!;
      if (this.appendAt + recordSize(k.length, 0) > this.blockSize) throw new StorageError('record log full while marking damaged keys');
      this.put(k, FLAG_DAMAGED, new Uint8Array(0));
    }
    const live = [...this.index.values()].filter((e) => e.sector === s).sort((a, b) => a.gen - b.gen);
    for (const e of live) {
      if (this.droppable(e, s)) continue;
      const body = this.flash.read(s * this.blockSize + e.offset + HEADER + e.key.length, e.bodyLength);
      if (this.appendAt + recordSize(e.key.length, e.bodyLength) > this.blockSize) throw new StorageError('record log full while moving live records');
      this.put(e.key, e.flags, body);
    }
    if (!this.blank[s]) {
      // Name the sector before erasing it — needed only when it holds records (a sector with
      // nothing but a torn write cannot look like damage after a cut erase: its commit words
      // stay erased, and erasing only sets bits).
      let holdsRecords = false;
      for (const e of this.index.values()) if ((e.sectors & (1 << s)) !== 0) holdsRecords = true;
      if (holdsRecords) {
        if (this.appendAt + ERASE_RECORD_SIZE > this.blockSize) throw new StorageError('record log full while freeing a sector');
        this.put(ERASE_KEY, 0, new Uint8Array([s]));
      }
      this.flash.erase(s);
      this.blank[s] = true;
    }
    const bit = 1 << s;
    for (const [k, e] of this.index) {
      e.sectors &= ~bit;
      if (e.sectors === 0) this.index.delete(k);
    }
  }

  /** Write one record at the append position of the active sector: body first, commit byte last. */
  private put(key: Uint8Array, flags: number, body: Uint8Array): void {
    if (this.maxGen >= MAX_GEN) throw new StorageError('record log generation counter exhausted');
    const gen = this.maxGen + 1;
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
    const at = this.active * this.blockSize + this.appendAt;
    this.blank[this.active] = false;
    this.flash.write(at, rec);
    this.flash.write(at + 4, ZERO_WORD);
    this.maxGen = gen;
    const size = recordSize(k, body.length);
    this.noteRecord({ sector: this.active, offset: this.appendAt, gen, flags, key: key.slice(), bodyLength: body.length, size });
    this.newestOffset = at;
    this.appendAt += size;
  }

  /** Diagnostics: the active sector, bytes free in it, and live records. */
  get status(): { activeSector: number; freeBytes: number; liveRecords: number; gen: number; newestOffset: number } {
    return { activeSector: this.active, freeBytes: this.blockSize - this.appendAt, liveRecords: this.index.size, gen: this.maxGen, newestOffset: this.newestOffset };
  }
}
const ZERO_WORD = new Uint8Array(4);
const ERASE_RECORD_SIZE = recordSize(1, 1);
