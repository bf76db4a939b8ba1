/**
 * EDHOC handshakes between our Initiator and Responder: every method × cipher suite 0–3 (both
 * roles, on both engines), credentials by kid and by value, EAD pass-through with the critical
 * rule, suite negotiation, and the attacks the protocol must refuse (tampered, replayed, wrong key,
 * unknown credential, C_R = C_I), each as an EDHOC error with the session unchanged.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fromHex, toHex } from '../src/bytes.js';
import { CborReader } from '../src/cbor/decode.js';
import { CborDecodeError } from '../src/errors.js';
import { readIdCredFromPlaintext } from '../src/edhoc/id-cred.js';
import { EdhocError, EdhocInitiator, EdhocPeerError, EdhocResponder, ERR_UNKNOWN_CREDENTIAL, type EadItem, type EdhocMethod } from '../src/edhoc/index.js';
import { Prng } from '../src/sim/prng.js';
import { crypto, makeOwnCredential, makeParties, trustOnly } from './edhoc-support.js';

function handshake(initiator: EdhocInitiator, responder: EdhocResponder) {
  const m1 = initiator.message1();
  const m2 = responder.handleMessage1(m1);
  const m3 = initiator.handleMessage2(m2);
  const r = responder.handleMessage3(m3);
  return { m1, m2, m3, i: initiator.result(), r };
}

function edhocError(fn: () => unknown, code = 1): EdhocError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof EdhocError, 'expected EdhocError, got ' + String(e));
    assert.equal(e.code, code);
    return e;
  }
  assert.fail('no error');
}

describe('EDHOC handshakes: methods 0–3 × suites 0–3', () => {
  for (const method of [0, 1, 2, 3] as EdhocMethod[]) {
    for (const suite of [0, 1, 2, 3]) {
      it('method ' + method + ', suite ' + suite + ': same OSCORE context, IDs crossed, message_4, exporter', () => {
        const { initiator, responder, ownI, ownR } = makeParties(method, suite, 10 * method + suite + 1);
        const { i, r } = handshake(initiator, responder);
        const oi = i.oscore();
        const or = r.oscore();
        assert.equal(oi.masterSecret.length, 16);
        assert.equal(oi.masterSalt.length, 8);
        assert.deepEqual(oi.masterSecret, or.masterSecret);
        assert.deepEqual(oi.masterSalt, or.masterSalt);
        assert.equal(toHex(oi.senderId), '010203');
        assert.equal(toHex(oi.recipientId), '05');
        assert.deepEqual(or.senderId, oi.recipientId);
        assert.deepEqual(or.recipientId, oi.senderId);
        assert.deepEqual(i.peer.credBytes, ownR.credBytes);
        assert.deepEqual(r.peer.credBytes, ownI.credBytes);
        assert.equal(i.suite, suite);
        assert.deepEqual(initiator.handleMessage4(responder.message4()), []);
        assert.deepEqual(i.exporter(42, Uint8Array.of(1), 20), r.exporter(42, Uint8Array.of(1), 20));
        i.keyUpdate(Uint8Array.of(9));
        assert.notDeepEqual(i.oscore().masterSecret, or.masterSecret);
        r.keyUpdate(Uint8Array.of(9));
        assert.deepEqual(i.oscore().masterSecret, r.oscore().masterSecret);
      });
    }
  }
  it('two handshakes with the same credentials give different keys (fresh ephemerals)', () => {
    const a = makeParties(3, 2, 50);
    const b = makeParties(3, 2, 50, { random: new Prng(77) });
    assert.notDeepEqual(handshake(a.initiator, a.responder).i.oscore().masterSecret, handshake(b.initiator, b.responder).i.oscore().masterSecret);
  });
  it('credentials by value (kccs) in both directions', () => {
    const ownI = makeOwnCredential(0, 2, 'I', 3, 'value');
    const ownR = makeOwnCredential(0, 2, 'R', 4, 'value');
    const initiator = new EdhocInitiator({ method: 0, suites: [2], crypto, random: new Prng(1), own: ownI, connectionId: 1, trust: trustOnly(ownR) });
    const responder = new EdhocResponder({ method: 0, suites: [2], crypto, random: new Prng(2), own: ownR, connectionId: 2, trust: trustOnly(ownI) });
    const { i, r } = handshake(initiator, responder);
    assert.ok('kccs' in i.peer.idCred);
    assert.deepEqual(i.oscore().masterSecret, r.oscore().masterSecret);
  });
});

describe('EDHOC refusals leave the session unchanged', () => {
  it('a tampered message_2 (each byte) is refused; the genuine one still works', () => {
    const { initiator, responder } = makeParties(3, 2, 5);
    const m2 = responder.handleMessage1(initiator.message1());
    for (let k = 0; k < m2.length; k += 7) {
      const bad = m2.slice();
      bad[k] ^= 0x04;
      assert.throws(() => initiator.handleMessage2(bad), (e: unknown) => e instanceof EdhocError || e instanceof EdhocPeerError, 'byte ' + k);
      assert.equal(initiator.state, 'wait-message-2');
    }
    responder.handleMessage3(initiator.handleMessage2(m2));
  });
  it('a tampered or truncated message_3 is refused; the genuine one still works', () => {
    const { initiator, responder } = makeParties(0, 0, 6);
    const m3 = initiator.handleMessage2(responder.handleMessage1(initiator.message1()));
    for (let k = 0; k < m3.length; k += 5) {
      const bad = m3.slice();
      bad[k] ^= 0x80;
      edhocError(() => responder.handleMessage3(bad));
      assert.equal(responder.state, 'wait-message-3');
    }
    edhocError(() => responder.handleMessage3(m3.subarray(0, m3.length - 1)));
    assert.equal(responder.handleMessage3(m3).suite, 0);
  });
  it('replays: a second message_1 or message_3 is refused', () => {
    const { initiator, responder } = makeParties(1, 3, 7);
    const m1 = initiator.message1();
    const m3 = initiator.handleMessage2(responder.handleMessage1(m1));
    edhocError(() => responder.handleMessage1(m1));
    responder.handleMessage3(m3);
    edhocError(() => responder.handleMessage3(m3));
    edhocError(() => initiator.message1());
  });
  it('a Responder key other than the trusted one (same kid) fails MAC_2 / the signature', () => {
    for (const method of [0, 3] as EdhocMethod[]) {
      const { initiator, ownR } = makeParties(method, 2, 8);
      const impostor = makeOwnCredential(method, 2, 'R', 99);
      const responder = new EdhocResponder({ method, suites: [2], crypto, random: new Prng(3), own: { ...impostor, idCred: ownR.idCred }, connectionId: 9, trust: () => undefined });
      const m2 = responder.handleMessage1(initiator.message1());
      edhocError(() => initiator.handleMessage2(m2));
    }
  });
  it('an unknown Responder credential gives error 3 (ERR_INFO true)', () => {
    const { initiator, responder } = makeParties(2, 2, 9, { trust: () => undefined });
    const m2 = responder.handleMessage1(initiator.message1());
    const e = edhocError(() => initiator.handleMessage2(m2), ERR_UNKNOWN_CREDENTIAL);
    assert.equal(toHex(e.bytes), '03f5');
  });
  it('C_R equal to C_I is refused on both sides (§3.3.3)', () => {
    const { initiator } = makeParties(3, 2, 11);
    const own = makeOwnCredential(3, 2, 'R', 12);
    const same = new EdhocResponder({ method: 3, suites: [2], crypto, random: new Prng(1), own, connectionId: 5, trust: () => undefined });
    edhocError(() => same.handleMessage1(initiator.message1()));
    assert.equal(same.state, 'start');
  });
  it('another METHOD than configured is refused with error 1', () => {
    const a = makeParties(0, 2, 13);
    const b = makeParties(3, 2, 13);
    edhocError(() => b.responder.handleMessage1(a.initiator.message1()));
  });
  it('error messages from the peer surface as EdhocPeerError with code and info', () => {
    const { initiator } = makeParties(3, 2, 14);
    initiator.message1();
    assert.throws(() => initiator.handleMessage2(Uint8Array.of(0x01, 0x62, 0x68, 0x69)), (e: unknown) => e instanceof EdhocPeerError && e.code === 1 && e.info === 'hi');
  });
});

describe('EDHOC suite negotiation (§5.2.2, §6.3)', () => {
  it('Initiator [3, 2] → Responder [2]: error 2, then SUITES_I [3, 2] is accepted with suite 2', () => {
    const ownI = makeOwnCredential(3, 2, 'I', 20);
    const ownR = makeOwnCredential(3, 2, 'R', 21);
    const initiator = new EdhocInitiator({ method: 3, suites: [3, 2], crypto, random: new Prng(1), own: ownI, connectionId: 1, trust: trustOnly(ownR) });
    const responder = new EdhocResponder({ method: 3, suites: [2], crypto, random: new Prng(2), own: ownR, connectionId: 2, trust: trustOnly(ownI) });
    const err = edhocError(() => responder.handleMessage1(initiator.message1()), 2);
    assert.equal(toHex(err.bytes), '0202');
    assert.throws(() => initiator.handleMessage2(err.bytes), EdhocPeerError);
    const m1 = initiator.message1();
    assert.equal(toHex(m1.subarray(0, 4)), '03820302');
    const { i } = handshake2(initiator, responder, m1);
    assert.equal(i.suite, 2);
  });
  it('a Responder supporting a suite the Initiator prefers refuses a less preferred selection', () => {
    const ownI = makeOwnCredential(3, 2, 'I', 22);
    const ownR = makeOwnCredential(3, 2, 'R', 23);
    const responder = new EdhocResponder({ method: 3, suites: [3, 2], crypto, random: new Prng(2), own: ownR, connectionId: 2, trust: trustOnly(ownI) });
    const initiator = new EdhocInitiator({ method: 3, suites: [3, 2], crypto, random: new Prng(1), own: ownI, connectionId: 1, trust: trustOnly(ownR) });
    const m1 = initiator.message1(); // selects 3: accepted
    assert.equal(m1[1], 3);
    responder.handleMessage1(m1);
    // SUITES_I = [3, 2] (2 selected) while 3 is supported: error 2 with SUITES_R = [3, 2].
    const other = new EdhocResponder({ method: 3, suites: [3, 2], crypto, random: new Prng(2), own: ownR, connectionId: 2, trust: trustOnly(ownI) });
    const e = edhocError(() => other.handleMessage1(Uint8Array.from([0x03, 0x82, 0x03, 0x02, ...m1.subarray(2)])), 2);
    assert.equal(toHex(e.bytes), '02820302');
  });
});

function handshake2(initiator: EdhocInitiator, responder: EdhocResponder, m1: Uint8Array) {
  const r = responder.handleMessage3(initiator.handleMessage2(responder.handleMessage1(m1)));
  return { i: initiator.result(), r };
}

describe('EAD (§3.8)', () => {
  it('items pass through in both directions, padding is dropped', () => {
    const seen: [number, EadItem[]][] = [];
    // One callback for both sides: the Initiator is called for 0, 2, 4 and the Responder for 1, 3.
    const ead = (n: 0 | 1 | 2 | 3 | 4, items: EadItem[]) => {
      seen.push([n, items]);
      return n === 4 ? [] : [{ label: 0 }, { label: 10 + n, value: Uint8Array.of(n) }];
    };
    const { initiator, responder } = makeParties(3, 0, 30, { ead });
    const { i, r } = handshake(initiator, responder);
    initiator.handleMessage4(responder.message4());
    assert.deepEqual(seen.map(([n, items]) => [n, items.map((x) => x.label)]), [[0, []], [1, [10]], [2, [11]], [3, [12]], [4, [13]]]);
    assert.deepEqual(i.ead, [{ label: 11, value: Uint8Array.of(1) }]);
    assert.deepEqual(r.ead, [{ label: 12, value: Uint8Array.of(2) }]);
  });
  it('an unknown critical item aborts; a known one (eadLabels) passes', () => {
    const critical = () => [{ label: -7, value: Uint8Array.of(1) }];
    const a = makeParties(3, 2, 31, { ead: (n) => (n === 0 ? critical() : undefined) });
    edhocError(() => a.responder.handleMessage1(a.initiator.message1()));
    assert.equal(a.responder.state, 'start');
    const b = makeParties(3, 2, 32, { ead: (n) => (n === 0 ? critical() : undefined), eadLabels: [7] });
    b.responder.handleMessage1(b.initiator.message1());
    assert.equal(b.responder.state, 'wait-message-3');
  });
  it('an application that throws in its EAD callback aborts with error 1', () => {
    const a = makeParties(3, 2, 33, { ead: (n) => { if (n === 1) throw new Error('no'); } });
    edhocError(() => a.responder.handleMessage1(a.initiator.message1()));
  });
});

describe('EDHOC error messages and credential references', () => {
  it('an error message in place of message_3 ends the Responder with EdhocPeerError', () => {
    const { initiator, responder } = makeParties(3, 2, 40);
    responder.handleMessage1(initiator.message1());
    assert.throws(() => responder.handleMessage3(Uint8Array.of(0x01, 0x61, 0x78)), (e: unknown) => e instanceof EdhocPeerError && e.code === 1 && e.info === 'x');
  });
  it('ID_CRED with x5chain as one certificate or as a chain (RFC 9360): the end-entity certificate', () => {
    const cert = Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x07);
    const root = Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x09);
    for (const hex of ['a1182145' + toHex(cert), 'a118218245' + toHex(cert) + '45' + toHex(root)]) {
      const r = new CborReader(fromHex(hex));
      const { idCred, encoded } = readIdCredFromPlaintext(r, 'ID_CRED');
      assert.deepEqual(idCred, { x5chain: cert });
      assert.equal(toHex(encoded), hex, 'the received map enters the MAC as received');
    }
    assert.throws(() => readIdCredFromPlaintext(new CborReader(fromHex('a1182180')), 'ID_CRED'), CborDecodeError);
  });
});
