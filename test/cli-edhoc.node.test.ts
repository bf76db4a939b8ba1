// The EDHOC walk-through of aiocoap's doc/stateofedhoc.rst with our tools, over real UDP on
// 127.0.0.1: keygen for both sides, credentials files in aiocoap's shape (JSON spelling), the
// fileserver with EDHOC credentials, the client fetching a file — no pre-shared OSCORE secret.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, start, type RunningServer } from './cli-harness.js';
import { toHex } from '../src/bytes.js';

let tmp: string;
let files: string;
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'oscore-xs-edhoc-'));
  files = join(tmp, 'files');
  mkdirSync(files);
  writeFileSync(join(files, 'hello.txt'), 'hello over EDHOC\n');
});
after(() => rmSync(tmp, { recursive: true, force: true }));

async function keygen(name: string, kid: string): Promise<unknown> {
  const r = await run(['keygen', 'generate', join(tmp, name + '.cosekey'), '--kid', kid, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

describe('oscore-xs fileserver and client with EDHOC credentials (aiocoap stateofedhoc.rst)', () => {
  let server: RunningServer;
  let serverCred: unknown;
  let clientCred: unknown;
  let serverLog: () => string;

  before(async () => {
    serverCred = await keygen('fileserver', '0a');
    clientCred = await keygen('client', '01');
    writeFileSync(join(tmp, 'fileserver.json'), JSON.stringify({
      'coap://127.0.0.1/*': { 'edhoc-oscore': { suite: 2, method: 3, own_cred_style: 'by-key-id', own_cred: serverCred, private_key_file: 'fileserver.cosekey' } },
      ':ourclient': { 'edhoc-oscore': { suite: 2, method: 3, peer_cred: clientCred } },
    }));
    server = await start(['fileserver', files, '--bind', '127.0.0.1:0', '--credentials', join(tmp, 'fileserver.json'), '--require-oscore', '-v']);
    serverLog = server.stderr;
  });
  after(async () => {
    await server.stop();
  });

  const clientFile = (name: string, extra: Record<string, unknown> = {}, own = clientCred, key = 'client.cosekey') => {
    const path = join(tmp, name);
    writeFileSync(path, JSON.stringify({ ['coap://127.0.0.1:' + server.port + '/*']: { 'edhoc-oscore': { suite: 2, method: 3, own_cred_style: 'by-key-id', own_cred: own, private_key_file: key, peer_cred: serverCred, ...extra } } }));
    return path;
  };

  it('the client runs EDHOC, then gets the file with OSCORE (combined request by default); -v shows steps and IDs, never keys', async () => {
    const r = await run(['client', 'coap://127.0.0.1:' + server.port + '/hello.txt', '--credentials', clientFile('client.json'), '-v']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'hello over EDHOC\n');
    assert.match(r.stderr, /with EDHOC \+ OSCORE .*combined request/);
    assert.match(r.stderr, /EDHOC: message_2 verified \(C_R [0-9a-f]+\); OSCORE context: Sender ID [0-9a-f]+, Recipient ID [0-9a-f]+/);
    assert.match(r.stderr, /message_3 goes with the first OSCORE request/);
    assert.match(serverLog(), /EDHOC: message_3 verified \(combined request, RFC 9668\); OSCORE context/);
    // No key material in either log: the private keys' d in hex appear nowhere.
    for (const k of ['fileserver', 'client']) {
      const d = (readKey(join(tmp, k + '.cosekey')));
      assert.ok(!r.stderr.includes(d) && !serverLog().includes(d));
    }
  });

  it('message_3 on its own (use_combined_edhoc: false), as aiocoap does when told so', async () => {
    const r = await run(['client', 'coap://127.0.0.1:' + server.port + '/hello.txt', '--credentials', clientFile('client-separate.json', { use_combined_edhoc: false }), '-v']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'hello over EDHOC\n');
    assert.match(r.stderr, /message_3 accepted/);
  });

  it('a client the server does not know gets an EDHOC error and no file; unprotected access stays refused', async () => {
    const stranger = await keygen('stranger', '02');
    const r = await run(['client', 'coap://127.0.0.1:' + server.port + '/hello.txt', '--credentials', clientFile('stranger.json', { use_combined_edhoc: false }, stranger, 'stranger.cosekey')]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /EDHOC message_3 answered 4\.00 with EDHOC error code/);
    const plain = await run(['client', 'coap://127.0.0.1:' + server.port + '/hello.txt']);
    assert.equal(plain.code, 1);
    assert.match(plain.stderr, /4\.01/);
  });

  it('a server whose credential is not the one the client expects: the client refuses message_2, nothing is sent protected', async () => {
    const other = await keygen('other-server', '0a');
    const r = await run(['client', 'coap://127.0.0.1:' + server.port + '/hello.txt', '--credentials', (() => {
      const path = join(tmp, 'wrong-peer.json');
      writeFileSync(path, JSON.stringify({ ['coap://127.0.0.1:' + server.port + '/*']: { 'edhoc-oscore': { suite: 2, method: 3, own_cred_style: 'by-key-id', own_cred: clientCred, private_key_file: 'client.cosekey', peer_cred: other } } }));
      return path;
    })()]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
  });
});

function readKey(path: string): string {
  // The key file is CBOR {1: kty, -1: crv, -4: d}: d is its last 32 bytes.
  const b = new Uint8Array(readFileSync(path));
  return toHex(b.subarray(b.length - 32));
}
