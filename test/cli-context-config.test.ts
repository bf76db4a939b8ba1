// aiocoap context-directory parameters and sequence.json, platform-free (runs on Node and XS).
// Real inputs: the aiocoap OSCORE guide's example and aiocoap's plugtest contexts (test/fixtures/interop).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseContextConfig, type ConfigFile } from '../src/credentials/context-config.js';
import {
  aiocoapWindowAccepts,
  aiocoapWindowStrike,
  aiocoapToReplayState,
  formatSequenceFile,
  parseSequenceFile,
  replaySnapshotToAiocoap,
  type AiocoapWindow,
} from '../src/credentials/sequence-file.js';
import { ReplayWindow } from '../src/oscore/replay.js';
import { LoadError } from '../src/errors.js';
import { toHex } from '../src/bytes.js';
import clientSettings from './fixtures/interop/aiocoap-seed-example/client1/for-fileserver/settings.json' with { type: 'json' };
import serverSettings from './fixtures/interop/aiocoap-seed-example/server/from-client1/settings.json' with { type: 'json' };
import plugDSettings from './fixtures/interop/aiocoap-plugtest-contexts/d/settings.json' with { type: 'json' };
import plugDSecret from './fixtures/interop/aiocoap-plugtest-contexts/d/secret.json' with { type: 'json' };

const S = 'ctx/settings.json';
const K = 'ctx/secret.json';
const files = (settings: unknown, secret?: unknown): ConfigFile[] => [
  { name: K, text: secret === undefined ? undefined : typeof secret === 'string' ? secret : JSON.stringify(secret) },
  { name: S, text: settings === undefined ? undefined : typeof settings === 'string' ? settings : JSON.stringify(settings) },
];
const base = { 'sender-id_hex': '01', 'recipient-id_ascii': 'file', secret_ascii: 'Correct Horse Battery Staple' };
// IDs short enough for every algorithm (7-byte nonces allow 1-byte IDs).
const short = { 'sender-id_hex': '01', 'recipient-id_hex': '', secret_hex: '0102030405060708090a0b0c0d0e0f10' };
const fails = (f: ConfigFile[], message: RegExp) =>
  assert.throws(() => parseContextConfig('ctx', f), (e: unknown) => e instanceof LoadError && message.test((e as Error).message));

