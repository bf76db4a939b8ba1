/**
 * Hostile and broken input: one group per error kind. Every rejection is a typed error, and the
 * contexts involved are exactly as before (sender sequence, reservations, replay window,
 * notification number) — a forged, malformed, replayed or misdirected message changes nothing.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fromHex, toHex, utf8Encode } from '../src/bytes.js';
import { createMessage, type Message } from '../src/coap/message.js';
import { Option } from '../src/coap/option-registry.js';
import { Code } from '../src/coap/numbers.js';
import { encodeMessage, decodeMessage } from '../src/coap/codec.js';
import { ContextUnavailable, DecodeError, LoadError, NotAProtectedMessage, ProtectionInvalid, ReplayError, ReplayErrorWithEcho } from '../src/errors.js';
import { SecurityContext, type SecurityContextParams } from '../src/oscore/context.js';
import { MemoryContextStore, type ContextStore } from '../src/oscore/store.js';
import { ReplayWindow } from '../src/oscore/replay.js';
import { MAX_SEQUENCE_NUMBER } from '../src/oscore/sequence.js';
import { protectRequest, protectResponse, composePlaintext, type RequestBinding } from '../src/oscore/protect.js';
import { unprotectRequest, unprotectResponse, contextLookup, type EchoVerifier } from '../src/oscore/unprotect.js';
import { oscoreErrorResponse } from '../src/oscore/error-response.js';
import { encodeOscoreOption, encodePartialIv } from '../src/oscore/option.js';
import { aeadNonce } from '../src/oscore/nonce.js';
import { aeadAad } from '../src/oscore/aad.js';

const CLIENT: SecurityContextParams = { masterSecret: fromHex('0102030405060708090a0b0c0d0e0f10'), masterSalt: fromHex('9e7ca92223786340'), senderId: fromHex(''), recipientId: fromHex('01') };
const SERVER: SecurityContextParams = { ...CLIENT, senderId: CLIENT.recipientId, recipientId: CLIENT.senderId };

function setup() {
  const clientStore = new MemoryContextStore();
  const serverStore = new MemoryContextStore();
  const client = new SecurityContext(CLIENT, { store: clientStore });
  const server = new SecurityContext(SERVER, { store: serverStore });
  const request = createMessage({ code: Code.GET, messageId: 0x1234, token: fromHex('beef'), options: [{ number: Option.URI_PATH, value: utf8Encode('sensor') }], payload: utf8Encode('hello') });
  return { client, server, clientStore, serverStore, request, lookup: contextLookup([server]) };
}

/** Everything a rejection must leave alone. */
function state(ctx: SecurityContext, store: MemoryContextStore, binding?: RequestBinding): string {
  const w = ctx.replayWindow.snapshot();
  return JSON.stringify({ next: ctx.sequence.next, reserves: store.reserveCalls, limit: store.limit, window: w === 'unknown' ? w : { h: w.highest, m: toHex(w.mask) }, nn: binding?.notificationNumber });
}

function withOscoreValue(m: Message, value: Uint8Array): Message {
  return { ...m, options: m.options.map((o) => (o.number === Option.OSCORE ? { number: o.number, value } : o)) };
}

function expectUnchanged(ctx: SecurityContext, store: MemoryContextStore, fn: () => unknown, error: new (...a: never[]) => Error, note: string, binding?: RequestBinding): void {
  const before = state(ctx, store, binding);
  assert.throws(fn, error, note);
  assert.equal(state(ctx, store, binding), before, 'state changed by: ' + note);
}

describe('NotAProtectedMessage', () => {
  it('a plain request or response is not OSCORE; nothing changes', () => {
    const { server, serverStore, request, lookup } = setup();
    server.replayWindow.accept(3);
    expectUnchanged(server, serverStore, () => unprotectRequest(request, lookup), NotAProtectedMessage, 'plain request');
    const { client, clientStore } = setup();
    const out = protectRequest(client, request);
    expectUnchanged(client, clientStore, () => unprotectResponse(createMessage({ code: Code.CONTENT }), out.binding), NotAProtectedMessage, 'plain response', out.binding);
    assert.equal(oscoreErrorResponse(new NotAProtectedMessage('x')), undefined);
  });
});

