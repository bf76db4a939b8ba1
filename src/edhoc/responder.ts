/**
 * The EDHOC Responder (RFC 9528 §5.2.3, §5.3.1, §5.4.3, §5.5.1) as a small state machine:
 * START —message_1→ WAIT_M3 —message_3→ DONE (then optionally message_4). A message that is
 * refused throws an EdhocError carrying the error message to send, and leaves the state as it
 * was: every value is computed into locals and stored only when the whole step has succeeded.
 */
import { equalBytes, joinBytes } from '../bytes.js';
import { encodeCborSequence } from '../cbor/encode.js';
import { connectionIdBytes } from './connection-id.js';
import { decodeErrorMessage, EdhocError, EdhocPeerError, ERR_WRONG_SELECTED_CIPHER_SUITE, unspecifiedError } from './errors.js';
import { encodeEad, type EadItem } from './ead.js';
import { encodeIdCred } from './id-cred.js';
import { context2, context3, initiatorSigns, mac2, mac3, macLength, makeSignatureOrMac, responderSigns, verifySignatureOrMac } from './authentication.js';
import { applyKeystream2, iv3, iv4, k3, k4, prk2e, prk3e2m, prk4e3m, prkOut } from './key-schedule.js';
import { decodeMessage1, decodePlaintext3, decodeSingleBstr, encodePlaintext2, encodeSingleBstr, startsWithInteger, type Message1 } from './messages.js';
import { HandshakeResult } from './result.js';
import { aeadOpen, aeadSeal, asEdhocError, ecdh, ephemeralKeyPair, exchangeEad, peerCredential, supportedSuites, EPHEMERAL_KEY_LENGTH } from './session.js';
import type { CipherSuite } from './suites.js';
import { th2, th3, th4 } from './transcript.js';
import type { EdhocResult, EdhocSessionOptions } from './types.js';

interface AwaitingMessage3 {
  suite: CipherSuite;
  cI: Uint8Array;
  y: Uint8Array;
  th2: Uint8Array;
  prk3e2m: Uint8Array;
  plaintext2: Uint8Array;
}

interface Finished {
  result: HandshakeResult;
  prk4e3m: Uint8Array;
  th4: Uint8Array;
  suite: CipherSuite;
  ead4: EadItem[];
}

export class EdhocResponder {
  private readonly options: EdhocSessionOptions;
  private readonly suites: CipherSuite[];
  private readonly cR: Uint8Array;
  private awaiting?: AwaitingMessage3;
  private finished?: Finished;

  constructor(options: EdhocSessionOptions) {
    this.options = options;
    this.suites = supportedSuites(options);
    this.cR = connectionIdBytes(options.connectionId);
  }

  /** The state, for transports and tests: 'start', 'wait-message-3' or 'done'. */
  get state(): 'start' | 'wait-message-3' | 'done' {
    return this.finished ? 'done' : this.awaiting ? 'wait-message-3' : 'start';
  }

  /** Processes message_1 (§5.2.3) and returns message_2 (§5.3.1); or throws EdhocError (code 1, or 2 with SUITES_R). */
  handleMessage1(message1: Uint8Array): Uint8Array {
    if (this.state !== 'start') throw unspecifiedError('message_1 not expected');
    const o = this.options;
    const m1 = asEdhocError('message_1', () => decodeMessage1(message1));
    if (m1.method !== o.method) throw unspecifiedError('method ' + m1.method + ' not supported');
    const suite = this.selectSuite(m1);
    if (m1.gX.length !== EPHEMERAL_KEY_LENGTH) throw unspecifiedError('G_X has the wrong length');
    // §3.3.3: C_R must differ from C_I, as both become OSCORE Recipient IDs.
    if (equalBytes(m1.cI, this.cR)) throw unspecifiedError('C_I equals C_R');
    const eph = ephemeralKeyPair(o, suite);
    const gXY = ecdh(o, suite, eph.privateKey, m1.gX, 'G_X');
    const ead = exchangeEad(o, 1, m1.ead);
    const th2Value = th2(eph.publicKey, message1);
    const prk2eValue = prk2e(th2Value, gXY);
    const rSigns = responderSigns(o.method);
    const gRX = rSigns ? undefined : ecdh(o, suite, o.own.privateKey, m1.gX, 'G_X');
    const prk3e2mValue = prk3e2m(prk2eValue, th2Value, gRX, suite);

    const idCredR = encodeIdCred(o.own.idCred);
    const ead2 = encodeEad(ead.next);
    const mac = mac2(prk3e2mValue, context2(this.cR, idCredR, th2Value, o.own.credBytes, ead2), macLength(rSigns, suite));
    const sigOrMac = makeSignatureOrMac(rSigns, suite, o.crypto, o.own.privateKey, idCredR, th2Value, o.own.credBytes, ead2, mac, o.random);
    const plaintext2 = encodePlaintext2(this.cR, o.own.idCred, sigOrMac, ead.next);
    const ciphertext2 = applyKeystream2(prk2eValue, th2Value, plaintext2);

    this.awaiting = { suite, cI: m1.cI, y: eph.privateKey, th2: th2Value, prk3e2m: prk3e2mValue, plaintext2 };
    return encodeSingleBstr(joinBytes([eph.publicKey, ciphertext2]));
  }

