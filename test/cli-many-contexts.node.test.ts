// `oscore-xs fileserver` with 2,000 client contexts in one credentials file (aiocoap format, one
// context directory each): it starts, answers the first, a middle and the last client under OSCORE,
// opens (locks, writes) only the contexts that were used, holds no lock process or fd per unused
// context, and a context another process takes after the start answers 4.01 until it is free.
// Without the fs-ext binding the server falls back to opening every context at start.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSocket } from 'node:dgram';
import { spawn, spawnSync } from 'node:child_process';
import { start } from './cli-harness.js';
import { writeManyContexts } from './many-contexts.js';
import { decodeMessage, encodeMessage } from '../src/coap/codec.js';
import { createMessage } from '../src/coap/message.js';
import { Code } from '../src/coap/numbers.js';
import { Option } from '../src/coap/option-registry.js';
import { utf8Decode, utf8Encode } from '../src/bytes.js';
import { SecurityContext } from '../src/oscore/context.js';
import { protectRequest } from '../src/oscore/protect.js';
import { unprotectResponse } from '../src/oscore/unprotect.js';
import { hasNativeLocks } from '../targets/node/context-lock.js';

const N = 2000;
let tmp = '';
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'oscore-xs-many-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

const openFds = () => readdirSync('/proc/self/fd').length;
const children = () => spawnSync('pgrep', ['-P', String(process.pid)], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean).length;

/** One protected GET of /hello.txt with `ctx` over a fresh socket; the decoded answer. */
async function get(port: number, ctx: SecurityContext, mid: number): Promise<{ code: number; text: string; protectedAnswer: boolean }> {
  const request = createMessage({ code: Code.GET, messageId: mid, token: utf8Encode('t' + mid), options: [{ number: Option.URI_PATH, value: utf8Encode('hello.txt') }] });
  const { message, binding } = protectRequest(ctx, request);
  const sock = createSocket('udp4');
  try {
    const answer = await new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no answer')), 3000);
      sock.on('message', (m) => {
        clearTimeout(timer);
        resolve(new Uint8Array(m));
      });
      sock.send(encodeMessage(message), port, '127.0.0.1');
    });
    const m = decodeMessage(answer);
    if (!m.options.some((o) => o.number === Option.OSCORE)) return { code: m.code, text: utf8Decode(m.payload), protectedAnswer: false };
    const plain = unprotectResponse(m, binding).message;
    return { code: plain.code, text: utf8Decode(plain.payload), protectedAnswer: true };
  } finally {
    sock.close();
  }
}

