/**
 * The EDHOC Initiator (RFC 9528 §5.2.1, §5.3.3, §5.4.1, §5.5.3): START —message_1→ WAIT_M2
 * —message_2→ DONE (message_3 sent; message_4 optional). An error message in place of message_2
 * throws EdhocPeerError; for code 2 (§6.3.2) the Initiator adopts a suite from SUITES_R and the
 * next message1() starts over with SUITES_I = its suites up to that one. A refused message_2 throws
 * EdhocError (the error message to send) and leaves the state unchanged.
 */
import { equalBytes, joinBytes } from '../bytes.js';
import { connectionIdBytes } from './connection-id.js';
import { decodeErrorMessage, EdhocPeerError, ERR_WRONG_SELECTED_CIPHER_SUITE, unspecifiedError } from './errors.js';
import { encodeEad, type EadItem } from './ead.js';
import { encodeIdCred } from './id-cred.js';
import { context2, context3, initiatorSigns, mac2, mac3, macLength, makeSignatureOrMac, responderSigns, verifySignatureOrMac } from './authentication.js';
import { applyKeystream2, iv3, iv4, k3, k4, prk2e, prk3e2m, prk4e3m, prkOut } from './key-schedule.js';
import { decodePlaintext2, decodePlaintext4, decodeSingleBstr, encodeMessage1, encodePlaintext3, encodeSingleBstr, startsWithInteger } from './messages.js';
import { HandshakeResult } from './result.js';
import { aeadOpen, aeadSeal, asEdhocError, ecdh, ephemeralKeyPair, exchangeEad, peerCredential, supportedSuites, EPHEMERAL_KEY_LENGTH } from './session.js';
import type { CipherSuite } from './suites.js';
import { th2, th3, th4 } from './transcript.js';
import type { EdhocResult, EdhocSessionOptions } from './types.js';

interface AwaitingMessage2 {
  suite: CipherSuite;
  x: Uint8Array;
  message1: Uint8Array;
}

interface Finished {
  result: HandshakeResult;
  prk4e3m: Uint8Array;
  th4: Uint8Array;
  suite: CipherSuite;
  message4Seen: boolean;
}

export class EdhocInitiator {
  private readonly options: EdhocSessionOptions;
  private readonly suites: CipherSuite[];
  private readonly cI: Uint8Array;
  /** Index into `suites` of the selected suite (0 until the Responder names others). */
  private selected = 0;
  private awaiting?: AwaitingMessage2;
  private finished?: Finished;

  constructor(options: EdhocSessionOptions) {
    this.options = options;
    this.suites = supportedSuites(options);
    this.cI = connectionIdBytes(options.connectionId);
  }

  get state(): 'start' | 'wait-message-2' | 'done' {
    return this.finished ? 'done' : this.awaiting ? 'wait-message-2' : 'start';
  }

  /** message_1 (§5.2.1): SUITES_I = our suites in preference order up to the selected one. */
  message1(): Uint8Array {
    if (this.state !== 'start') throw unspecifiedError('message_1 already sent');
    const o = this.options;
    const suite = this.suites[this.selected];
    const suitesI = this.suites.slice(0, this.selected + 1).map((s) => s.id);
    const eph = ephemeralKeyPair(o, suite);
    const ead = exchangeEad(o, 0, []);
    const message1 = encodeMessage1({ method: o.method, suites: suitesI, gX: eph.publicKey, cI: this.cI, ead: ead.next });
    this.awaiting = { suite, x: eph.privateKey, message1 };
    return message1;
  }

