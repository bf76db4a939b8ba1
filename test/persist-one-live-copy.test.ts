/**
 * One live copy of a stored security context (RFC 8613 App. B.1; src/persist/README.md "a context
 * is never copied, only moved"). Two live SecurityContexts for one stored context send with the
 * same Sender ID and sequence numbers: the same AES-CCM nonces under the same key. So a second
 * FlashContextStore (or a second SecurityContext on one store) for a key that is open is refused
 * with a LoadError naming the context, leaving flash and the open context unchanged; after close
 * it opens again. After a simulated reboot (a new RecordLog over the same flash) it opens again
 * too, and the first of the two logs to write retires the other: the old context can neither
 * reserve numbers nor write an older state, so no nonce is ever sealed twice.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NorFlash } from '../src/sim/nor-flash.js';
import { RecordLog } from '../src/persist/record-log.js';
import { FlashContextStore } from '../src/persist/flash-context-store.js';
import { SecurityContext, type SecurityContextParams } from '../src/oscore/context.js';
import { protectRequest } from '../src/oscore/protect.js';
import { MemoryContextStore } from '../src/oscore/store.js';
import { ContextUnavailable, LoadError, StorageError } from '../src/errors.js';
import { fromHex, toHex } from '../src/bytes.js';
import type { FlashPort } from '../src/ports.js';
import { plainRequest } from './fuzz/oscore-world.js';

const KEY = fromHex('c0ffee');
const PARAMS: SecurityContextParams = { masterSecret: fromHex('0102030405060708090a0b0c0d0e0f10'), masterSalt: fromHex('9e7ca92223786340'), senderId: fromHex('01'), recipientId: fromHex('') };

function provisioned(sectors = 3, blockSize = 512) {
  const flash = new NorFlash({ sectors, blockSize });
  const log = RecordLog.open(flash);
  FlashContextStore.create(log, KEY);
  return { flash, log };
}

/**
 * Real NOR (the ESP32's): programming a bit that is already 0 to 1 does nothing and raises no
 * error — the simulator refuses it, which would hide a stale writer. This one ANDs silently.
 */
function silentNor(nor: NorFlash): FlashPort {
  return {
    blockSize: nor.blockSize,
    byteLength: nor.byteLength,
    erase: (sector) => nor.erase(sector),
    read: (offset, length) => nor.read(offset, length),
    write: (offset, bytes) => {
      const now = nor.read(offset, bytes.length);
      nor.write(offset, bytes.map((b, i) => b & now[i]));
    },
  };
}

/** Protect one request; returns its AEAD nonce (hex). */
function send(ctx: SecurityContext): string {
  return toHex(protectRequest(ctx, plainRequest('x')).binding.nonce);
}

/** `fn` throws `err`, and neither the flash nor the open context changed. */
function refusedUnchanged(flash: NorFlash, ctx: SecurityContext | undefined, fn: () => unknown, err: Function, message?: RegExp) {
  const bytes = toHex(flash.bytes);
  const writes = flash.writes;
  const next = ctx?.sequence.next;
  assert.throws(fn, (e: unknown) => e instanceof err && (!message || message.test((e as Error).message)));
  assert.equal(toHex(flash.bytes), bytes, 'flash unchanged');
  assert.equal(flash.writes, writes);
  if (ctx) assert.equal(ctx.sequence.next, next, 'open context unchanged');
}

