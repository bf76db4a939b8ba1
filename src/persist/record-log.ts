/**
 * RecordLog: an append-only, power-cut-safe key → value log on a NOR flash partition of ≥ 2
 * sectors (the storage under RFC 8613 App. B.1: sequence reservations and replay windows).
 *
 * Records (format in record-format.ts) carry a generation: one counter over the whole log, so the
 * newest record of a key is the one with the highest gen. Design, guarantees and limits:
 * README.md in this folder.
 *
 * Sectors form a ring. Records go to the active sector; the sector after it (the spare) is kept
 * erased. When the active sector is full, the spare becomes active, the new record goes there,
 * then the live records of the sector after it are copied over, a record naming that sector is
 * written and the sector is erased — it is the next spare. So erases rotate through every sector
 * (wear levelling).
 *
 * Boot recovery (open): scan every sector; the active sector holds the highest gen. A power cut
 * leaves a torn record (commit word still erased) at the tail of the active sector; before anything
 * else is written after it, recovery writes a small record acknowledging it (naming its place),
 * so later scans skip it as a known torn write — nothing is ever written over it. A non-blank
 * spare means a rotation was interrupted (copying or erasing): it is finished. Anything else that
 * does not parse — a committed record whose check fails, garbage, or a torn-looking record nobody
 * acknowledged — is damage: every key whose newest record is older than the first valid record
 * after the damage may have lost a newer state, so such keys are marked DAMAGED (durably) and
 * `read` throws LoadError for them. A sector whose counters (record-format.ts) count more
 * records than it holds lost committed records without a trace (erased or overwritten back to
 * blank or torn-looking bytes): damage too, so an older value is never read as the newest.
 */
import type { FlashPort } from '../ports.js';
import { LoadError, StorageError } from '../errors.js';
import { toHex } from '../bytes.js';
import { HEADER, FLAG_DAMAGED, FLAG_DELETED, MAX_KEY_LENGTH, recordSize, scanSector, encodeRecord, getU32, putU32, counterLength, type Found, type Region, type SectorScan } from './record-format.js';

export { FLAG_DAMAGED, FLAG_DELETED, MAX_KEY_LENGTH, recordSize, counterLength } from './record-format.js';

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
/**
 * Reserved keys of the records acknowledging a torn write: 02 · sector · offset u16. The body is
 * the gen of the last valid record before it in that sector (FFFFFFFF: none), so an
 * acknowledgement never applies to a later torn write at the same place.
 */
const TORN_KEY_PREFIX = 2;
/**
 * Reserved keys of the records acknowledging lost records: 03 · sector. The body (u16) is how
 * many of the sector's records were lost without a trace when the loss was handled (its keys
 * marked DAMAGED), so later boots flag only a further loss.
 */
const LOSS_KEY_PREFIX = 3;
/** Keys whose first byte is below 8 are reserved for the log itself. */
const RESERVED_KEYS = 8;
const EMPTY = new Uint8Array(0);

/**
 * Writes (and erases) made through any RecordLog, per flash (kept on the FlashPort object under
 * this symbol, not in a module-level table: the library holds no mutable module state, so it can
 * be preloaded). Opening another RecordLog over the same flash is a reboot: once one instance
 * writes, every other instance's in-memory index is stale, and a security context still using it
 * could reserve numbers the other one hands out too, or write a state older than the other's (a
 * rolled-back sequence number). So an instance that sees a write it did not make since it scanned
 * the flash is retired: everything but diagnostics throws StorageError. Whichever instance writes
 * first keeps the flash.
 */
const FLASH_WRITES = Symbol('oscore-xs flash writes');

/** The write counter of `flash`, created on first use (a non-enumerable property of the port). */
function flashWrites(flash: FlashPort): { count: number } {
  const holder = flash as FlashPort & { [FLASH_WRITES]?: { count: number } };
  let writes = holder[FLASH_WRITES];
  if (!writes) {
    writes = { count: 0 };
    Object.defineProperty(holder, FLASH_WRITES, { value: writes });
  }
  return writes;
}

