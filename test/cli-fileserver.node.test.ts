// oscore-xs client ↔ oscore-xs fileserver over real UDP with the aiocoap OSCORE guide's contexts,
// and aiocoap-client's captured requests replayed at our fileserver.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { copyFixture, run, start, SHARED } from './cli-harness.js';
import { decodeMessage, encodeMessage } from '../src/coap/codec.js';
import { createMessage, getOption, getUintOption, type Message } from '../src/coap/message.js';
import { Code } from '../src/coap/numbers.js';
import { FileTree } from '../targets/node/cli/file-tree.js';
import { Option } from '../src/coap/option-registry.js';
import { fromHex, toHex, utf8Decode } from '../src/bytes.js';
import { SecurityContext } from '../src/oscore/context.js';
import { protectRequest } from '../src/oscore/protect.js';
import { unprotectRequest, unprotectResponse, contextLookup } from '../src/oscore/unprotect.js';
import { parseContextConfig } from '../src/credentials/context-config.js';
import { securityContextParams } from '../targets/node/context-dir.js';
import capture from './fixtures/interop/aiocoap-seed-fileserver.jsonl';

let tmp = '';
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'oscore-xs-fs-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

/** The guide example in a temp dir, the client's URI pattern pointed at `port`, and a served tree like the capture's. */
function setup(port: number) {
  const ex = copyFixture(tmp, 'aiocoap-seed-example');
  const c = JSON.parse(readFileSync(join(ex, 'client1.json'), 'utf8'));
  writeFileSync(join(ex, 'client1.json'), JSON.stringify({ [`coap://localhost:${port}/*`]: c['coap://localhost/*'] }));
  const files = mkdtempSync(join(tmp, 'files-'));
  mkdirSync(join(files, 'subdirectory'));
  mkdirSync(join(files, 'other-directory'));
  writeFileSync(join(files, 'hello.txt'), 'hello\n');
  return { ex, files, clientCreds: join(ex, 'client1.json'), serverCreds: join(ex, 'server.json') };
}

async function startFileserver(files: string, extra: string[]) {
  return start(['fileserver', files, '--bind', '127.0.0.1:0', '--poll-ms', '50', ...extra]);
}

