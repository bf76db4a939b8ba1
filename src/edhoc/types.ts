/**
 * What an application gives an EDHOC session and gets back (the contract edhoc-coap builds on).
 */
import type { AsymmetricCrypto, CurveName, KeyPair } from '../crypto/asymmetric.js';
import type { RandomSource } from '../ports.js';
import type { EadItem } from './ead.js';
import type { IdCred } from './id-cred.js';
import type { CipherSuite } from './suites.js';

export type { IdCred, EadItem };

/** A credential (own or a peer's), RFC 9528 §3.5.2. */
export interface EdhocCredential {
  /** How the credential is referenced in ID_CRED_x: by kid, by value (kccs), by x5t or x5chain. */
  idCred: IdCred;
  /**
   * CRED_x as it enters the transcript and MACs: the CBOR data item, i.e. a CCS's own bytes, or an
   * X.509 certificate as a CBOR byte string wrapping its DER (see `x509Credential`).
   */
  credBytes: Uint8Array;
  /** The authentication key: a static DH key (P-256 x-coordinate or X25519) or a signature key (ES256 point or Ed25519). */
  publicKey: Uint8Array;
}

export interface OwnCredential extends EdhocCredential {
  privateKey: Uint8Array;
}

export type EdhocMethod = 0 | 1 | 2 | 3;

export interface EdhocSessionOptions {
  /** METHOD (§3.2): 0 both sign, 1 Initiator signs / Responder static DH, 2 the reverse, 3 both static DH. A Responder accepts only this one. */
  method: EdhocMethod;
  /** Cipher suites this side supports, most preferred first (§3.6). */
  suites: number[];
  /** The registry `suites` are taken from: suites 0–3 by default; hosts may pass HOST_CIPHER_SUITES (4–6). */
  cipherSuites?: readonly CipherSuite[];
  own: OwnCredential;
  /** Own connection identifier (§3.3): bytes, or an integer −24..23 meaning its one-byte CBOR encoding. */
  connectionId: Uint8Array | number;
  /** Looks up the peer's credential from ID_CRED_x; undefined refuses it (error code 3). */
  trust: (idCred: IdCred) => EdhocCredential | undefined;
  /**
   * External authorization data (§3.8): called with the EAD items of received message n (padding
   * removed; n = 0 for the Initiator before message_1), returns the items for the next message it sends.
   * Throwing aborts the handshake (error code 1).
   */
  ead?: (n: 0 | 1 | 2 | 3 | 4, items: EadItem[]) => EadItem[] | void;
  /** Labels of critical EAD items (negative labels, given as absolute values) the application understands; any other critical item aborts (§3.8). */
  eadLabels?: number[];
  crypto: AsymmetricCrypto;
  random: RandomSource;
  /** Supplies the ephemeral key pair instead of drawing one (reproducing published traces). */
  ephemeralKey?: (curve: CurveName) => KeyPair;
}

/** The OSCORE Security Context parameters derived from a finished handshake (RFC 9528 Appendix A.1). */
export interface OscoreFromEdhoc {
  masterSecret: Uint8Array;
  masterSalt: Uint8Array;
  senderId: Uint8Array;
  recipientId: Uint8Array;
  aeadAlgorithm: number;
  hkdf: 'SHA-256';
}

export interface EdhocResult {
  /** The peer's connection identifier (as bytes, §3.3.2) and ours. */
  peerConnectionId: Uint8Array;
  ownConnectionId: Uint8Array;
  peer: EdhocCredential;
  /** EAD items of the last message received (EAD_2 for the Initiator, EAD_3 for the Responder). */
  ead: EadItem[];
  /** The selected cipher suite and method. */
  suite: number;
  method: EdhocMethod;
  /** EDHOC_Exporter(label, context, length) (§4.2.1). */
  exporter(label: number, context: Uint8Array, length: number): Uint8Array;
  /** EDHOC_KeyUpdate (Appendix H): PRK_out and PRK_exporter move on; later exports differ. */
  keyUpdate(context: Uint8Array): void;
  oscore(): OscoreFromEdhoc;
}