function isReserved(key: Uint8Array): boolean {
  return key[0] < RESERVED_KEYS;
}

function tornKey(sector: number, offset: number): Uint8Array {
  return new Uint8Array([TORN_KEY_PREFIX, sector, offset & 0xff, offset >>> 8]);
}

function lossKey(sector: number): Uint8Array {
  return new Uint8Array([LOSS_KEY_PREFIX, sector]);
}

/** The sector an acknowledgement (torn write, lost records) names, -1 for any other key: forgotten with that sector. */
function namedSector(key: Uint8Array): number {
  return (key[0] === TORN_KEY_PREFIX && key.length === 4) || (key[0] === LOSS_KEY_PREFIX && key.length === 2) ? key[1] : -1;
}

/** The newest record of a key (its place in flash), and in which sectors it has records. */
interface Entry extends Found {
  /** Bit s set: some valid record of this key (maybe older) is in sector s. */
  sectors: number;
}

/** A record boot recovery still has to write: key, flags, body. */
type Pending = [Uint8Array, number, Uint8Array];

/** What boot recovery found and did (for tests, diagnostics and the benchmark). */
export interface RecoveryReport {
  /** Torn writes found at the tail of the active sector and acknowledged now (kept, skipped, never written over). */
  sealed: number;
  /** A rotation interrupted by a power cut was finished. */
  finishedRotation: boolean;
  /** Regions of damage found (corruption, not power cuts). */
  damagedRegions: number;
  /** Keys marked DAMAGED by this boot. */
  damagedKeys: number;
}

export class RecordLog {
  private readonly flash: FlashPort;
  private readonly sectorCount: number;
  private readonly blockSize: number;
  /** Bytes of each of a sector's record counters (A, W, B: record-format.ts); records lie between W and B. */
  private readonly counter: number;
  private readonly recordsStart: number;
  private readonly recordsEnd: number;
  /** Per sector: the counter bit the next record committed there clears. */
  private readonly counts: number[];
  private readonly index = new Map<string, Entry>();
  /** Keys (hex) held by a loaded, not yet closed FlashContextStore: one live copy per log. */
  readonly liveKeys = new Set<string>();
  /** This flash's write counter, and its value when this instance last scanned or wrote. */
  private readonly writes: { count: number };
  private seenWrites: number;
  private active = 0;
  private appendAt: number;
  private maxGen = 0;
  private readonly blank: boolean[];
  /** Partition offset of the last record written by this instance (-1: none yet). */
  private newestOffset = -1;
  /** Records boot recovery still has to write: torn-write acknowledgements first, then DAMAGED marks. */
  private pending: Pending[] = [];
  /** Filled by open(). */
  recovery: RecoveryReport = { sealed: 0, finishedRotation: false, damagedRegions: 0, damagedKeys: 0 };

  private constructor(flash: FlashPort) {
    this.flash = flash;
    const n = (this.sectorCount = Math.floor(flash.byteLength / (this.blockSize = flash.blockSize)));
    if (n < 2 || n > 30) throw new LoadError('record log: 2..30 flash sectors, has ' + n);
    this.counter = counterLength(this.blockSize);
    this.appendAt = this.recordsStart = 2 * this.counter;
    this.recordsEnd = this.blockSize - this.counter;
    this.counts = new Array<number>(n).fill(0);
    this.blank = new Array<boolean>(n).fill(false);
    this.writes = flashWrites(flash);
    this.seenWrites = this.writes.count;
  }

  /** Scan the partition and recover from any interrupted write, rotation or erase. */
  static open(flash: FlashPort): RecordLog {
    const log = new RecordLog(flash);
    log.recover();
    return log;
  }

