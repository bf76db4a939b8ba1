/**
 * A finished handshake: PRK_out, the exporter, key update and the OSCORE parameters (RFC 9528
 * §4.2, Appendix A.1, Appendix H). OSCORE: Master Secret = EDHOC_Exporter(0, h'', key length of
 * the application AEAD), Master Salt = EDHOC_Exporter(1, h'', 8); the Initiator's Sender ID is C_R
 * and its Recipient ID C_I (the Responder the reverse), so each side receives on its own identifier.
 */
import { edhocExporter, keyUpdate, prkExporter } from './key-schedule.js';
import type { CipherSuite } from './suites.js';
import type { EadItem, EdhocCredential, EdhocMethod, EdhocResult, OscoreFromEdhoc } from './types.js';

export const OSCORE_MASTER_SECRET_LABEL = 0;
export const OSCORE_MASTER_SALT_LABEL = 1;
export const OSCORE_MASTER_SALT_LENGTH = 8;
const EMPTY = new Uint8Array(0);

export class HandshakeResult implements EdhocResult {
  readonly peerConnectionId: Uint8Array;
  readonly ownConnectionId: Uint8Array;
  readonly peer: EdhocCredential;
  readonly ead: EadItem[];
  readonly suite: number;
  readonly method: EdhocMethod;
  private readonly cipherSuite: CipherSuite;
  private prkOutValue: Uint8Array;
  private prkExporterValue: Uint8Array;

  constructor(cipherSuite: CipherSuite, method: EdhocMethod, prkOut: Uint8Array, own: Uint8Array, peer: Uint8Array, peerCred: EdhocCredential, ead: EadItem[]) {
    this.cipherSuite = cipherSuite;
    this.suite = cipherSuite.id;
    this.method = method;
    this.prkOutValue = prkOut;
    this.prkExporterValue = prkExporter(prkOut, cipherSuite);
    this.ownConnectionId = own;
    this.peerConnectionId = peer;
    this.peer = peerCred;
    this.ead = ead;
  }

  /** PRK_out (§4.1.3), for applications that derive more than OSCORE. */
  get prkOut(): Uint8Array {
    return this.prkOutValue.slice();
  }

  exporter(label: number, context: Uint8Array, length: number): Uint8Array {
    if (!Number.isInteger(label) || label < 0) throw new RangeError('EDHOC_Exporter: label must be a non-negative integer');
    return edhocExporter(this.prkExporterValue, label, context, length);
  }

  keyUpdate(context: Uint8Array): void {
    this.prkOutValue = keyUpdate(this.prkOutValue, context, this.cipherSuite);
    this.prkExporterValue = prkExporter(this.prkOutValue, this.cipherSuite);
  }

  oscore(): OscoreFromEdhoc {
    return {
      masterSecret: this.exporter(OSCORE_MASTER_SECRET_LABEL, EMPTY, this.cipherSuite.appKeyLength),
      masterSalt: this.exporter(OSCORE_MASTER_SALT_LABEL, EMPTY, OSCORE_MASTER_SALT_LENGTH),
      senderId: this.peerConnectionId.slice(),
      recipientId: this.ownConnectionId.slice(),
      aeadAlgorithm: this.cipherSuite.appAead,
      hkdf: 'SHA-256',
    };
  }
}
