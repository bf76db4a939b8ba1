/**
 * MAC_2/MAC_3 and Signature_or_MAC_2/3 (RFC 9528 §5.3.2, §5.4.2):
 *   context_2 = << C_R, ID_CRED_R, TH_2, CRED_R, ? EAD_2 >>,  MAC_2 = EDHOC_KDF(PRK_3e2m, 2, context_2, mac_length_2)
 *   context_3 = << ID_CRED_I, TH_3, CRED_I, ? EAD_3 >>,       MAC_3 = EDHOC_KDF(PRK_4e3m, 6, context_3, mac_length_3)
 * A party that authenticates with a signature (method 0: both; 1: the Initiator; 2: the Responder)
 * uses mac_length = hash_length and sends the COSE_Sign1 signature over
 *   Sig_structure = ["Signature1", << ID_CRED_x >>, << TH_n, CRED_x, ? EAD_n >>, MAC_n];
 * a party with static DH sends MAC_n itself (EDHOC MAC length of the suite).
 */
import { joinBytes } from '../bytes.js';
import { encodeCbor, encodeCborSequence, wrapBstr } from '../cbor/encode.js';
import type { AsymmetricCrypto } from '../crypto/asymmetric.js';
import type { RandomSource } from '../ports.js';
import { equalBytesConstantTime } from '../bytes.js';
import { encodeCompactBytes } from './connection-id.js';
import { edhocKdf, KDF_LABEL } from './kdf.js';
import type { CipherSuite } from './suites.js';

/** Which side signs (§3.2, Table 2): bit 1 of METHOD clear → the Initiator signs; bit 0 clear → the Responder does. */
export function initiatorSigns(method: number): boolean {
  return method === 0 || method === 1;
}
export function responderSigns(method: number): boolean {
  return method === 0 || method === 2;
}

export function context2(cR: Uint8Array, idCredR: Uint8Array, th2: Uint8Array, credR: Uint8Array, ead2: Uint8Array): Uint8Array {
  return joinBytes([encodeCompactBytes(cR), idCredR, encodeCborSequence([th2]), credR, ead2]);
}

export function context3(idCredI: Uint8Array, th3: Uint8Array, credI: Uint8Array, ead3: Uint8Array): Uint8Array {
  return joinBytes([idCredI, encodeCborSequence([th3]), credI, ead3]);
}

export function macLength(signs: boolean, suite: CipherSuite): number {
  return signs ? suite.hashLength : suite.macLength;
}

export function mac2(prk3e2m: Uint8Array, ctx2: Uint8Array, length: number): Uint8Array {
  return edhocKdf(prk3e2m, KDF_LABEL.MAC_2, ctx2, length);
}

export function mac3(prk4e3m: Uint8Array, ctx3: Uint8Array, length: number): Uint8Array {
  return edhocKdf(prk4e3m, KDF_LABEL.MAC_3, ctx3, length);
}

/** The COSE Sig_structure for Signature_or_MAC_n (§5.3.2 / §5.4.2). */
export function messageToBeSigned(idCred: Uint8Array, th: Uint8Array, cred: Uint8Array, ead: Uint8Array, mac: Uint8Array): Uint8Array {
  return encodeCbor(['Signature1', idCred, joinBytes([encodeCborSequence([th]), cred, ead]), mac]);
}

/** What to send: the signature when `signs`, else the MAC. */
export function makeSignatureOrMac(
  signs: boolean,
  suite: CipherSuite,
  crypto: AsymmetricCrypto,
  privateKey: Uint8Array,
  idCred: Uint8Array,
  th: Uint8Array,
  cred: Uint8Array,
  ead: Uint8Array,
  mac: Uint8Array,
  random: RandomSource,
): Uint8Array {
  if (!signs) return mac;
  return crypto.signature(suite.signature).sign(privateKey, messageToBeSigned(idCred, th, cred, ead, mac), random);
}

/** Checks a received Signature_or_MAC_n against our MAC_n (constant-time) or the peer's signature key. */
export function verifySignatureOrMac(
  signs: boolean,
  suite: CipherSuite,
  crypto: AsymmetricCrypto,
  publicKey: Uint8Array,
  received: Uint8Array,
  idCred: Uint8Array,
  th: Uint8Array,
  cred: Uint8Array,
  ead: Uint8Array,
  mac: Uint8Array,
): boolean {
  if (!signs) return equalBytesConstantTime(received, mac);
  if (received.length !== 64) return false;
  return crypto.signature(suite.signature).verify(publicKey, messageToBeSigned(idCred, th, cred, ead, mac), received);
}

/** `<< x >>` for callers that need a wrapped context (the traces print them). */
export { wrapBstr };
