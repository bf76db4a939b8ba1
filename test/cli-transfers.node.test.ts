// Large transfers with the oscore-xs CLI, over real UDP on loopback: bodies past the library's
// 1 MiB collection limit streamed to -o FILE and to stdout, uploads from --payload @FILE, progress
// on stderr only when stderr is a terminal (injected, and a real pseudo-terminal via script(1)),
// the fileserver's -v with one line per completed transfer, and the exit codes and messages of
// error responses, timeouts and --quiet.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSocket } from 'node:dgram';
import { spawn, spawnSync } from 'node:child_process';
import { copyFixture, run, start, type RunningServer } from './cli-harness.js';
import { toHex } from '../src/bytes.js';
import { decodeMessage, encodeMessage } from '../src/coap/codec.js';
import { createMessage } from '../src/coap/message.js';
import { Code } from '../src/coap/numbers.js';

let tmp = '';
let files = '';
let server: RunningServer;
let base = '';
/** Past the old 1 MiB client limit and past the file server's whole-file reads. */
const BIG = 1536 * 1024 + 77;
let big: Uint8Array;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'oscore-xs-xfer-'));
  files = join(tmp, 'files');
  big = new Uint8Array(BIG);
  for (let i = 0; i < BIG; i++) big[i] = (i * 131 + (i >> 10)) & 0xff;
  spawnSync('mkdir', ['-p', files]);
  writeFileSync(join(files, 'big.bin'), big);
  writeFileSync(join(files, 'hello.txt'), 'hello');
  server = await start(['fileserver', files, '--bind', '127.0.0.1:0', '--write', '--max-upload', '300000', '-v']);
  base = `coap://127.0.0.1:${server.port}`;
});
after(async () => {
  await server?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

function exec(cmd: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    c.stdout.on('data', (d) => (stdout += d));
    c.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => c.kill(), 60_000);
    c.on('close', (status) => (clearTimeout(timer), resolve({ status, stdout, stderr })));
  });
}

/** The server's -v lines that appeared while `f` ran. */
async function serverLines(f: () => Promise<unknown>): Promise<string[]> {
  const before = server.stderr().length;
  await f();
  await new Promise((r) => setTimeout(r, 20));
  return server.stderr().slice(before).split('\n').filter(Boolean);
}

describe('oscore-xs client: bodies of any size', () => {
  it('streams a 1.5 MiB file to -o FILE block by block (no .part left), and to stdout; the server logs one line', async () => {
    const out = join(tmp, 'big.out');
    let r!: Awaited<ReturnType<typeof run>>;
    const lines = await serverLines(async () => (r = await run(['client', base + '/big.bin', '-o', out, '-v'])));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.out.length, 0, 'nothing on stdout with -o');
    assert.equal(toHex(readFileSync(out)), toHex(big));
    assert.equal(existsSync(out + '.part'), false);
    assert.match(r.stderr, new RegExp('← 2\\.05 Content, Content-Format 42, ETag [0-9a-f]+, ' + BIG + ' bytes'));
    const blocks = Math.ceil(BIG / 1024);
    assert.deepEqual(lines.length, 1, lines.join('\n'));
    assert.match(lines[0], new RegExp('^GET /big\\.bin → 2\\.05, sent 1\\.5 MiB in ' + blocks + ' blocks, \\d+\\.\\d s — 127\\.0\\.0\\.1:\\d+$'));
    const stdout = await run(['client', base + '/big.bin']);
    assert.equal(stdout.code, 0, stdout.stderr);
    assert.equal(toHex(stdout.out), toHex(big), 'binary body byte for byte, no newline added');
  });

  it('under OSCORE too: a 1.5 MiB file to -o, one protected request per block, contexts written back', async () => {
    const ex = copyFixture(tmp, 'aiocoap-seed-example');
    const secure = await start(['fileserver', files, '--bind', '127.0.0.1:0', '--credentials', join(ex, 'server.json'), '--require-oscore']);
    const creds = join(ex, 'client1.json');
    writeFileSync(creds, JSON.stringify({ [`coap://127.0.0.1:${secure.port}/*`]: { oscore: { basedir: 'client1/for-fileserver/' } } }));
    const seqFile = join(ex, 'client1/for-fileserver/sequence.json');
    // The guide's context has no sequence.json yet: it starts at 0.
    const before = existsSync(seqFile) ? (JSON.parse(readFileSync(seqFile, 'utf8'))['next-to-send'] as number) : 0;
    try {
      const out = join(tmp, 'oscore.out');
      const r = await run(['client', `coap://127.0.0.1:${secure.port}/big.bin`, '--credentials', creds, '-o', out]);
      assert.equal(r.code, 0, r.stderr + secure.stderr());
      assert.equal(toHex(readFileSync(out)), toHex(big));
    } finally {
      assert.equal(await secure.stop(), 0);
    }
    // Every block is its own protected request (inner Block-wise, RFC 8613 §4.1.3.4.1): one Partial IV each.
    const seq = JSON.parse(readFileSync(seqFile, 'utf8'));
    assert.equal(seq['next-to-send'] - before, Math.ceil(BIG / 1024), JSON.stringify(seq));
  });

  it('uploads from --payload @FILE block by block; over the server limit it is 4.13 and exit 1', async () => {
    const up = big.subarray(0, 200_000);
    writeFileSync(join(tmp, 'up.bin'), up);
    let r!: Awaited<ReturnType<typeof run>>;
    const lines = await serverLines(async () => (r = await run(['client', base + '/up.bin', '-m', 'PUT', '--payload', '@' + join(tmp, 'up.bin')])));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(toHex(readFileSync(join(files, 'up.bin'))), toHex(up));
    assert.deepEqual(lines, [lines[0]]);
    assert.match(lines[0], /^PUT \/up\.bin → 2\.01, received 195\.3 KiB — 127\.0\.0\.1:\d+$/);
    writeFileSync(join(tmp, 'too-big.bin'), big.subarray(0, 400_000));
    const tooBig = await run(['client', base + '/too-big.bin', '-m', 'PUT', '--payload', '@' + join(tmp, 'too-big.bin')]);
    assert.equal(tooBig.code, 1);
    assert.match(tooBig.stderr, /^4\.13 Request Entity Too Large/);
    assert.equal(existsSync(join(files, 'too-big.bin')), false);
    const missing = await run(['client', base + '/x', '-m', 'PUT', '--payload', '@' + join(tmp, 'nope.bin')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--payload: cannot read .*nope\.bin \(ENOENT\)/);
  });

  it('progress on stderr only when stderr is a terminal: bytes, of Size2, rate; cleared at the end', async () => {
    const tty = await run(['client', base + '/big.bin', '-o', join(tmp, 'p.out')], { errIsTty: true });
    assert.equal(tty.code, 0, tty.stderr);
    assert.match(tty.stderr, /\r↓ [\d.]+ (KiB|MiB) of 1\.5 MiB \(\d+%\), [\d.]+ (B|KiB|MiB)\/s\x1b\[K/);
    assert.ok(tty.stderr.endsWith('\r\x1b[K'), 'the line is cleared: ' + JSON.stringify(tty.stderr.slice(-20)));
    const up = await run(['client', base + '/up2.bin', '-m', 'PUT', '--payload', '@' + join(tmp, 'up.bin')], { errIsTty: true });
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stderr, /\r↑ [\d.]+ KiB of 195\.3 KiB/);
    for (const opts of [{ errIsTty: false }, {}]) {
      const quietRun = await run(['client', base + '/big.bin', '-o', join(tmp, 'q.out')], opts);
      assert.equal(quietRun.stderr, '', 'nothing for scripts and tests');
    }
    const small = await run(['client', base + '/hello.txt'], { errIsTty: true });
    assert.equal(small.stderr, '', 'one round trip shows no progress');
    const quiet = await run(['client', base + '/big.bin', '-o', join(tmp, 'q.out'), '--quiet'], { errIsTty: true });
    assert.equal(quiet.stderr, '', '--quiet shows none');
  });

  it('progress through a real pseudo-terminal (script(1)) and none when stderr is a pipe', async () => {
    const cmd = [process.execPath, 'bin/oscore-xs.mjs', 'client', base + '/big.bin', '-o', join(tmp, 'pty.out')];
    const quoted = cmd.map((a) => "'" + a + "'").join(' ');
    // Asynchronously: the file server answers from this very process.
    const pty = await exec('script', ['-qec', quoted, '/dev/null']);
    assert.equal(pty.status, 0, pty.stderr + pty.stdout);
    assert.match(pty.stdout, /↓ [\d.]+ (KiB|MiB) of 1\.5 MiB/);
    assert.equal(toHex(readFileSync(join(tmp, 'pty.out'))), toHex(big));
    const plain = await exec(process.execPath, cmd.slice(1));
    assert.equal(plain.status, 0, plain.stderr);
    assert.equal(plain.stderr, '');
  });
});

