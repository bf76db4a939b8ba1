import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { toHex } from '../src/bytes.js';
import { LoadError } from '../src/errors.js';
import { CredentialsMap } from '../src/credentials/credentials-map.js';
import { parseEdhocOscore, parseKccs, parsePrivateCoseKey, publicCoseKey, toCborItem, credentialMatches, type CcsCredential } from '../src/credentials/edhoc-credentials.js';
import { nobleAsymmetricCrypto } from '../src/crypto/asymmetric-noble.js';
import { traceValue } from './edhoc-trace-fixture.js';
import { decodeCborItem, type CborItem } from '../src/cbor/decode.js';

// RFC 9529 trace 2: the Responder's and Initiator's CCS credentials and static DH private keys.
const CRED_R = traceValue(2, 'message_2', 'CRED_R');
const CRED_I = traceValue(2, 'message_3', 'CRED_I');
const SK_R = traceValue(2, 'message_2', "Responder's private authentication key");
const SK_I = traceValue(2, 'message_3', "Initiator's private authentication key");

/** Trace 2's CRED_R as aiocoap's JSON spelling of a KCCS: integer labels as text, bytes as {"hex"}. */
const credRJson = {
  '14': {
    '2': 'example.edu',
    '8': { '1': { '1': 2, '2': { hex: '32' }, '-1': 1, '-2': { hex: 'BBC34960526EA4D32E940CAD2A234148DDC21791A12AFBCBAC93622046DD44F0' }, '-3': { hex: '4519E257236B2A0CE2023F0931F1F386CA7AFDA64FCDE0108C224C51EABF6072' } } },
  },
};
const bad = (f: () => unknown, re: RegExp) => assert.throws(f, (e: unknown) => e instanceof LoadError && re.test((e as Error).message));

