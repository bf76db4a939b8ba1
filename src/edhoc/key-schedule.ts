/**
 * The EDHOC key schedule (RFC 9528 §4.1.1–§4.2), one function per value the RFC names:
 *   PRK_2e   = EDHOC_Extract(TH_2, G_XY)
 *   PRK_3e2m = PRK_2e, or EDHOC_Extract(SALT_3e2m, G_RX) when the Responder authenticates with static DH
 *   PRK_4e3m = PRK_3e2m, or EDHOC_Extract(SALT_4e3m, G_IY) when the Initiator does
 *   PRK_out  = EDHOC_KDF(PRK_4e3m, 7, TH_4, hash_length); PRK_exporter = EDHOC_KDF(PRK_out, 10, h'', hash_length)
 * and the keys and IVs for message_2/3/4 derived from them.
 */
import { xorInto } from './xor.js';
import { edhocExtract, edhocKdf, KDF_LABEL } from './kdf.js';
import type { CipherSuite } from './suites.js';

const EMPTY = new Uint8Array(0);

export function prk2e(th2: Uint8Array, gXY: Uint8Array): Uint8Array {
  return edhocExtract(th2, gXY);
}

export function salt3e2m(prk2eValue: Uint8Array, th2: Uint8Array, suite: CipherSuite): Uint8Array {
  return edhocKdf(prk2eValue, KDF_LABEL.SALT_3e2m, th2, suite.hashLength);
}

/** `gRX` is the static-DH secret G_RX (= G_XR), or undefined when the Responder signs. */
export function prk3e2m(prk2eValue: Uint8Array, th2: Uint8Array, gRX: Uint8Array | undefined, suite: CipherSuite): Uint8Array {
  return gRX ? edhocExtract(salt3e2m(prk2eValue, th2, suite), gRX) : prk2eValue;
}

export function salt4e3m(prk3e2mValue: Uint8Array, th3: Uint8Array, suite: CipherSuite): Uint8Array {
  return edhocKdf(prk3e2mValue, KDF_LABEL.SALT_4e3m, th3, suite.hashLength);
}

/** `gIY` is the static-DH secret G_IY (= G_YI), or undefined when the Initiator signs. */
export function prk4e3m(prk3e2mValue: Uint8Array, th3: Uint8Array, gIY: Uint8Array | undefined, suite: CipherSuite): Uint8Array {
  return gIY ? edhocExtract(salt4e3m(prk3e2mValue, th3, suite), gIY) : prk3e2mValue;
}

/** KEYSTREAM_2 = EDHOC_KDF(PRK_2e, 0, TH_2, plaintext_length) (§5.3.2). */
export function keystream2(prk2eValue: Uint8Array, th2: Uint8Array, length: number): Uint8Array {
  return edhocKdf(prk2eValue, KDF_LABEL.KEYSTREAM_2, th2, length);
}

/** CIPHERTEXT_2 = PLAINTEXT_2 XOR KEYSTREAM_2 (and back). */
export function applyKeystream2(prk2eValue: Uint8Array, th2: Uint8Array, text: Uint8Array): Uint8Array {
  const out = text.slice();
  xorInto(out, keystream2(prk2eValue, th2, text.length));
  return out;
}

export function k3(prk3e2mValue: Uint8Array, th3: Uint8Array, suite: CipherSuite): Uint8Array {
  return edhocKdf(prk3e2mValue, KDF_LABEL.K_3, th3, suite.aead.keyLength);
}

export function iv3(prk3e2mValue: Uint8Array, th3: Uint8Array, suite: CipherSuite): Uint8Array {
  return edhocKdf(prk3e2mValue, KDF_LABEL.IV_3, th3, suite.aead.nonceLength);
}

export function k4(prk4e3mValue: Uint8Array, th4: Uint8Array, suite: CipherSuite): Uint8Array {
  return edhocKdf(prk4e3mValue, KDF_LABEL.K_4, th4, suite.aead.keyLength);
}

export function iv4(prk4e3mValue: Uint8Array, th4: Uint8Array, suite: CipherSuite): Uint8Array {
  return edhocKdf(prk4e3mValue, KDF_LABEL.IV_4, th4, suite.aead.nonceLength);
}

export function prkOut(prk4e3mValue: Uint8Array, th4: Uint8Array, suite: CipherSuite): Uint8Array {
  return edhocKdf(prk4e3mValue, KDF_LABEL.PRK_out, th4, suite.hashLength);
}

export function prkExporter(prkOutValue: Uint8Array, suite: CipherSuite): Uint8Array {
  return edhocKdf(prkOutValue, KDF_LABEL.PRK_exporter, EMPTY, suite.hashLength);
}

/** EDHOC_Exporter(label, context, length) = EDHOC_KDF(PRK_exporter, label, context, length) (§4.2.1). */
export function edhocExporter(prkExporterValue: Uint8Array, label: number, context: Uint8Array, length: number): Uint8Array {
  return edhocKdf(prkExporterValue, label, context, length);
}

/** EDHOC_KeyUpdate(context): PRK_out = EDHOC_KDF(PRK_out, 11, context, hash_length) (Appendix H). */
export function keyUpdate(prkOutValue: Uint8Array, context: Uint8Array, suite: CipherSuite): Uint8Array {
  return edhocKdf(prkOutValue, KDF_LABEL.KeyUpdate, context, suite.hashLength);
}