describe('oscore-xs client: exit codes and messages', () => {
  it('4.xx and 5.xx exit 1 with the code on stderr; --quiet prints only the payload', async () => {
    const missing = await run(['client', base + '/nope.txt']);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, '4.04 Not Found: Error: File not found!\n');
    assert.equal(missing.out.length, 0);
    const quietMissing = await run(['client', base + '/nope.txt', '-q']);
    assert.deepEqual([quietMissing.code, quietMissing.stderr, quietMissing.out.length], [1, '', 0]);
    const hello = await run(['client', base + '/hello.txt']);
    assert.equal(hello.stdout, 'hello\n', 'text without a final newline gets one');
    const quietHello = await run(['client', base + '/hello.txt', '--quiet', '-v'], { isTty: true });
    assert.deepEqual([quietHello.code, quietHello.stdout, quietHello.stderr], [0, 'hello', ''], 'exactly the payload, nothing else');
    // A 5.xx, from a server that answers every request with 5.03 and a diagnostic payload.
    const failing = createSocket('udp4');
    failing.on('message', (msg, rinfo) => {
      const req = decodeMessage(new Uint8Array(msg));
      const resp = createMessage({ type: 2, code: Code.SERVICE_UNAVAILABLE, messageId: req.messageId, token: req.token, payload: new TextEncoder().encode('busy') });
      failing.send(encodeMessage(resp), rinfo.port, rinfo.address);
    });
    await new Promise<void>((r) => failing.bind(0, '127.0.0.1', () => r()));
    try {
      const port = (failing.address() as { port: number }).port;
      const busy = await run(['client', `coap://127.0.0.1:${port}/x`]);
      assert.deepEqual([busy.code, busy.stderr], [1, '5.03 Service Unavailable: busy\n']);
    } finally {
      failing.close();
    }
  });

  it('a server that never answers: "timeout: no response from HOST:PORT", exit 1', async () => {
    const silent = createSocket('udp4');
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
    const port = (silent.address() as { port: number }).port;
    try {
      const r = await run(['client', `coap://127.0.0.1:${port}/x`, '--timeout', '1']);
      assert.equal(r.code, 1);
      assert.equal(r.stderr, `timeout: no response from 127.0.0.1:${port} (nothing arrived for 1 s)\n`);
      const q = await run(['client', `coap://127.0.0.1:${port}/x`, '--timeout', '1', '--quiet']);
      assert.equal(q.code, 1);
      assert.match(q.stderr, /^timeout: /, 'a failure of the command itself is still said with --quiet');
    } finally {
      silent.close();
    }
  });
});
