/**
 * CWT Claims Sets (CCS, RFC 8392 §3) holding a proof-of-possession key (RFC 8747 cnf, label 8,
 * with a COSE_Key under label 1): the raw-public-key credential of EDHOC (RFC 9528 §3.5.2, the
 * "kccs" ID_CRED, label 14) and of Group OSCORE members. A credential is kept as the exact bytes
 * it was received in: those bytes, not a re-encoding, enter EDHOC's transcript (CRED_x).
 */
import { CborDecodeError } from '../errors.js';
import { decodeCborItem, type CborItem } from '../cbor/decode.js';
import { encodeCbor } from '../cbor/encode.js';
import { coseKeyFromMap, coseKeyMap, type CoseKey } from './key.js';

/** CWT claim keys (RFC 8392 §4): iss 1, sub 2, aud 3, exp 4, nbf 5, iat 6, cti 7; cnf 8 (RFC 8747). */
export const CLAIM_ISS = 1;
export const CLAIM_SUB = 2;
export const CLAIM_CNF = 8;
/** cnf member COSE_Key (RFC 8747 §3.1). */
export const CNF_COSE_KEY = 1;

export interface Ccs {
  /** The CCS exactly as encoded (CRED_x). */
  bytes: Uint8Array;
  sub?: string;
  iss?: string;
  /** The confirmation key (public part only). */
  key: CoseKey;
}

/**
 * Encode a CCS with `sub` and the public part of `key` (any `d` is dropped). Deterministic; for a
 * credential someone else made, keep their bytes instead (decodeCcs keeps them).
 */
export function encodeCcs(key: CoseKey, sub?: string): Uint8Array {
  const publicKey: CoseKey = { ...key };
  delete publicKey.d;
  const claims = new Map<number, CborItem>();
  if (sub !== undefined) claims.set(CLAIM_SUB, sub);
  claims.set(CLAIM_CNF, new Map<number, CborItem>([[CNF_COSE_KEY, coseKeyMap(publicKey)]]));
  return encodeCbor(claims);
}

export function decodeCcs(bytes: Uint8Array): Ccs {
  const claims = decodeCborItem(bytes);
  if (!(claims instanceof Map)) throw new CborDecodeError('CCS: expected a map of claims');
  const cnf = claims.get(CLAIM_CNF);
  if (!(cnf instanceof Map)) throw new CborDecodeError('CCS: no cnf claim (8) with a key');
  const key = coseKeyFromMap(cnf.get(CNF_COSE_KEY) ?? null);
  if (key.d) throw new CborDecodeError('CCS: the confirmation key must not hold a private key');
  const out: Ccs = { bytes: bytes.slice(), key };
  const sub = claims.get(CLAIM_SUB);
  if (typeof sub === 'string') out.sub = sub;
  const iss = claims.get(CLAIM_ISS);
  if (typeof iss === 'string') out.iss = iss;
  return out;
}
