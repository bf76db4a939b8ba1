// Credentials files as aiocoap reads them, by extension: JSON, CBOR (.cbor) and EDN (.diag/.edn, with
// comments). One credentials map written three ways must mean the same; EDHOC-style integer-keyed
// maps stay Maps with byte strings as bytes; errors name the file, the line and the field.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode } from 'cbor2';
import { loadCredentialsFile, readCredentialsFile } from '../targets/node/credentials-file.js';
import { CredentialsFile } from '../targets/node/credentials.js';
import { credentialBytes } from '../src/credentials/bytes-value.js';
import { LoadError } from '../src/errors.js';
import { fromHex, toHex } from '../src/bytes.js';

let tmp = '';
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'oscore-xs-credfile-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

function write(name: string, content: string | Uint8Array): string {
  const p = join(tmp, name);
  writeFileSync(p, content);
  return p;
}
const isLoadError = (m: RegExp) => (e: unknown) => e instanceof LoadError && m.test((e as Error).message);

const CREDS = {
  'coap://localhost/*': { oscore: { contextfile: 'client1/for-fileserver/' } },
  'coap://example.com/admin': ':admin',
  ':admin': { oscore: { basedir: 'admin-ctx/' } },
};
const CREDS_EDN = `/ the same map as CREDS, in EDN with both comment styles /
{
  "coap://localhost/*": {"oscore": {"contextfile": "client1/for-fileserver/"}},  # aiocoap's guide
  "coap://example.com/admin": ":admin",
  ":admin": {"oscore": {"basedir": "admin-ctx/"}}
}
`;

describe('credentials files: JSON, CBOR and EDN by extension', () => {
  it('reads one map written as .json, .cbor and .diag/.edn to the same value and the same matches', () => {
    const files = [
      write('c.json', JSON.stringify(CREDS, null, 2)),
      write('c.cbor', encode(CREDS)),
      write('c.diag', CREDS_EDN),
      write('c.edn', CREDS_EDN),
    ];
    const formats = files.map((f) => loadCredentialsFile(f).format);
    assert.deepEqual(formats, ['json', 'cbor', 'edn', 'edn']);
    for (const f of files) {
      assert.deepEqual(readCredentialsFile(f), CREDS, f);
      const c = CredentialsFile.read(f);
      assert.deepEqual(c.map.forUri('coap://localhost/x'), { pattern: 'coap://localhost/*', basedir: 'client1/for-fileserver/' });
      assert.deepEqual(c.map.forUri('coap://example.com/admin'), { pattern: ':admin', basedir: 'admin-ctx/' });
      assert.equal(c.map.forUri('coap://other/'), undefined);
    }
  });

  it("keeps EDHOC's integer-keyed own_cred as Maps with byte strings as bytes (RFC 9528 CCS in EDN)", () => {
    const p = write(
      'edhoc.diag',
      `{"coap://h/*": {"edhoc-oscore": {
         "own_cred_style": "by-key-id",
         / a CCS with a COSE_Key, kid 0x0a, EC2 P-256 /
         "own_cred": {14: {8: {1: {1: 2, 2: h'0a', -1: 1, -2: h'BBC34960', -3: h'4519E257'}}}},
         "private_key": h'00 01 02',  # spaces inside h'' are allowed
         "big": 18446744073709551615
       }}}`,
    );
    const v = readCredentialsFile(p) as Record<string, Record<string, Record<string, unknown>>>;
    const entry = v['coap://h/*']['edhoc-oscore'];
    assert.equal(entry.own_cred_style, 'by-key-id');
    const own = entry.own_cred as Map<unknown, unknown>;
    assert.ok(own instanceof Map);
    const coseKey = ((own.get(14) as Map<number, unknown>).get(8) as Map<number, unknown>).get(1) as Map<number, unknown>;
    assert.deepEqual([...coseKey.keys()], [1, 2, -1, -2, -3]);
    assert.equal(coseKey.get(1), 2);
    assert.equal(toHex(coseKey.get(2) as Uint8Array), '0a');
    assert.equal(toHex(coseKey.get(-2) as Uint8Array), 'bbc34960');
    assert.equal(toHex(credentialBytes(entry.private_key, 'private_key')), '000102');
    assert.equal(entry.big, 18446744073709551615n);
  });

  it('syntax errors name the file, line and column', () => {
    // (EDN allows leaving out the commas between entries; a key without its value is an error.)
    const edn = write('bad.diag', '{\n  "coap://h/*": {"oscore": {"basedir": "x"}}\n  "coap://i/*": }');
    assert.throws(() => CredentialsFile.read(edn), isLoadError(new RegExp('^' + edn.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&') + ':3:17: not valid EDN: unexpected "}"$')));
    const json = write('bad.json', '{\n  "coap://h/*": {"oscore": {"basedir": "x"}},\n}');
    assert.throws(() => CredentialsFile.read(json), isLoadError(/bad\.json:3:1: not valid JSON: /));
    const cbor = write('bad.cbor', fromHex('a26161')); // a map of two pairs, cut after its first key
    assert.throws(() => CredentialsFile.read(cbor), isLoadError(/bad\.cbor: not valid CBOR: /));
    const comment = write('unclosed.diag', '{"a": 1 / never closed \n}');
    assert.throws(() => CredentialsFile.read(comment), isLoadError(/unclosed\.diag:\d+:\d+: not valid EDN/));
  });

  it('errors in a field name the file, the line of its entry and the field', () => {
    const edn = write('field.diag', '{\n  # first entry is fine\n  "coap://h/*": {"oscore": {"basedir": "x"}},\n  "coap://i/*": {"oscore": {}}\n}');
    assert.throws(() => CredentialsFile.read(edn), isLoadError(/field\.diag:4: "coap:\/\/i\/\*": oscore: basedir: missing$/));
    const json = write('field.json', JSON.stringify({ 'coap://h/*': ':nowhere' }, null, 2));
    assert.throws(() => CredentialsFile.read(json), isLoadError(/field\.json:2: "coap:\/\/h\/\*": reference :nowhere has no entry$/));
    // A .cbor file has no lines: the file and the field.
    const cbor = write('field.cbor', encode({ 'coap://h/*': { oscore: { basedir: 5 } } }));
    assert.throws(() => CredentialsFile.read(cbor), isLoadError(/field\.cbor: "coap:\/\/h\/\*": oscore: basedir: expected a directory path$/));
    // A map keyed by anything but text cannot be a credentials map.
    const intKeys = write('ints.diag', '{1: {"oscore": {"basedir": "x"}}}');
    assert.throws(() => CredentialsFile.read(intKeys), isLoadError(/ints\.diag: expected a map of URI patterns \(text\) to credentials/));
    const entryAsBytes = write('bytes.diag', `{"coap://h/*": h'00'}`);
    assert.throws(() => CredentialsFile.read(entryAsBytes), isLoadError(/bytes\.diag:1: "coap:\/\/h\/\*": expected an object/));
  });

  it('an unreadable file names the file and the reason', () => {
    assert.throws(() => readCredentialsFile(join(tmp, 'missing.diag')), isLoadError(/missing\.diag: cannot read credentials file \(ENOENT\)/));
  });
});