describe("aiocoap's edhoc-oscore credentials (aiocoap/edhoc.py, doc/stateofedhoc.rst)", () => {
  it('a KCCS in JSON spelling encodes to exactly the credential bytes of RFC 9529 trace 2 (CRED_R)', () => {
    const c = parseKccs('f', credRJson);
    assert.equal(toHex(c.ccs), toHex(CRED_R));
    assert.equal(toHex(c.key.kid!), '32');
    assert.equal(c.sub, 'example.edu');
  });

  it('the same KCCS from CBOR (Map, Uint8Array, another key order) gives the same bytes (trace 2 CRED_I)', () => {
    const fromTrace = toCborItem('t', new Map([[14, decodeForTest(CRED_I)]]));
    const c = parseKccs('f', fromTrace);
    assert.equal(toHex(c.ccs), toHex(CRED_I));
  });

  it('the public key of a private one matches the trace (P-256 x and y from SK_R, SK_I)', () => {
    const r = publicCoseKey(nobleAsymmetricCrypto, 2, 1, SK_R);
    const cr = parseKccs('f', credRJson);
    assert.equal(toHex(r.x), toHex(cr.key.x));
    assert.equal(toHex(r.y!), toHex(cr.key.y!));
    const i = publicCoseKey(nobleAsymmetricCrypto, 2, 1, SK_I);
    assert.equal(toHex(i.x), toHex(parseKccs('f', toCborItem('t', new Map([[14, decodeForTest(CRED_I)]]))).key.x));
  });

  it('a client entry as in stateofedhoc.rst: suite, method, own_cred_style, own_cred, private key, peer_cred, use_combined_edhoc', () => {
    const item = parseEdhocOscore('f', {
      suite: 2,
      method: 3,
      own_cred_style: 'by-key-id',
      own_cred: credRJson,
      private_key_file: 'server.cosekey',
      peer_cred: { '14': decodeJsonForTest(CRED_I) },
      'use-combined-edhoc': false, // aiocoap also accepts "-" for "_"
    });
    assert.equal(item.suite, 2);
    assert.equal(item.method, 3);
    assert.equal(item.ownCredStyle, 'by-key-id');
    assert.equal(item.privateKeyFile, 'server.cosekey');
    assert.equal(toHex((item.ownCred as CcsCredential).ccs), toHex(CRED_R));
    assert.equal(toHex((item.peerCred as CcsCredential).ccs), toHex(CRED_I));
    assert.equal(item.useCombinedEdhoc, false);
  });

  it('aiocoap\'s consistency rules: own_cred, own_cred_style and a key together; key file xor key; unauthenticated forms', () => {
    bad(() => parseEdhocOscore('f', { suite: 2, method: 3, own_cred: credRJson, private_key_file: 'k' }), /all of own_cred, own_cred_style and private_key/);
    bad(() => parseEdhocOscore('f', { suite: 2, method: 3, own_cred_style: 'by-value', private_key_file: 'k' }), /all of own_cred/);
    bad(() => parseEdhocOscore('f', { suite: 2, method: 3, private_key_file: 'k', private_key: { '1': 2, '-1': 1, '-4': { hex: toHex(SK_R) } } }), /not both/);
    bad(() => parseEdhocOscore('f', { suite: 2, method: 3, own_cred: { unauthenticated: true }, private_key_file: 'k' }), /unauthenticated use/);
    bad(() => parseEdhocOscore('f', { suite: 2, method: 3, own_cred: { unauthenticated: true }, own_cred_style: 'by-key-id' }), /unauthenticated use/);
    const u = parseEdhocOscore('f', { suite: 2, method: 3, own_cred: { unauthenticated: true }, peer_cred: { unauthenticated: true } });
    assert.equal(u.ownCred, 'unauthenticated');
    assert.equal(u.ownCredStyle, 'by-value');
    assert.equal(u.peerCred, 'unauthenticated');
    // A server's known peer: method, suite and peer_cred only.
    const peer = parseEdhocOscore('f', { suite: 2, method: 3, peer_cred: credRJson });
    assert.equal(peer.ownCred, undefined);
  });

  it('refuses what it cannot use, naming the field: suites, methods, styles, shapes, curves, private parts, unknown keys', () => {
    bad(() => parseEdhocOscore('f', { suite: 7, method: 3 }), /suite/);
    bad(() => parseEdhocOscore('f', { suite: 2, method: 4 }), /method/);
    bad(() => parseEdhocOscore('f', { suite: 2, method: 3, own_cred_style: 'by-name', own_cred: credRJson, private_key_file: 'k' }), /own_cred_style/);
    bad(() => parseEdhocOscore('f', { suite: 2, method: 3, peer_cred: { '8': {} } }), /KCCS/);
    bad(() => parseEdhocOscore('f', { suite: 2, method: 3, peer_cred: { '14': { '8': { '1': { '1': 2, '-1': 1, '-2': { hex: '00' } } } } } }), /peer_cred/);
    bad(() => parseEdhocOscore('f', { suite: 0, method: 3, peer_cred: credRJson }), /cannot be used with cipher suite 0/);
    bad(() => parseEdhocOscore('f', { suite: 2, method: 3, peer_cred: { '14': { '8': { '1': { '1': 2, '-1': 1, '-2': { hex: toHex(new Uint8Array(32)) }, '-3': { hex: toHex(new Uint8Array(32)) }, '-4': { hex: toHex(SK_R) } } } } } }), /private key/);
    bad(() => parseEdhocOscore('f', { suite: 2, method: 3, own_cred_style: 'by-key-id', own_cred: { '14': { '8': { '1': { '1': 2, '-1': 1, '-2': { hex: toHex(new Uint8Array(32).fill(1)) }, '-3': { hex: toHex(new Uint8Array(32).fill(2)) } } } } }, private_key_file: 'k' }), /by-key-id needs a kid/);
    bad(() => parseEdhocOscore('f', { suite: 2, method: 3, peer_credential: credRJson }), /unknown key "peer_credential"/);
    bad(() => parseEdhocOscore('f', { suite: 2, method: 3, use_combined_edhoc: 'yes' }), /use_combined_edhoc/);
    bad(() => toCborItem('f', { hex: 'abc' }), /hex/);
    bad(() => toCborItem('f', 1.5), /integers/);
  });

  it("private keys as aiocoap's key files hold them: exactly kty, crv, d (EC2 P-256; OKP X25519/Ed25519 here too)", () => {
    const k = parsePrivateCoseKey('k', new Map<number, unknown>([[1, 2], [-1, 1], [-4, SK_R]]));
    assert.equal(toHex(k.d), toHex(SK_R));
    assert.equal(parsePrivateCoseKey('k', { '1': 1, '-1': 4, '-4': { hex: toHex(SK_I) } }).crv, 4);
    bad(() => parsePrivateCoseKey('k', { '1': 2, '-1': 1, '-4': { hex: '00' } }), /32-byte/);
    bad(() => parsePrivateCoseKey('k', { '1': 2, '-1': 4, '-4': { hex: toHex(SK_R) } }), /P-256/);
    bad(() => parsePrivateCoseKey('k', { '1': 3, '-1': 1, '-4': { hex: toHex(SK_R) } }), /not supported/);
    bad(() => parsePrivateCoseKey('k', { '1': 2, '-1': 1, '-4': { hex: toHex(SK_R) }, '2': { hex: '01' } }), /extraneous label 2/);
    bad(() => parsePrivateCoseKey('k', [1, 2]), /COSE_Key/);
  });

  it('a peer credential is found by kid or by value (aiocoap find_edhoc_by_id_cred_peer)', () => {
    const c = parseKccs('f', credRJson);
    assert.ok(credentialMatches(c, { kid: new Uint8Array([0x32]) }));
    assert.ok(!credentialMatches(c, { kid: new Uint8Array([0x33]) }));
    assert.ok(credentialMatches(c, { kccs: CRED_R }));
    assert.ok(!credentialMatches(c, { kccs: CRED_I }));
  });

  it('in a credentials map: a client pattern and a server\'s origin and ":peer" entries; references resolve to them', () => {
    const m = new CredentialsMap();
    m.load('creds.json', {
      'coap://[::1]/*': { 'edhoc-oscore': { suite: 2, method: 3, own_cred_style: 'by-value', own_cred: credRJson, private_key_file: 'server.cosekey' } },
      ':ourclient': { 'edhoc-oscore': { suite: 2, method: 3, peer_cred: { '14': decodeJsonForTest(CRED_I) } } },
      'coap://alias/*': ':ourclient',
    });
    const hit = m.forUri('coap://[::1]/x');
    assert.ok(hit && 'edhoc' in hit);
    assert.equal(hit.pattern, 'coap://[::1]/*');
    const viaRef = m.forUri('coap://alias/y');
    assert.ok(viaRef && 'edhoc' in viaRef && viaRef.pattern === ':ourclient');
    assert.deepEqual(m.edhocEntries().map((e) => e.pattern), ['coap://[::1]/*', ':ourclient']);
    assert.throws(() => CredentialsMap.parse('c.json', JSON.stringify({ 'coap://h/*': { 'edhoc-oscore': { suite: 2 } } })), /c\.json: "coap:\/\/h\/\*": edhoc-oscore: method/);
  });
});

function decodeForTest(b: Uint8Array): CborItem {
  return decodeCborItem(b);
}
/** A CBOR item in aiocoap's JSON spelling (what a user would write in a .json credentials file). */
function decodeJsonForTest(b: Uint8Array): unknown {
  const j = (v: CborItem): unknown => (v instanceof Uint8Array ? { hex: toHex(v) } : v instanceof Map ? Object.fromEntries([...v].map(([k, x]) => [String(k), j(x)])) : Array.isArray(v) ? v.map(j) : v);
  return j(decodeCborItem(b));
}
