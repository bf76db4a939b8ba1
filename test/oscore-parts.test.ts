/**
 * The OSCORE building blocks alone: OSCORE option codec (§6.1, the §6.3 examples), Partial IV
 * encoding, option classes (§4.1: Observe, Proxy-Uri, Uri-Host, Max-Age, Block), the replay window
 * (§7.4), the sender sequence with its reservations (§7.5.1, App. B.1.1), the memory store, and an
 * Observe exchange end to end (§4.1.3.5, §7.4.1).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fromHex, toHex, utf8Encode, utf8Decode } from '../src/bytes.js';
import { createMessage, getOption, getUintOption, type CoapOption } from '../src/coap/message.js';
import { Option } from '../src/coap/option-registry.js';
import { Code } from '../src/coap/numbers.js';
import { ContextUnavailable, DecodeError, LoadError, ReplayError } from '../src/errors.js';
import { decodeOscoreOption, encodeOscoreOption, encodePartialIv, partialIvToNumber } from '../src/oscore/option.js';
import { splitOptions, mergeReceivedOptions, decomposeProxyUri, outerCode } from '../src/oscore/classes.js';
import { ReplayWindow } from '../src/oscore/replay.js';
import { SenderSequence, MAX_SEQUENCE_NUMBER } from '../src/oscore/sequence.js';
import { MemoryContextStore, VolatileContextStore } from '../src/oscore/store.js';
import { SecurityContext } from '../src/oscore/context.js';
import { protectRequest, protectResponse } from '../src/oscore/protect.js';
import { unprotectRequest, unprotectResponse, contextLookup } from '../src/oscore/unprotect.js';

const opt = (number: number, value: string | Uint8Array): CoapOption => ({ number, value: typeof value === 'string' ? utf8Encode(value) : value });
const names = (list: CoapOption[]) => list.map((o) => o.number + '=' + toHex(o.value));

describe('OSCORE option (§6.1)', () => {
  it('encodes the §6.3 examples', () => {
    assert.equal(toHex(encodeOscoreOption({ partialIv: fromHex('05'), kid: fromHex('25') })), '090525');
    assert.equal(toHex(encodeOscoreOption({ partialIv: fromHex('00'), kid: fromHex('') })), '0900');
    assert.equal(toHex(encodeOscoreOption({ partialIv: fromHex('05'), kid: fromHex(''), kidContext: fromHex('44616c656b') })), '1905' + '05' + '44616c656b');
    assert.equal(toHex(encodeOscoreOption({})), '', 'a response without Partial IV: empty value');
    assert.equal(toHex(encodeOscoreOption({ partialIv: fromHex('07') })), '0107');
  });
  it('decodes what it encodes, kid last and possibly empty', () => {
    const d = decodeOscoreOption(fromHex('19140837cbf3210017a2d3'));
    assert.equal(toHex(d.partialIv!), '14');
    assert.equal(toHex(d.kidContext!), '37cbf3210017a2d3');
    assert.equal(toHex(d.kid!), '');
    const e = decodeOscoreOption(fromHex('0b0102030a0b'));
    assert.equal(toHex(e.partialIv!), '010203');
    assert.equal(toHex(e.kid!), '0a0b');
    const none = decodeOscoreOption(new Uint8Array(0));
    assert.ok(none.partialIv === undefined && none.kid === undefined && none.kidContext === undefined);
  });
  it('decoded fields are copies: the datagram buffer can be reused without changing a binding', () => {
    const value = fromHex('19140837cbf3210017a2d3' + '');
    const withKid = fromHex('0b0102030a0b');
    const d = decodeOscoreOption(value);
    const e = decodeOscoreOption(withKid);
    value.fill(0xee);
    withKid.fill(0xee);
    assert.equal(toHex(d.partialIv!), '14');
    assert.equal(toHex(d.kidContext!), '37cbf3210017a2d3');
    assert.equal(toHex(e.partialIv!), '010203');
    assert.equal(toHex(e.kid!), '0a0b');
  });
  it('rejects reserved bits, n = 6/7, truncation, trailing bytes and an explicit all-zero flag byte', () => {
    for (const bad of ['29', '49', '89', '06000000000000', '07', '0b0102', '10', '1805aa', '0100ff', '00']) assert.throws(() => decodeOscoreOption(fromHex(bad)), DecodeError, bad);
  });
  it('Partial IV: shortest big-endian, 0 → 0x00, up to 2^40 − 1', () => {
    assert.equal(toHex(encodePartialIv(0)), '00');
    assert.equal(toHex(encodePartialIv(255)), 'ff');
    assert.equal(toHex(encodePartialIv(256)), '0100');
    assert.equal(toHex(encodePartialIv(2 ** 32)), '0100000000');
    assert.equal(toHex(encodePartialIv(MAX_SEQUENCE_NUMBER)), 'ffffffffff');
    assert.throws(() => encodePartialIv(2 ** 40), RangeError);
    assert.equal(partialIvToNumber(fromHex('ffffffffff')), MAX_SEQUENCE_NUMBER);
  });
});

describe('option classes (§4.1)', () => {
  it('requests: E options inner, U options outer, Observe both with the same value, Block/Max-Age inner', () => {
    const s = splitOptions([opt(1, fromHex('aa')), opt(3, 'example.com'), opt(6, fromHex('')), opt(7, fromHex('1633')), opt(11, 'a'), opt(14, fromHex('3c')), opt(16, fromHex('05')), opt(23, fromHex('06')), opt(252, fromHex('0102')), opt(2048, fromHex('99'))], true);
    assert.deepEqual(names(s.inner), ['1=aa', '6=', '11=61', '14=3c', '23=06', '252=0102', '2048=99']);
    assert.deepEqual(names(s.outer), ['3=' + toHex(utf8Encode('example.com')), '6=', '7=1633', '16=05']);
    assert.equal(s.outerObserve, true);
    assert.equal(outerCode(true, true), Code.FETCH);
    assert.equal(outerCode(true, false), Code.POST);
  });
  it('notifications: Inner Observe empty, Outer Observe keeps the value; outer code 2.05, else 2.04', () => {
    const s = splitOptions([opt(6, fromHex('07')), opt(12, fromHex(''))], false);
    assert.deepEqual(names(s.inner), ['6=', '12=']);
    assert.deepEqual(names(s.outer), ['6=07']);
    assert.equal(outerCode(false, true), Code.CONTENT);
    assert.equal(outerCode(false, false), Code.CHANGED);
  });
  it('Proxy-Uri is decomposed: Uri-Path/Uri-Query inner, scheme://host[:port] outer (the §4.1.3.3 example)', () => {
    const d = decomposeProxyUri('coap://example.com/resource?q=1');
    assert.equal(d.outerProxyUri, 'coap://example.com');
    assert.deepEqual(d.inner.map((o) => o.number + '=' + utf8Decode(o.value)), ['11=resource', '15=q=1']);
    assert.equal(decomposeProxyUri('coap://example.com:5683/').outerProxyUri, 'coap://example.com', 'default port dropped');
    assert.equal(decomposeProxyUri('coaps://[2001:db8::1]:61616/a%2Fb/c?x&y=%C3%A9').outerProxyUri, 'coaps://[2001:db8::1]:61616');
    assert.deepEqual(decomposeProxyUri('coap://h/a%2Fb/c?x&y=%C3%A9').inner.map((o) => o.number + '=' + utf8Decode(o.value)), ['11=a/b', '11=c', '15=x', '15=y=é']);
    assert.throws(() => decomposeProxyUri('/relative'), RangeError);
    assert.throws(() => decomposeProxyUri('coap://h/#frag'), RangeError);
    const s = splitOptions([opt(35, 'coap://example.com/resource?q=1')], true);
    assert.deepEqual(names(s.inner), ['11=' + toHex(utf8Encode('resource')), '15=' + toHex(utf8Encode('q=1'))]);
    assert.deepEqual(names(s.outer), ['35=' + toHex(utf8Encode('coap://example.com'))]);
  });
  it('an OSCORE option in the original message is refused (no nested OSCORE)', () => {
    assert.throws(() => splitOptions([opt(9, fromHex(''))], true), RangeError);
  });
  it('receiving: Outer options that may be Class E are discarded, Class U kept, Inner added', () => {
    const merged = mergeReceivedOptions([opt(1, fromHex('bb')), opt(3, 'h'), opt(6, fromHex('02')), opt(9, fromHex('09')), opt(14, fromHex('00')), opt(60, fromHex('10'))], [opt(6, fromHex('')), opt(11, 'x')]);
    assert.deepEqual(names(merged), ['3=68', '6=', '11=78']);
  });
});

describe('replay window (§7.4)', () => {
  it('accepts new numbers in any order inside the window, rejects repeats and the too old', () => {
    const w = new ReplayWindow(32);
    for (const s of [5, 3, 4, 40, 9, 39]) w.accept(s);
    for (const s of [5, 40, 39, 9]) assert.throws(() => w.check(s), ReplayError, 'repeat ' + s);
    assert.throws(() => w.check(8), /older than the replay window/);
    w.check(10);
    w.check(41);
    assert.equal(w.highestReceived, 40);
  });
  it('check() never changes the window', () => {
    const w = new ReplayWindow(8);
    w.accept(2);
    const before = w.snapshot();
    w.check(3);
    w.check(100);
    assert.deepEqual(w.snapshot(), before);
  });
  it('works for sizes that are not multiples of 8, and size 1', () => {
    const w = new ReplayWindow(11);
    w.accept(100);
    w.accept(90);
    assert.throws(() => w.check(89), ReplayError);
    w.accept(101);
    assert.throws(() => w.check(90), ReplayError, '90 is still remembered');
    w.accept(112);
    assert.throws(() => w.check(101), ReplayError, 'too old now');
    w.check(103);
    const one = new ReplayWindow(1);
    one.accept(7);
    assert.throws(() => one.check(6), ReplayError);
    one.accept(9);
  });
  it('snapshot → restore round-trips; a snapshot of another size converts conservatively', () => {
    const w = new ReplayWindow(16);
    for (const s of [0, 2, 3, 17]) w.accept(s);
    const snap = w.snapshot();
    assert.ok(snap !== 'unknown');
    assert.equal(toHex(snap.mask), '01c0', 'bits 0 (17), 14 (3), 15 (2); 0 fell out');
    const r = new ReplayWindow(16, snap);
    for (const s of [17, 3, 2]) assert.throws(() => r.check(s), ReplayError);
    r.check(4);
    const bigger = new ReplayWindow(32, snap);
    assert.throws(() => bigger.check(1), ReplayError, 'outside the stored window: counted as received');
    bigger.check(16);
  });
  it("'unknown' rejects everything until re-initialised from a fresh request", () => {
    const w = new ReplayWindow(32, 'unknown');
    assert.equal(w.isUnknown, true);
    assert.throws(() => w.check(1000), ReplayError);
    assert.equal(w.snapshot(), 'unknown');
    w.initialiseFromFreshRequest(1000);
    assert.throws(() => w.check(1000), ReplayError);
    assert.throws(() => w.check(999), ReplayError);
    w.accept(1001);
  });
});

describe('sender sequence (§7.5.1, App. B.1.1)', () => {
  it('reserves through the store before crossing the durable limit', () => {
    const store = new MemoryContextStore({ reserveStep: 4 });
    const seq = new SenderSequence(store, store.load().nextSeq);
    const taken = [seq.take(), seq.take(), seq.take(), seq.take(), seq.take()];
    assert.deepEqual(taken, [0, 1, 2, 3, 4]);
    assert.equal(store.reserveCalls, 2, 'reserve(1) → 4, reserve(5) → 8');
    assert.equal(store.limit, 8);
  });
  it('after an unclean stop resumes at the reservation limit (never reuses a number)', () => {
    const store = new MemoryContextStore({ reserveStep: 10 });
    const a = new SenderSequence(store, store.load().nextSeq);
    for (let i = 0; i < 3; i++) a.take();
    store.crash();
    const loaded = store.load();
    assert.equal(loaded.nextSeq, 10);
    assert.equal(loaded.window, 'unknown');
  });
  it('a context given no store keeps its state in a VolatileContextStore: exact reservations, one live copy, the state back after close', () => {
    const params = { masterSecret: fromHex('00112233'), senderId: fromHex('01'), recipientId: fromHex('02') };
    const ctx = new SecurityContext(params);
    assert.ok(ctx.store instanceof VolatileContextStore);
    assert.equal(ctx.store.reserve(7), 7);
    assert.throws(() => ctx.store.load(), LoadError, 'a second live copy would reuse nonces');
    for (let i = 0; i < 3; i++) ctx.sequence.take();
    ctx.close();
    const again = new SecurityContext(params, { store: ctx.store });
    assert.equal(again.sequence.next, 3);
  });
  it('exhausts at 2^40 − 1 without wrapping', () => {
    const seq = new SenderSequence(new MemoryContextStore(), MAX_SEQUENCE_NUMBER);
    assert.equal(seq.take(), MAX_SEQUENCE_NUMBER);
    assert.ok(seq.next > MAX_SEQUENCE_NUMBER);
    assert.throws(() => seq.take(), ContextUnavailable);
    assert.equal(seq.next, MAX_SEQUENCE_NUMBER + 1);
  });
  it('clean close hands the exact state to the store', () => {
    const store = new MemoryContextStore({ reserveStep: 50 });
    const params = { masterSecret: fromHex('00112233'), senderId: fromHex('01'), recipientId: fromHex('02') };
    const ctx = new SecurityContext(params, { store });
    ctx.sequence.take();
    ctx.sequence.take();
    ctx.replayWindow.accept(7);
    ctx.close();
    assert.equal(store.closed, true);
    const again = new SecurityContext(params, { store });
    assert.equal(again.sequence.next, 2);
    assert.throws(() => again.replayWindow.check(7), ReplayError);
    again.replayWindow.check(8);
  });
});

describe('Observe over OSCORE (§4.1.3.5, §7.4.1)', () => {
  const params = { masterSecret: fromHex('0102030405060708090a0b0c0d0e0f10'), senderId: fromHex('0a'), recipientId: fromHex('0b') };
  const setup = () => {
    const client = new SecurityContext(params);
    const server = new SecurityContext({ ...params, senderId: params.recipientId, recipientId: params.senderId });
    const reg = createMessage({ code: Code.GET, token: fromHex('01'), options: [opt(Option.OBSERVE, fromHex('')), opt(Option.URI_PATH, 'temp')] });
    const out = protectRequest(client, reg);
    assert.equal(out.message.code, Code.FETCH);
    assert.equal(toHex(getOption(out.message, Option.OBSERVE)!), '', 'outer Observe 0');
    const srv = unprotectRequest(out.message, contextLookup([server]));
    assert.equal(srv.binding.observe, true);
    return { client, server, clientBinding: out.binding, serverBinding: srv.binding };
  };
  const notification = (n: number, body: string) => createMessage({ code: Code.CONTENT, token: fromHex('01'), options: [opt(Option.OBSERVE, fromHex(n.toString(16).padStart(2, '0')))], payload: utf8Encode(body) });
  it('notifications carry their own Partial IV; the client keeps the highest and rejects older ones', () => {
    const { clientBinding, serverBinding } = setup();
    const n1 = protectResponse(notification(2, 'a'), serverBinding);
    const n2 = protectResponse(notification(3, 'b'), serverBinding);
    assert.equal(n1.code, Code.CONTENT);
    assert.equal(toHex(getOption(n1, Option.OBSERVE)!), '02', 'outer Observe keeps the value');
    const r2 = unprotectResponse(n2, clientBinding);
    assert.equal(utf8Decode(r2.message.payload), 'b');
    assert.equal(r2.partialIv, 1);
    assert.equal(getUintOption(r2.message, Option.OBSERVE), 1, 'Observe from the Partial IV');
    assert.throws(() => unprotectResponse(n1, clientBinding), ReplayError, 'older notification after a newer one');
    assert.equal(clientBinding.notificationNumber, 1);
  });
  it('every response to a registration, errors too, carries its own Partial IV by default', () => {
    const { clientBinding, serverBinding, server } = setup();
    const before = server.sequence.next;
    const err = protectResponse(createMessage({ code: Code.NOT_FOUND, token: fromHex('01') }), serverBinding);
    assert.equal(server.sequence.next, before + 1);
    assert.equal(err.code, Code.CHANGED, 'no Outer Observe: 2.04');
    const r = unprotectResponse(err, clientBinding);
    assert.equal(r.message.code, Code.NOT_FOUND);
    assert.equal(r.partialIv, before);
  });
  it('a response with Inner Observe to a request that did not register is refused', () => {
    const client = new SecurityContext(params);
    const server = new SecurityContext({ ...params, senderId: params.recipientId, recipientId: params.senderId });
    const out = protectRequest(client, createMessage({ code: Code.GET, options: [opt(Option.URI_PATH, 'x')] }));
    const srv = unprotectRequest(out.message, contextLookup([server]));
    const bad = protectResponse(notification(5, 'x'), srv.binding);
    assert.throws(() => unprotectResponse(bad, out.binding), /Inner Observe/);
  });
});

describe('every COSE AES-CCM algorithm', () => {
  for (const alg of [10, 11, 12, 13, 30, 31, 32, 33]) {
    it('algorithm ' + alg + ': request and response round-trip; IDs limited by the nonce', () => {
      const secret = fromHex('00112233445566778899aabbccddeeff');
      const client = new SecurityContext({ masterSecret: secret, senderId: fromHex('05'), recipientId: fromHex(''), algorithm: alg });
      const server = new SecurityContext({ masterSecret: secret, senderId: fromHex(''), recipientId: fromHex('05'), algorithm: alg });
      const out = protectRequest(client, createMessage({ code: Code.POST, options: [opt(Option.URI_PATH, 'a')], payload: utf8Encode('x'.repeat(40)) }));
      assert.equal(out.message.payload.length, 1 + 2 + 1 + 40 + client.algorithm.tagLength, 'code, Uri-Path a, marker, payload, tag');
      const srv = unprotectRequest(out.message, contextLookup([server]));
      assert.equal(utf8Decode(srv.message.payload), 'x'.repeat(40));
      const back = unprotectResponse(protectResponse(createMessage({ code: Code.CHANGED, payload: utf8Encode('ok') }), srv.binding), out.binding);
      assert.equal(utf8Decode(back.message.payload), 'ok');
      const maxId = client.algorithm.nonceLength - 6;
      new SecurityContext({ masterSecret: secret, senderId: new Uint8Array(maxId), recipientId: new Uint8Array(maxId).fill(1), algorithm: alg });
      assert.throws(() => new SecurityContext({ masterSecret: secret, senderId: new Uint8Array(maxId + 1), recipientId: fromHex(''), algorithm: alg }), /senderId/);
    });
  }
});

describe('context state across restarts (App. B.1)', () => {
  it('an unclean stop reopens with the reservation limit and an unknown window, which a clean close keeps', () => {
    const params = { masterSecret: fromHex('00112233'), senderId: fromHex('01'), recipientId: fromHex('02') };
    const store = new MemoryContextStore({ reserveStep: 16 });
    const ctx = new SecurityContext(params, { store });
    ctx.sequence.take();
    ctx.replayWindow.accept(3);
    store.crash();
    const after = new SecurityContext(params, { store });
    assert.equal(after.sequence.next, 16);
    assert.equal(after.replayWindow.isUnknown, true);
    after.close();
    const again = new SecurityContext(params, { store });
    assert.equal(again.replayWindow.isUnknown, true, 'still unknown: no request proved freshness');
    assert.equal(again.sequence.next, 16);
  });
});