describe('DecodeError (4.02 "Failed to decode COSE")', () => {
  it('malformed or truncated OSCORE option values, missing kid / Partial IV, duplicate options', () => {
    const { client, server, serverStore, request, lookup } = setup();
    server.replayWindow.accept(0);
    const good = protectRequest(client, request).message;
    const values = ['29', '49', '89', '0e0000000000000000', '0f', '09', '0b0102', '1914', '19140937cbf3', '0100ff', '00', '01' + '05', '08' + '00'];
    for (const v of values) expectUnchanged(server, serverStore, () => unprotectRequest(withOscoreValue(good, fromHex(v)), lookup), DecodeError, 'option ' + v);
    const twice = { ...good, options: [...good.options, { number: Option.OSCORE, value: fromHex('0900') }] };
    expectUnchanged(server, serverStore, () => unprotectRequest(twice, lookup), DecodeError, 'two OSCORE options');
    expectUnchanged(server, serverStore, () => unprotectRequest({ ...good, code: Code.CONTENT }, lookup), DecodeError, 'response code on a request path');
    assert.deepEqual(oscoreErrorResponse(new DecodeError('x')), { code: Code.BAD_OPTION, diagnostic: 'Failed to decode COSE', maxAge: 0 });
  });
  it('ciphertext shorter than code + tag (truncated payload, empty payload)', () => {
    const { client, server, serverStore, request, lookup } = setup();
    const good = protectRequest(client, request).message;
    for (const len of [0, 1, 8]) expectUnchanged(server, serverStore, () => unprotectRequest({ ...good, payload: good.payload.subarray(0, len) }, lookup), DecodeError, 'payload of ' + len);
  });
  it('authentic but malformed plaintext (bad option encoding, nested OSCORE, wrong code class) moves no window', () => {
    const { client, server, serverStore, lookup } = setup();
    const seal = (plaintext: Uint8Array, seq: number): Message => {
      const piv = encodePartialIv(seq);
      const ct = client.senderKey.seal(aeadNonce(client.commonIv, client.senderId, piv), aeadAad(10, client.senderId, piv), plaintext);
      return createMessage({ code: Code.POST, options: [{ number: Option.OSCORE, value: encodeOscoreOption({ partialIv: piv, kid: client.senderId }) }], payload: ct });
    };
    expectUnchanged(server, serverStore, () => unprotectRequest(seal(fromHex('01f0'), 1), lookup), DecodeError, 'reserved option nibble');
    expectUnchanged(server, serverStore, () => unprotectRequest(seal(fromHex('01ff'), 2), lookup), DecodeError, 'payload marker without payload');
    expectUnchanged(server, serverStore, () => unprotectRequest(seal(composePlaintext(Code.GET, [{ number: Option.OSCORE, value: fromHex('') }], new Uint8Array(0)), 3), lookup), DecodeError, 'inner OSCORE option');
    expectUnchanged(server, serverStore, () => unprotectRequest(seal(fromHex('45'), 4), lookup), DecodeError, 'response code inside a request');
    assert.equal(unprotectRequest(seal(fromHex('01'), 1), lookup).binding.seq, 1, 'the same number is still acceptable');
  });
  it('a response with a kid context is malformed', () => {
    const { client, clientStore, server, request, lookup } = setup();
    const out = protectRequest(client, request);
    const resp = protectResponse(createMessage({ code: Code.CONTENT }), unprotectRequest(out.message, lookup).binding);
    expectUnchanged(client, clientStore, () => unprotectResponse(withOscoreValue(resp, fromHex('1000')), out.binding), DecodeError, 'kid context in response', out.binding);
  });
});