describe('oscore-xs client ↔ oscore-xs fileserver (aiocoap guide contexts)', () => {
  it('lists, reads, 4.04s, Block2 for a large file, all under OSCORE; state written back at exit', async () => {
    const { ex, files, clientCreds } = setup(0);
    const server = await startFileserver(files, ['--credentials', join(ex, 'server.json'), '--require-oscore', '-v']);
    writeFileSync(clientCreds, JSON.stringify({ [`coap://localhost:${server.port}/*`]: { oscore: { contextfile: 'client1/for-fileserver/' } } }));
    const creds = (u: string) => ['client', `coap://localhost:${server.port}${u}`, '--credentials', clientCreds];
    const big = randomBytes(5000);
    writeFileSync(join(files, 'big.bin'), big);
    try {
      const list = await run(creds('/'));
      assert.equal(list.code, 0, list.stderr);
      assert.equal(list.stdout, '</big.bin>,</hello.txt>,</other-directory/>;ct=40,</subdirectory/>;ct=40\n');
      const hello = await run([...creds('/hello.txt'), '-v']);
      assert.equal(hello.stdout, 'hello\n');
      assert.match(hello.stderr, /with OSCORE \(client1\/for-fileserver\/, sender ID 01\)/);
      assert.match(hello.stderr, /← 2\.05 Content, Content-Format 0, ETag [0-9a-f]{16}, 6 bytes/);
      const pretty = await run([...creds('/'), '--pretty']);
      assert.equal(pretty.stdout, '</big.bin>\n</hello.txt>\n</other-directory/>;ct=40\n</subdirectory/>;ct=40\n');
      const wk = await run(creds('/.well-known/core'));
      assert.equal(wk.stdout, '</>;ct=40\n');
      const missing = await run(creds('/nope.txt'));
      assert.equal(missing.code, 1);
      assert.equal(missing.stderr, '4.04 Not Found: Error: File not found!\n');
      const dirNoSlash = await run(creds('/subdirectory'));
      assert.equal(dirNoSlash.stderr, '4.00 Bad Request: Error: Not a file (add trailing slash)\n');
      const large = await run([...creds('/big.bin'), '-v']);
      assert.equal(large.code, 0, large.stderr + server.stderr());
      assert.equal(toHex(large.out), toHex(big), 'Block2 reassembled the whole file');
      // Without credentials: --require-oscore answers 4.01.
      const plain = await run(['client', `coap://127.0.0.1:${server.port}/hello.txt`]);
      assert.equal(plain.code, 1);
      assert.match(plain.stderr, /^4\.01 Unauthorized/);
    } finally {
      assert.equal(await server.stop(), 0);
    }
    // Clean exits wrote exact state: one sequence number per request sent (6 + 5 blocks of big.bin).
    const clientSeq = JSON.parse(readFileSync(join(ex, 'client1/for-fileserver/sequence.json'), 'utf8'));
    assert.equal(clientSeq['next-to-send'], 11, JSON.stringify(clientSeq));
    const serverSeq = JSON.parse(readFileSync(join(ex, 'server/from-client1/sequence.json'), 'utf8'));
    assert.equal(typeof serverSeq.received, 'object', 'window written back, not "unknown"');
    assert.equal(existsSync(join(ex, 'server/from-client1/lock')), false);
    assert.equal(existsSync(join(ex, 'client1/for-fileserver/lock')), false);
  });

  it('observes a file: a change is notified; PUT and DELETE only with --write', async () => {
    const { ex, files, clientCreds } = setup(1);
    const server = await startFileserver(files, ['--credentials', join(ex, 'server.json'), '--write']);
    writeFileSync(clientCreds, JSON.stringify({ [`coap://localhost:${server.port}/*`]: { oscore: { basedir: 'client1/for-fileserver/' } } }));
    const base = `coap://localhost:${server.port}`;
    try {
      const ac = new AbortController();
      let seen = 0;
      const obs = await run(['client', base + '/hello.txt', '--observe', '--credentials', clientCreds], {
        signal: ac.signal,
        onOut: (t) => {
          if (!t.includes('\n') && t !== '\n') return;
          seen++;
          if (seen === 1) setTimeout(() => writeFileSync(join(files, 'hello.txt'), 'changed\n'), 100);
          if (seen === 2) ac.abort();
        },
      });
      assert.equal(obs.stdout, 'hello\nchanged\n', obs.stderr);
      const put = await run(['client', base + '/new.txt', '-m', 'PUT', '--payload', 'fresh', '--credentials', clientCreds, '-v']);
      assert.equal(put.code, 0, put.stderr);
      assert.match(put.stderr, /2\.01 Created/);
      assert.equal(readFileSync(join(files, 'new.txt'), 'utf8'), 'fresh');
      const put2 = await run(['client', base + '/new.txt', '-m', 'PUT', '--payload', '@' + join(files, 'hello.txt'), '--credentials', clientCreds, '-v']);
      assert.match(put2.stderr, /2\.04 Changed/);
      assert.equal(readFileSync(join(files, 'new.txt'), 'utf8'), 'changed\n');
      // A large upload goes Block1 (RFC 7959 §2.5), reassembled before the file is written.
      const upload = randomBytes(3000);
      writeFileSync(join(tmp, 'upload.bin'), upload);
      const big = await run(['client', base + '/up.bin', '-m', 'PUT', '--payload', '@' + join(tmp, 'upload.bin'), '--credentials', clientCreds]);
      assert.equal(big.code, 0, big.stderr);
      assert.equal(toHex(readFileSync(join(files, 'up.bin'))), toHex(upload));
      const del = await run(['client', base + '/new.txt', '-m', 'DELETE', '--credentials', clientCreds, '-v']);
      assert.match(del.stderr, /2\.02 Deleted/);
      assert.equal(existsSync(join(files, 'new.txt')), false);
      const traversal = await run(['client', base + '/%2E%2E/x', '--credentials', clientCreds]);
      assert.match(traversal.stderr, /^4\.00 Bad Request/);
      // A symlink out of the served tree is not followed.
      const outside = join(tmp, 'outside-secret.txt');
      writeFileSync(outside, 'secret');
      symlinkSync(outside, join(files, 'link.txt'));
      const escaped = await run(['client', base + '/link.txt', '--credentials', clientCreds]);
      assert.equal(escaped.stdout, '');
      assert.match(escaped.stderr, /^4\.04 Not Found/);
    } finally {
      await server.stop();
    }
    const ro = await startFileserver(files, []);
    try {
      const put = await run(['client', `coap://127.0.0.1:${ro.port}/x.txt`, '-m', 'PUT', '--payload', 'x']);
      assert.match(put.stderr, /^4\.05 Method Not Allowed/);
      assert.equal(existsSync(join(files, 'x.txt')), false);
    } finally {
      await ro.stop();
    }
  });

  it('a server context left "unknown" (crash) recovers with Echo (App. B.1.2) and is written back known', async () => {
    const { ex, files, clientCreds } = setup(0);
    const serverDir = join(ex, 'server/from-client1');
    writeFileSync(join(serverDir, 'sequence.json'), '{"next-to-send": 20, "received": "unknown"}');
    const server = await startFileserver(files, ['--credentials', join(ex, 'server.json')]);
    writeFileSync(clientCreds, JSON.stringify({ [`coap://localhost:${server.port}/*`]: { oscore: { basedir: 'client1/for-fileserver/' } } }));
    try {
      const r = await run(['client', `coap://localhost:${server.port}/hello.txt`, '--credentials', clientCreds]);
      assert.equal(r.stdout, 'hello\n', r.stderr);
    } finally {
      await server.stop();
    }
    // Two Partial IVs for one GET: the challenged request and its repetition with Echo.
    assert.equal(readFileSync(join(ex, 'client1/for-fileserver/sequence.json'), 'utf8'), '{"next-to-send": 2, "received": {"index": 0, "bitfield": 0}}');
    // The server took one number of its own (the protected 4.01 carries a Partial IV): 20, so 21 next.
    const after = JSON.parse(readFileSync(join(serverDir, 'sequence.json'), 'utf8'));
    assert.equal(after['next-to-send'], 21);
    assert.equal(typeof after.received, 'object', 'window known again');
  });

  it('a second server on the same context directory is refused (lock)', async () => {
    const { ex, files, clientCreds } = setup(0);
    const server = await startFileserver(files, ['--credentials', join(ex, 'server.json')]);
    try {
      // The server locks a context on its first use (server-contexts.ts): use it.
      writeFileSync(clientCreds, JSON.stringify({ [`coap://localhost:${server.port}/*`]: { oscore: { basedir: 'client1/for-fileserver/' } } }));
      const r = await run(['client', `coap://localhost:${server.port}/hello.txt`, '--credentials', clientCreds]);
      assert.equal(r.stdout, 'hello\n', r.stderr);
      const second = await run(['fileserver', files, '--bind', '127.0.0.1:0', '--credentials', join(ex, 'server.json')]);
      assert.equal(second.code, 1);
      assert.equal(second.stderr, 'oscore-xs fileserver: server/from-client1/: locked: another process (oscore-xs or aiocoap) uses this context\n');
    } finally {
      await server.stop();
    }
    // Two labels naming one directory: one context (two would hand out the same sequence numbers).
    writeFileSync(join(ex, 'two.json'), JSON.stringify({ ':a': { oscore: { basedir: 'server/from-client1/' } }, ':b': { oscore: { basedir: 'server/from-client1' } } }));
    const both = await startFileserver(files, ['--credentials', join(ex, 'two.json')]);
    try {
      assert.match(both.stderr(), /with 1 OSCORE context\(s\)/);
    } finally {
      await both.stop();
    }
  });

  it('never falls back to plaintext when the matching credentials cannot be used', async () => {
    // The guide's own client1.json (coap://localhost/*): loading fails before anything is sent.
    const ex = copyFixture(tmp, 'aiocoap-seed-example');
    const clientCreds = join(ex, 'client1.json');
    writeFileSync(join(ex, 'client1/for-fileserver/settings.json'), '{"sender-id_hex": "01", "recipient-id_hex": "xx", "secret_ascii": "a"}');
    const r = await run(['client', 'coap://localhost/hello.txt', '--credentials', clientCreds, '--timeout', '2']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'oscore-xs client: client1/for-fileserver/settings.json: recipient-id_hex: not hex\n');
    writeFileSync(join(ex, 'client1/for-fileserver/settings.json'), '{"sender-id_hex": "01", "recipient-id_hex": "01", "secret_ascii": "a"}');
    const same = await run(['client', 'coap://localhost/hello.txt', '--credentials', clientCreds, '--timeout', '2']);
    assert.match(same.stderr, /^oscore-xs client: client1\/for-fileserver\/: recipientId: must differ from senderId/);
    assert.equal(existsSync(join(ex, 'client1/for-fileserver/lock')), false, 'lock released after the failed load');
    assert.equal(existsSync(join(ex, 'client1/for-fileserver/sequence.json')), false, 'and nothing written');
    writeFileSync(clientCreds, JSON.stringify({ 'coap://localhost/*': ':gone' }));
    const r2 = await run(['client', 'coap://localhost/hello.txt', '--credentials', clientCreds, '--timeout', '2']);
    assert.equal(r2.code, 1);
    assert.match(r2.stderr, /reference :gone has no entry/);
  });
});

