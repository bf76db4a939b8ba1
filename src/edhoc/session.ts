/**
 * Steps both roles share: option checks, ephemeral keys, ECDH with §9.2 validation, the peer
 * credential lookup, the message_3/4 AEAD with A_n = ["Encrypt0", h'', TH_n] (§5.4.2, §5.5.2),
 * EAD screening, and the mapping of every decoding or key failure to an EDHOC error (§6) so
 * nothing else escapes to the transport.
 */
import { CborDecodeError, InvalidPublicKey, OscoreXsError } from '../errors.js';
import { encodeCbor } from '../cbor/encode.js';
import type { KeyPair } from '../crypto/asymmetric.js';
import { EdhocError, ERR_UNKNOWN_CREDENTIAL, unspecifiedError } from './errors.js';
import { screenEad, type EadItem } from './ead.js';
import { findSuite, type CipherSuite } from './suites.js';
import type { EdhocCredential, EdhocSessionOptions } from './types.js';
import type { IdCred } from './id-cred.js';

/** G_X / G_Y length: P-256 x-coordinate and X25519 are both 32 bytes (§3.7). */
export const EPHEMERAL_KEY_LENGTH = 32;

/** True when the crypto port offers the suite's curve and signature algorithm (the device has P-256 only). */
function cryptoOffers(o: EdhocSessionOptions, s: CipherSuite): boolean {
  try {
    o.crypto.keyAgreement(s.curve);
    o.crypto.signature(s.signature);
    return true;
  } catch {
    return false;
  }
}

/**
 * The supported suites from the options, in preference order: known to the registry and offered
 * by the crypto port (so a device build never selects or lists X25519 suites); RangeError on none.
 */
export function supportedSuites(o: EdhocSessionOptions): CipherSuite[] {
  const out: CipherSuite[] = [];
  for (const id of o.suites) {
    const s = findSuite(id, o.cipherSuites);
    if (s && !out.includes(s) && cryptoOffers(o, s)) out.push(s);
  }
  if (out.length === 0) throw new RangeError('EDHOC: none of the cipher suites ' + o.suites.join(',') + ' is supported');
  if (![0, 1, 2, 3].includes(o.method)) throw new RangeError('EDHOC: method must be 0..3');
  return out;
}

export function ephemeralKeyPair(o: EdhocSessionOptions, suite: CipherSuite): KeyPair {
  return o.ephemeralKey ? o.ephemeralKey(suite.curve) : o.crypto.keyAgreement(suite.curve).generateKeyPair(o.random);
}

/** ECDH; an invalid peer key (§9.2) becomes EDHOC error 1. */
export function ecdh(o: EdhocSessionOptions, suite: CipherSuite, privateKey: Uint8Array, peerPublicKey: Uint8Array, what: string): Uint8Array {
  try {
    return o.crypto.keyAgreement(suite.curve).sharedSecret(privateKey, peerPublicKey);
  } catch (e) {
    if (e instanceof InvalidPublicKey) throw unspecifiedError(what + ' is not a valid public key');
    throw e;
  }
}

/** The peer's credential for ID_CRED_x, or error 3 (§6.4). */
export function peerCredential(o: EdhocSessionOptions, idCred: IdCred): EdhocCredential {
  const c = o.trust(idCred);
  if (!c) throw new EdhocError(ERR_UNKNOWN_CREDENTIAL, true, 'EDHOC: unknown credential referenced');
  return c;
}

/** The Enc_structure used as AAD of message_3 and message_4. */
export function encStructure(th: Uint8Array): Uint8Array {
  return encodeCbor(['Encrypt0', new Uint8Array(0), th]);
}

export function aeadSeal(suite: CipherSuite, key: Uint8Array, iv: Uint8Array, th: Uint8Array, plaintext: Uint8Array): Uint8Array {
  return suite.aead.prepare(key).seal(iv, encStructure(th), plaintext);
}

/** Decrypts; null when the tag does not verify. */
export function aeadOpen(suite: CipherSuite, key: Uint8Array, iv: Uint8Array, th: Uint8Array, ciphertext: Uint8Array): Uint8Array | null {
  return suite.aead.prepare(key).open(iv, encStructure(th), ciphertext);
}

/** Screens received EAD (critical rule, §3.8), hands it to the application, returns its items for the next message. */
export function exchangeEad(o: EdhocSessionOptions, n: 0 | 1 | 2 | 3 | 4, received: EadItem[]): { received: EadItem[]; next: EadItem[] } {
  const { items, unknownCritical } = screenEad(received, o.eadLabels ?? []);
  if (unknownCritical !== undefined) throw unspecifiedError('critical EAD item ' + unknownCritical + ' not understood');
  if (!o.ead) return { received: items, next: [] };
  let next: EadItem[] | void;
  try {
    next = o.ead(n, items);
  } catch (e) {
    if (e instanceof EdhocError) throw e;
    throw unspecifiedError('EAD refused');
  }
  return { received: items, next: next ?? [] };
}

/** Runs a processing step; a CBOR or key failure becomes EDHOC error 1 naming the message. */
export function asEdhocError<T>(what: string, step: () => T): T {
  try {
    return step();
  } catch (e) {
    if (e instanceof EdhocError) throw e;
    if (e instanceof CborDecodeError) throw unspecifiedError(what + ' malformed');
    if (e instanceof InvalidPublicKey) throw unspecifiedError(what + ': invalid public key');
    if (e instanceof OscoreXsError) throw unspecifiedError(what + ' refused');
    throw e;
  }
}