describe('ContextUnavailable (4.01 "Security context not found")', () => {
  it('unknown kid, or a kid context no context has', () => {
    const { client, server, serverStore, request, lookup } = setup();
    const good = protectRequest(client, request).message;
    expectUnchanged(server, serverStore, () => unprotectRequest(withOscoreValue(good, fromHex('090042')), lookup), ContextUnavailable, 'kid 42');
    expectUnchanged(server, serverStore, () => unprotectRequest(withOscoreValue(good, fromHex('19000101')), lookup), ContextUnavailable, 'kid context 01');
    assert.deepEqual(oscoreErrorResponse(new ContextUnavailable('x')), { code: Code.UNAUTHORIZED, diagnostic: 'Security context not found', maxAge: 0 });
  });
  it('an exhausted or unreservable sender sequence refuses to protect and stays where it was', () => {
    const exhausted = new MemoryContextStore({ nextSeq: MAX_SEQUENCE_NUMBER + 1 });
    const ctx = new SecurityContext(CLIENT, { store: exhausted });
    const req = createMessage({ code: Code.GET });
    expectUnchanged(ctx, exhausted, () => protectRequest(ctx, req), ContextUnavailable, 'sequence exhausted');
    const failing: ContextStore = { load: () => ({ nextSeq: 5, window: 'fresh' }), reserve: () => { throw new Error('flash write failed'); }, close: () => {} };
    const c2 = new SecurityContext(CLIENT, { store: failing });
    assert.throws(() => protectRequest(c2, req), ContextUnavailable);
    assert.equal(c2.sequence.next, 5);
    const short: ContextStore = { load: () => ({ nextSeq: 5, window: 'fresh' }), reserve: () => 5, close: () => {} };
    const c3 = new SecurityContext(CLIENT, { store: short });
    assert.throws(() => protectRequest(c3, req), /below/);
    assert.equal(c3.sequence.next, 5);
  });
});

describe('ProtectionInvalid (4.00 "Decryption failed")', () => {
  it('a flipped bit anywhere in the ciphertext or tag, a truncated or extended ciphertext', () => {
    const { client, server, serverStore, request, lookup } = setup();
    const good = protectRequest(client, request).message;
    for (let i = 0; i < good.payload.length; i++) {
      for (const bit of [0x01, 0x80]) {
        const p = good.payload.slice();
        p[i] ^= bit;
        expectUnchanged(server, serverStore, () => unprotectRequest({ ...good, payload: p }, lookup), ProtectionInvalid, 'payload byte ' + i + ' bit ' + bit);
      }
    }
    const longer = new Uint8Array(good.payload.length + 1);
    longer.set(good.payload);
    expectUnchanged(server, serverStore, () => unprotectRequest({ ...good, payload: good.payload.subarray(0, good.payload.length - 1) }, lookup), ProtectionInvalid, 'one byte short');
    expectUnchanged(server, serverStore, () => unprotectRequest({ ...good, payload: longer }, lookup), ProtectionInvalid, 'one byte more');
    assert.equal(unprotectRequest(good, lookup).binding.seq, 0, 'the untouched message still verifies');
  });
  it('a changed Partial IV (nonce and AAD) or a message for another context', () => {
    const { client, server, serverStore, request, lookup } = setup();
    const good = protectRequest(client, request).message;
    expectUnchanged(server, serverStore, () => unprotectRequest(withOscoreValue(good, fromHex('0907')), lookup), ProtectionInvalid, 'Partial IV 0 → 7');
    const other = new SecurityContext({ ...SERVER, masterSecret: fromHex('ff02030405060708090a0b0c0d0e0f10') }, { store: new MemoryContextStore() });
    const otherStore = other.store as MemoryContextStore;
    expectUnchanged(other, otherStore, () => unprotectRequest(good, contextLookup([other])), ProtectionInvalid, 'other master secret');
    assert.deepEqual(oscoreErrorResponse(new ProtectionInvalid('x')), { code: Code.BAD_REQUEST, diagnostic: 'Decryption failed', maxAge: 0 });
  });
  it('unprotected fields are not protected by design: outer code, message ID, token, Class U options', () => {
    const { client, server, request, lookup } = setup();
    const good = protectRequest(client, request).message;
    const r = unprotectRequest({ ...good, code: Code.PUT, messageId: 7, token: fromHex('01'), options: [{ number: Option.URI_HOST, value: utf8Encode('elsewhere') }, ...good.options] }, lookup);
    assert.equal(r.message.code, Code.GET, 'the inner code wins');
    assert.equal(r.message.messageId, 7);
    assert.equal(server.replayWindow.highestReceived, 0);
  });
  it('a tampered response, or a response bound to a different request, leaves the client as it was', () => {
    const { client, clientStore, server, request, lookup } = setup();
    const a = protectRequest(client, request);
    const b = protectRequest(client, request);
    const sa = unprotectRequest(a.message, lookup);
    const resp = protectResponse(createMessage({ code: Code.CONTENT, payload: utf8Encode('22.5 C') }), sa.binding);
    const bad = resp.payload.slice();
    bad[bad.length - 1] ^= 1;
    expectUnchanged(client, clientStore, () => unprotectResponse({ ...resp, payload: bad }, a.binding), ProtectionInvalid, 'tag bit', a.binding);
    expectUnchanged(client, clientStore, () => unprotectResponse(resp, b.binding), ProtectionInvalid, 'wrong request', b.binding);
    assert.equal(unprotectResponse(resp, a.binding).message.code, Code.CONTENT);
  });
});