  /**
   * §5.2.3: the selected suite is SUITES_I's last; refuse (code 2, SUITES_R = ours in preference
   * order) if we lack it or support one the Initiator listed as more preferred.
   */
  private selectSuite(m1: Message1): CipherSuite {
    const selected = m1.suites[m1.suites.length - 1];
    const ours = this.suites.map((s) => s.id);
    const preferredSupported = m1.suites.slice(0, -1).some((id) => ours.includes(id));
    const suite = this.suites.find((s) => s.id === selected);
    if (!suite || preferredSupported) {
      throw new EdhocError(ERR_WRONG_SELECTED_CIPHER_SUITE, ours.length === 1 ? ours[0] : ours, 'EDHOC: cipher suite ' + selected + ' not acceptable');
    }
    return suite;
  }

  /** Processes message_3 (§5.4.3): authenticates the Initiator and returns the result. */
  handleMessage3(message3: Uint8Array): EdhocResult {
    const w = this.awaiting;
    if (!w || this.finished) throw unspecifiedError('message_3 not expected');
    const o = this.options;
    const suite = w.suite;
    // The Initiator may send an error message instead of message_3 (§6): the session ends there.
    if (startsWithInteger(message3)) throw decodeErrorMessage(message3) ?? new EdhocPeerError(1, undefined);
    const ciphertext3 = asEdhocError('message_3', () => decodeSingleBstr(message3, 'message_3'));
    const th3Value = th3(w.th2, w.plaintext2, o.own.credBytes);
    const plaintext3 = aeadOpen(suite, k3(w.prk3e2m, th3Value, suite), iv3(w.prk3e2m, th3Value, suite), th3Value, ciphertext3);
    if (!plaintext3) throw unspecifiedError('message_3 could not be decrypted');
    const p3 = asEdhocError('PLAINTEXT_3', () => decodePlaintext3(plaintext3));
    const peer = peerCredential(o, p3.idCred);
    const iSigns = initiatorSigns(o.method);
    const gIY = iSigns ? undefined : ecdh(o, suite, w.y, peer.publicKey, 'the Initiator key');
    const prk4e3mValue = prk4e3m(w.prk3e2m, th3Value, gIY, suite);
    const ead3 = encodeEad(p3.ead);
    const mac = mac3(prk4e3mValue, context3(p3.idCredEncoded, th3Value, peer.credBytes, ead3), macLength(iSigns, suite));
    const ok = asEdhocError('Signature_or_MAC_3', () =>
      verifySignatureOrMac(iSigns, suite, o.crypto, peer.publicKey, p3.signatureOrMac, p3.idCredEncoded, th3Value, peer.credBytes, ead3, mac),
    );
    if (!ok) throw unspecifiedError('Signature_or_MAC_3 does not verify');
    const ead = exchangeEad(o, 3, p3.ead);
    const th4Value = th4(th3Value, plaintext3, peer.credBytes);
    const result = new HandshakeResult(suite, o.method, prkOut(prk4e3mValue, th4Value, suite), this.cR, w.cI, peer, ead.received);
    this.finished = { result, prk4e3m: prk4e3mValue, th4: th4Value, suite, ead4: ead.next };
    return result;
  }

  /** The optional message_4 (§5.5.1), carrying the EAD_4 the application returned for EAD_3. */
  message4(): Uint8Array {
    const f = this.finished;
    if (!f) throw unspecifiedError('message_4 before message_3');
    const ciphertext4 = aeadSeal(f.suite, k4(f.prk4e3m, f.th4, f.suite), iv4(f.prk4e3m, f.th4, f.suite), f.th4, encodeEad(f.ead4));
    return encodeCborSequence([ciphertext4]);
  }

  result(): EdhocResult {
    if (!this.finished) throw unspecifiedError('handshake not finished');
    return this.finished.result;
  }
}
