// The oscore-xs command itself: the bin, --help of every subcommand, usage errors, and
// `context new` (a fresh pair that works, refusing to overwrite, refusing bad IDs).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { run, start } from './cli-harness.js';
import { ContextDirectory } from '../targets/node/context-dir.js';

let tmp = '';
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'oscore-xs-main-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('oscore-xs command', () => {
  it('bin/oscore-xs.mjs runs (building dist/cli.mjs when needed) and lists the commands', () => {
    const r = spawnSync(process.execPath, ['bin/oscore-xs.mjs', '--help'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    for (const c of ['client', 'fileserver', 'context', 'plugtest-server', 'plugtest-client']) assert.match(r.stdout, new RegExp('^  ' + c + ' ', 'm'));
    const bad = spawnSync(process.execPath, ['bin/oscore-xs.mjs', 'frobnicate'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown command "frobnicate"/);
  });

  it('every subcommand has --help; wrong usage exits 2 and says why', async () => {
    for (const cmd of [['client'], ['fileserver'], ['context', 'new'], ['plugtest-server'], ['plugtest-client']]) {
      const r = await run([...cmd, '--help']);
      assert.equal(r.code, 0);
      assert.match(r.stdout, new RegExp('^usage: oscore-xs ' + cmd.join(' ')), r.stdout);
      assert.match(r.stdout, /-h, --help/);
    }
    const cases: [string[], RegExp][] = [
      [['client'], /expected one URI/],
      [['client', 'coap://h/', '--bogus'], /unknown option --bogus/],
      [['client', 'coap://h/', '-m'], /--method needs a value/],
      [['client', 'coaps://h/'], /only coap:\/\//],
      [['client', 'http://h/'], /not a coap:\/\/ URI/],
      [['client', 'coap://h/', '-m', 'BREW'], /unknown method BREW/],
      [['client', 'coap://h/', '--accept', 'x'], /--accept: expected an integer/],
      [['fileserver'], /expected one directory/],
      [['fileserver', join(tmp, 'missing')], /not a readable directory/],
      [['context', 'frob'], /unknown context subcommand/],
      [['context', 'new', 'a'], /expected OUTDIR_CLIENT and OUTDIR_SERVER/],
      [['context', 'new', 'a', 'b'], /--sender-id is required/],
      [['plugtest-client'], /expected HOST/],
    ];
    for (const [argv, m] of cases) {
      const r = await run(argv);
      assert.equal(r.code, 2, argv.join(' ') + ': ' + r.stderr);
      assert.match(r.stderr, m);
    }
  });
});

describe('oscore-xs context new', () => {
  it('writes a matching pair that our client and fileserver use through the printed snippets', async () => {
    const c = join(tmp, 'pair/client'), s = join(tmp, 'pair/server');
    const r = await run(['context', 'new', '--sender-id', '0a', '--recipient-id', '0b', '--id-context', 'beef', c, s]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((statSync(join(c, 'secret.json')).mode & 0o777).toString(8), '600');
    assert.deepEqual(readFileSync(join(c, 'secret.json')), readFileSync(join(s, 'secret.json')), 'one shared secret and salt');
    const secret = JSON.parse(readFileSync(join(c, 'secret.json'), 'utf8'));
    assert.match(secret.secret_hex, /^[0-9a-f]{64}$/);
    assert.match(secret.salt_hex, /^[0-9a-f]{16}$/);
    const snippets = [...r.stdout.matchAll(/^(\{[\s\S]*?^\})$/gm)].map((m) => JSON.parse(m[1]));
    assert.equal(snippets.length, 2);
    assert.deepEqual(Object.keys(snippets[1]), [':client']);
    const cc = await ContextDirectory.open(c);
    const sc = await ContextDirectory.open(s);
    assert.deepEqual(cc.config.senderId, sc.config.recipientId);
    assert.deepEqual(cc.config.recipientId, sc.config.senderId);
    assert.deepEqual(cc.config.idContext, sc.config.idContext);
    await cc.release();
    await sc.release();
    // The snippets, saved as files, drive a real exchange.
    const files = join(tmp, 'pair/files');
    mkdirSync(files);
    writeFileSync(join(files, 'a.txt'), 'from context new\n');
    writeFileSync(join(tmp, 'pair/server.json'), JSON.stringify(snippets[1]));
    const server = await start(['fileserver', files, '--bind', '127.0.0.1:0', '--credentials', join(tmp, 'pair/server.json'), '--require-oscore']);
    try {
      writeFileSync(join(tmp, 'pair/client.json'), JSON.stringify({ [`coap://127.0.0.1:${server.port}/*`]: Object.values(snippets[0])[0] }));
      const got = await run(['client', `coap://127.0.0.1:${server.port}/a.txt`, '--credentials', join(tmp, 'pair/client.json')]);
      assert.equal(got.stdout, 'from context new\n', got.stderr);
    } finally {
      await server.stop();
    }
  });

  it('refuses to overwrite, and refuses IDs that cannot work — before writing anything', async () => {
    const c = join(tmp, 'r/client'), s = join(tmp, 'r/server');
    mkdirSync(s, { recursive: true });
    writeFileSync(join(s, 'keep.txt'), 'x');
    const r = await run(['context', 'new', '--sender-id', '01', '--recipient-id', '02', c, s]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /exists and is not empty; refusing to overwrite/);
    assert.equal(existsSync(c), false, 'nothing written for the other side either');
    const long = await run(['context', 'new', '--sender-id', '0102030405060708', '--recipient-id', '02', join(tmp, 'l1'), join(tmp, 'l2')]);
    assert.equal(long.code, 1);
    assert.match(long.stderr, /sender-id_hex: 8 bytes is too long for AES-CCM-16-64-128/);
    assert.equal(existsSync(join(tmp, 'l1')), false);
    const same = await run(['context', 'new', '--sender-id', '01', '--recipient-id', '01', join(tmp, 'm1'), join(tmp, 'm2')]);
    assert.equal(same.code, 2);
    assert.match(same.stderr, /must differ/);
    const ascii = await run(['context', 'new', '--ascii', '--sender-id', 'cl', '--recipient-id', 'srv', '--algorithm', 'AES-CCM-16-128-256', join(tmp, 'a1'), join(tmp, 'a2')]);
    assert.equal(ascii.code, 0, ascii.stderr);
    assert.deepEqual(JSON.parse(readFileSync(join(tmp, 'a1/settings.json'), 'utf8')), { 'sender-id_hex': '636c', 'recipient-id_hex': '737276', algorithm: 'AES-CCM-16-128-256' });
    const gcm = await run(['context', 'new', '--sender-id', '01', '--recipient-id', '02', '--algorithm', 'A128GCM', join(tmp, 'g1'), join(tmp, 'g2')]);
    assert.equal(gcm.code, 0, gcm.stderr);
    assert.equal(JSON.parse(readFileSync(join(tmp, 'g1/settings.json'), 'utf8')).algorithm, 'A128GCM');
    const cbc = await run(['context', 'new', '--sender-id', '01', '--recipient-id', '02', '--algorithm', 'A128CBC', join(tmp, 'c1'), join(tmp, 'c2')]);
    assert.equal(cbc.code, 2);
  });
});