describe('context directory parameters (settings.json + secret.json)', () => {
  it('reads the aiocoap guide example, both sides, with aiocoap defaults', () => {
    const c = parseContextConfig('client1/for-fileserver', files(clientSettings));
    assert.equal(toHex(c.senderId), '01');
    assert.equal(toHex(c.recipientId), toHex(new Uint8Array([0x66, 0x69, 0x6c, 0x65])));
    assert.equal(c.algorithmName, 'AES-CCM-16-64-128');
    assert.equal(c.algorithmId, 10);
    assert.equal(c.hkdf, 'sha256');
    assert.equal(c.window, 32);
    assert.equal(c.masterSalt.length, 0);
    assert.equal(c.idContext, undefined);
    const s = parseContextConfig('server/from-client1', files(serverSettings));
    assert.deepEqual(s.senderId, c.recipientId);
    assert.deepEqual(s.recipientId, c.senderId);
    assert.deepEqual(s.masterSecret, c.masterSecret);
  });
  it('merges settings.json and secret.json (plugtest context D, with ID Context)', () => {
    const d = parseContextConfig('d', files(plugDSettings, plugDSecret));
    assert.equal(toHex(d.masterSecret), '0102030405060708090a0b0c0d0e0f10');
    assert.equal(toHex(d.masterSalt), '9e7ca92223786340');
    assert.equal(toHex(d.idContext!), '37cbf3210017a2d3');
    assert.equal(toHex(d.senderId), '01');
    assert.equal(d.recipientId.length, 0);
  });
  it('takes all 8 CCM names, and window / kdf-hashfun', () => {
    const ids: Record<string, number> = {
      'AES-CCM-16-64-128': 10, 'AES-CCM-16-64-256': 11, 'AES-CCM-64-64-128': 12, 'AES-CCM-64-64-256': 13,
      'AES-CCM-16-128-128': 30, 'AES-CCM-16-128-256': 31, 'AES-CCM-64-128-128': 32, 'AES-CCM-64-128-256': 33,
    };
    for (const [name, id] of Object.entries(ids)) {
      const c = parseContextConfig('ctx', files({ ...short, algorithm: name, window: 64, 'kdf-hashfun': 'sha256' }));
      assert.equal(c.algorithmId, id);
      assert.equal(c.window, 64);
    }
  });
  it('names file and key for every bad input', () => {
    fails(files({ ...base, 'recipient-id_hex': '0g' }), /^ctx\/settings\.json: recipient-id_hex: not hex$/);
    fails(files({ ...base, 'recipient-id_hex': '012' }), /^ctx\/settings\.json: recipient-id_hex: not hex$/);
    fails(files({ ...base, salt_hex: 5 }), /^ctx\/settings\.json: salt_hex: expected a string/);
    fails(files({ ...base, 'sender-id_ascii': 'é' }), /sender-id_ascii: not ASCII/);
    fails(files({ 'sender-id_hex': '01', secret_ascii: 'x' }), /^ctx: recipient-id: missing/);
    fails(files({ 'sender-id_hex': '01', 'recipient-id_hex': '02' }), /^ctx: secret: missing/);
    fails(files({ 'recipient-id_hex': '01', secret_ascii: 'x' }), /^ctx: sender-id: missing/);
    fails(files(undefined, undefined), /neither ctx\/secret\.json nor ctx\/settings\.json exists/);
    fails(files(base, { secret_hex: '00' }), /^ctx\/settings\.json: secret_ascii: duplicate, also in ctx\/secret\.json \(as secret_hex\)$/);
    fails(files({ ...base, secret_hex: '00' }), /secret_hex: duplicate, also given as secret_ascii/);
    fails(files({ ...base, secret: 'x' }), /^ctx\/settings\.json: secret: needs a _hex or _ascii suffix$/);
    fails(files({ ...base, algorithm: 'AES-CCM-16-64-129' }), /^ctx\/settings\.json: algorithm: unknown algorithm "AES-CCM-16-64-129"$/);
    fails(files({ ...base, algorithm: 10 }), /algorithm: expected a name/);
    fails(files({ ...base, algorithm: 'A128CBC' }), /algorithm: A128CBC is not supported in this build/);
    fails(files({ ...base, algorithm: 'a128gcm' }), /algorithm: unknown algorithm "a128gcm"/);
    fails(files({ ...base, 'kdf-hashfun': 'sha512' }), /kdf-hashfun: sha512 is not supported in this build/);
    fails(files({ ...base, 'kdf-hashfun': 'md5' }), /kdf-hashfun: unknown hash function/);
    fails(files({ ...base, window: 0 }), /window: expected an integer/);
    fails(files({ ...base, window: '32' }), /window: expected an integer/);
    fails(files('{"sender-id_hex": '), /^ctx\/settings\.json: not valid JSON/);
    fails(files('[1]'), /^ctx\/settings\.json: expected a JSON object/);
    fails(files({ ...base, secret_ascii: '' }), /secret_ascii: empty/);
    fails(files({ ...base, 'id-context_hex': '00'.repeat(256) }), /id-context_hex: longer than 255 bytes/);
  });
  it('accepts the host AEADs by aiocoap\'s names, with their COSE ids (RFC 8152 Tables 9, 11)', () => {
    const ids: Record<string, number> = { A128GCM: 1, A192GCM: 2, A256GCM: 3, 'ChaCha20/Poly1305': 24 };
    for (const name of Object.keys(ids)) {
      const c = parseContextConfig('ctx', files({ ...short, 'recipient-id_hex': '01', algorithm: name }));
      assert.equal(c.algorithmName, name);
      assert.equal(c.algorithmId, ids[name]);
    }
    // 12-byte nonces: IDs of at most 12 − 6 = 6 bytes (RFC 8613 §3.3).
    parseContextConfig('ctx', files({ ...short, 'sender-id_hex': '010203040506', 'recipient-id_hex': '01', algorithm: 'A256GCM' }));
    fails(files({ ...short, 'sender-id_hex': '01020304050607', 'recipient-id_hex': '01', algorithm: 'ChaCha20/Poly1305' }), /sender-id_hex: 7 bytes is too long for ChaCha20\/Poly1305 \(at most 6/);
  });
  it('rejects an ID too long for the nonce: 7 bytes for 13-byte nonces, 1 byte for 7-byte nonces', () => {
    // nonce length − 6 (RFC 8613 §3.3): 13 − 6 = 7 for L=2 CCM, 7 − 6 = 1 for L=8 CCM.
    parseContextConfig('ctx', files({ ...base, 'sender-id_hex': '01020304050607' }));
    fails(files({ ...base, 'sender-id_hex': '0102030405060708' }), /^ctx\/settings\.json: sender-id_hex: 8 bytes is too long for AES-CCM-16-64-128 \(at most 7/);
    parseContextConfig('ctx', files({ ...short, 'recipient-id_hex': '01', algorithm: 'AES-CCM-64-64-128' }));
    fails(files({ ...base, algorithm: 'AES-CCM-64-64-128' }), /recipient-id_ascii: 4 bytes is too long for AES-CCM-64-64-128 \(at most 1/);
  });
  it('lists unknown keys instead of failing (aiocoap ignores them; a typo must be visible)', () => {
    const c = parseContextConfig('ctx', files({ ...base, comment: 'x', 'sender_id_hex': '01' }));
    assert.deepEqual(c.unknownKeys, ['ctx/settings.json: comment', 'ctx/settings.json: sender_id_hex']);
  });
});

describe('sequence.json (aiocoap format)', () => {
  it('writes exactly what Python json.dumps writes and reads it back', () => {
    assert.equal(formatSequenceFile({ nextToSend: 20, received: 'unknown' }), '{"next-to-send": 20, "received": "unknown"}');
    const text = formatSequenceFile({ nextToSend: 3, received: { index: 5, bitfield: 0b1011n } });
    assert.equal(text, '{"next-to-send": 3, "received": {"index": 5, "bitfield": 11}}');
    assert.deepEqual(parseSequenceFile('s', text, 32), { nextToSend: 3, received: { index: 5, bitfield: 11n } });
  });
  it('keeps a 64-bit-window bitfield exact (beyond 2^53)', () => {
    const big = (1n << 63n) | 1n;
    const t = formatSequenceFile({ nextToSend: 0, received: { index: 0, bitfield: big } });
    const s = parseSequenceFile('s', t, 64);
    assert.equal(s.received !== 'unknown' && s.received.bitfield, big);
    assert.throws(() => parseSequenceFile('s', t, 32), /bitfield: wider than the window of 32/);
  });
  it('refuses state it does not understand (a guess could reuse a nonce)', () => {
    const bad = (t: string, m: RegExp) => assert.throws(() => parseSequenceFile('d/sequence.json', t, 32), (e: unknown) => e instanceof LoadError && m.test((e as Error).message));
    bad('{"received": "unknown"}', /^d\/sequence\.json: next-to-send: missing$/);
    bad('{"next-to-send": -1, "received": "unknown"}', /next-to-send: expected an integer/);
    bad('{"next-to-send": 1.5, "received": "unknown"}', /next-to-send: expected an integer/);
    bad('{"next-to-send": 1}', /received: missing/);
    bad('{"next-to-send": 1, "received": "nope"}', /received: expected "unknown"/);
    bad('{"next-to-send": 1, "received": {"index": 0}}', /bitfield: expected/);
    bad('{"next-to-send": 1, "received": {"bitfield": 0}}', /index: expected/);
    bad('{"next-to-send": 1, "recei', /not valid JSON/);
    assert.equal(parseSequenceFile('s', '{"next-to-send": "7", "received": "unknown"}', 32).nextToSend, 7);
    // What aiocoap writes when it closes a context whose window stayed unknown.
    assert.deepEqual(parseSequenceFile('s', '{"next-to-send": 9, "received": {"index": null, "bitfield": null}}', 32), { nextToSend: 9, received: 'unknown' });
    bad('{"next-to-send": 1, "received": {"index": null, "bitfield": 3}}', /index: expected/);
  });
  it("implements aiocoap's window arithmetic (its doctest)", () => {
    let w = { index: 0, bitfield: 0n };
    w = aiocoapWindowStrike(w, 32, 5);
    assert.equal(aiocoapWindowAccepts(w, 32, 3), true);
    assert.equal(aiocoapWindowAccepts(w, 32, 5), false);
    for (const n of [0, 1, 2]) w = aiocoapWindowStrike(w, 32, n);
    assert.equal(aiocoapWindowAccepts(w, 32, 1), false);
    assert.equal(aiocoapWindowAccepts(w, 32, 4), true);
    w = aiocoapWindowStrike(w, 32, 35);
    assert.equal(aiocoapWindowAccepts(w, 32, 4), true);
    w = aiocoapWindowStrike(w, 32, 36);
    assert.equal(aiocoapWindowAccepts(w, 32, 4), false);
    assert.deepEqual(w, { index: 5, bitfield: (1n << 31n) | (1n << 30n) | 1n });
  });
});

describe('replay window: aiocoap format <-> the OSCORE core', () => {
  // A deterministic generator, so a failure reproduces.
  let seed = 12345;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
  const accepts = (w: ReplayWindow, seq: number) => {
    try {
      w.check(seq);
      return true;
    } catch {
      return false;
    }
  };
  it('converted windows accept exactly the same numbers, both directions, for many histories', () => {
    for (const size of [1, 7, 32, 64, 100]) {
      for (let round = 0; round < 40; round++) {
        // Our window after a random history; a copy in aiocoap's arithmetic beside it.
        const ours = new ReplayWindow(size);
        let theirs: AiocoapWindow = { index: 0, bitfield: 0n };
        const span = 3 * size + 5;
        for (let k = rand(2 * size + 3); k > 0; k--) {
          const seq = rand(span);
          if (accepts(ours, seq) !== aiocoapWindowAccepts(theirs, size, seq)) {
            // The two windows legitimately differ only before conversion (aiocoap starts at index 0
            // and keeps old numbers; ours starts empty). Skip numbers where they disagree.
            continue;
          }
          if (accepts(ours, seq)) {
            ours.accept(seq);
            theirs = aiocoapWindowStrike(theirs, size, seq);
          }
        }
        const snap = ours.snapshot();
        assert.notEqual(snap, 'unknown');
        const asAiocoap = replaySnapshotToAiocoap(snap as Exclude<typeof snap, 'unknown'>);
        const back = new ReplayWindow(size, aiocoapToReplayState(asAiocoap, size));
        const fromTheirs = new ReplayWindow(size, aiocoapToReplayState(theirs, size));
        for (let seq = 0; seq < span + size; seq++) {
          assert.equal(aiocoapWindowAccepts(asAiocoap, size, seq), accepts(ours, seq), `ours→aiocoap size ${size} seq ${seq}`);
          assert.equal(accepts(back, seq), accepts(ours, seq), `round trip size ${size} seq ${seq}`);
          assert.equal(accepts(fromTheirs, seq), aiocoapWindowAccepts(theirs, size, seq), `aiocoap→ours size ${size} seq ${seq}`);
        }
      }
    }
  });
  it('maps the empty window to fresh and unknown to unknown', () => {
    assert.equal(aiocoapToReplayState({ index: 0, bitfield: 0n }, 32), 'fresh');
    assert.equal(aiocoapToReplayState('unknown', 32), 'unknown');
    assert.deepEqual(replaySnapshotToAiocoap(new ReplayWindow(32).snapshot() as never), { index: 0, bitfield: 0n });
  });
});
