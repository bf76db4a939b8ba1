/**
 * RFC 9529 byte-exact, on Node and XS: trace 1 (method 0, suite 0, X.509 by x5t, Ed25519/X25519)
 * and trace 2 (method 3, suite 2, CCS by kid, P-256, with the suite negotiation round). First each
 * named step of src/edhoc against every intermediate value the trace lists, then the Initiator and
 * Responder classes end to end (with the trace's ephemeral keys) against message_1…message_4,
 * PRK_out, the exporter, the OSCORE parameters and the key update.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { toHex } from '../src/bytes.js';
import { nobleAsymmetricCrypto } from '../src/crypto/asymmetric-noble.js';
import { encodeCbor, encodeCborSequence } from '../src/cbor/encode.js';
import { EdhocInitiator, EdhocPeerError, EdhocResponder, ccsCredential, ownCredential, sameIdCred, x509Credential, encodeIdCred, type EdhocCredential, type EdhocSessionOptions } from '../src/edhoc/index.js';
import { HOST_CIPHER_SUITES } from '../src/edhoc/host-suites.js';
import { findSuite } from '../src/edhoc/suites.js';
import { th2, th3, th4 } from '../src/edhoc/transcript.js';
import { kdfInfo } from '../src/edhoc/kdf.js';
import { applyKeystream2, edhocExporter, iv3, iv4, k3, k4, keystream2, keyUpdate, prk2e, prk3e2m, prk4e3m, prkExporter, prkOut, salt3e2m, salt4e3m } from '../src/edhoc/key-schedule.js';
import { context2, context3, mac2, mac3, messageToBeSigned } from '../src/edhoc/authentication.js';
import { encodePlaintext2, encodePlaintext3, encodeMessage1 } from '../src/edhoc/messages.js';
import { encStructure } from '../src/edhoc/session.js';
import { Prng } from '../src/sim/prng.js';
import { traceHex, traceValue } from './edhoc-trace-fixture.js';

const crypto = nobleAsymmetricCrypto;
const EMPTY = new Uint8Array(0);

function trust(...known: EdhocCredential[]) {
  return (id: Parameters<EdhocSessionOptions['trust']>[0]) => known.find((c) => sameIdCred(c.idCred, id));
}

// ---- Trace 1 ----
const t1 = (section: string, label: string) => traceValue(1, section, label);
const h1 = (section: string, label: string) => traceHex(1, section, label);

function trace1Credentials() {
  const credR = x509Credential(t1('message_2', 'CRED_R (Raw Value)'), t1('message_2', "Responder's public authentication key"));
  const credI = x509Credential(t1('message_3', 'CRED_I (Raw Value)'), t1('message_3', "Initiator's public authentication key"));
  return { credR, credI };
}

describe('RFC 9529 trace 1 (method 0, suite 0, x5t): each step', () => {
  const suite = findSuite(0)!;
  const { credR, credI } = trace1Credentials();
  const skR = t1('message_2', "Responder's private authentication key");
  const skI = t1('message_3', "Initiator's private authentication key");
  const x = t1('message_1', "Initiator's ephemeral private key");
  const y = t1('message_2', "Responder's ephemeral private key");
  const gX = t1('message_1', "Initiator's ephemeral public key G_X (Raw");
  const gY = t1('message_2', "Responder's ephemeral public key G_Y (Raw");
  const cI = t1('message_1', 'Connection identifier chosen by Initiator C_I (Raw');
  const cR = t1('message_2', 'Connection identifier chosen by Responder C_R (Raw');

  it('keys, credentials and ID_CRED (x5t = SHA-256/64 of the DER) as listed', () => {
    assert.equal(toHex(crypto.keyAgreement('X25519').publicKeyOf(x)), toHex(gX));
    assert.equal(toHex(crypto.keyAgreement('X25519').publicKeyOf(y)), toHex(gY));
    assert.equal(toHex(crypto.signature(-8).publicKeyOf(skR)), toHex(credR.publicKey));
    assert.equal(toHex(crypto.signature(-8).publicKeyOf(skI)), toHex(credI.publicKey));
    assert.equal(toHex(credR.credBytes), h1('message_2', 'CRED_R (CBOR Data Item)'));
    assert.equal(toHex(encodeIdCred(credR.idCred)), h1('message_2', 'ID_CRED_R (CBOR Data Item)'));
    assert.equal(toHex(encodeIdCred(credI.idCred)), h1('message_3', 'ID_CRED_I (CBOR Data Item)'));
  });
  it('message_1', () => {
    const m1 = encodeMessage1({ method: 0, suites: [0], gX, cI, ead: [] });
    assert.equal(toHex(m1), h1('message_1', 'message_1'));
  });
  it('TH_2, G_XY, PRK_2e, PRK_3e2m, MAC_2, Signature_or_MAC_2, PLAINTEXT_2, KEYSTREAM_2, CIPHERTEXT_2, message_2', () => {
    const m1 = t1('message_1', 'message_1');
    const th = th2(gY, m1);
    assert.equal(toHex(th), h1('message_2', 'TH_2 (Raw'));
    const gXY = crypto.keyAgreement('X25519').sharedSecret(y, gX);
    assert.equal(toHex(gXY), h1('message_2', 'G_XY'));
    assert.equal(toHex(crypto.keyAgreement('X25519').sharedSecret(x, gY)), toHex(gXY));
    const prk = prk2e(th, gXY);
    assert.equal(toHex(prk), h1('message_2', 'PRK_2e'));
    const prk3 = prk3e2m(prk, th, undefined, suite);
    assert.equal(toHex(prk3), h1('message_2', 'PRK_3e2m'));
    const idCredR = encodeIdCred(credR.idCred);
    const ctx = context2(cR, idCredR, th, credR.credBytes, EMPTY);
    assert.equal(toHex(ctx), h1('message_2', 'context_2 (CBOR Sequence)'));
    assert.equal(toHex(kdfInfo(2, ctx, 32)), h1('message_2', 'info for MAC_2'));
    const mac = mac2(prk3, ctx, 32);
    assert.equal(toHex(mac), h1('message_2', 'MAC_2 (Raw'));
    const tbs = messageToBeSigned(idCredR, th, credR.credBytes, EMPTY, mac);
    assert.equal(toHex(tbs), h1('message_2', 'Message to be signed 2'));
    const sig = crypto.signature(-8).sign(skR, tbs, new Prng(1));
    assert.equal(toHex(sig), h1('message_2', 'Signature_or_MAC_2 (Raw'));
    const pt2 = encodePlaintext2(cR, credR.idCred, sig, []);
    assert.equal(toHex(pt2), h1('message_2', 'PLAINTEXT_2'));
    assert.equal(toHex(kdfInfo(0, th, pt2.length)), h1('message_2', 'info for KEYSTREAM_2'));
    assert.equal(toHex(keystream2(prk, th, pt2.length)), h1('message_2', 'KEYSTREAM_2'));
    const ct2 = applyKeystream2(prk, th, pt2);
    assert.equal(toHex(ct2), h1('message_2', 'CIPHERTEXT_2'));
    assert.equal(toHex(encodeCborSequence([new Uint8Array([...gY, ...ct2])])), h1('message_2', 'message_2'));
  });
  it('TH_3, PRK_4e3m, MAC_3, Signature_or_MAC_3, PLAINTEXT_3, A_3, K_3, IV_3, CIPHERTEXT_3, TH_4', () => {
    const th = t1('message_2', 'TH_2 (Raw');
    const pt2 = t1('message_2', 'PLAINTEXT_2');
    const th3v = th3(th, pt2, credR.credBytes);
    assert.equal(toHex(th3v), h1('message_3', 'TH_3 (Raw'));
    const prk3 = t1('message_2', 'PRK_3e2m');
    const prk4 = prk4e3m(prk3, th3v, undefined, suite);
    assert.equal(toHex(prk4), h1('message_3', 'PRK_4e3m'));
    const idCredI = encodeIdCred(credI.idCred);
    const ctx = context3(idCredI, th3v, credI.credBytes, EMPTY);
    assert.equal(toHex(ctx), h1('message_3', 'context_3 (CBOR Sequence)'));
    assert.equal(toHex(kdfInfo(6, ctx, 32)), h1('message_3', 'info for MAC_3'));
    const mac = mac3(prk4, ctx, 32);
    assert.equal(toHex(mac), h1('message_3', 'MAC_3 (Raw'));
    const tbs = messageToBeSigned(idCredI, th3v, credI.credBytes, EMPTY, mac);
    assert.equal(toHex(tbs), h1('message_3', 'Message to be signed 3'));
    const sig = crypto.signature(-8).sign(skI, tbs, new Prng(1));
    assert.equal(toHex(sig), h1('message_3', 'Signature_or_MAC_3 (Raw'));
    const pt3 = encodePlaintext3(credI.idCred, sig, []);
    assert.equal(toHex(pt3), h1('message_3', 'PLAINTEXT_3'));
    assert.equal(toHex(encStructure(th3v)), h1('message_3', 'A_3'));
    assert.equal(toHex(kdfInfo(3, th3v, 16)), h1('message_3', 'info for K_3'));
    const key = k3(prk3, th3v, suite);
    const iv = iv3(prk3, th3v, suite);
    assert.equal(toHex(key), h1('message_3', 'K_3 (Raw'));
    assert.equal(toHex(kdfInfo(4, th3v, 13)), h1('message_3', 'info for IV_3'));
    assert.equal(toHex(iv), h1('message_3', 'IV_3 (Raw'));
    const ct3 = suite.aead.prepare(key).seal(iv, encStructure(th3v), pt3);
    assert.equal(toHex(ct3), h1('message_3', 'CIPHERTEXT_3'));
    assert.equal(toHex(encodeCborSequence([ct3])), h1('message_3', 'message_3'));
    assert.equal(toHex(th4(th3v, pt3, credI.credBytes)), h1('message_3', 'TH_4 (Raw'));
  });
  it('message_4, PRK_out, PRK_exporter, OSCORE Master Secret/Salt, key update', () => {
    const prk4 = t1('message_3', 'PRK_4e3m');
    const th4v = t1('message_3', 'TH_4 (Raw');
    const key = k4(prk4, th4v, suite);
    const iv = iv4(prk4, th4v, suite);
    assert.equal(toHex(key), h1('message_4', 'K_4 (Raw'));
    assert.equal(toHex(iv), h1('message_4', 'IV_4 (Raw'));
    assert.equal(toHex(encStructure(th4v)), h1('message_4', 'A_4'));
    assert.equal(toHex(encodeCborSequence([suite.aead.prepare(key).seal(iv, encStructure(th4v), EMPTY)])), h1('message_4', 'message_4'));
    const out = prkOut(prk4, th4v, suite);
    assert.equal(toHex(out), h1('PRK_out and PRK_exporter', 'PRK_out (Raw'));
    const exp = prkExporter(out, suite);
    assert.equal(toHex(exp), h1('PRK_out and PRK_exporter', 'PRK_exporter (Raw'));
    assert.equal(toHex(edhocExporter(exp, 0, EMPTY, 16)), h1('OSCORE Parameters', 'OSCORE Master Secret (Raw'));
    assert.equal(toHex(edhocExporter(exp, 1, EMPTY, 8)), h1('OSCORE Parameters', 'OSCORE Master Salt (Raw'));
    const ctx = t1('Key Update', 'context for KeyUpdate (Raw');
    const out2 = keyUpdate(out, ctx, suite);
    assert.equal(toHex(out2), h1('Key Update', 'PRK_out after KeyUpdate'));
    assert.equal(toHex(prkExporter(out2, suite)), h1('Key Update', 'PRK_exporter after KeyUpdate'));
  });
});

/** Both roles with the trace's ephemeral keys; returns what each side derived. */
function runTrace1() {
  const { credR, credI } = trace1Credentials();
  const ephemeral = (priv: Uint8Array, pub: Uint8Array) => () => ({ privateKey: priv, publicKey: pub });
  const base = { method: 0 as const, suites: [0], crypto, random: new Prng(7) };
  const initiator = new EdhocInitiator({
    ...base,
    own: ownCredential(credI, t1('message_3', "Initiator's private authentication key")),
    connectionId: -14,
    trust: trust(credR),
    ephemeralKey: ephemeral(t1('message_1', "Initiator's ephemeral private key"), t1('message_1', "Initiator's ephemeral public key G_X (Raw")),
  });
  const responder = new EdhocResponder({
    ...base,
    own: ownCredential(credR, t1('message_2', "Responder's private authentication key")),
    connectionId: t1('message_2', 'Connection identifier chosen by Responder C_R (Raw'),
    trust: trust(credI),
    ephemeralKey: ephemeral(t1('message_2', "Responder's ephemeral private key"), t1('message_2', "Responder's ephemeral public key G_Y (Raw")),
  });
  return { initiator, responder };
}