describe('ReplayError (4.01 "Replay detected")', () => {
  it('the same request twice, and one older than the window', () => {
    const { client, server, serverStore, request, lookup } = setup();
    const first = protectRequest(client, request).message;
    unprotectRequest(first, lookup);
    expectUnchanged(server, serverStore, () => unprotectRequest(first, lookup), ReplayError, 'replayed');
    const bytes = encodeMessage(first);
    for (let i = 0; i < 40; i++) unprotectRequest(protectRequest(client, request).message, lookup);
    expectUnchanged(server, serverStore, () => unprotectRequest(decodeMessage(bytes), lookup), ReplayError, 'too old');
    assert.deepEqual(oscoreErrorResponse(new ReplayError('x')), { code: Code.UNAUTHORIZED, diagnostic: 'Replay detected', maxAge: 0 });
  });
  it('an old notification after a newer one', () => {
    const { client, clientStore, server, lookup } = setup();
    const reg = protectRequest(client, createMessage({ code: Code.GET, options: [{ number: Option.OBSERVE, value: new Uint8Array(0) }] }));
    const sb = unprotectRequest(reg.message, lookup).binding;
    const n = (v: number) => protectResponse(createMessage({ code: Code.CONTENT, options: [{ number: Option.OBSERVE, value: new Uint8Array([v]) }] }), sb);
    const n1 = n(2);
    const n2 = n(3);
    unprotectResponse(n2, reg.binding);
    expectUnchanged(client, clientStore, () => unprotectResponse(n1, reg.binding), ReplayError, 'older notification', reg.binding);
    expectUnchanged(client, clientStore, () => unprotectResponse(n2, reg.binding), ReplayError, 'same notification', reg.binding);
    const n3 = n(4);
    const forged = n3.payload.slice();
    forged[2] ^= 0x40;
    expectUnchanged(client, clientStore, () => unprotectResponse({ ...n3, payload: forged }, reg.binding), ProtectionInvalid, 'forged newer notification', reg.binding);
    assert.equal(unprotectResponse(n3, reg.binding).partialIv, 2);
  });
});

