/**
 * Transcript hashes (RFC 9528 §5.3.2, §5.4.2, §5.4.3), H = SHA-256 over CBOR sequences:
 *   TH_2 = H(G_Y, H(message_1))            (both as bstr)
 *   TH_3 = H(TH_2, PLAINTEXT_2, CRED_R)    (TH_2 as bstr; PLAINTEXT_2 as its sequence; CRED_R as its item)
 *   TH_4 = H(TH_3, PLAINTEXT_3, CRED_I)
 */
import { joinBytes } from '../bytes.js';
import { encodeCborSequence } from '../cbor/encode.js';
import { edhocHash } from './kdf.js';

export function th2(gY: Uint8Array, message1: Uint8Array): Uint8Array {
  return edhocHash(encodeCborSequence([gY, edhocHash(message1)]));
}

export function th3(th2Value: Uint8Array, plaintext2: Uint8Array, credR: Uint8Array): Uint8Array {
  return edhocHash(joinBytes([encodeCborSequence([th2Value]), plaintext2, credR]));
}

export function th4(th3Value: Uint8Array, plaintext3: Uint8Array, credI: Uint8Array): Uint8Array {
  return edhocHash(joinBytes([encodeCborSequence([th3Value]), plaintext3, credI]));
}