describe('RFC 9529 trace 1: Initiator and Responder end to end', () => {
  it('message_1, message_2, message_3 and message_4 byte-exact; both derive the same OSCORE context as listed', () => {
    const { initiator, responder } = runTrace1();
    const m1 = initiator.message1();
    assert.equal(toHex(m1), h1('message_1', 'message_1'));
    const m2 = responder.handleMessage1(m1);
    assert.equal(toHex(m2), h1('message_2', 'message_2'));
    const m3 = initiator.handleMessage2(m2);
    assert.equal(toHex(m3), h1('message_3', 'message_3'));
    const r = responder.handleMessage3(m3);
    const m4 = responder.message4();
    assert.equal(toHex(m4), h1('message_4', 'message_4'));
    assert.deepEqual(initiator.handleMessage4(m4), []);
    const i = initiator.result();
    const iOscore = i.oscore();
    const rOscore = r.oscore();
    assert.equal(toHex(iOscore.masterSecret), h1('OSCORE Parameters', 'OSCORE Master Secret (Raw'));
    assert.equal(toHex(iOscore.masterSalt), h1('OSCORE Parameters', 'OSCORE Master Salt (Raw'));
    assert.equal(toHex(iOscore.senderId), h1('OSCORE Parameters', "Client's OSCORE Sender ID"));
    assert.equal(toHex(rOscore.senderId), h1('OSCORE Parameters', "Server's OSCORE Sender ID"));
    assert.deepEqual(rOscore.masterSecret, iOscore.masterSecret);
    assert.deepEqual(rOscore.recipientId, iOscore.senderId);
    assert.deepEqual(rOscore.senderId, iOscore.recipientId);
    assert.equal(iOscore.aeadAlgorithm, 10);
    assert.deepEqual(r.peer.credBytes, trace1Credentials().credI.credBytes);
  });
  it('key update on both sides gives the listed OSCORE Master Secret and Salt', () => {
    const { initiator, responder } = runTrace1();
    const r = responder.handleMessage3(initiator.handleMessage2(responder.handleMessage1(initiator.message1())));
    const i = initiator.result();
    const ctx = t1('Key Update', 'context for KeyUpdate (Raw');
    i.keyUpdate(ctx);
    r.keyUpdate(ctx);
    assert.equal(toHex(i.oscore().masterSecret), h1('Key Update', 'OSCORE Master Secret after KeyUpdate'));
    assert.equal(toHex(r.oscore().masterSalt), h1('Key Update', 'OSCORE Master Salt after KeyUpdate'));
  });
});