describe('file tree resources (RFC 7252 §5.10.6 ETag, §5.10.8 preconditions)', () => {
  const req = (code: number, path: string[], extra: { number: number; value: Uint8Array }[] = [], payload = '') =>
    createMessage({ code, options: [...path.map((p) => ({ number: Option.URI_PATH, value: new TextEncoder().encode(p) })), ...extra].sort((a, b) => a.number - b.number), payload: new TextEncoder().encode(payload) });
  it('answers 2.03 Valid for the current ETag, 2.05 after a change; preconditions give 4.12 and change nothing', () => {
    const dir = mkdtempSync(join(tmp, 'tree-'));
    writeFileSync(join(dir, 'a.json'), '{"x": 1}');
    const tree = new FileTree(dir, { write: true });
    const first = tree.render(req(Code.GET, ['a.json']));
    assert.equal(first.code, Code.CONTENT);
    assert.equal(getUintOption(first, Option.CONTENT_FORMAT), 50);
    const etag = getOption(first, Option.ETAG)!;
    assert.equal(tree.render(req(Code.GET, ['a.json'], [{ number: Option.ETAG, value: etag }])).code, Code.VALID);
    const stale = tree.render(req(Code.PUT, ['a.json'], [{ number: Option.IF_MATCH, value: new Uint8Array([1, 2]) }], 'new'));
    assert.equal(stale.code, Code.PRECONDITION_FAILED);
    assert.equal(tree.render(req(Code.PUT, ['a.json'], [{ number: Option.IF_NONE_MATCH, value: new Uint8Array(0) }], 'new')).code, Code.PRECONDITION_FAILED);
    assert.equal(readFileSync(join(dir, 'a.json'), 'utf8'), '{"x": 1}', 'unchanged after refused PUTs');
    assert.equal(tree.render(req(Code.PUT, ['a.json'], [{ number: Option.IF_MATCH, value: etag }], '{"x": 2}')).code, Code.CHANGED);
    const after = tree.render(req(Code.GET, ['a.json'], [{ number: Option.ETAG, value: etag }]));
    assert.equal(after.code, Code.CONTENT, 'old ETag no longer valid');
    assert.equal(utf8Decode(after.payload), '{"x": 2}');
    assert.equal(tree.render(req(Code.GET, ['a.json', ''])).code, Code.BAD_REQUEST);
    assert.equal(tree.render(req(Code.GET, ['..', 'etc'])).code, Code.BAD_REQUEST);
    assert.equal(tree.render(req(Code.POST, ['a.json'])).code, Code.METHOD_NOT_ALLOWED);
  });

  it('serves a cached small file only while it is the same file version (in place, rename, delete, symlink out)', async () => {
    const settle = () => new Promise((r) => setTimeout(r, 60));
    const dir = mkdtempSync(join(tmp, 'tree-'));
    const outside = mkdtempSync(join(tmp, 'outside-'));
    writeFileSync(join(outside, 'secret.txt'), 'outside!');
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'a.txt'), 'one');
    const tree = new FileTree(dir, { write: true, cacheSettleMs: 50 });
    await settle();
    const get = (extra: { number: number; value: Uint8Array }[] = []) => tree.render(req(Code.GET, ['sub', 'a.txt'], extra));
    const first = get();
    assert.equal(utf8Decode(first.payload), 'one');
    assert.equal(utf8Decode(get().payload), 'one', 'from the cache');
    assert.equal(get([{ number: Option.ETAG, value: getOption(first, Option.ETAG)! }]).code, Code.VALID, 'cached ETag answers 2.03');
    // Rewritten in place, same size, same second: mtime/ctime (ns) move on, so the cache misses.
    writeFileSync(join(dir, 'sub', 'a.txt'), 'two');
    assert.equal(utf8Decode(get().payload), 'two', 'changed just now: read from disk');
    await settle();
    const second = get();
    assert.equal(utf8Decode(second.payload), 'two');
    assert.notEqual(toHex(getOption(second, Option.ETAG)!), toHex(getOption(first, Option.ETAG)!));
    // Replaced by rename (a new inode), as PUT does.
    writeFileSync(join(dir, 'sub', 'b.tmp'), 'six');
    renameSync(join(dir, 'sub', 'b.tmp'), join(dir, 'sub', 'a.txt'));
    await settle();
    assert.equal(utf8Decode(get().payload), 'six');
    assert.equal(utf8Decode(get().payload), 'six');
    rmSync(join(dir, 'sub', 'a.txt'));
    assert.equal(get().code, Code.NOT_FOUND, 'deleted: not served from the cache');
    // The directory swapped for a symlink out of the tree: the file there is another inode, refused.
    rmSync(join(dir, 'sub'), { recursive: true });
    symlinkSync(outside, join(dir, 'sub'));
    renameSync(join(outside, 'secret.txt'), join(outside, 'a.txt'));
    assert.equal(get().code, Code.NOT_FOUND);
  });
});

