/**
 * Reliability fuzzing of what is read back from storage, fixed seed: aiocoap-format loaders
 * (settings/secret.json, credentials map, sequence.json) and the flash RecordLog reader under bit
 * flips, garbage and erased runs (RFC 8613 App. B.1: a stale sequence number would reuse nonces).
 * Properties in test/fuzz/targets-storage.ts. Plus the regression test of the defect the fuzzer
 * found: a bit flip in the only record of a freshly rotated sector rolled the key back silently.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runTarget } from './fuzz/target.js';
import { loadersTarget, recordLogFlipsTarget, recordLogBurstsTarget } from './fuzz/targets-storage.js';
import { NorFlash } from '../src/sim/nor-flash.js';
import { RecordLog } from '../src/persist/record-log.js';
import { LoadError } from '../src/errors.js';
import { toHex } from '../src/bytes.js';

const onXs = process.env.XS === '1';

describe('reliability fuzz: loaders and flash record log', () => {
  it('context, credentials and sequence files: LoadError only; accepted ones build and round-trip', () => {
    const c = runTarget(loadersTarget, 0x5eed21, onXs ? 1500 : 5000);
    for (const k of ['context-rejected', 'context-built', 'credentials-parsed', 'credentials-rejected', 'sequence-accepted', 'sequence-rejected']) assert.ok(c[k] > 0, k + ' never reached: ' + JSON.stringify(c));
  });

  it('bit flips in a partition: typed errors, newest value, absent or LoadError — never an older value', () => {
    const c = runTarget(recordLogFlipsTarget, 0x5eed22, onXs ? 500 : 2000);
    assert.ok(c['key-newest'] > 500 && c['key-damaged'] > 50, JSON.stringify(c));
  });

  it('garbage and erased runs: typed errors only, no value that was never written, the log keeps working', () => {
    const c = runTarget(recordLogBurstsTarget, 0x5eed23, onXs ? 300 : 1000);
    assert.ok(c['key-newest'] > 200 && c['append-ok'] > 100, JSON.stringify(c));
  });

  it('regression: every bit flip in a freshly rotated active sector leaves no older value readable', () => {
    const flash = new NorFlash({ sectors: 3, blockSize: 512 });
    const log = RecordLog.open(flash);
    const key = new Uint8Array([0x77]);
    let n = 0;
    // Append until the log rotates into sector 1 (nothing live to copy: one key only).
    while (log.status.activeSector === 0) log.append(key, new Uint8Array([n >> 8, n++ & 0xff, 0x11, 0x22]));
    const newest = toHex(new Uint8Array([(n - 1) >> 8, (n - 1) & 0xff, 0x11, 0x22]));
    const image = flash.bytes.slice();
    let checked = 0;
    // Every byte of the sector: records, blank space and both record counters.
    for (let i = 512; i < 1024; i++)
      for (let bit = 0; bit < 8; bit++) {
        const img = image.slice();
        img[i] ^= 1 << bit;
        let got: string;
        try {
          const v = RecordLog.open(new NorFlash({ blockSize: 512, image: img })).read(key);
          got = v ? toHex(v) : 'absent';
        } catch (e) {
          assert.ok(e instanceof LoadError, String(e));
          got = 'damaged';
        }
        assert.ok(got === newest || got === 'damaged', 'flip of bit ' + bit + ' at sector 1 byte ' + (i - 512) + ' read ' + got + ', newest ' + newest);
        checked++;
      }
    assert.ok(checked >= 8 * 20);
  });
});
