import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './cli-harness.js';
import { decodeCborItem } from '../src/cbor/decode.js';
import { toHex } from '../src/bytes.js';
import { LoadError } from '../src/errors.js';
import { parseKccs, publicCoseKey } from '../src/credentials/edhoc-credentials.js';
import { nobleAsymmetricCrypto } from '../src/crypto/asymmetric-noble.js';
import { readPrivateKeyFile } from '../targets/node/edhoc-keys.js';
import { CredentialsFile } from '../targets/node/credentials.js';
import type { CcsCredential } from '../src/credentials/edhoc-credentials.js';

let tmp: string;
before(() => (tmp = mkdtempSync(join(tmpdir(), 'oscore-xs-keygen-'))));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('oscore-xs keygen (like aiocoap-keygen)', () => {
  it('P-256 by default: a private COSE key file only the owner can read, the public KCCS printed in diagnostic notation', async () => {
    const file = join(tmp, 'server.cosekey');
    const r = await run(['keygen', 'generate', file, '--kid', '0a', '--subject', 'srv']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const key = decodeCborItem(new Uint8Array(readFileSync(file))) as Map<number, unknown>;
    assert.deepEqual([...key.keys()], [1, -1, -4]); // kty, crv, d — nothing else, as aiocoap's key files
    assert.equal(key.get(1), 2);
    assert.equal(key.get(-1), 1);
    const d = key.get(-4) as Uint8Array;
    const pub = publicCoseKey(nobleAsymmetricCrypto, 2, 1, d);
    // {14: {2: "srv", 8: {1: {1: 2, 2: h'0a', -1: 1, -2: h'…', -3: h'…'}}}} (deterministic order)
    assert.equal(r.stdout.trim(), `{14: {2: "srv", 8: {1: {1: 2, 2: h'0a', -1: 1, -2: h'${toHex(pub.x)}', -3: h'${toHex(pub.y!)}'}}}}`);
    // The private key reads back, and a copy readable by others is refused (aiocoap refuses it too).
    assert.equal(toHex(readPrivateKeyFile(file).d), toHex(d));
    const open = join(tmp, 'open.cosekey');
    writeFileSync(open, readFileSync(file));
    chmodSync(open, 0o644);
    assert.throws(() => readPrivateKeyFile(open), (e: unknown) => e instanceof LoadError && /group or world accessible/.test((e as Error).message));
  });

  it('--json prints the credential in the JSON spelling a credentials file takes; it parses to the same key', async () => {
    const file = join(tmp, 'client.cosekey');
    const r = await run(['keygen', 'generate', file, '--kid', '01', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const cred = parseKccs('stdout', JSON.parse(r.stdout));
    const d = readPrivateKeyFile(file).d;
    assert.equal(toHex(cred.key.x), toHex(publicCoseKey(nobleAsymmetricCrypto, 2, 1, d).x));
    assert.equal(toHex(cred.key.kid!), '01');
  });

  it('X25519 and Ed25519 keys (OKP) for cipher suites 0 and 1', async () => {
    for (const [curve, crv] of [['X25519', 4], ['Ed25519', 6]] as const) {
      const file = join(tmp, curve + '.cosekey');
      const r = await run(['keygen', 'generate', file, '--curve', curve, '--json']);
      assert.equal(r.code, 0, r.stderr);
      const k = readPrivateKeyFile(file);
      assert.equal(k.kty, 1);
      assert.equal(k.crv, crv);
      assert.equal(toHex(parseKccs('stdout', JSON.parse(r.stdout)).key.x), toHex(publicCoseKey(nobleAsymmetricCrypto, 1, crv, k.d).x));
    }
  });

  it('never overwrites a key file; bad options are usage errors (exit 2)', async () => {
    const file = join(tmp, 'once.cosekey');
    assert.equal((await run(['keygen', 'generate', file])).code, 0);
    const before = readFileSync(file);
    const again = await run(['keygen', 'generate', file]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /already exists/);
    assert.deepEqual(readFileSync(file), before);
    assert.equal((await run(['keygen', 'generate', join(tmp, 'x.cosekey'), '--kid', 'xyz'])).code, 2);
    assert.equal((await run(['keygen', 'generate', join(tmp, 'y.cosekey'), '--curve', 'P-384'])).code, 2);
    assert.equal((await run(['keygen', 'make', join(tmp, 'z.cosekey')])).code, 2);
  });

  it("stateofedhoc.rst's walk-through: keygen output pasted into an EDN credentials file (.diag) is read as aiocoap reads it", async () => {
    const srv = await run(['keygen', 'generate', join(tmp, 'fileserver.cosekey'), '--kid', '0a']);
    const cli = await run(['keygen', 'generate', join(tmp, 'walkthrough-client.cosekey'), '--kid', '01']);
    assert.equal(srv.code + cli.code, 0);
    const file = join(tmp, 'fileserver.cred.diag');
    writeFileSync(file, `{
      "coap://[::1]/*": {                   # replace with own public address
        "edhoc-oscore": {
          "suite": 2,
          "method": 3,
          "own_cred_style": "by-key-id",
          "own_cred": ${srv.stdout.trim()},
          "private_key_file": "fileserver.cosekey"
        }
      },
      ":ourclient": { "edhoc-oscore": {
          "suite": 2,
          "method": 3,
          "peer_cred": ${cli.stdout.trim()}
      }}
    }`);
    const creds = CredentialsFile.read(file);
    const entries = creds.map.edhocEntries();
    assert.deepEqual(entries.map((e) => e.pattern), ['coap://[::1]/*', ':ourclient']);
    const own = entries[0].edhoc.ownCred as CcsCredential;
    assert.equal(toHex(own.key.kid!), '0a');
    const d = readPrivateKeyFile(join(tmp, 'fileserver.cosekey')).d;
    assert.equal(toHex(own.key.x), toHex(publicCoseKey(nobleAsymmetricCrypto, 2, 1, d).x));
    assert.equal(toHex((entries[1].edhoc.peerCred as CcsCredential).key.kid!), '01');
  });
});
