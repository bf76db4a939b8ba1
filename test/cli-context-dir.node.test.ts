// aiocoap context directories on disk: loading through a credentials file, sequence.json writes
// (chunked reservations, atomic), the lock against a second process (ours or aiocoap's flock), crash
// recovery to "unknown", and the bad-directory paths. Works on copies of test/fixtures/interop in a temp dir.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, cpSync, existsSync, mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import type { CredentialsMatch } from '../src/credentials/credentials-map.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import * as esbuild from 'esbuild';
import { ContextDirectory } from '../targets/node/context-dir.js';
import { CredentialsFile } from '../targets/node/credentials.js';
import { ContextUnavailable, LoadError } from '../src/errors.js';
import { toHex } from '../src/bytes.js';
import { aiocoapToReplayState, type AiocoapWindow } from '../src/credentials/sequence-file.js';
import { ReplayWindow } from '../src/oscore/replay.js';
import { SecurityContext } from '../src/oscore/context.js';
import { securityContextParams } from '../targets/node/context-dir.js';

const SHARED = join(process.cwd(), 'test/fixtures/interop');
let tmp = '';
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'oscore-xs-ctxdir-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A fresh copy of a shared fixture directory. */
function copy(name: string): string {
  const dst = mkdtempSync(join(tmp, 'c-'));
  cpSync(join(SHARED, name), dst, { recursive: true });
  return dst;
}
/** The core's snapshot of a window given in aiocoap's form. */
const snapOf = (w: AiocoapWindow, size = 32) => new ReplayWindow(size, aiocoapToReplayState(w, size)).snapshot();
const seq = (dir: string) => readFileSync(join(dir, 'sequence.json'), 'utf8');
const isLoadError = (m: RegExp) => (e: unknown) => e instanceof LoadError && m.test((e as Error).message);

