/**
 * The file-backed flash of targets/node/file-flash.ts (and of the device simulator,
 * targets/xs-sim/sim-flash.ts, which is the same implementation): one flash file is open once per
 * process — a second in-memory image would be a second live copy of its security contexts (RFC
 * 8613 App. B.1, src/persist/README.md). And the simulator's flash writes every change through to
 * the file before the call returns (a SIGKILL is a power cut that keeps what was written).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openFileFlash } from '../targets/node/file-flash.js';
import { openFlashFile, SIM_FLASH_BLOCK, SIM_FLASH_SECTORS } from '../targets/xs-sim/sim-flash.js';
import { RecordLog } from '../src/persist/record-log.js';
import { FlashContextStore } from '../src/persist/flash-context-store.js';
import { LoadError } from '../src/errors.js';
import { fromHex } from '../src/bytes.js';

function inTempDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'oscore-xs-live-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('persist: one live copy of a flash file', () => {
  it('a flash file open in this process cannot be opened again until closed', () => {
    inTempDir((dir) => {
      const path = join(dir, 'flash.bin');
      const key = fromHex('c0ffee');
      const a = openFileFlash(path, { sectors: 2 });
      const log = RecordLog.open(a.flash);
      FlashContextStore.create(log, key);
      const store = FlashContextStore.open(log, key);
      store.load();
      const before = readFileSync(path);
      assert.throws(() => openFileFlash(path, { sectors: 2 }), (e: unknown) => e instanceof LoadError && /already open/.test((e as Error).message));
      assert.throws(() => openFileFlash(join(dir, '.', 'flash.bin'), { sectors: 2 }), LoadError, 'same file by another path');
      assert.deepEqual(readFileSync(path), before, 'the file is unchanged by the refused open');
      store.reserve(11);
      a.close();
      const b = openFileFlash(path, { sectors: 2 });
      assert.equal(FlashContextStore.open(RecordLog.open(b.flash), key).load().nextSeq, 30, 'resumes at the durable limit (10, then 20 more)');
      b.close();
    });
  });

  it('the simulator flash is the file-backed flash at the device geometry, written through on every change', () => {
    inTempDir((dir) => {
      const path = join(dir, 'flash.bin');
      const sim = openFlashFile(path);
      assert.equal(sim.flash.blockSize, SIM_FLASH_BLOCK);
      assert.equal(sim.flash.byteLength, SIM_FLASH_SECTORS * SIM_FLASH_BLOCK);
      assert.throws(() => openFileFlash(path, { sectors: SIM_FLASH_SECTORS, blockSize: SIM_FLASH_BLOCK }), LoadError);
      sim.flash.write(4100, fromHex('1234'));
      assert.deepEqual(readFileSync(path).subarray(4100, 4102), Buffer.from([0x12, 0x34]), 'on disk before close');
      sim.flash.erase(1);
      assert.ok(readFileSync(path).subarray(4096, 8192).every((b) => b === 0xff), 'erase on disk before close');
      sim.close();
      sim.close(); // idempotent
      assert.throws(() => openFlashFile(path, 3), /expected 12288 bytes.*delete it to start over/);
    });
  });
});