  /** Processes message_2 (§5.3.3) and returns message_3 (§5.4.1). */
  handleMessage2(message2: Uint8Array): Uint8Array {
    const w = this.awaiting;
    if (!w || this.finished) throw unspecifiedError('message_2 not expected');
    if (startsWithInteger(message2)) throw this.peerError(message2);
    const o = this.options;
    const suite = w.suite;
    const gYCiphertext2 = asEdhocError('message_2', () => decodeSingleBstr(message2, 'message_2'));
    if (gYCiphertext2.length <= EPHEMERAL_KEY_LENGTH) throw unspecifiedError('message_2 too short');
    const gY = gYCiphertext2.subarray(0, EPHEMERAL_KEY_LENGTH);
    const gXY = ecdh(o, suite, w.x, gY, 'G_Y');
    const th2Value = th2(gY, w.message1);
    const prk2eValue = prk2e(th2Value, gXY);
    const plaintext2 = applyKeystream2(prk2eValue, th2Value, gYCiphertext2.subarray(EPHEMERAL_KEY_LENGTH));
    const p2 = asEdhocError('PLAINTEXT_2', () => decodePlaintext2(plaintext2));
    // §3.3.3: C_R must differ from C_I (both become OSCORE Recipient IDs).
    if (equalBytes(p2.cR, this.cI)) throw unspecifiedError('C_R equals C_I');
    const peer = peerCredential(o, p2.idCred);
    const rSigns = responderSigns(o.method);
    const gRX = rSigns ? undefined : ecdh(o, suite, w.x, peer.publicKey, 'the Responder key');
    const prk3e2mValue = prk3e2m(prk2eValue, th2Value, gRX, suite);
    const ead2 = encodeEad(p2.ead);
    const mac = mac2(prk3e2mValue, context2(p2.cR, p2.idCredEncoded, th2Value, peer.credBytes, ead2), macLength(rSigns, suite));
    const ok = asEdhocError('Signature_or_MAC_2', () =>
      verifySignatureOrMac(rSigns, suite, o.crypto, peer.publicKey, p2.signatureOrMac, p2.idCredEncoded, th2Value, peer.credBytes, ead2, mac),
    );
    if (!ok) throw unspecifiedError('Signature_or_MAC_2 does not verify');
    const ead = exchangeEad(o, 2, p2.ead);

    const th3Value = th3(th2Value, plaintext2, peer.credBytes);
    const iSigns = initiatorSigns(o.method);
    const gIY = iSigns ? undefined : ecdh(o, suite, o.own.privateKey, gY, 'G_Y');
    const prk4e3mValue = prk4e3m(prk3e2mValue, th3Value, gIY, suite);
    const idCredI = encodeIdCred(o.own.idCred);
    const ead3 = encodeEad(ead.next);
    const mac3Value = mac3(prk4e3mValue, context3(idCredI, th3Value, o.own.credBytes, ead3), macLength(iSigns, suite));
    const sigOrMac = makeSignatureOrMac(iSigns, suite, o.crypto, o.own.privateKey, idCredI, th3Value, o.own.credBytes, ead3, mac3Value, o.random);
    const plaintext3 = encodePlaintext3(o.own.idCred, sigOrMac, ead.next);
    const ciphertext3 = aeadSeal(suite, k3(prk3e2mValue, th3Value, suite), iv3(prk3e2mValue, th3Value, suite), th3Value, plaintext3);
    const th4Value = th4(th3Value, plaintext3, o.own.credBytes);
    const result = new HandshakeResult(suite, o.method, prkOut(prk4e3mValue, th4Value, suite), this.cI, p2.cR, peer, ead.received);
    this.finished = { result, prk4e3m: prk4e3mValue, th4: th4Value, suite, message4Seen: false };
    return encodeSingleBstr(ciphertext3);
  }

  /**
   * The Responder's error message: an EdhocPeerError to throw. For code 2 with a SUITES_R naming a
   * suite we support, select it (our most preferred among them) and return to START (§6.3.2).
   */
  private peerError(message: Uint8Array): EdhocPeerError {
    const err = decodeErrorMessage(message) ?? new EdhocPeerError(1, undefined);
    if (err.code === ERR_WRONG_SELECTED_CIPHER_SUITE) {
      const offered = err.suitesR();
      const next = this.suites.findIndex((s) => offered.includes(s.id));
      if (next >= 0 && next !== this.selected) {
        this.selected = next;
        this.awaiting = undefined;
      }
    }
    return err;
  }

  /** The optional message_4 (§5.5.3): returns its EAD_4 items (also given to the ead callback). */
  handleMessage4(message4: Uint8Array): EadItem[] {
    const f = this.finished;
    if (!f || f.message4Seen) throw unspecifiedError('message_4 not expected');
    if (startsWithInteger(message4)) throw decodeErrorMessage(message4) ?? new EdhocPeerError(1, undefined);
    const ciphertext4 = asEdhocError('message_4', () => decodeSingleBstr(message4, 'message_4'));
    const plaintext4 = aeadOpen(f.suite, k4(f.prk4e3m, f.th4, f.suite), iv4(f.prk4e3m, f.th4, f.suite), f.th4, ciphertext4);
    if (!plaintext4) throw unspecifiedError('message_4 could not be decrypted');
    const items = asEdhocError('PLAINTEXT_4', () => decodePlaintext4(plaintext4));
    const ead = exchangeEad(this.options, 4, items);
    f.message4Seen = true;
    return ead.received;
  }

  result(): EdhocResult {
    if (!this.finished) throw unspecifiedError('handshake not finished');
    return this.finished.result;
  }
}