describe('persist: one live copy of a stored context', () => {
  it('a second FlashContextStore for an open key is refused (LoadError naming it) until the first is closed', () => {
    const { flash, log } = provisioned();
    const first = new SecurityContext(PARAMS, { store: FlashContextStore.open(log, KEY) });
    const nonces = new Set<string>();
    for (let i = 0; i < 15; i++) nonces.add(send(first));
    refusedUnchanged(flash, first, () => FlashContextStore.open(log, KEY), LoadError, /c0ffee.*already open/);
    // Opened before the first one loaded: refused when it loads (what SecurityContext does).
    const early = provisioned();
    const a = FlashContextStore.open(early.log, KEY);
    const b = FlashContextStore.open(early.log, KEY);
    const ctxA = new SecurityContext(PARAMS, { store: a });
    refusedUnchanged(early.flash, ctxA, () => new SecurityContext(PARAMS, { store: b }), LoadError, /c0ffee.*already open/);
    // The first context still works, and after its close the key opens again where it left off.
    for (let i = 0; i < 15; i++) nonces.add(send(first));
    first.close();
    const again = new SecurityContext(PARAMS, { store: FlashContextStore.open(log, KEY) });
    assert.equal(again.sequence.next, 30);
    for (let i = 0; i < 15; i++) nonces.add(send(again));
    assert.equal(nonces.size, 45, 'no nonce sealed twice');
    // A closed store is not loaded again (open the context anew).
    assert.throws(() => new SecurityContext(PARAMS, { store: (first.store as FlashContextStore) }), LoadError);
  });

  it('a second SecurityContext on the same store is refused, state unchanged', () => {
    const { flash, log } = provisioned();
    const store = FlashContextStore.open(log, KEY);
    const ctx = new SecurityContext(PARAMS, { store });
    send(ctx);
    refusedUnchanged(flash, ctx, () => new SecurityContext(PARAMS, { store }), LoadError, /c0ffee.*already open/);
    assert.equal(send(ctx).length > 0, true);
    assert.equal(ctx.sequence.next, 2);
  });

  it('MemoryContextStore: a second SecurityContext is refused until close() or crash()', () => {
    const store = new MemoryContextStore({ reserveStep: 10 });
    const first = new SecurityContext(PARAMS, { store });
    const nonces = new Set([send(first), send(first)]);
    const limit = store.limit;
    assert.throws(() => new SecurityContext(PARAMS, { store }), (e: unknown) => e instanceof LoadError && /already loaded/.test((e as Error).message));
    assert.equal(store.limit, limit);
    assert.equal(first.sequence.next, 2, 'the live context is unchanged');
    nonces.add(send(first));
    first.close();
    const second = new SecurityContext(PARAMS, { store });
    assert.equal(second.sequence.next, 3);
    nonces.add(send(second));
    store.crash(); // an unclean stop: `second` is gone
    const third = new SecurityContext(PARAMS, { store });
    assert.ok(third.sequence.next >= 4);
    nonces.add(send(third));
    assert.equal(nonces.size, 5);
  });

  it('a context of another key on the same partition is not affected', () => {
    const { log } = provisioned();
    FlashContextStore.create(log, fromHex('beef'));
    const a = new SecurityContext(PARAMS, { store: FlashContextStore.open(log, KEY) });
    const b = new SecurityContext({ ...PARAMS, senderId: fromHex('02') }, { store: FlashContextStore.open(log, fromHex('beef')) });
    send(a);
    send(b);
    assert.equal(a.sequence.next + b.sequence.next, 2);
  });

  for (const nor of ['simulated', 'silent (real)'] as const)
  for (const firstToWrite of ['old', 'new'] as const)
    it('after a reboot the context opens again; the ' + firstToWrite + ' copy writes first, the other is retired: no nonce twice (' + nor + ' NOR)', () => {
      const flash = new NorFlash({ sectors: 3, blockSize: 512 });
      const port: FlashPort = nor === 'simulated' ? flash : silentNor(flash);
      const log = RecordLog.open(port);
      FlashContextStore.create(log, KEY);
      const old = new SecurityContext(PARAMS, { store: FlashContextStore.open(log, KEY) });
      const sealed = new Map<string, string>();
      const record = (who: string, nonce: string) => {
        assert.equal(sealed.get(nonce), undefined, who + ' sealed nonce ' + nonce + ' already sealed by ' + sealed.get(nonce));
        sealed.set(nonce, who);
      };
      for (let i = 0; i < 5; i++) record('old', send(old)); // reservation limit 10
      // Reboot while the old context is still referenced (the fault harness's lesson).
      const log2 = RecordLog.open(port);
      const fresh = new SecurityContext(PARAMS, { store: FlashContextStore.open(log2, KEY) });
      assert.equal(fresh.sequence.next, 10, 'resumes at the durable limit');
      const [winner, loser] = firstToWrite === 'old' ? [old, fresh] : [fresh, old];
      const names = firstToWrite === 'old' ? ['old', 'new'] : ['new', 'old'];
      // The winner writes first (a reservation); from then on the loser's log is retired.
      for (let i = 0; i < 40; i++) record(names[0], send(winner));
      assert.ok(winner.store instanceof FlashContextStore && winner.store.writes >= 2);
      // The loser may only use numbers it had reserved before the reboot (none, for the new one).
      let loserSent = 0;
      for (let i = 0; i < 40; i++) {
        let nonce: string;
        try {
          nonce = send(loser);
        } catch (e) {
          assert.ok(e instanceof ContextUnavailable, String(e));
          break;
        }
        record(names[1], nonce);
        loserSent++;
      }
      assert.equal(loserSent, firstToWrite === 'old' ? 0 : 5);
      // The loser cannot write an older state (a rolled-back sequence number) nor be reopened on its log.
      refusedUnchanged(flash, undefined, () => loser.close(), StorageError, /retired/);
      refusedUnchanged(flash, undefined, () => FlashContextStore.open(loser === old ? log : log2, KEY), LoadError, /c0ffee.*retired/);
      winner.close();
      // The next boot resumes above every number sealed.
      const next = new SecurityContext(PARAMS, { store: FlashContextStore.open(RecordLog.open(port), KEY) });
      assert.ok(next.sequence.next >= 45, 'resumes at ' + next.sequence.next);
      for (let i = 0; i < 20; i++) record('next', send(next));
    });

  it('raw RecordLog: a log over a flash another log has written to refuses reads and writes', () => {
    const { flash, log } = provisioned();
    log.append(fromHex('aa'), fromHex('01'));
    const log2 = RecordLog.open(flash); // nothing to recover: no write yet, both current
    log.append(fromHex('aa'), fromHex('02'));
    assert.equal(log.retired, false);
    assert.equal(log2.retired, true, 'log wrote after log2 scanned');
    refusedUnchanged(flash, undefined, () => log2.append(fromHex('aa'), fromHex('03')), StorageError, /retired/);
    assert.throws(() => log2.read(fromHex('aa')), StorageError);
    const log3 = RecordLog.open(flash);
    assert.equal(toHex(log3.read(fromHex('aa'))!), '02');
    log3.append(fromHex('aa'), fromHex('04'));
    assert.throws(() => log.append(fromHex('aa'), fromHex('05')), StorageError);
    assert.equal(toHex(RecordLog.open(flash).read(fromHex('aa'))!), '04');
  });
});