describe('fileserver with 2,000 contexts', { skip: hasNativeLocks() ? false : 'needs the fs-ext binding (optional dependency)' }, () => {
  it('loads them, answers any of them, and opens only those used', async () => {
    const many = writeManyContexts(join(tmp, 'a'), N);
    const files = mkdtempSync(join(tmp, 'files-'));
    writeFileSync(join(files, 'hello.txt'), 'hello\n');
    const fdsBefore = openFds();
    const server = await start(['fileserver', files, '--bind', '127.0.0.1:0', '--credentials', many.credentials, '--require-oscore']);
    const used = [0, 1234, N - 1];
    try {
      assert.match(server.stderr(), new RegExp('with ' + N + ' OSCORE context\\(s\\)'));
      // Nothing per context is held after the start: no lock processes, a handful of fds (the socket).
      assert.ok(openFds() - fdsBefore < 10, 'fds after load: ' + (openFds() - fdsBefore));
      assert.equal(children(), 0, 'no lock holder processes');
      assert.equal(existsSync(join(many.serverDir(N - 1), 'lock')), false, 'an unused context is not locked');

      for (const [k, i] of used.entries()) {
        const ctx = new SecurityContext(many.client(i));
        const r = await get(server.port, ctx, 100 + k);
        assert.deepEqual(r, { code: Code.CONTENT, text: 'hello\n', protectedAnswer: true }, 'client ' + i);
      }
      // A used context is locked (aiocoap's flock(2) on <dir>/lock) and its window marked unknown on disk.
      const lock = spawnSync('flock', ['--nonblock', '--conflict-exit-code', '75', join(many.serverDir(N - 1), 'lock'), 'true']);
      assert.equal(lock.status, 75, 'the last context is locked against other processes');
      assert.equal(JSON.parse(readFileSync(join(many.serverDir(N - 1), 'sequence.json'), 'utf8')).received, 'unknown');
      assert.equal(existsSync(join(many.serverDir(5), 'sequence.json')), false, 'an unused context is not written');
      assert.ok(openFds() - fdsBefore < 10 + used.length, 'one fd per used context');
      assert.equal(children(), 0);
    } finally {
      assert.equal(await server.stop(), 0);
    }
    // Clean exit: the used contexts hold their exact state and are unlocked; the others untouched.
    for (const i of used) {
      assert.equal(existsSync(join(many.serverDir(i), 'lock')), false);
      assert.equal(typeof JSON.parse(readFileSync(join(many.serverDir(i), 'sequence.json'), 'utf8')).received, 'object');
    }
    assert.deepEqual(readdirSync(many.serverDir(7)).sort(), ['secret.json', 'settings.json']);
  });

  it('without the native binding every context is opened at start instead (one flock(1) process each)', async () => {
    const many = writeManyContexts(join(tmp, 'c'), 3);
    const files = mkdtempSync(join(tmp, 'files-'));
    writeFileSync(join(files, 'hello.txt'), 'hello\n');
    process.env.OSCORE_XS_NO_NATIVE_FLOCK = '1';
    try {
      const server = await start(['fileserver', files, '--bind', '127.0.0.1:0', '--credentials', many.credentials, '--require-oscore']);
      try {
        assert.equal(children(), 3, 'a lock holder per context');
        assert.equal(JSON.parse(readFileSync(join(many.serverDir(2), 'sequence.json'), 'utf8')).received, 'unknown', 'opened at start');
        const r = await get(server.port, new SecurityContext(many.client(2)), 7);
        assert.deepEqual(r, { code: Code.CONTENT, text: 'hello\n', protectedAnswer: true });
      } finally {
        assert.equal(await server.stop(), 0);
      }
      assert.equal(existsSync(join(many.serverDir(0), 'lock')), false, 'released at exit');
    } finally {
      delete process.env.OSCORE_XS_NO_NATIVE_FLOCK;
    }
  });

  it('a context another process took after the start answers 4.01, and works once it is free', async () => {
    const many = writeManyContexts(join(tmp, 'b'), 50);
    const files = mkdtempSync(join(tmp, 'files-'));
    writeFileSync(join(files, 'hello.txt'), 'hello\n');
    const server = await start(['fileserver', files, '--bind', '127.0.0.1:0', '--credentials', many.credentials, '--require-oscore']);
    // Another process (flock(1), as aiocoap's flock(2)) holds context 3.
    const holder = spawn('flock', ['--exclusive', join(many.serverDir(3), 'lock'), 'sh', '-c', 'echo locked; exec cat >/dev/null'], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve) => holder.stdout!.once('data', () => resolve()));
      const ctx = new SecurityContext(many.client(3));
      const refused = await get(server.port, ctx, 1);
      assert.deepEqual(refused, { code: Code.UNAUTHORIZED, text: 'Security context not found', protectedAnswer: false });
      assert.match(server.stderr(), /server\/c3\/: locked: another process/);
      assert.equal(existsSync(join(many.serverDir(3), 'sequence.json')), false, 'nothing written while locked elsewhere');
      const exited = new Promise((r) => holder.once('exit', r));
      holder.stdin!.end();
      await exited;
      const ok = await get(server.port, ctx, 2);
      assert.deepEqual(ok, { code: Code.CONTENT, text: 'hello\n', protectedAnswer: true });
    } finally {
      holder.kill();
      assert.equal(await server.stop(), 0);
    }
  });
});
