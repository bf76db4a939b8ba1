// aiocoap credentials files: URI patterns, references, labels; and the "never fall back to plaintext" rule.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CredentialsMap, patternMatches, type CredentialsMatch } from '../src/credentials/credentials-map.js';
import { LoadError } from '../src/errors.js';
import { credentialBytes } from '../src/credentials/bytes-value.js';
import { fromHex, toHex } from '../src/bytes.js';
import client1 from './fixtures/interop/aiocoap-seed-example/client1.json' with { type: 'json' };
import server from './fixtures/interop/aiocoap-seed-example/server.json' with { type: 'json' };

const parse = (v: unknown) => CredentialsMap.parse('creds.json', JSON.stringify(v));
const fails = (v: unknown, m: RegExp) =>
  assert.throws(() => parse(v), (e: unknown) => e instanceof LoadError && m.test((e as Error).message));

describe('credentials map (aiocoap format)', () => {
  it('matches the guide example: coap://localhost/* on the client, :client1 on the server', () => {
    const c = parse(client1);
    assert.deepEqual(c.forUri('coap://localhost/hello.txt'), { pattern: 'coap://localhost/*', basedir: 'client1/for-fileserver/' });
    assert.deepEqual(c.forUri('coap://localhost/'), { pattern: 'coap://localhost/*', basedir: 'client1/for-fileserver/' });
    assert.equal(c.forUri('coap://otherhost/hello.txt'), undefined);
    assert.equal(c.forUri('coap://localhost'), undefined);
    const s = parse(server);
    assert.deepEqual(s.oscoreEntries(), [{ pattern: ':client1', basedir: 'server/from-client1/' }]);
    assert.equal(s.forUri('coap://localhost/'), undefined);
  });
  it('wildcards: whole-URI match, * anywhere, exact URIs; the longest pattern wins', () => {
    assert.equal(patternMatches('coap://h/*', 'coap://h/a/b'), true);
    assert.equal(patternMatches('coap://h/*', 'coap://x/h/a'), false);
    assert.equal(patternMatches('coap://*/x', 'coap://h/x'), true);
    assert.equal(patternMatches('coap://*/x', 'coap://h/xy'), false);
    assert.equal(patternMatches('*', ''), true);
    assert.equal(patternMatches('a*b*c', 'abc'), true);
    assert.equal(patternMatches('a*b*c', 'acb'), false);
    assert.equal(patternMatches('coap://h/x', 'coap://h/x'), true);
    assert.equal(patternMatches('coap://h/x', 'coap://h/xx'), false);
    const m = parse({
      '*': { oscore: { basedir: 'all' } },
      'coap://h/*': { oscore: { basedir: 'h' } },
      'coap://h/secret': ':k',
      ':k': { oscore: { contextfile: 'k' } },
    });
    assert.equal((m.forUri('coap://h/secret') as CredentialsMatch).basedir, 'k');
    assert.equal((m.forUri('coap://h/other') as CredentialsMatch).basedir, 'h');
    assert.equal((m.forUri('coap://z/') as CredentialsMatch).basedir, 'all');
  });
  it('null removes an entry, later loads override', () => {
    const m = parse({ 'coap://h/*': { oscore: { basedir: 'h' } } });
    m.load('second.json', { 'coap://h/*': null });
    assert.equal(m.forUri('coap://h/x'), undefined);
  });
  it('rejects what cannot apply, at load time (never a silent plaintext fallback)', () => {
    fails({ 'coap://h/*': ':missing' }, /^creds\.json: "coap:\/\/h\/\*": reference :missing has no entry$/);
    fails({ 'coap://h/*': ':a', ':a': ':b', ':b': ':a' }, /circular reference/);
    fails({ 'coap://h/*': 'nocolon' }, /must start with ":"/);
    fails({ 'coap://h/*': { oscore: {} } }, /oscore: basedir: missing/);
    fails({ 'coap://h/*': { oscore: { basedir: 'a', contextfile: 'b' } } }, /not both/);
    fails({ 'coap://h/*': { oscore: { basdir: 'a' } } }, /oscore: unknown key "basdir"/);
    fails({ 'coap://h/*': { oscore: { basedir: 5 } } }, /basedir: expected a directory path/);
    fails({ 'coap://h/*': { oscore: 'dir' } }, /expected an object/);
    fails({ 'coap://h/*': { oscoree: {} } }, /unknown credential type "oscoree"/);
    fails({ 'coap://h/*': { oscore: { basedir: 'a' }, dtls: {} } }, /exactly one key/);
    fails({ 'coap://h/*': ':d', ':d': { dtls: { psk: 'x' } } }, /:d is dtls, which this build cannot use/);
    fails([1], /expected a map of URI patterns \(text\) to credentials/);
    assert.throws(() => CredentialsMap.parse('c.json', '{'), /c\.json: not valid JSON/);
    // A DTLS entry that no reference points at loads; a request it matches fails instead of going plain.
    const m = parse({ 'coaps://h/*': { dtls: { psk: 'x' } } });
    assert.throws(() => m.forUri('coaps://h/x'), /dtls, which this build cannot use/);
  });
});

describe('byte strings in credentials (aiocoap forms)', () => {
  const isLoadError = (m: RegExp) => (e: unknown) => e instanceof LoadError && m.test((e as Error).message);
  it('byte strings in every form aiocoap accepts, and nothing else', () => {
    assert.equal(toHex(credentialBytes(fromHex('0a0b'), 'k')), '0a0b');
    assert.equal(toHex(credentialBytes({ hex: '0a-0B:0c 0d' }, 'k')), '0a0b0c0d');
    assert.equal(toHex(credentialBytes({ ascii: 'AB' }, 'k')), '4142');
    assert.throws(() => credentialBytes({ hex: '0a0' }, 'f.json: "x": secret'), isLoadError(/^f\.json: "x": secret: \{"hex": …\}: not an even number/));
    assert.throws(() => credentialBytes({ ascii: 'ü' }, 'k'), isLoadError(/not ASCII/));
    assert.throws(() => credentialBytes({ hex: '00', ascii: 'a' }, 'k'), isLoadError(/^k: expected bytes/));
    assert.throws(() => credentialBytes('0a0b', 'k'), isLoadError(/^k: expected bytes/));
    assert.throws(() => credentialBytes(new Map([[1, 2]]), 'k'), isLoadError(/^k: expected bytes/));
  });
});