describe('ReplayErrorWithEcho (App. B.1.2)', () => {
  it('after an unclean stop, authenticated requests are challenged until a valid Echo; the window stays unknown', () => {
    const store = new MemoryContextStore({ window: 'unknown', nextSeq: 100 });
    const server = new SecurityContext(SERVER, { store });
    const client = new SecurityContext(CLIENT);
    const lookup = contextLookup([server]);
    const issued = fromHex('0a0b0c0d');
    const echo: EchoVerifier = { issue: () => issued, verify: (_c, v) => toHex(v) === toHex(issued) };
    const req = createMessage({ code: Code.GET, options: [{ number: Option.URI_PATH, value: utf8Encode('x') }] });
    let err: unknown;
    const before = state(server, store);
    try {
      unprotectRequest(protectRequest(client, req).message, lookup, { echo });
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof ReplayErrorWithEcho);
    assert.equal(toHex(err.echo), '0a0b0c0d');
    assert.equal(state(server, store), before);
    assert.equal(oscoreErrorResponse(err), undefined, 'answered with a protected 4.01, not a plain error');
    const wrongEcho = createMessage({ code: Code.GET, options: [{ number: Option.ECHO, value: fromHex('ffff') }] });
    expectUnchanged(server, store, () => unprotectRequest(protectRequest(client, wrongEcho).message, lookup, { echo }), ReplayErrorWithEcho, 'wrong Echo');
    expectUnchanged(server, store, () => unprotectRequest(protectRequest(client, req).message, lookup), ReplayError, 'no verifier configured');
    const tampered = protectRequest(client, createMessage({ code: Code.GET, options: [{ number: Option.ECHO, value: issued }] })).message;
    const p = tampered.payload.slice();
    p[0] ^= 1;
    expectUnchanged(server, store, () => unprotectRequest({ ...tampered, payload: p }, lookup, { echo }), ProtectionInvalid, 'forged request with the right Echo');
    const good = unprotectRequest(tampered, lookup, { echo });
    assert.equal(server.replayWindow.isUnknown, false);
    assert.equal(server.replayWindow.highestReceived, good.binding.seq);
  });
});

describe('LoadError (bad context configuration)', () => {
  const load = (p: Record<string, unknown>) => () => new SecurityContext({ ...CLIENT, ...p } as SecurityContextParams);
  it('names the field', () => {
    assert.throws(load({ senderId: new Uint8Array(8) }), (e: unknown) => e instanceof LoadError && /senderId/.test(e.message) && /at most 7/.test(e.message));
    assert.throws(load({ recipientId: new Uint8Array(2), algorithm: 12 }), (e: unknown) => e instanceof LoadError && /recipientId/.test(e.message) && /at most 1/.test(e.message));
    assert.throws(load({ algorithm: 99 }), (e: unknown) => e instanceof LoadError && /algorithm/.test(e.message));
    assert.throws(load({ hkdf: 'SHA-512' }), (e: unknown) => e instanceof LoadError && /hkdf/.test(e.message));
    assert.throws(load({ masterSecret: new Uint8Array(0) }), (e: unknown) => e instanceof LoadError && /masterSecret/.test(e.message));
    assert.throws(load({ masterSecret: 'secret' }), (e: unknown) => e instanceof LoadError && /masterSecret/.test(e.message));
    assert.throws(load({ recipientId: fromHex('') }), (e: unknown) => e instanceof LoadError && /differ/.test(e.message));
    assert.throws(load({ replayWindowSize: 0 }), (e: unknown) => e instanceof LoadError && /replayWindowSize/.test(e.message));
    assert.throws(load({ idContext: [1, 2] }), (e: unknown) => e instanceof LoadError && /idContext/.test(e.message));
  });
  it('a corrupt stored state is a LoadError too', () => {
    const bad = (window: unknown, nextSeq = 0) => () => new SecurityContext(CLIENT, { store: { load: () => ({ nextSeq, window: window as 'fresh' }), reserve: (n) => n, close: () => {} } });
    assert.throws(bad({ size: 32, highest: 5, mask: new Uint8Array(3) }), LoadError);
    assert.throws(bad({ size: 32, highest: -2, mask: new Uint8Array(4) }), LoadError);
    assert.throws(bad('fresh', -1), LoadError);
    assert.throws(() => new ReplayWindow(32, { size: 0, highest: 0, mask: new Uint8Array(0) }), LoadError);
  });
});
