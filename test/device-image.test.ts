/**
 * The device image (src/device-image/): a flash partition holding a device's OSCORE contexts,
 * built through the real RecordLog and FlashContextStore. The image is byte for byte what the
 * device's own code writes; several contexts share it; contexts a request could not tell apart,
 * taken names, bad geometry and malformed records are refused (LoadError) with nothing changed;
 * the example app boots from an image alone and serves the image's peers only; the partition table
 * the firmware is built with gives offset and size. The development fallback (a context from the
 * firmware configuration) is stored once and never replaces a stored context.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LoadError, StorageError } from '../src/errors.js';
import { equalBytes, utf8Decode } from '../src/bytes.js';
import { NorFlash } from '../src/sim/nor-flash.js';
import { RecordLog } from '../src/persist/record-log.js';
import { FlashContextStore } from '../src/persist/flash-context-store.js';
import { contextKeys, decodeContextParams, encodeContextParams, openDeviceContexts, openStoredContexts, storeContext, storedContextNames } from '../src/device-image/oscore-contexts.js';
import { buildDeviceImage, describeDeviceImage, oscoreContextEntry, type DeviceImageEntry } from '../src/device-image/image.js';
import { findPartition, parsePartitionNumber, parsePartitionTable } from '../src/device-image/partition-table.js';
import { SecurityContext, type SecurityContextParams } from '../src/oscore/context.js';
import { MemoryContextStore } from '../src/oscore/store.js';
import { oscoreLayer } from '../src/coap/oscore-layer.js';
import { Code } from '../src/coap/numbers.js';
import { Prng } from '../src/sim/prng.js';
import { startDeviceApp } from '../examples/device/app.js';
import { simWorld, drive } from './coap-support.js';
import partitionsCsv from '../targets/moddable/esp32/partitions.csv';

const params: SecurityContextParams = {
  masterSecret: Uint8Array.from({ length: 16 }, (_, i) => i + 1),
  masterSalt: Uint8Array.of(0x9e, 0x7c, 0xa9, 0x22),
  senderId: Uint8Array.of(2),
  recipientId: new Uint8Array(0),
  idContext: Uint8Array.of(0x37, 0xcb),
  algorithm: 10,
  replayWindowSize: 64,
};
const other: SecurityContextParams = { masterSecret: new Uint8Array(32).fill(9), senderId: Uint8Array.of(2), recipientId: Uint8Array.of(3) };
const geometry = { byteLength: 4 * 4096, blockSize: 4096 };
const bootLog = (image: Uint8Array) => RecordLog.open(new NorFlash({ image, blockSize: 4096 }));

describe('device image: OSCORE context records', () => {
  it('encode and decode every parameter, absent and empty ones kept apart', () => {
    assert.deepEqual(decodeContextParams(encodeContextParams(params)), params);
    const minimal = decodeContextParams(encodeContextParams({ masterSecret: Uint8Array.of(1), senderId: Uint8Array.of(1), recipientId: Uint8Array.of(2) }));
    assert.equal(minimal.masterSalt, undefined);
    assert.equal(minimal.idContext, undefined);
    assert.equal(minimal.algorithm, 10);
    assert.equal(minimal.replayWindowSize, 32);
  });

  it('refuse malformed records with LoadError', () => {
    const good = encodeContextParams(params);
    for (const bad of [new Uint8Array(0), Uint8Array.of(2, 10, 0, 32), good.subarray(0, good.length - 1), Uint8Array.of(...good, 0)]) {
      assert.throws(() => decodeContextParams(bad), LoadError);
    }
    const badAlg = good.slice();
    badAlg[1] = 99;
    assert.throws(() => decodeContextParams(badAlg), LoadError);
  });

  it('names: letters, digits, . _ - up to 32; anything else refused', () => {
    assert.equal(utf8Decode(contextKeys('gw-1.a_b').params), 'ctx/gw-1.a_b');
    const ok = buildDeviceImage(geometry, [oscoreContextEntry('gw-1.a_b', params), oscoreContextEntry('x'.repeat(32), other)]);
    assert.deepEqual(storedContextNames(bootLog(ok)), ['gw-1.a_b', 'x'.repeat(32)]);
    for (const bad of ['', 'a/b', 'x'.repeat(33), 'ü', 'a b']) assert.throws(() => buildDeviceImage(geometry, [oscoreContextEntry(bad, params)]), /context name/);
  });
});

describe('device image: building', () => {
  it('holds several contexts, each with a fresh sequence state, exactly as the device writes them itself', () => {
    const image = buildDeviceImage(geometry, [oscoreContextEntry('gateway', params), oscoreContextEntry('phone', other)]);
    assert.equal(image.length, geometry.byteLength);
    const direct = new NorFlash({ sectors: 4 });
    const log = RecordLog.open(direct);
    storeContext(log, 'gateway', params);
    storeContext(log, 'phone', other);
    assert.deepEqual(image, direct.bytes, 'the same bytes the device code writes');
    const opened = openStoredContexts(bootLog(image));
    assert.deepEqual(opened.map((c) => c.name), ['gateway', 'phone']);
    assert.deepEqual(opened[0].params, params);
    assert.ok(equalBytes(opened[1].params.masterSecret, other.masterSecret));
    for (const c of opened) assert.deepEqual(c.store.load(), { nextSeq: 0, window: 'fresh' });
    assert.deepEqual(describeDeviceImage(geometry, image), { contexts: ['gateway', 'phone'] });
  });

  it('adds to an image made earlier without changing the input; other entry kinds go through the same log', () => {
    const first = buildDeviceImage(geometry, [oscoreContextEntry('gateway', params)]);
    const copy = first.slice();
    const extra: DeviceImageEntry = { description: 'a test record', check: () => {}, write: (log) => log.append(Uint8Array.of(0x65, 0x2f, 1), Uint8Array.of(42)) };
    const both = buildDeviceImage(geometry, [oscoreContextEntry('phone', other), extra], first);
    assert.deepEqual(first, copy, 'input untouched');
    const log = bootLog(both);
    assert.deepEqual(storedContextNames(log), ['gateway', 'phone']);
    assert.deepEqual(log.read(Uint8Array.of(0x65, 0x2f, 1)), Uint8Array.of(42));
  });

  it('refuses a taken name, a context requests could not tell apart, or a clash between new entries — before writing anything', () => {
    const first = buildDeviceImage(geometry, [oscoreContextEntry('gateway', params)]);
    const copy = first.slice();
    assert.throws(() => buildDeviceImage(geometry, [oscoreContextEntry('gateway', other)], first), /named "gateway" is already stored/);
    // Same Recipient ID (kid) and ID Context as "gateway": a request would match both.
    assert.throws(() => buildDeviceImage(geometry, [oscoreContextEntry('twin', { ...params, masterSecret: new Uint8Array(16).fill(7) })], first), /same Recipient ID and ID Context/);
    assert.throws(() => buildDeviceImage(geometry, [oscoreContextEntry('a', other), oscoreContextEntry('b', { ...other, masterSecret: Uint8Array.of(5) })]), /same Recipient ID/);
    assert.deepEqual(first, copy);
    // The same kid under another ID Context is a different context (§3.3): accepted.
    const ok = buildDeviceImage(geometry, [oscoreContextEntry('twin', { ...params, idContext: Uint8Array.of(1) })], first);
    assert.deepEqual(storedContextNames(bootLog(ok)), ['gateway', 'twin']);
    assert.throws(() => buildDeviceImage(geometry, [oscoreContextEntry('bad', { ...params, senderId: new Uint8Array(0), recipientId: new Uint8Array(0) })]), LoadError);
  });

  it('refuses a geometry that is no partition, or an image of another size', () => {
    assert.throws(() => buildDeviceImage({ byteLength: 10000, blockSize: 4096 }, []), /whole number/);
    assert.throws(() => buildDeviceImage({ byteLength: 8192, blockSize: 1000 }, []), /power of two/);
    assert.throws(() => buildDeviceImage(geometry, [], new Uint8Array(8192).fill(0xff)), /8192 bytes/);
  });

  it('a partition whose live records would pass half a sector takes no more contexts (StorageError)', () => {
    const small = { byteLength: 2 * 1024, blockSize: 1024 };
    const entries: DeviceImageEntry[] = [];
    for (let i = 0; i < 10; i++) entries.push(oscoreContextEntry('c' + i, { masterSecret: new Uint8Array(32).fill(i + 1), senderId: Uint8Array.of(0), recipientId: Uint8Array.of(i + 1) }));
    assert.throws(() => buildDeviceImage(small, entries), StorageError);
  });
});

describe('device image: the partition table', () => {
  it('reads the oscore partition of the ESP32 table the firmware is built with', () => {
    const p = findPartition(parsePartitionTable(partitionsCsv), 'oscore');
    assert.deepEqual(p, { name: 'oscore', type: 'data', subtype: '0x40', offset: 0x3c0000, size: 0x10000 });
  });

  it('decimal, hex, K and M sizes; comments; empty offsets; a missing partition named with the ones there are', () => {
    assert.equal(parsePartitionNumber('64K'), 65536);
    assert.equal(parsePartitionNumber('0x10'), 16);
    assert.equal(parsePartitionNumber('1M'), 1048576);
    assert.throws(() => parsePartitionNumber('12Q'), LoadError);
    const t = parsePartitionTable('# c\nnvs, data, nvs, , 24K # inline\n\nstore, data, 0x40, 0x200000, 0x20000,\n');
    assert.deepEqual(t.map((e) => [e.name, e.offset, e.size]), [['nvs', undefined, 24576], ['store', 0x200000, 0x20000]]);
    assert.throws(() => findPartition(t, 'oscore'), /no partition "oscore" \(it has: nvs, store\)/);
    assert.throws(() => parsePartitionTable('a, b\n'), /line 1/);
  });
});

describe('device image: booting', () => {
  it('openDeviceContexts: an empty partition without fallback is refused and stays blank', () => {
    const flash = new NorFlash({ sectors: 2 });
    assert.throws(() => openDeviceContexts(RecordLog.open(flash)), /no OSCORE context in flash: write a device image/);
    assert.ok(flash.bytes.every((b) => b === 0xff));
  });

  it('the development fallback is stored once, as "config"; later boots ignore a different one', () => {
    const flash = new NorFlash({ sectors: 2 });
    const first = openDeviceContexts(RecordLog.open(flash), params);
    assert.equal(first.provisioned, true);
    assert.deepEqual(first.contexts.map((c) => c.name), ['config']);
    first.contexts[0].store.load();
    first.contexts[0].store.reserve(5);
    const again = openDeviceContexts(RecordLog.open(flash), other);
    assert.equal(again.provisioned, false);
    assert.ok(equalBytes(again.contexts[0].params.masterSecret, params.masterSecret), 'the stored secret wins');
    assert.ok(again.contexts[0].store.load().nextSeq >= 5, 'the sequence state is kept, not restarted at 0');
  });

  it('an image wins over the fallback', () => {
    const image = buildDeviceImage(geometry, [oscoreContextEntry('gateway', params)]);
    const opened = openDeviceContexts(bootLog(image), other);
    assert.equal(opened.provisioned, false);
    assert.deepEqual(opened.contexts.map((c) => c.name), ['gateway']);
  });

  it('a power cut between the two writes of a context is completed with a fresh state', () => {
    const flash = new NorFlash({ sectors: 2 });
    RecordLog.open(flash).append(contextKeys('gateway').params, encodeContextParams(params));
    const [c] = openStoredContexts(RecordLog.open(flash));
    assert.deepEqual(c.store.load(), { nextSeq: 0, window: 'fresh' });
  });

  it('state without parameters is not a context; a fallback does not overwrite it', () => {
    const flash = new NorFlash({ sectors: 2 });
    FlashContextStore.create(RecordLog.open(flash), contextKeys('config').state);
    const before = flash.bytes.slice();
    assert.throws(() => openDeviceContexts(RecordLog.open(flash), params), /already stored/);
    assert.deepEqual(flash.bytes, before);
  });

  it('the example app boots from an image alone and serves its peers; a second device image has other keys', async () => {
    const device = { senderId: Uint8Array.of(2), recipientId: Uint8Array.of(1) };
    const pair = (seed: number) => ({ ...device, masterSecret: new Prng(seed).bytes(32), masterSalt: new Prng(seed + 1).bytes(8) });
    const a = pair(10);
    const b = pair(20);
    const imageA = buildDeviceImage(geometry, [oscoreContextEntry('client', a)]);
    const imageB = buildDeviceImage(geometry, [oscoreContextEntry('client', b)]);
    assert.ok(!equalBytes(imageA, imageB), 'two devices, two images');
    const w = simWorld();
    const lines: string[] = [];
    const app = startDeviceApp({ datagram: w.network.port('device', 5683), clock: w.clock, random: new Prng(3), flash: new NorFlash({ image: imageA, blockSize: 4096 }) }, { log: (l) => lines.push(l), sensorIntervalMs: 3600000 });
    assert.match(lines.join('\n'), /loaded OSCORE context client: sender 02, recipient 01/);
    const clientOf = (p: SecurityContextParams) => {
      const ctx = new SecurityContext({ ...p, senderId: p.recipientId, recipientId: p.senderId }, { store: new MemoryContextStore() });
      return w.endpoint('client' + p.masterSecret[0], 5683, { oscore: oscoreLayer({ contextFor: () => ctx, clock: w.clock, random: new Prng(p.masterSecret[1]) }) });
    };
    // Device B's client (same IDs, other keys) cannot talk to device A: its request does not verify.
    const wrong = await drive(w.clock, clientOf(b).request({ uri: 'coap://device/led' }));
    assert.equal(wrong.code, Code.BAD_REQUEST);
    assert.equal(utf8Decode(wrong.payload), 'Decryption failed');
    const good = await drive(w.clock, clientOf(a).request({ uri: 'coap://device/led' }));
    assert.equal(good.code, Code.CONTENT);
    assert.equal(utf8Decode(good.payload), 'off');
    assert.equal(app.state.requests, 1);
    app.shutdown();
  });
});
