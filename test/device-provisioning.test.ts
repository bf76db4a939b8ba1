/**
 * The device's stored security context (examples/device/provisioning.ts): parameters and
 * sequence/window state as two records of the RecordLog on the flash partition. Provisioning
 * happens once; a stored context is never replaced from configuration (same keys at sequence 0
 * would reuse nonces); damaged or half-written storage is refused or completed safely, and a
 * refusal changes nothing in flash.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LoadError } from '../src/errors.js';
import { equalBytes } from '../src/bytes.js';
import { NorFlash } from '../src/sim/nor-flash.js';
import { RecordLog } from '../src/persist/record-log.js';
import { FlashContextStore } from '../src/persist/flash-context-store.js';
import { PARAMS_KEY, STATE_KEY, decodeContextParams, encodeContextParams, openContext, provisionContext } from '../examples/device/provisioning.js';
import type { SecurityContextParams } from '../src/oscore/context.js';

const params: SecurityContextParams = {
  masterSecret: Uint8Array.from({ length: 16 }, (_, i) => i + 1),
  masterSalt: Uint8Array.of(0x9e, 0x7c, 0xa9, 0x22),
  senderId: Uint8Array.of(2),
  recipientId: new Uint8Array(0),
  idContext: Uint8Array.of(0x37, 0xcb),
  algorithm: 10,
  replayWindowSize: 64,
};
const other: SecurityContextParams = { ...params, masterSecret: new Uint8Array(16).fill(9) };

describe('device context provisioning', () => {
  it('encodes and decodes every parameter, absent and empty ones kept apart', () => {
    const back = decodeContextParams(encodeContextParams(params));
    assert.deepEqual(back, params);
    const minimal = decodeContextParams(encodeContextParams({ masterSecret: Uint8Array.of(1), senderId: Uint8Array.of(1), recipientId: Uint8Array.of(2) }));
    assert.equal(minimal.masterSalt, undefined);
    assert.equal(minimal.idContext, undefined);
    assert.equal(minimal.algorithm, 10);
    assert.equal(minimal.replayWindowSize, 32);
  });

  it('refuses malformed records with LoadError', () => {
    const good = encodeContextParams(params);
    for (const bad of [new Uint8Array(0), Uint8Array.of(2, 10, 0, 32), good.subarray(0, good.length - 1), Uint8Array.of(...good, 0)]) {
      assert.throws(() => decodeContextParams(bad), LoadError);
    }
    const badAlg = good.slice();
    badAlg[1] = 99;
    assert.throws(() => decodeContextParams(badAlg), LoadError);
  });

  it('first boot writes the fallback; later boots load it and ignore a different fallback', () => {
    const flash = new NorFlash({ sectors: 2 });
    const first = openContext(RecordLog.open(flash), params);
    assert.equal(first.provisioned, true);
    first.store.load();
    first.store.reserve(5);
    const again = openContext(RecordLog.open(flash), other);
    assert.equal(again.provisioned, false);
    assert.ok(equalBytes(again.params.masterSecret, params.masterSecret), 'the stored secret wins');
    assert.ok(again.store.load().nextSeq >= 5, 'the sequence state is kept, not restarted at 0');
  });

  it('no context and no fallback: LoadError, and the partition stays blank', () => {
    const flash = new NorFlash({ sectors: 2 });
    assert.throws(() => openContext(RecordLog.open(flash)), /no security context provisioned/);
    assert.ok(flash.bytes.every((b) => b === 0xff));
  });

  it('provisioning twice is refused and changes nothing', () => {
    const flash = new NorFlash({ sectors: 2 });
    provisionContext(RecordLog.open(flash), params);
    const before = flash.bytes.slice();
    assert.throws(() => provisionContext(RecordLog.open(flash), other), LoadError);
    assert.deepEqual(flash.bytes, before);
  });

  it('state without parameters is refused (never silently re-provisioned), flash unchanged', () => {
    const flash = new NorFlash({ sectors: 2 });
    FlashContextStore.create(RecordLog.open(flash), STATE_KEY);
    const before = flash.bytes.slice();
    assert.throws(() => openContext(RecordLog.open(flash), params), /state without parameters/);
    assert.deepEqual(flash.bytes, before);
  });

  it('a power cut between the two provisioning writes is completed with a fresh state', () => {
    const flash = new NorFlash({ sectors: 2 });
    RecordLog.open(flash).append(PARAMS_KEY, encodeContextParams(params));
    const opened = openContext(RecordLog.open(flash), other);
    assert.equal(opened.provisioned, false);
    assert.ok(equalBytes(opened.params.masterSecret, params.masterSecret));
    assert.deepEqual(opened.store.load(), { nextSeq: 0, window: 'fresh' });
  });
});
