/**
 * The simulated NOR flash (semantics, power cuts), CRC-32 and the RecordLog: append/read across
 * reboots, rotation and wear over all sectors, many keys, tombstones, a full partition, and
 * corruption (bit flips, garbage) → the newest value or LoadError, never an older value or a crash.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NorFlash, PowerCut, FlashProgramError } from '../src/sim/nor-flash.js';
import { crc32 } from '../src/persist/crc.js';
import { RecordLog, recordSize, counterLength } from '../src/persist/record-log.js';

/** Records of a 512-byte sector start after its counter A and witness W. */
const C = 2 * counterLength(512);
import { LoadError, StorageError } from '../src/errors.js';
import { utf8Encode, toHex } from '../src/bytes.js';
import { Prng } from '../src/sim/prng.js';

const key = (s: string) => utf8Encode(s);
const body = (n: number, len = 7) => {
  const b = new Uint8Array(len);
  for (let i = 0; i < len; i++) b[i] = (n >>> (8 * (i % 4))) & 0xff;
  return b;
};

describe('NorFlash (simulated NOR)', () => {
  it('erase sets 0xFF, write only clears bits, 1-over-0 throws and changes nothing', () => {
    const f = new NorFlash({ sectors: 2, blockSize: 256 });
    assert.equal(f.byteLength, 512);
    assert.deepEqual(f.read(0, 4), new Uint8Array([255, 255, 255, 255]));
    f.write(10, new Uint8Array([0x0f, 0xf0]));
    f.write(10, new Uint8Array([0x0e, 0x00]));
    assert.deepEqual(f.read(10, 2), new Uint8Array([0x0e, 0x00]));
    const before = f.read(0, 512);
    assert.throws(() => f.write(10, new Uint8Array([0x1e])), FlashProgramError);
    assert.throws(() => f.write(511, new Uint8Array([0, 0])), FlashProgramError);
    assert.deepEqual(f.read(0, 512), before);
    f.erase(0);
    assert.deepEqual(f.read(10, 2), new Uint8Array([255, 255]));
    assert.deepEqual(f.erasesPerSector, [1, 0]);
    assert.equal(f.writes, 2);
  });

  it('a cut write keeps its first n bytes, may half-program the next, loses the rest; then PowerCut until reboot', () => {
    const f = new NorFlash({ sectors: 1, blockSize: 64, partialTornByte: false });
    f.cutPowerAfter(3);
    assert.throws(() => f.write(0, new Uint8Array([1, 2, 3, 4, 5])), PowerCut);
    assert.ok(f.isOff);
    assert.throws(() => f.read(0, 1), PowerCut);
    f.reboot();
    assert.deepEqual(f.read(0, 6), new Uint8Array([1, 2, 3, 255, 255, 255]));
    const g = new NorFlash({ sectors: 1, blockSize: 64, partialTornByte: true, seed: 7 });
    g.cutPowerAfter(1);
    assert.throws(() => g.write(0, new Uint8Array([0x00, 0x00, 0x00])), PowerCut);
    g.reboot();
    const t = g.read(0, 3);
    assert.equal(t[0], 0);
    assert.equal(t[2], 0xff);
  });

  it('a cut erase leaves the sector partly erased with a garbage byte', () => {
    const f = new NorFlash({ sectors: 2, blockSize: 64 });
    f.write(0, new Uint8Array(64));
    f.cutPowerAfter(64 + 20);
    f.erase(1); // a whole erase is 64 steps
    assert.throws(() => f.erase(0), PowerCut);
    f.reboot();
    const b = f.read(0, 64);
    assert.ok(b.subarray(0, 20).every((x) => x === 0xff));
    assert.ok(b.subarray(21).every((x) => x === 0));
  });
});

describe('CRC-32', () => {
  it('matches the check value and continues across calls', () => {
    const s = utf8Encode('123456789');
    assert.equal(crc32(s), 0xcbf43926);
    assert.equal(crc32(s, 4, 9, crc32(s, 0, 4)), 0xcbf43926);
    assert.equal(crc32(new Uint8Array(0)), 0);
  });
});