describe('context directory on disk', () => {
  it('opens the guide example through client1.json (paths relative to the credentials file)', async () => {
    const root = copy('aiocoap-seed-example');
    const creds = CredentialsFile.read(join(root, 'client1.json'));
    const match = creds.map.forUri('coap://localhost/hello.txt') as CredentialsMatch;
    const ctx = await creds.open(match);
    assert.equal(toHex(ctx.config.senderId), '01');
    assert.equal(ctx.label, 'client1/for-fileserver/');
    assert.deepEqual(ctx.initial, { nextToSend: 0, received: { index: 0, bitfield: 0n } });
    const dir = join(root, 'client1/for-fileserver');
    // While open, the window on disk is unknown (a crash must not leave a stale window behind).
    assert.equal(seq(dir), '{"next-to-send": 0, "received": "unknown"}');
    assert.equal(existsSync(join(dir, 'lock')), true);
    ctx.close(0, snapOf({ index: 0, bitfield: 0n }));
    await ctx.released();
    assert.equal(seq(dir), '{"next-to-send": 0, "received": {"index": 0, "bitfield": 0}}');
    assert.equal(existsSync(join(dir, 'lock')), false);
  });

  it('reserves in chunks like aiocoap (10, 20, 40 … up to 10000) and closes with the exact state', async () => {
    const root = copy('aiocoap-seed-example');
    const dir = join(root, 'client1/for-fileserver');
    const ctx = await ContextDirectory.open(dir);
    assert.equal(ctx.reserve(0), 0, 'no number needed yet: no write');
    assert.equal(ctx.reserve(1), 10);
    assert.equal(seq(dir), '{"next-to-send": 10, "received": "unknown"}');
    assert.equal(ctx.reserve(5), 10, 'covered: no write');
    assert.equal(ctx.reserve(11), 30);
    assert.equal(ctx.reserve(31), 70);
    assert.equal(ctx.reserve(1000), 1000, 'a jump reserves at least what is asked');
    assert.equal(seq(dir), '{"next-to-send": 1000, "received": "unknown"}');
    assert.throws(() => ctx.close(1001, 'unknown'), ContextUnavailable, 'never claim an unreserved number');
    assert.throws(() => ctx.close(12, new ReplayWindow(64).snapshot()), ContextUnavailable, 'window size must match');
    ctx.close(12, snapOf({ index: 3, bitfield: 5n }));
    await ctx.released();
    assert.equal(seq(dir), '{"next-to-send": 12, "received": {"index": 3, "bitfield": 5}}');
    assert.deepEqual(readdirSync(dir).sort(), ['sequence.json', 'settings.json'], 'no temp files, no lock left');
    const again = await ContextDirectory.open(dir);
    assert.deepEqual(again.initial, { nextToSend: 12, received: { index: 3, bitfield: 5n } });
    assert.throws(() => ctx.reserve(20), ContextUnavailable, 'a closed context reserves nothing');
    await again.release();
  });

  it('refuses a second user while locked, leaving the state untouched; a clean close frees it', async () => {
    const dir = copy('aiocoap-plugtest-contexts/b');
    const first = await ContextDirectory.open(dir);
    first.reserve(1);
    const before = seq(dir);
    await assert.rejects(ContextDirectory.open(dir, { label: 'b' }), isLoadError(/^b: locked: another process/));
    assert.equal(seq(dir), before);
    assert.equal(first.reserve(5), 10, 'the holder carries on');
    first.close(5, 'unknown');
    await first.released();
    const second = await ContextDirectory.open(dir);
    assert.equal(second.initial.nextToSend, 5);
    await second.release();
  });

  it("interoperates with aiocoap's lock (flock(2) on <dir>/lock, as Python's filelock takes it)", async (t) => {
    if (spawnSync('python3', ['-c', 'import fcntl']).status !== 0) return t.skip('python3 not available');
    const dir = copy('aiocoap-plugtest-contexts/a');
    // A Python process holding the lock the way aiocoap does: we must be refused.
    const py = spawn('python3', ['-c', [
      'import fcntl, os, sys',
      "fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o644)",
      'fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)',
      "print('held', flush=True)",
      'sys.stdin.read()',
    ].join('\n'), join(dir, 'lock')], { stdio: ['pipe', 'pipe', 'inherit'] });
    await new Promise<void>((r) => py.stdout!.once('data', () => r()));
    await assert.rejects(ContextDirectory.open(dir, { label: 'a' }), isLoadError(/locked/));
    assert.equal(existsSync(join(dir, 'sequence.json')), false, 'refused before touching anything');
    py.stdin!.end();
    await new Promise((r) => py.once('exit', r));
    // And while we hold it, aiocoap's non-blocking attempt fails.
    const ours = await ContextDirectory.open(dir);
    const probe = spawnSync('python3', ['-c', [
      'import fcntl, os, sys',
      'fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o644)',
      'try:\n  fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)\n  print("got")\nexcept BlockingIOError:\n  print("busy")',
    ].join('\n'), join(dir, 'lock')], { encoding: 'utf8' });
    assert.equal(probe.stdout.trim(), 'busy');
    await ours.release();
  });

  it('after a crash the lock is free, the reservation holds and the window is "unknown" (App. B.1.2)', async () => {
    const dir = copy('aiocoap-plugtest-contexts/d');
    const bundle = join(tmp, 'context-dir.mjs');
    await esbuild.build({ entryPoints: [join(process.cwd(), 'targets/node/context-dir.ts')], outfile: bundle, bundle: true, format: 'esm', platform: 'node', logLevel: 'error' });
    // A child opens the context, takes sequence numbers and dies without closing.
    const script = `import { ContextDirectory } from ${JSON.stringify(bundle)};
      const c = await ContextDirectory.open(process.argv[1]); c.reserve(1); c.reserve(11); process.kill(process.pid, 'SIGKILL');`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, dir], { encoding: 'utf8' });
    assert.equal(r.signal, 'SIGKILL', r.stderr);
    assert.equal(seq(dir), '{"next-to-send": 30, "received": "unknown"}');
    assert.equal(existsSync(join(dir, 'lock')), true, 'a crash leaves the file (as with aiocoap) …');
    // … but not the lock: the holder ends with its parent. Retry briefly while it notices.
    let ctx: ContextDirectory | undefined;
    for (let i = 0; i < 50 && !ctx; i++) {
      try {
        ctx = await ContextDirectory.open(dir);
      } catch (e) {
        if (!isLoadError(/locked/)(e)) throw e;
        await new Promise((res) => setTimeout(res, 20));
      }
    }
    assert.ok(ctx, 'lock released after the crash');
    assert.deepEqual(ctx.initial, { nextToSend: 30, received: 'unknown' });
    await ctx.release();
  });

  it('reports unreadable, missing and malformed directories by file name', async () => {
    await assert.rejects(ContextDirectory.open(join(tmp, 'nope'), { label: 'nope/' }), isLoadError(/^nope\/: cannot open context directory \(ENOENT\)$/));
    const file = join(tmp, 'plain-file');
    writeFileSync(file, 'x');
    await assert.rejects(ContextDirectory.open(file, { label: 'f' }), isLoadError(/^f: not a directory$/));
    const empty = mkdtempSync(join(tmp, 'e-'));
    await assert.rejects(ContextDirectory.open(empty, { label: 'e' }), isLoadError(/^e: neither e\/secret\.json nor e\/settings\.json exists$/));
    const dirAsFile = copy('aiocoap-plugtest-contexts/c');
    rmSync(join(dirAsFile, 'secret.json'));
    mkdirSync(join(dirAsFile, 'secret.json'));
    await assert.rejects(ContextDirectory.open(dirAsFile, { label: 'c' }), isLoadError(/^c\/secret\.json: cannot read \(EISDIR\)$/));
    const badHex = copy('aiocoap-seed-example');
    const creds = CredentialsFile.read(join(badHex, 'client1.json'));
    writeFileSync(join(badHex, 'client1/for-fileserver/settings.json'), JSON.stringify({ 'sender-id_hex': '01', 'recipient-id_hex': 'zz', secret_ascii: 'x' }));
    await assert.rejects(creds.open(creds.map.forUri('coap://localhost/') as CredentialsMatch), isLoadError(/^client1\/for-fileserver\/settings\.json: recipient-id_hex: not hex$/));
    // A failed load releases the lock and writes nothing.
    assert.equal(existsSync(join(badHex, 'client1/for-fileserver/lock')), false);
    assert.equal(existsSync(join(badHex, 'client1/for-fileserver/sequence.json')), false);
    const badSeq = copy('aiocoap-plugtest-contexts/a');
    writeFileSync(join(badSeq, 'sequence.json'), '{"next-to-send": 5}');
    await assert.rejects(ContextDirectory.open(badSeq, { label: 'a' }), isLoadError(/^a\/sequence\.json: received: missing$/));
    assert.equal(seq(badSeq), '{"next-to-send": 5}', 'bad state is left for the user to inspect');
  });

  it('an unreadable file is named with its error (skipped as root, who reads everything)', async (t) => {
    if (process.getuid?.() === 0) return t.skip('running as root');
    const dir = copy('aiocoap-plugtest-contexts/b');
    chmodSync(join(dir, 'secret.json'), 0);
    await assert.rejects(ContextDirectory.open(dir, { label: 'b' }), isLoadError(/^b\/secret\.json: cannot read \(EACCES\)$/));
  });

  it('without the native binding: one flock(1) process per lock, refusing native holders and refused by them', async () => {
    const dir = copy('aiocoap-plugtest-contexts/a');
    const native = await ContextDirectory.open(dir);
    process.env.OSCORE_XS_NO_NATIVE_FLOCK = '1';
    try {
      await assert.rejects(ContextDirectory.open(dir, { label: 'a' }), isLoadError(/^a: locked: another process/));
      await native.release();
      const viaChild = await ContextDirectory.open(dir);
      delete process.env.OSCORE_XS_NO_NATIVE_FLOCK;
      await assert.rejects(ContextDirectory.open(dir, { label: 'a' }), isLoadError(/^a: locked: another process/));
      await viaChild.release();
      const again = await ContextDirectory.open(dir);
      await again.release();
    } finally {
      delete process.env.OSCORE_XS_NO_NATIVE_FLOCK;
    }
  });

  it('open (in-process lock) and inspect (check and let go, writing nothing)', async () => {
    const dir = copy('aiocoap-plugtest-contexts/b');
    const before = readdirSync(dir).sort();
    const config = ContextDirectory.inspect(dir, { label: 'b' });
    assert.equal(toHex(config.recipientId), toHex(ContextDirectory.inspect(dir).recipientId));
    assert.deepEqual(readdirSync(dir).sort(), before, 'inspect writes nothing and leaves no lock file');
    const held = ContextDirectory.openSync(dir, { label: 'b' });
    assert.throws(() => ContextDirectory.inspect(dir, { label: 'b' }), isLoadError(/^b: locked: another process/));
    assert.throws(() => ContextDirectory.openSync(dir, { label: 'b' }), isLoadError(/^b: locked: another process/));
    held.close(0, 'unknown');
    await held.released();
    ContextDirectory.inspect(dir, { label: 'b' });
  });

  it('without a flock binary (non-Linux) the lock file is created exclusively instead', async () => {
    const dir = copy('aiocoap-plugtest-contexts/a');
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    process.env.OSCORE_XS_NO_NATIVE_FLOCK = '1';
    try {
      const first = await ContextDirectory.open(dir);
      assert.match(readFileSync(join(dir, 'lock'), 'utf8'), new RegExp('^' + process.pid + '\\n$'));
      await assert.rejects(ContextDirectory.open(dir, { label: 'a' }), isLoadError(/^a: locked: .*remove the lock file/));
      first.close(0, 'unknown');
      await first.released();
      assert.equal(existsSync(join(dir, 'lock')), false);
      const again = await ContextDirectory.open(dir);
      await again.release();
    } finally {
      process.env.PATH = path;
      delete process.env.OSCORE_XS_NO_NATIVE_FLOCK;
    }
  });

  it('a failed write refuses the reservation and keeps the old limit', async () => {
    const dir = copy('aiocoap-plugtest-contexts/b');
    const ctx = await ContextDirectory.open(dir);
    assert.equal(ctx.reserve(1), 10);
    rmSync(dir, { recursive: true, force: true });
    assert.throws(() => ctx.reserve(11), (e: unknown) => e instanceof ContextUnavailable && /sequence\.json: cannot write/.test((e as Error).message));
    assert.equal(ctx.reservedUpTo, 10);
    await ctx.release();
  });

  it('server credentials open every labelled context once', async () => {
    const root = copy('aiocoap-seed-example');
    const creds = CredentialsFile.read(join(root, 'server.json'));
    const all = await creds.openAll();
    assert.equal(all.length, 1);
    assert.equal(all[0].match.pattern, ':client1');
    assert.equal(toHex(all[0].dir.config.senderId), toHex(new Uint8Array([0x66, 0x69, 0x6c, 0x65])));
    for (const a of all) await a.dir.release();
    assert.throws(() => CredentialsFile.read(join(root, 'missing.json')), isLoadError(/cannot read credentials file \(ENOENT\)/));
  });
});

describe('context directory as the OSCORE ContextStore', () => {
  it('drives a SecurityContext: reservations on disk, exact state at close, reload continues', async () => {
    const dir = copy('aiocoap-plugtest-contexts/a');
    const store = await ContextDirectory.open(dir);
    const ctx = new SecurityContext(securityContextParams(store.config), { store });
    for (let i = 0; i < 12; i++) assert.equal(ctx.sequence.take(), i);
    assert.equal(seq(dir), '{"next-to-send": 30, "received": "unknown"}');
    ctx.replayWindow.accept(3);
    ctx.replayWindow.accept(5);
    ctx.close();
    await store.released();
    // highest 5 in a window of 32 → aiocoap index 0, bits 3 and 5.
    assert.equal(seq(dir), '{"next-to-send": 12, "received": {"index": 0, "bitfield": 40}}');
    const store2 = await ContextDirectory.open(dir);
    const ctx2 = new SecurityContext(securityContextParams(store2.config), { store: store2 });
    assert.equal(ctx2.sequence.take(), 12);
    assert.throws(() => ctx2.replayWindow.check(5), /already received/);
    ctx2.replayWindow.check(4);
    await store2.release();
  });
});