// ---- Trace 2 ----
const t2 = (section: string, label: string) => traceValue(2, section, label);
const h2 = (section: string, label: string) => traceHex(2, section, label);

function trace2Credentials() {
  const credR = ccsCredential(t2('message_2', 'CRED_R (CBOR Data Item)'), 'kid');
  const credI = ccsCredential(t2('message_3', 'CRED_I (CBOR Data Item)'), 'kid');
  return { credR, credI };
}

describe('RFC 9529 trace 2 (method 3, suite 2, kid): each step', () => {
  const suite = findSuite(2)!;
  const p256 = crypto.keyAgreement('P-256');
  const { credR, credI } = trace2Credentials();
  const skR = t2('message_2', "Responder's private authentication key");
  const skI = t2('message_3', "Initiator's private authentication key");
  const x = t2('message_1 (second time)', "Initiator's ephemeral private key");
  const y = t2('message_2', "Responder's ephemeral private key");
  const gX = t2('message_1 (second time)', "Initiator's ephemeral public key, 'x'-coordinate G_X (Raw");
  const gY = t2('message_2', "Responder's ephemeral public key, 'x'-coordinate G_Y (Raw");
  const cI = t2('message_1 (second time)', 'Connection identifier chosen by Initiator C_I (Raw');
  const cR = t2('message_2', 'Connection identifier chosen by Responder C_R (Raw');

  it('keys and credentials as listed (P-256 x-coordinates; CCS with kid)', () => {
    assert.equal(toHex(p256.publicKeyOf(x)), toHex(gX));
    assert.equal(toHex(p256.publicKeyOf(y)), toHex(gY));
    assert.equal(toHex(p256.publicKeyOf(skR)), h2('message_2', "Responder's public authentication key, 'x'"));
    assert.equal(toHex(p256.publicKeyOf(skI)), h2('message_3', "Initiator's public authentication key, 'x'"));
    assert.equal(toHex(encodeIdCred(credR.idCred)), h2('message_2', 'ID_CRED_R (CBOR Data Item)'));
    assert.equal(toHex(encodeIdCred(credI.idCred)), h2('message_3', 'ID_CRED_I (CBOR Data Item)'));
  });
  it('message_1 both times, and the error with SUITES_R', () => {
    const first = encodeMessage1({ method: 3, suites: [6], gX: t2('message_1 (first time)', "Initiator's ephemeral public key, 'x'-coordinate G_X (Raw"), cI: t2('message_1 (first time)', 'Connection identifier chosen by Initiator C_I (Raw'), ead: [] });
    assert.equal(toHex(first), h2('message_1 (first time)', 'message_1'));
    assert.equal(toHex(encodeMessage1({ method: 3, suites: [6, 2], gX, cI, ead: [] })), h2('message_1 (second time)', 'message_1'));
  });
  it('TH_2, G_XY, PRK_2e, SALT_3e2m, G_RX, PRK_3e2m, MAC_2, PLAINTEXT_2, KEYSTREAM_2, CIPHERTEXT_2', () => {
    const m1 = t2('message_1 (second time)', 'message_1');
    const th = th2(gY, m1);
    assert.equal(toHex(th), h2('message_2', 'TH_2 (Raw'));
    const gXY = p256.sharedSecret(y, gX);
    assert.equal(toHex(gXY), h2('message_2', 'G_XY'));
    const prk = prk2e(th, gXY);
    assert.equal(toHex(prk), h2('message_2', 'PRK_2e'));
    assert.equal(toHex(kdfInfo(1, th, 32)), h2('message_2', 'info for SALT_3e2m'));
    assert.equal(toHex(salt3e2m(prk, th, suite)), h2('message_2', 'SALT_3e2m'));
    const gRX = p256.sharedSecret(skR, gX);
    assert.equal(toHex(gRX), h2('message_2', 'G_RX'));
    assert.deepEqual(p256.sharedSecret(x, credR.publicKey), gRX);
    const prk3 = prk3e2m(prk, th, gRX, suite);
    assert.equal(toHex(prk3), h2('message_2', 'PRK_3e2m'));
    const ctx = context2(cR, encodeIdCred(credR.idCred), th, credR.credBytes, EMPTY);
    assert.equal(toHex(ctx), h2('message_2', 'context_2 (CBOR Sequence)'));
    assert.equal(toHex(kdfInfo(2, ctx, 8)), h2('message_2', 'info for MAC_2'));
    const mac = mac2(prk3, ctx, 8);
    assert.equal(toHex(mac), h2('message_2', 'MAC_2 (Raw'));
    assert.equal(toHex(mac), h2('message_2', 'Signature_or_MAC_2 (Raw'));
    const pt2 = encodePlaintext2(cR, credR.idCred, mac, []);
    assert.equal(toHex(pt2), h2('message_2', 'PLAINTEXT_2'));
    assert.equal(toHex(kdfInfo(0, th, pt2.length)), h2('message_2', 'info for KEYSTREAM_2'));
    assert.equal(toHex(keystream2(prk, th, pt2.length)), h2('message_2', 'KEYSTREAM_2'));
    assert.equal(toHex(applyKeystream2(prk, th, pt2)), h2('message_2', 'CIPHERTEXT_2'));
  });
  it('TH_3, SALT_4e3m, G_IY, PRK_4e3m, MAC_3, PLAINTEXT_3, K_3, IV_3, CIPHERTEXT_3, TH_4', () => {
    const th = t2('message_2', 'TH_2 (Raw');
    const th3v = th3(th, t2('message_2', 'PLAINTEXT_2'), credR.credBytes);
    assert.equal(toHex(th3v), h2('message_3', 'TH_3 (Raw'));
    const prk3 = t2('message_2', 'PRK_3e2m');
    assert.equal(toHex(salt4e3m(prk3, th3v, suite)), h2('message_3', 'SALT_4e3m'));
    const gIY = p256.sharedSecret(skI, gY);
    assert.equal(toHex(gIY), h2('message_3', 'G_IY'));
    assert.deepEqual(p256.sharedSecret(y, credI.publicKey), gIY);
    const prk4 = prk4e3m(prk3, th3v, gIY, suite);
    assert.equal(toHex(prk4), h2('message_3', 'PRK_4e3m'));
    const ctx = context3(encodeIdCred(credI.idCred), th3v, credI.credBytes, EMPTY);
    assert.equal(toHex(ctx), h2('message_3', 'context_3 (CBOR Sequence)'));
    assert.equal(toHex(kdfInfo(6, ctx, 8)), h2('message_3', 'info for MAC_3'));
    const mac = mac3(prk4, ctx, 8);
    assert.equal(toHex(mac), h2('message_3', 'MAC_3 (Raw'));
    const pt3 = encodePlaintext3(credI.idCred, mac, []);
    assert.equal(toHex(pt3), h2('message_3', 'PLAINTEXT_3'));
    assert.equal(toHex(encStructure(th3v)), h2('message_3', 'A_3'));
    const key = k3(prk3, th3v, suite);
    const iv = iv3(prk3, th3v, suite);
    assert.equal(toHex(key), h2('message_3', 'K_3 (Raw'));
    assert.equal(toHex(iv), h2('message_3', 'IV_3 (Raw'));
    assert.equal(toHex(suite.aead.prepare(key).seal(iv, encStructure(th3v), pt3)), h2('message_3', 'CIPHERTEXT_3'));
    assert.equal(toHex(th4(th3v, pt3, credI.credBytes)), h2('message_3', 'TH_4 (Raw'));
  });
});