describe('aiocoap-client requests replayed at our fileserver', () => {
  const frames = capture.trim().split('\n').map((l) => JSON.parse(l) as { src_port: number; dst_port: number; udp_payload_hex: string });
  const dir = join(SHARED, 'aiocoap-seed-example');
  const cfg = (sub: string) => parseContextConfig(sub, [{ name: 'settings.json', text: readFileSync(join(dir, sub, 'settings.json'), 'utf8') }]);

  it('answers both captured requests (fresh window); our responses decrypt to what aiocoap-fileserver said', async () => {
    const { ex, files } = setup(0);
    const server = await startFileserver(files, ['--credentials', join(ex, 'server.json')]);
    // The client's side, re-created at sequence number 0 as in the capture, to read the responses.
    const client = new SecurityContext(securityContextParams(cfg('client1/for-fileserver')));
    const serverSide = new SecurityContext(securityContextParams(cfg('server/from-client1')));
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const exchange = (bytes: Uint8Array) =>
      new Promise<Message>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no response')), 3000);
        sock.once('message', (msg) => {
          clearTimeout(t);
          resolve(decodeMessage(new Uint8Array(msg)));
        });
        sock.send(bytes, server.port, '127.0.0.1');
      });
    try {
      for (const [reqFrame, respFrame] of [[frames[0], frames[1]], [frames[2], frames[3]]]) {
        const captured = decodeMessage(fromHex(reqFrame.udp_payload_hex));
        // Re-create aiocoap's request byte for byte with our client context: same plaintext, same nonce.
        const inner = unprotectRequest(captured, contextLookup([serverSide])).message;
        const { message: again, binding } = protectRequest(client, inner);
        assert.equal(toHex(encodeMessage(again)), reqFrame.udp_payload_hex, 'our protection equals aiocoap-client\'s');
        const ours = unprotectResponse(await exchange(fromHex(reqFrame.udp_payload_hex)), binding).message;
        const theirs = unprotectResponse(decodeMessage(fromHex(respFrame.udp_payload_hex)), { ...binding, notificationNumber: undefined }).message;
        assert.equal(ours.code, theirs.code);
        assert.equal(getUintOption(ours, Option.CONTENT_FORMAT), getUintOption(theirs, Option.CONTENT_FORMAT));
        const links = (m: Message) => utf8Decode(m.payload).split(',').sort();
        assert.deepEqual(links(ours), links(theirs), 'same listing / same file content as aiocoap-fileserver');
      }
      // The same datagram from another socket is a replay: rejected, unprotected 4.01 (§7.4, §8.2).
      const other = createSocket('udp4');
      await new Promise<void>((r) => other.bind(0, '127.0.0.1', () => r()));
      const replay = await new Promise<Message>((resolve) => {
        other.once('message', (msg) => resolve(decodeMessage(new Uint8Array(msg))));
        other.send(fromHex(frames[2].udp_payload_hex), server.port, '127.0.0.1');
      });
      other.close();
      assert.equal(replay.code, 0x81);
      assert.equal(getOption(replay, Option.OSCORE), undefined);
      assert.equal(utf8Decode(replay.payload), 'Replay detected');
    } finally {
      sock.close();
      await server.stop();
    }
  });
});
