/** Shared setup for the EDHOC tests: RFC 9529 trace 2's parties, and generated parties for any method × suite. */
import { nobleAsymmetricCrypto as crypto } from '../src/crypto/asymmetric-noble.js';
import { encodeCcs } from '../src/cose/ccs.js';
import { CRV_ED25519, CRV_P256, CRV_X25519, KTY_EC2, KTY_OKP, type CoseKey } from '../src/cose/key.js';
import { EdhocInitiator, EdhocPeerError, EdhocResponder, ccsCredential, ownCredential, sameIdCred, findSuite, type EdhocCredential, type EdhocMethod, type EdhocSessionOptions, type OwnCredential } from '../src/edhoc/index.js';
import { HOST_CIPHER_SUITES } from '../src/edhoc/host-suites.js';
import { initiatorSigns, responderSigns } from '../src/edhoc/authentication.js';
import { Prng } from '../src/sim/prng.js';
import { traceValue } from './edhoc-trace-fixture.js';

export { crypto };

export function trustOnly(...known: EdhocCredential[]): EdhocSessionOptions['trust'] {
  return (id) => known.find((c) => sameIdCred(c.idCred, id));
}

const t2 = (section: string, label: string) => traceValue(2, section, label);

/** RFC 9529 trace 2: Responder (suite 2, C_R = 0x27) and Initiator (suites [6, 2], C_I = 0x37; see negotiateTrace2) with the trace's keys. */
export function trace2Parties(overrides: { responder?: Partial<EdhocSessionOptions>; initiator?: Partial<EdhocSessionOptions> } = {}) {
  const credR = ccsCredential(t2('message_2', 'CRED_R (CBOR Data Item)'), 'kid');
  const credI = ccsCredential(t2('message_3', 'CRED_I (CBOR Data Item)'), 'kid');
  const responder = new EdhocResponder({
    method: 3,
    suites: [2],
    crypto,
    random: new Prng(4),
    own: ownCredential(credR, t2('message_2', "Responder's private authentication key")),
    connectionId: t2('message_2', 'Connection identifier chosen by Responder C_R (Raw'),
    trust: trustOnly(credI),
    ephemeralKey: () => ({ privateKey: t2('message_2', "Responder's ephemeral private key"), publicKey: t2('message_2', "Responder's ephemeral public key, 'x'-coordinate G_Y (Raw") }),
    ...overrides.responder,
  });
  const initiator = new EdhocInitiator({
    method: 3,
    suites: [6, 2],
    cipherSuites: HOST_CIPHER_SUITES,
    crypto,
    random: new Prng(3),
    own: ownCredential(credI, t2('message_3', "Initiator's private authentication key")),
    connectionId: t2('message_1 (second time)', 'Connection identifier chosen by Initiator C_I (Raw'),
    trust: trustOnly(credR),
    ephemeralKey: () => ({ privateKey: t2('message_1 (second time)', "Initiator's ephemeral private key"), publicKey: t2('message_1 (second time)', "Initiator's ephemeral public key, 'x'-coordinate G_X (Raw") }),
    ...overrides.initiator,
  });
  return { credR, credI, responder, initiator };
}

/** Trace 2's negotiation round on the Initiator: message_1 with suite 6, the error 02 02, so its next message_1 is the trace's second one. */
export function negotiateTrace2(initiator: EdhocInitiator): void {
  initiator.message1();
  try {
    initiator.handleMessage2(traceValue(2, 'error', 'error'));
  } catch (e) {
    if (!(e instanceof EdhocPeerError) || e.code !== 2) throw e;
  }
}

/**
 * A party's CCS credential for `suite` and its role in `method`: a signature key (Ed25519 / P-256
 * for ES256) if it signs, else a static DH key on the suite's curve (X25519 / P-256).
 */
export function makeOwnCredential(method: EdhocMethod, suiteId: number, role: 'I' | 'R', seed: number, reference: 'kid' | 'value' = 'kid'): OwnCredential {
  const suite = findSuite(suiteId)!;
  const signs = role === 'I' ? initiatorSigns(method) : responderSigns(method);
  const random = new Prng(seed);
  let key: CoseKey;
  let privateKey: Uint8Array;
  if (suite.curve === 'P-256') {
    const pair = signs ? crypto.signature(-7).generateKeyPair(random) : crypto.keyAgreement('P-256').generateKeyPair(random);
    privateKey = pair.privateKey;
    const full = crypto.signature(-7).publicKeyOf(privateKey);
    key = { kty: KTY_EC2, crv: CRV_P256, x: full.slice(1, 33), y: full.slice(33) };
  } else if (signs) {
    const pair = crypto.signature(-8).generateKeyPair(random);
    privateKey = pair.privateKey;
    key = { kty: KTY_OKP, crv: CRV_ED25519, x: pair.publicKey };
  } else {
    const pair = crypto.keyAgreement('X25519').generateKeyPair(random);
    privateKey = pair.privateKey;
    key = { kty: KTY_OKP, crv: CRV_X25519, x: pair.publicKey };
  }
  key.kid = Uint8Array.of(role === 'I' ? 0x0a : 0x0b, seed & 0xff);
  return ownCredential(ccsCredential(encodeCcs(key, role === 'I' ? 'initiator' : 'responder'), reference), privateKey);
}

/** An Initiator and a Responder for `method` and `suite` with fresh keys. */
export function makeParties(method: EdhocMethod, suite: number, seed = 1, extra: Partial<EdhocSessionOptions> = {}) {
  const ownI = makeOwnCredential(method, suite, 'I', seed);
  const ownR = makeOwnCredential(method, suite, 'R', seed + 1000);
  const initiator = new EdhocInitiator({ method, suites: [suite], crypto, random: new Prng(seed + 1), own: ownI, connectionId: 5, trust: trustOnly(ownR), ...extra });
  const responder = new EdhocResponder({ method, suites: [suite], crypto, random: new Prng(seed + 2), own: ownR, connectionId: Uint8Array.of(1, 2, 3), trust: trustOnly(ownI), ...extra });
  return { initiator, responder, ownI, ownR };
}