describe('RecordLog', () => {
  it('stores values per key and finds the newest after a reboot', () => {
    const f = new NorFlash({ sectors: 2 });
    const log = RecordLog.open(f);
    assert.equal(log.read(key('a')), undefined);
    log.append(key('a'), body(1));
    log.append(key('b'), body(2, 30));
    log.append(key('a'), body(3));
    assert.deepEqual(log.read(key('a')), body(3));
    const again = RecordLog.open(f.clone());
    assert.deepEqual(again.read(key('a')), body(3));
    assert.deepEqual(again.read(key('b')), body(2, 30));
    assert.deepEqual(again.keys().map(toHex).sort(), [toHex(key('a')), toHex(key('b'))]);
    assert.equal(again.recovery.damagedRegions, 0);
    assert.equal(recordSize(1, 7), 28);
    assert.equal(recordSize(12, 6), 36);
  });

  it('rotates through every sector, copying live records, and spreads erases evenly', () => {
    for (const sectors of [2, 3, 8]) {
      const f = new NorFlash({ sectors, blockSize: 512 });
      let log = RecordLog.open(f);
      const keys = ['k0', 'k1', 'k2', 'k3'].map(key);
      for (let i = 0; i < 3000; i++) {
        log.append(keys[i % 7 === 0 ? (i >> 3) % 4 : 0], body(i));
        if (i % 500 === 499) log = RecordLog.open(f); // reboots do not disturb rotation
      }
      for (let k = 0; k < 4; k++) assert.ok(log.read(keys[k]), 'key ' + k + ' survived rotations');
      assert.deepEqual(log.read(keys[0]), body(2999));
      const e = f.erasesPerSector;
      const max = Math.max(...e);
      const min = Math.min(...e);
      assert.ok(max - min <= 1, sectors + ' sectors: erases ' + e.join(','));
      assert.ok(min > 0);
    }
  });

  it('many keys share one partition; tombstones hide a key and are dropped once nothing older remains', () => {
    const f = new NorFlash({ sectors: 2, blockSize: 2048 });
    const log = RecordLog.open(f);
    for (let i = 0; i < 30; i++) log.append(key('ctx' + i), body(i));
    log.delete(key('ctx3'));
    assert.equal(log.has(key('ctx3')), false);
    for (let i = 0; i < 400; i++) log.append(key('ctx0'), body(1000 + i));
    const again = RecordLog.open(f.clone());
    assert.equal(again.has(key('ctx3')), false);
    assert.equal(again.read(key('ctx3')), undefined);
    for (let i = 1; i < 30; i++) if (i !== 3) assert.deepEqual(again.read(key('ctx' + i)), body(i));
    assert.equal(again.keys().length, 29);
    assert.equal(again.status.liveRecords, 29 + 1, 'the tombstone was dropped by a rotation (+1: the log\'s erase record)');
  });

  it('refuses a new key past half a sector and a record that cannot fit, losing nothing', () => {
    const f = new NorFlash({ sectors: 2, blockSize: 256 });
    const log = RecordLog.open(f);
    log.append(key('x'), new Uint8Array(100).fill(1));
    assert.throws(() => log.append(key('y'), new Uint8Array(100)), StorageError);
    log.append(key('x'), new Uint8Array(200).fill(2)); // an update may grow: rotation makes room
    assert.throws(() => log.append(key('x'), new Uint8Array(240)), StorageError);
    const again = RecordLog.open(f.clone());
    assert.deepEqual(again.read(key('x')), new Uint8Array(200).fill(2));
    assert.equal(again.read(key('y')), undefined);
    assert.equal(again.recovery.damagedRegions, 0);
  });

  it('a torn write is acknowledged before anything follows it; a torn-looking record nobody acknowledged is damage', () => {
    const f = new NorFlash({ sectors: 2, blockSize: 512 });
    const log = RecordLog.open(f);
    log.append(key('a'), body(1));
    log.append(key('b'), body(2));
    f.cutPowerAfter(10);
    assert.throws(() => log.append(key('a'), body(3)), PowerCut);
    f.reboot();
    const l2 = RecordLog.open(f);
    assert.equal(l2.recovery.sealed, 1);
    assert.equal(l2.recovery.damagedRegions, 0);
    assert.deepEqual(l2.read(key('a')), body(1), 'the cut write never happened');
    l2.append(key('b'), body(4));
    const l3 = RecordLog.open(f.clone());
    assert.equal(l3.recovery.damagedRegions, 0);
    assert.equal(l3.recovery.sealed, 0);
    assert.deepEqual(l3.read(key('b')), body(4));
    // Erasing a committed record's commit word makes it look torn — but nobody acknowledged it.
    const g = new NorFlash({ sectors: 2, blockSize: 512 });
    const lg = RecordLog.open(g);
    lg.append(key('a'), body(1));
    lg.append(key('a'), body(2)); // at C + 28
    lg.append(key('b'), body(3));
    g.bytes.fill(0xff, C + 28 + 4, C + 28 + 8);
    const damaged = RecordLog.open(g);
    assert.throws(() => damaged.read(key('a')), LoadError);
    assert.deepEqual(damaged.read(key('b')), body(3));
  });

  it('a bit flip in a record\'s magic is recovered by its CRC; a damaged newest sector is damage, not an old one', () => {
    const f = new NorFlash({ sectors: 3, blockSize: 512 });
    const log = RecordLog.open(f);
    for (let i = 0; i < 5; i++) log.append(key('k' + i), body(i));
    f.bytes[C + 28 + 1] ^= 0x04; // magic of the second record
    const again = RecordLog.open(f.clone());
    assert.deepEqual(again.read(key('k1')), body(1));
    assert.equal(again.recovery.damagedRegions, 0);
    // Rotate until the active sector holds few records, then damage every one of them.
    let r = RecordLog.open(f);
    while (r.status.activeSector === 0) r.append(key('k0'), body(99));
    r.append(key('k1'), body(100));
    const base = r.status.activeSector * 512 + C;
    for (let p = base; f.bytes[p] !== 0xff; p += recordSize(f.bytes[p + 3], f.bytes[p + 12] | (f.bytes[p + 13] << 8))) f.bytes[p + 16] ^= 0x01;
    // The sector before is full, so the damage cannot be recorded: the partition is refused.
    assert.throws(() => RecordLog.open(f.clone()), LoadError);
    // With room left there, the damaged keys are marked, durably.
    const g = new NorFlash({ sectors: 3, blockSize: 512 });
    const lg = RecordLog.open(g);
    for (const [k, v] of [['k0', 0], ['k1', 1], ['k2', 2], ['k0', 3], ['k3', 4]] as const) lg.append(key(k), body(v));
    g.bytes.copyWithin(512, 0, 512); // as if the records (and their counts) had been copied to a newer sector…
    g.bytes.fill(0xff, 0, 512);
    g.bytes[512 + C + 3 * 28 + 16] ^= 0x01; // …where k0's newest record is damaged, before k3's
    const damaged = RecordLog.open(g);
    assert.ok(damaged.damageSeen);
    assert.equal(damaged.recovery.damagedKeys, 3);
    assert.throws(() => damaged.read(key('k0')), LoadError);
    assert.throws(() => damaged.read(key('k1')), LoadError);
    assert.deepEqual(damaged.read(key('k3')), body(4), 'newer than the damage');
    assert.throws(() => RecordLog.open(g).read(key('k0')), LoadError, 'durably');
  });

  it('random bit flips and garbage: LoadError or the exact newest value, never a crash; never an older value', () => {
    const rng = new Prng(42);
    let damagedSeen = 0;
    let exact = 0;
    for (let trial = 0; trial < 400; trial++) {
      const f = new NorFlash({ sectors: 2 + (trial % 3), blockSize: 512 });
      const log = RecordLog.open(f);
      const newest = new Map<string, Uint8Array>();
      const n = 5 + rng.int(60);
      for (let i = 0; i < n; i++) {
        const k = key('k' + rng.int(4));
        const v = body(trial * 1000 + i, 1 + rng.int(12));
        log.append(k, v);
        newest.set(toHex(k), v);
      }
      const bytes = f.bytes;
      const flips = 1 + rng.int(3);
      for (let j = 0; j < flips; j++) {
        const garbage = rng.int(4) === 0;
        const at = rng.int(bytes.length - (garbage ? 8 : 0));
        if (garbage) for (let q = 0; q < 8; q++) bytes[at + q] = rng.next() & 0xff;
        else bytes[at] ^= 1 << rng.int(8);
      }
      let reopened: RecordLog;
      try {
        reopened = RecordLog.open(f);
      } catch (e) {
        assert.ok(e instanceof StorageError || e instanceof LoadError, String(e));
        continue;
      }
      for (const [hex, v] of newest) {
        const k = new Uint8Array(hex.length / 2).map((_, i) => parseInt(hex.slice(2 * i, 2 * i + 2), 16));
        let got: Uint8Array | undefined;
        try {
          got = reopened.read(k);
        } catch (e) {
          assert.ok(e instanceof LoadError, String(e));
          damagedSeen++;
          continue;
        }
        if (got === undefined) {
          assert.ok(reopened.damageSeen, 'a key vanished without the partition recording damage');
          continue;
        }
        if (toHex(got) === toHex(v)) exact++;
        else {
          // README: only damage that erases the newest record's commit word could do this.
          assert.fail('older value for ' + hex + ' (trial ' + trial + ')');
        }
      }
    }
    assert.ok(damagedSeen > 0 && exact > 0, `damaged ${damagedSeen}, exact ${exact}`);
  });
});
