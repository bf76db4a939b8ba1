/**
 * The file-backed simulated flash (targets/node/file-flash.ts): NOR rules over a file, state that
 * survives reopening (a process restart), a power cut that leaves the file torn exactly like the
 * memory image, and a FlashContextStore that recovers from it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openFileFlash } from '../targets/node/file-flash.js';
import { PowerCut, FlashProgramError } from '../src/sim/nor-flash.js';
import { RecordLog } from '../src/persist/record-log.js';
import { FlashContextStore } from '../src/persist/flash-context-store.js';
import { utf8Encode } from '../src/bytes.js';

describe('file-backed NOR flash', () => {
  it('creates an erased image, enforces NOR rules and keeps state across reopen', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oscore-xs-flash-'));
    try {
      const path = join(dir, 'flash.bin');
      const a = openFileFlash(path, { sectors: 2 });
      assert.equal(statSync(path).size, 8192);
      assert.ok(readFileSync(path).every((b) => b === 0xff));
      a.flash.write(100, new Uint8Array([0x12]));
      assert.throws(() => a.flash.write(100, new Uint8Array([0xff])), FlashProgramError);
      a.close();
      const b = openFileFlash(path, { sectors: 2 });
      assert.deepEqual(b.flash.read(100, 2), new Uint8Array([0x12, 0xff]));
      b.close();
      assert.throws(() => openFileFlash(path, { sectors: 3 }), /expected 12288 bytes/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a power cut leaves the file torn; the next process recovers the context without reusing a number', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oscore-xs-flash-'));
    try {
      const path = join(dir, 'flash.bin');
      const key = utf8Encode('ctx');
      const a = openFileFlash(path, { sectors: 2 });
      const log = RecordLog.open(a.flash);
      FlashContextStore.create(log, key);
      const store = FlashContextStore.open(log, key);
      const { nextSeq } = store.load();
      assert.equal(nextSeq, 0);
      const limit = store.reserve(11);
      a.flash.cutPowerAfter(7);
      assert.throws(() => store.reserve(limit + 1), PowerCut);
      a.close();
      const b = openFileFlash(path, { sectors: 2 });
      const again = FlashContextStore.open(RecordLog.open(b.flash), key).load();
      assert.equal(again.nextSeq, limit, 'resumes at the last durable reservation');
      assert.equal(again.window, 'unknown');
      b.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