  private recover(): void {
    const n = this.sectorCount;
    const bs = this.blockSize;
    const report = this.recovery;
    const scans: SectorScan[] = [];
    let best = -1;
    for (let s = 0; s < n; s++) {
      const scan = scanSector(this.flash.read(s * bs, bs), s, this.counter);
      scans.push(scan);
      this.blank[s] = scan.blank;
      this.counts[s] = Math.max(scan.counted === Infinity ? this.counter * 8 : scan.counted, scan.records.length);
      for (const f of scan.records) {
        if (best < 0 || f.gen > this.maxGen) { this.maxGen = f.gen; best = s; }
        this.note(f);
      }
    }
    const active = (this.active = best < 0 ? 0 : best);
    const spare = (active + 1) % n;
    const act = scans[active];
    const newest = this.maxGen + 1;

    let threshold = -1;
    const tail: Region[] = [];
    /** Lost records to acknowledge once the keys are marked: sector, how many. */
    const losses: number[][] = [];
    const erasing = this.index.get(ERASE_ID);
    // An erase is only under way if naming its sector was the last thing written (the erase
    // follows at once); an older erase record names a sector that may have been reused since.
    const erasingSector = erasing && erasing.gen === this.maxGen ? this.body(erasing)[0] : -1;
    // The witness of sector s is W in the sector before it (a ring of 3 or more). It is never above
    // the truth: it is written only while s is active, and the sector before s is erased (as the
    // spare) before s is reused. One whose erase was begun says nothing; a witness above what s
    // could hold was damaged.
    for (let s = 0; n > 2 && s < n; s++) {
      const prev = (s + n - 1) % n;
      const w = scans[prev].witnessed;
      if (prev === erasingSector || w > scans[s].possible) continue;
      if (w > scans[s].counted) scans[s].counted = w;
      if (w > this.counts[s]) this.counts[s] = w;
    }
    /** Damage found: keys whose newest record is older than `gen` may have lost a newer state. */
    const damage = (gen: number) => {
      report.damagedRegions++;
      threshold = Math.max(threshold, gen);
    };
    for (let s = 0; s < n; s++) {
      const scan = scans[s];
      // Records counted but not found: committed, then lost. Each damaged region followed by a
      // valid record hid at least one (and its keys are handled below); any more may have vanished
      // without a trace at the sector's end — so every key older than the next sector is suspect.
      // The spare's may be the newest of all (a destroyed active sector looks like a spare).
      if (s !== erasingSector || s !== spare) {
        let located = 0;
        for (const r of scan.regions) if (r.end <= scan.validEnd && (r.damaged || !this.acknowledged(scan, s, r.start))) located++;
        const unexplained = scan.counted - scan.records.length - located;
        const known = this.ackBody(lossKey(s), 2);
        if (unexplained > (known ? known[0] | (known[1] << 8) : 0)) {
          losses.push([s, Math.min(unexplained, 0xffff)]);
          damage(s === spare ? newest : this.firstGenAfter(scans, s, bs));
        }
      }
      // Damage: anything unparsable outside the spare, except torn writes — acknowledged ones, and
      // the ones at the active tail (acknowledged now). In the spare, a record that failed its
      // check after its commit is damage too — unless the spare is the sector whose erase was
      // begun (then its content is undefined by design). So a destroyed active sector is never
      // taken for an old one being erased.
      for (const r of scan.regions) {
        if (s === spare) {
          if (r.damaged && erasingSector !== spare) damage(newest);
        } else if (!r.damaged && s === active && r.start >= act.validEnd) tail.push(r);
        else if (r.damaged || !this.acknowledged(scan, s, r.start)) damage(this.firstGenAfter(scans, s, r.start));
      }
    }

    this.appendAt = Math.max(act.validEnd, act.dataEnd);
    // Nothing may land on a torn record's commit word: it is what tells the torn write from damage.
    for (const r of tail) this.appendAt = Math.max(this.appendAt, r.start + 8);
    // The acknowledgements come before any other write: once a record follows a torn write, only
    // its acknowledgement tells it from damage (freeSector also writes pending ones first).
    const pending = this.pending;
    for (const r of tail) if (!this.acknowledged(act, active, r.start)) pending.push([tornKey(active, r.start), 0, putU32(new Uint8Array(4), 0, lastGenBefore(act, r.start))]);
    report.sealed = pending.length;
    // Which keys to mark is decided first: writing may rotate and give the copied records new
    // gens. Erasing a sector erases evidence, so freeSector marks every pending key before it erases.
    if (threshold >= 0) for (const e of this.index.values()) if (e.gen < threshold && (e.flags & FLAG_DAMAGED) === 0 && !isReserved(e.key)) pending.push([e.key, FLAG_DAMAGED, EMPTY]);
    report.damagedKeys = pending.length - report.sealed;
    try {
      // A spare without a valid record (a rotation's first write torn, or an erase cut) holds
      // nothing needed: erase it before the acknowledgements, which may have to rotate into it.
      if (!this.blank[spare] && !this.holdsRecords(spare) && threshold < 0) {
        report.finishedRotation = true;
        this.erase(spare);
      }
      // One at a time: a rotation's freeSector writes the rest first. (A non-blank spare is freed
      // below, after them: its freeSector would have written them first too.)
      while (pending.length > 0) this.writeRecord(...pending.shift()!);
      // (A pending record may have rotated: the spare is the sector after the active one now.)
      const spareNow = (this.active + 1) % n;
      if (!this.blank[spareNow]) {
        report.finishedRotation = true;
        this.freeSector(spareNow);
      }
      // Only now that the keys are marked: later boots flag a loss beyond the one handled here.
      for (const [s, unexplained] of losses) if (!this.blank[s]) this.writeRecord(lossKey(s), 0, new Uint8Array([unexplained & 0xff, unexplained >>> 8]));
    } catch (e) {
      // E.g. the newest sector was destroyed and the one before is full: the damage cannot be
      // recorded before evidence would have to be erased. Refuse the partition rather than guess.
      if (e instanceof StorageError && threshold >= 0) throw new LoadError('record log: no room to mark flash damage; erase and re-provision (' + e.message + ')');
      throw e;
    }
    if (report.damagedRegions > 0 && !this.index.has(DAMAGE_ID)) this.writeRecord(DAMAGE_KEY, FLAG_DAMAGED, EMPTY);
  }

