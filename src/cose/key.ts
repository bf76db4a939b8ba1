/**
 * COSE_Key (RFC 9052 §7, key types and curves of RFC 9053 §7) for the keys EDHOC and Group OSCORE
 * use: EC2 on P-256 (x, y) and OKP on X25519 / Ed25519 (x), with an optional private part d.
 * Decoding checks the labels' types and the coordinate lengths; points themselves are validated
 * where they are used (the asymmetric port).
 */
import { CborDecodeError } from '../errors.js';
import { decodeCborItem, type CborItem, type CborMap } from '../cbor/decode.js';
import { encodeCbor } from '../cbor/encode.js';

/** COSE key parameter labels (RFC 9052 §7.1, RFC 9053 §7.1–7.2). */
export const KEY_KTY = 1;
export const KEY_KID = 2;
export const KEY_ALG = 3;
export const KEY_CRV = -1;
export const KEY_X = -2;
export const KEY_Y = -3;
export const KEY_D = -4;

export const KTY_OKP = 1;
export const KTY_EC2 = 2;

/** COSE elliptic curves (RFC 9053 Table 18). */
export const CRV_P256 = 1;
export const CRV_X25519 = 4;
export const CRV_ED25519 = 6;

export interface CoseKey {
  kty: 1 | 2;
  crv: number;
  x: Uint8Array;
  /** EC2 only. */
  y?: Uint8Array;
  /** The private key, when this is one's own key. */
  d?: Uint8Array;
  kid?: Uint8Array;
  alg?: number;
}

const CURVE_KTY: Record<number, number> = { [CRV_P256]: KTY_EC2, [CRV_X25519]: KTY_OKP, [CRV_ED25519]: KTY_OKP };

/** The map of a COSE_Key, for embedding (e.g. in a CCS's cnf claim). */
export function coseKeyMap(key: CoseKey): Map<number, CborItem> {
  const m = new Map<number, CborItem>();
  m.set(KEY_KTY, key.kty);
  if (key.kid) m.set(KEY_KID, key.kid);
  if (key.alg !== undefined) m.set(KEY_ALG, key.alg);
  m.set(KEY_CRV, key.crv);
  m.set(KEY_X, key.x);
  if (key.y) m.set(KEY_Y, key.y);
  if (key.d) m.set(KEY_D, key.d);
  return m;
}

/** Deterministic encoding (map keys in RFC 8949 §4.2.1 order). */
export function encodeCoseKey(key: CoseKey): Uint8Array {
  return encodeCbor(coseKeyMap(key));
}

function bytesField(m: CborMap, label: number, name: string, length?: number): Uint8Array | undefined {
  const v = m.get(label);
  if (v === undefined) return undefined;
  if (!(v instanceof Uint8Array)) throw new CborDecodeError('COSE_Key: ' + name + ' must be a byte string');
  if (length !== undefined && v.length !== length) throw new CborDecodeError('COSE_Key: ' + name + ' must be ' + length + ' bytes, got ' + v.length);
  return v;
}

/** A COSE_Key from its decoded map; unknown labels are ignored (RFC 9052 §7). */
export function coseKeyFromMap(item: CborItem): CoseKey {
  if (!(item instanceof Map)) throw new CborDecodeError('COSE_Key: expected a map');
  const kty = item.get(KEY_KTY);
  const crv = item.get(KEY_CRV);
  if (kty !== KTY_OKP && kty !== KTY_EC2) throw new CborDecodeError('COSE_Key: kty must be 1 (OKP) or 2 (EC2)');
  if (typeof crv !== 'number' || CURVE_KTY[crv] !== kty) throw new CborDecodeError('COSE_Key: curve ' + String(crv) + ' is not supported with kty ' + kty);
  const x = bytesField(item, KEY_X, 'x', 32);
  if (!x) throw new CborDecodeError('COSE_Key: x is missing');
  const key: CoseKey = { kty, crv, x };
  const y = bytesField(item, KEY_Y, 'y', 32);
  if (kty === KTY_EC2) {
    if (!y) throw new CborDecodeError('COSE_Key: EC2 key without y'); // RFC 9053 §7.1.1: compressed y (a bool) not supported
    key.y = y;
  } else if (item.has(KEY_Y)) throw new CborDecodeError('COSE_Key: OKP key with y');
  const d = bytesField(item, KEY_D, 'd', 32);
  if (d) key.d = d;
  const kid = bytesField(item, KEY_KID, 'kid');
  if (kid) key.kid = kid;
  const alg = item.get(KEY_ALG);
  if (alg !== undefined) {
    if (typeof alg !== 'number') throw new CborDecodeError('COSE_Key: alg must be an integer');
    key.alg = alg;
  }
  return key;
}

export function decodeCoseKey(bytes: Uint8Array): CoseKey {
  return coseKeyFromMap(decodeCborItem(bytes));
}

/**
 * The public key in the form the asymmetric port takes: for key agreement the x-coordinate alone
 * (RFC 9528 §3.7), for ES256 the uncompressed point 0x04 || x || y, for OKP keys x.
 */
export function publicKeyBytes(key: CoseKey, use: 'key-agreement' | 'signature'): Uint8Array {
  if (key.kty === KTY_OKP || use === 'key-agreement') return key.x;
  const out = new Uint8Array(65);
  out[0] = 4;
  out.set(key.x, 1);
  out.set(key.y!, 33);
  return out;
}