function runTrace2() {
  const { credR, credI } = trace2Credentials();
  const initiatorKeys = [
    { privateKey: t2('message_1 (first time)', "Initiator's ephemeral private key"), publicKey: t2('message_1 (first time)', "Initiator's ephemeral public key, 'x'-coordinate G_X (Raw") },
    { privateKey: t2('message_1 (second time)', "Initiator's ephemeral private key"), publicKey: t2('message_1 (second time)', "Initiator's ephemeral public key, 'x'-coordinate G_X (Raw") },
  ];
  const cIs = [t2('message_1 (first time)', 'Connection identifier chosen by Initiator C_I (Raw'), t2('message_1 (second time)', 'Connection identifier chosen by Initiator C_I (Raw')];
  const initiatorFor = (n: 0 | 1) =>
    new EdhocInitiator({
      method: 3,
      suites: [6, 2],
      cipherSuites: HOST_CIPHER_SUITES,
      crypto,
      random: new Prng(3),
      own: ownCredential(credI, t2('message_3', "Initiator's private authentication key")),
      connectionId: cIs[n],
      trust: trust(credR),
      ephemeralKey: () => initiatorKeys[n],
    });
  const responder = new EdhocResponder({
    method: 3,
    suites: [2],
    crypto,
    random: new Prng(4),
    own: ownCredential(credR, t2('message_2', "Responder's private authentication key")),
    connectionId: t2('message_2', 'Connection identifier chosen by Responder C_R (Raw'),
    trust: trust(credI),
    ephemeralKey: () => ({ privateKey: t2('message_2', "Responder's ephemeral private key"), publicKey: t2('message_2', "Responder's ephemeral public key, 'x'-coordinate G_Y (Raw") }),
  });
  return { initiatorFor, responder };
}