  /** The body of the newest record of an acknowledgement key when it has the expected length. */
  private ackBody(key: Uint8Array, length: number): Uint8Array | undefined {
    const e = this.index.get(toHex(key));
    return e && e.bodyLength === length ? this.body(e) : undefined;
  }

  /** Is the torn-looking region at (s, offset) acknowledged by a record naming it? */
  private acknowledged(scan: SectorScan, s: number, offset: number): boolean {
    const body = this.ackBody(tornKey(s, offset), 4);
    return !!body && getU32(body, 0) === lastGenBefore(scan, offset);
  }

  /** The body of the newest record of an index entry, read from flash. */
  private body(e: Entry): Uint8Array {
    return this.flash.read(e.sector * this.blockSize + e.offset + HEADER + e.key.length, e.bodyLength);
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

  private note(f: Found): void {
    const id = toHex(f.key);
    const e = this.index.get(id);
    if (!e) this.index.set(id, { ...f, sectors: 1 << f.sector });
    else {
      e.sectors |= 1 << f.sector;
      if (f.gen > e.gen) Object.assign(e, f);
    }
  }

  /** True once another RecordLog over the same flash (a reboot) wrote to it: this one may no longer be used. */
  get retired(): boolean {
    return this.seenWrites !== this.writes.count;
  }

  private checkLive(): void {
    if (this.retired) throw new StorageError('record log retired (a reboot wrote to its flash)');
  }

  private checkKey(key: Uint8Array): void {
    this.checkLive();
    if (!(key instanceof Uint8Array) || key.length < 1 || key.length > MAX_KEY_LENGTH || isReserved(key)) throw new RangeError('record key must be 1..' + MAX_KEY_LENGTH + ' bytes, first byte 08 or more');
  }

  /** The live entry of `key` (not deleted), after checking the key. */
  private live(key: Uint8Array): Entry | undefined {
    this.checkKey(key);
    const e = this.index.get(toHex(key));
    return e && (e.flags & FLAG_DELETED) === 0 ? e : undefined;
  }

  /** True once damage was found in this partition (durable: it stays until the partition is erased). */
  get damageSeen(): boolean {
    return this.index.has(DAMAGE_ID);
  }

  /** Keys with a stored value (not deleted; damaged keys included). */
  keys(): Uint8Array[] {
    this.checkLive();
    const out: Uint8Array[] = [];
    for (const e of this.index.values()) if ((e.flags & FLAG_DELETED) === 0 && !isReserved(e.key)) out.push(e.key.slice());
    return out;
  }

  has(key: Uint8Array): boolean {
    return !!this.live(key);
  }

  /** The newest value of `key`, or undefined. Throws LoadError when damage may have lost its newest value. */
  read(key: Uint8Array): Uint8Array | undefined {
    const e = this.live(key);
    if (e && (e.flags & FLAG_DAMAGED) !== 0) throw new LoadError('record log: key ' + toHex(key) + ' may have lost its state to flash damage');
    return e && this.body(e);
  }

  /** Durably store `body` as the newest value of `key` (one record write, sometimes a rotation). */
  append(key: Uint8Array, body: Uint8Array): void {
    const live = this.live(key);
    if (body.length > 0xffff) throw new RangeError('record body over 65535 bytes');
    // A new key may take the live records past half a sector: refuse it. The other half is room
    // for the records written between rotations and for torn writes during one (power cuts).
    if (!live && this.liveBytes() + recordSize(key.length, body.length) > (this.recordsEnd - this.recordsStart) / 2)
      throw new StorageError('record log full: a new key past half a sector');
    this.writeRecord(key, 0, body);
  }

  /** Bytes the newest record of every stored key occupies (what a rotation copies). */
  liveBytes(): number {
    let n = 0;
    for (const e of this.index.values()) if ((e.flags & FLAG_DELETED) === 0) n += e.size;
    return n;
  }

  /** Store a tombstone: `key` reads as absent from now on. */
  delete(key: Uint8Array): void {
    this.checkKey(key);
    if (this.index.has(toHex(key))) this.writeRecord(key, FLAG_DELETED, EMPTY);
  }

  private writeRecord(key: Uint8Array, flags: number, body: Uint8Array): void {
    const size = recordSize(key.length, body.length);
    if (this.appendAt + size <= this.recordsEnd) return this.put(key, flags, body);
    this.rotate(key, size);
    this.put(key, flags, body);
    // The new active sector may hold this one record only. A bit flip in it no longer rolls the
    // key back: boot then takes the previous sector as active and finds this one (its spare)
    // non-blank with a committed record that fails its check, while the last record written was
    // no erase record naming it — damage, not an interrupted erase; the keys are marked DAMAGED.
    // So the record is not written twice (test/reliability-fuzz-storage.test.ts flips every bit
    // of such a sector).
    this.freeSector((this.active + 1) % this.sectorCount);
  }

  /** Make the spare the active sector, after checking that the copies will fit beside `size` bytes. */
  private rotate(key: Uint8Array, size: number): void {
    const n = this.sectorCount;
    const next = (this.active + 2) % n;
    const id = toHex(key);
    let need = size + ERASE_RECORD_SIZE;
    for (const [k, e] of this.index) if (e.sector === next && k !== id && !droppable(e, next)) need += e.size;
    if (need > this.recordsEnd - this.recordsStart) throw new StorageError('record log full: ' + need + ' bytes to copy');
    this.active = (this.active + 1) % n;
    this.appendAt = this.recordsStart;
    if (!this.blank[this.active]) throw new StorageError('record log: spare sector ' + this.active + ' is not erased');
  }

  private holdsRecords(s: number): boolean {
    for (const e of this.index.values()) if ((e.sectors & (1 << s)) !== 0) return true;
    return false;
  }

  /** Copy the live records of sector s into the active sector, then erase s. */
  private freeSector(s: number): void {
    for (const p of this.pending.splice(0)) this.putInSector(...p);
    const live = [...this.index.values()].filter((e) => e.sector === s).sort((a, b) => a.gen - b.gen);
    for (const e of live) if (!droppable(e, s)) this.putInSector(e.key, e.flags, this.body(e));
    if (!this.blank[s]) {
      // Name the sector before erasing it — needed only when it holds records (a sector with
      // nothing but a torn write cannot look like damage after a cut erase: its commit words
      // stay erased, and erasing only sets bits).
      if (this.holdsRecords(s)) this.putInSector(ERASE_KEY, 0, new Uint8Array([s]));
      this.erase(s);
      this.counts[s] = 0;
    }
    const bit = 1 << s;
    for (const [k, e] of this.index) {
      e.sectors &= ~bit;
      if (e.sectors === 0 || namedSector(e.key) === s) this.index.delete(k);
    }
  }

  private erase(s: number): void {
    this.changing();
    this.flash.erase(s);
    this.blank[s] = true;
  }

  /** Before every flash write or erase of this instance: count it, and stay current. */
  private changing(): void {
    this.seenWrites = ++this.writes.count;
  }

  /** put() where the record must fit the active sector (no rotation during one). */
  private putInSector(key: Uint8Array, flags: number, body: Uint8Array): void {
    if (this.appendAt + recordSize(key.length, body.length) > this.recordsEnd) throw new StorageError('record log full: sector ' + this.active);
    this.put(key, flags, body);
  }

  /** Write one record at the append position of the active sector: body, commit word, then its bit in A, B and the witness. */
  private put(key: Uint8Array, flags: number, body: Uint8Array): void {
    if (this.maxGen >= MAX_GEN) throw new StorageError('record log: generations exhausted');
    const gen = this.maxGen + 1;
    const active = this.active;
    const bs = this.blockSize;
    const n = this.sectorCount;
    const at = active * bs + this.appendAt;
    this.blank[active] = false;
    this.changing();
    this.flash.write(at, encodeRecord(key, flags, gen, body));
    this.flash.write(at + 4, ZERO_WORD);
    // (Past the counter's last bit — only after damage raised it — the count stays where it is.)
    const k = this.counts[active]++;
    if (k < this.counter * 8) {
      this.clearBit(active * bs, k);
      this.clearBit(active * bs + this.recordsEnd, k);
      const prev = (active + n - 1) % n;
      // (Also into a sector never used yet: it is erased, as the spare, before the log reaches it.)
      if (n > 2) {
        this.clearBit(prev * bs + this.counter, k);
        this.blank[prev] = false;
      }
    }
    this.maxGen = gen;
    const size = recordSize(key.length, body.length);
    this.note({ sector: active, offset: this.appendAt, gen, flags, key: key.slice(), bodyLength: body.length, size });
    this.newestOffset = at;
    this.appendAt += size;
  }

  /**
   * Clear bit k of the counter at partition offset `counter`: one write of its aligned 4-byte word
   * as read, with that bit cleared (NOR writes only clear bits; the others are written unchanged).
   */
  private clearBit(counter: number, k: number): void {
    const at = counter + ((k >>> 3) & ~3);
    const word = this.flash.read(at, 4);
    word[(k >>> 3) & 3] &= ~(0x80 >>> (k & 7));
    this.flash.write(at, word);
  }

  /** Diagnostics: the active sector, bytes free in it, and live records. */
  get status(): { activeSector: number; freeBytes: number; liveRecords: number; gen: number; newestOffset: number } {
    return { activeSector: this.active, freeBytes: this.recordsEnd - this.appendAt, liveRecords: this.index.size, gen: this.maxGen, newestOffset: this.newestOffset };
  }
}
const ZERO_WORD = new Uint8Array(4);

/**
 * Forgotten when sector s is erased: a tombstone with no older record outside s, and the
 * acknowledgement of a torn write in s.
 */
function droppable(e: Entry, s: number): boolean {
  const named = namedSector(e.key);
  if (named >= 0) return named === s;
  return (e.flags & FLAG_DELETED) !== 0 && (e.sectors & ~(1 << s)) === 0;
}

/** The gen of the last valid record before `offset` in a scanned sector (FFFFFFFF: none). */
function lastGenBefore(scan: SectorScan, offset: number): number {
  let gen = 0xffffffff;
  for (const f of scan.records) if (f.offset < offset) gen = f.gen;
  return gen;
}
const ERASE_RECORD_SIZE = recordSize(1, 1);
