// `oscore-xs context new-group`, and `oscore-xs client --group` collecting the answers of two
// `oscore-xs fileserver --group` members over real UDP multicast on loopback (RFC 7252 §8,
// RFC 10021): group mode to 224.0.1.187, pairwise mode to one member, file formats and refusals.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync, mkdirSync, chmodSync, existsSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, start } from './cli-harness.js';
import { readGroupDirectory, openGroupDirectory } from '../targets/node/group-dir.js';

/** Loopback multicast works here when a datagram to the group reaches a member socket. */
async function loopbackMulticast(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const r = createSocket({ type: 'udp4', reuseAddr: true });
    const s = createSocket('udp4');
    const done = (ok: boolean) => {
      clearTimeout(t);
      r.close();
      s.close();
      resolve(ok);
    };
    const t = setTimeout(() => done(false), 1000);
    r.on('message', () => done(true));
    r.on('error', () => done(false));
    r.bind(port, '224.0.1.187', () => {
      try {
        r.addMembership('224.0.1.187', '127.0.0.1');
      } catch {
        return done(false);
      }
      s.bind(0, '127.0.0.1', () => {
        s.setMulticastInterface('127.0.0.1');
        s.send('probe', port, '224.0.1.187');
      });
    });
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.bind(0, '127.0.0.2', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

describe('oscore-xs context new-group', () => {
  it('writes one consistent directory per member; the private key file is the owner\'s alone', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'oscore-xs-group-'));
    const dirs = ['a', 'b', 'c'].map((d) => join(tmp, d));
    const r = await run(['context', 'new-group', '--group-id', '37cbf321', ...dirs]);
    assert.equal(r.code, 0, r.stderr);
    const configs = dirs.map((d) => readGroupDirectory(d));
    assert.deepEqual(configs.map((c) => Buffer.from(c.senderId).toString('hex')), ['01', '02', '03']);
    for (const [i, c] of configs.entries()) {
      assert.equal(Buffer.from(c.groupId).toString('hex'), '37cbf321');
      assert.deepEqual(c.masterSecret, configs[0].masterSecret);
      assert.equal(c.signatureAlgorithm, -8);
      assert.equal(c.multicastAddress, '224.0.1.187');
      assert.deepEqual(c.members.map((m) => Buffer.from(m.senderId).toString('hex')), ['01', '02', '03'].filter((_, j) => j !== i));
      for (const m of c.members) assert.deepEqual(m.credential, configs[Number(Buffer.from(m.senderId).toString('hex')) - 1].credential);
      assert.equal(statSync(join(dirs[i], 'private-key.json')).mode & 0o777, 0o600);
    }
    // Opening checks the private key against the own credential, and persists the sequence (App. B.1.1).
    const g = await openGroupDirectory(dirs[0]);
    g.context.sequence.take();
    g.context.close();
    assert.ok(existsSync(join(dirs[0], 'sequence.json')));
    const again = await openGroupDirectory(dirs[0]);
    assert.equal(again.context.sequence.next, 1);
    assert.equal(again.context.windowsStartUnknown, true, 'members\' windows unknown after a restart (App. B.1.2)');
    again.context.close();
    // Nothing is overwritten; a bad option is a usage error.
    assert.equal((await run(['context', 'new-group', dirs[0], join(tmp, 'd')])).code, 1);
    assert.equal((await run(['context', 'new-group', join(tmp, 'e')])).code, 2);
    assert.equal((await run(['context', 'new-group', '--signature', 'RSA', join(tmp, 'f'), join(tmp, 'g')])).code, 2);
  });

  it('refuses a readable private key, a key that does not match the credential, a duplicate member', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'oscore-xs-group-'));
    const dirs = ['a', 'b'].map((d) => join(tmp, d));
    assert.equal((await run(['context', 'new-group', '--signature', 'ES256', ...dirs])).code, 0);
    chmodSync(join(dirs[0], 'private-key.json'), 0o644);
    assert.throws(() => readGroupDirectory(dirs[0]), /private-key\.json: readable by others/);
    chmodSync(join(dirs[0], 'private-key.json'), 0o600);
    writeFileSync(join(dirs[0], 'private-key.json'), readFileSync(join(dirs[1], 'private-key.json')), { mode: 0o600 });
    await assert.rejects(openGroupDirectory(dirs[0]), /does not match the key in settings\.json/);
    const settings = JSON.parse(readFileSync(join(dirs[1], 'settings.json'), 'utf8'));
    settings.members.push(settings.members[0]);
    writeFileSync(join(dirs[1], 'settings.json'), JSON.stringify(settings));
    assert.throws(() => readGroupDirectory(dirs[1]), /used twice in the group/);
  });
});

describe('oscore-xs client --group ↔ two oscore-xs fileserver --group over loopback multicast', () => {
  let port = 0;
  let usable = false;
  before(async () => {
    port = await freePort();
    usable = await loopbackMulticast(port);
  });

  it('a group-mode GET to 224.0.1.187 collects both members\' answers; pairwise to one member', async (t) => {
    if (!usable) return t.skip('loopback multicast is not available on this host');
    const tmp = mkdtempSync(join(tmpdir(), 'oscore-xs-group-'));
    const dirs = ['client', 's1', 's2'].map((d) => join(tmp, d));
    assert.equal((await run(['context', 'new-group', ...dirs])).code, 0);
    const files = ['f1', 'f2'].map((f, i) => {
      const d = join(tmp, f);
      mkdirSync(d);
      writeFileSync(join(d, 'hello.txt'), 'hello from server ' + (i + 1) + '\n');
      return d;
    });
    const servers = await Promise.all(
      [0, 1].map((i) => start(['fileserver', files[i], '--bind', '127.0.0.' + (i + 2) + ':' + port, '--group', dirs[i + 1], '--leisure', '300', '--require-oscore', '-v'], new RegExp('on 127\\.0\\.0\\.' + (i + 2) + ':(\\d+)'))),
    );
    try {
      const r = await run(['client', '--group', dirs[0], '--multicast-interface', '127.0.0.1', '--wait', '2', 'coap://224.0.1.187:' + port + '/hello.txt']);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.stdout.split('\n').filter(Boolean).sort(), ['hello from server 1', 'hello from server 2'], r.stderr + servers.map((s) => s.stderr()).join('\n'));
      assert.match(r.stderr, new RegExp('from 127\\.0\\.0\\.2:' + port + ' \\(member 02\\)'));
      assert.match(r.stderr, new RegExp('from 127\\.0\\.0\\.3:' + port + ' \\(member 03\\)'));
      // No answers to errors in multicast: a missing file gets none from either member.
      const missing = await run(['client', '--group', dirs[0], '--multicast-interface', '127.0.0.1', '--wait', '1', 'coap://224.0.1.187:' + port + '/nothing']);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /no answer from any member/);
      const pw = await run(['client', '--group', dirs[0], '--pairwise', '03', 'coap://127.0.0.3:' + port + '/hello.txt']);
      assert.equal(pw.code, 0, pw.stderr);
      assert.equal(pw.stdout, 'hello from server 2\n');
      // A unicast request to the wrong member in pairwise mode fails to decrypt there: 4.00.
      const wrong = await run(['client', '--group', dirs[0], '--pairwise', '03', 'coap://127.0.0.2:' + port + '/hello.txt']);
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /4\.00 Bad Request/);
    } finally {
      for (const s of servers) await s.stop();
    }
  });
});