describe('RFC 9529 trace 2: suite negotiation, then Initiator and Responder end to end', () => {
  it('the Responder refuses suite 6 with error 2, SUITES_R = 2; the Initiator then offers [6, 2]; messages byte-exact', () => {
    const { initiatorFor, responder } = runTrace2();
    // The trace changes C_I and the ephemeral key between the two message_1s: a new Initiator per
    // attempt reproduces it; the same Initiator adopting SUITES_R is checked below.
    const first = initiatorFor(0);
    const m1a = first.message1();
    assert.equal(toHex(m1a), h2('message_1 (first time)', 'message_1'));
    let error: Uint8Array | undefined;
    try {
      responder.handleMessage1(m1a);
    } catch (e) {
      error = (e as { bytes: Uint8Array }).bytes;
      assert.equal((e as { code: number }).code, 2);
    }
    assert.equal(toHex(error!), h2('error', 'error'));
    assert.equal(responder.state, 'start', 'a refused message_1 leaves the Responder as it was');
    assert.throws(() => first.handleMessage2(error!), (e: unknown) => e instanceof EdhocPeerError && e.code === 2 && e.suitesR()[0] === 2);
    assert.equal(first.state, 'start');

    const second = initiatorFor(1);
    // Same outcome as `first` after the error: select suite 2, send SUITES_I = [6, 2].
    assert.throws(() => { second.message1(); second.handleMessage2(error!); }, EdhocPeerError);
    const m1b = second.message1();
    assert.equal(toHex(m1b), h2('message_1 (second time)', 'message_1'));
    const m2 = responder.handleMessage1(m1b);
    assert.equal(toHex(m2), h2('message_2', 'message_2'));
    const m3 = second.handleMessage2(m2);
    assert.equal(toHex(m3), h2('message_3', 'message_3'));
    const r = responder.handleMessage3(m3);
    assert.equal(toHex(responder.message4()), h2('message_4', 'message_4'));
    const i = second.result();
    assert.equal(toHex(i.oscore().masterSecret), h2('OSCORE Parameters', 'OSCORE Master Secret (Raw'));
    assert.equal(toHex(r.oscore().masterSalt), h2('OSCORE Parameters', 'OSCORE Master Salt (Raw'));
    assert.equal(toHex(i.oscore().senderId), h2('OSCORE Parameters', "Client's OSCORE Sender ID"));
    assert.equal(toHex(r.oscore().senderId), h2('OSCORE Parameters', "Server's OSCORE Sender ID"));
    i.keyUpdate(t2('Key Update', 'context for KeyUpdate (Raw'));
    r.keyUpdate(t2('Key Update', 'context for KeyUpdate (Raw'));
    assert.equal(toHex(i.oscore().masterSecret), h2('Key Update', 'OSCORE Master Secret after KeyUpdate'));
    assert.equal(toHex(r.oscore().masterSalt), h2('Key Update', 'OSCORE Master Salt after KeyUpdate'));
  });
  it('PRK_out and PRK_exporter as listed', () => {
    const suite = findSuite(2)!;
    const out = prkOut(t2('message_3', 'PRK_4e3m'), t2('message_3', 'TH_4 (Raw'), suite);
    assert.equal(toHex(out), h2('PRK_out and PRK_exporter', 'PRK_out (Raw'));
    assert.equal(toHex(prkExporter(out, suite)), h2('PRK_out and PRK_exporter', 'PRK_exporter (Raw'));
    assert.equal(toHex(keyUpdate(out, t2('Key Update', 'context for KeyUpdate (Raw'), suite)), h2('Key Update', 'PRK_out after KeyUpdate'));
    assert.equal(toHex(encodeCbor(t2('Key Update', 'context for KeyUpdate (Raw'))), h2('Key Update', 'context for KeyUpdate (CBOR'));
  });
});
