/**
 * aiocoap's `edhoc-oscore` credentials (aiocoap/edhoc.py `EdhocCredentials`, doc/stateofedhoc.rst),
 * parsed. One entry in a credentials map:
 *
 *   "coap://[::1]/*": {"edhoc-oscore": {
 *       "suite": 2, "method": 3,
 *       "own_cred_style": "by-key-id",                      // or "by-value"
 *       "own_cred": {14: {8: {1: {1: 2, 2: h'01', -1: 1, -2: h'…', -3: h'…'}}}},   // a KCCS
 *       "private_key_file": "client.cosekey",               // or "private_key": {1: 2, -1: 1, -4: h'…'}
 *       "peer_cred": {14: …},                               // or {"unauthenticated": true}
 *       "use_combined_edhoc": true }}                       // RFC 9668; aiocoap's default is true
 *
 * A client uses the entry of the request's URI pattern (own and peer credential together). A server
 * uses the entry of its origin ("coap://host/*", its own credential) and one entry per known client
 * (":name" with `peer_cred`). The rules are aiocoap's: own_cred, own_cred_style and a private key
 * all or none; private_key_file and private_key exclusive; own_cred {"unauthenticated": true} means
 * an ephemeral key of our own, sent by value. Keys may be written with "-" for "_" (aiocoap does).
 *
 * Values arrive as JSON (integer map keys as strings, "14"; bytes as {"hex": "…"} or
 * {"ascii": "…"}, aiocoap's JSON spelling) or decoded from CBOR/EDN (Maps with integer keys,
 * Uint8Array bytes); both become one CBOR item. A credential's bytes CRED_x are its claims set
 * {…} under label 14, deterministically encoded — as aiocoap computes them (cbor2 canonical; the
 * same order for the small integer labels a CCS uses).
 *
 * Platform-free: file names are returned as written; targets/node reads the key file.
 */
import { LoadError, OscoreXsError } from '../errors.js';
import { equalBytes } from '../bytes.js';
import { credentialBytes } from './bytes-value.js';
import type { CborItem } from '../cbor/decode.js';
import { encodeCbor } from '../cbor/encode.js';
import { decodeCcs } from '../cose/ccs.js';
import type { AsymmetricCrypto } from '../crypto/asymmetric.js';
import { CRV_ED25519, CRV_P256, CRV_X25519, KTY_EC2, KTY_OKP, type CoseKey } from '../cose/key.js';

export type OwnCredStyle = 'by-key-id' | 'by-value';

/** A KCCS credential: the claims set's bytes (CRED_x) and its confirmation key. */
export interface CcsCredential {
  ccs: Uint8Array;
  key: CoseKey;
  sub?: string;
}

export interface EdhocOscoreItem {
  suite: number;
  method: 0 | 1 | 2 | 3;
  /** Own credential; 'unauthenticated': an ephemeral key made when used (aiocoap), sent by value. */
  ownCred?: CcsCredential | 'unauthenticated';
  ownCredStyle?: OwnCredStyle;
  /** As written in the file (resolved against the credentials file's folder by targets/node). */
  privateKeyFile?: string;
  privateKey?: CoseKey;
  /** The peer's credential; 'unauthenticated': any credential sent by value is accepted. */
  peerCred?: CcsCredential | 'unauthenticated';
  useCombinedEdhoc?: boolean;
}

/** Cipher suites (RFC 9528 §3.6): key curve per suite — static DH on the first, signatures on the second. */
export const SUITE_CURVES: Readonly<Record<number, { dh: number; sign: number }>> = {
  0: { dh: CRV_X25519, sign: CRV_ED25519 },
  1: { dh: CRV_X25519, sign: CRV_ED25519 },
  2: { dh: CRV_P256, sign: CRV_P256 },
  3: { dh: CRV_P256, sign: CRV_P256 },
};

const KNOWN_KEYS = ['suite', 'method', 'own_cred_style', 'own_cred', 'private_key_file', 'private_key', 'peer_cred', 'use_combined_edhoc'];

/** A value from JSON or CBOR as a CBOR item; JSON's {"hex"}/{"ascii"} objects become bytes. */
export function toCborItem(where: string, v: unknown): CborItem {
  if (v === null || typeof v === 'boolean' || typeof v === 'string' || v instanceof Uint8Array) return v;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new LoadError(where + ': only integers are allowed here (got ' + v + ')');
    return v;
  }
  if (Array.isArray(v)) return v.map((x, i) => toCborItem(where + '[' + i + ']', x));
  if (v instanceof Map) {
    const m = new Map<number | string, CborItem>();
    for (const [k, x] of v) {
      if (typeof k !== 'number' && typeof k !== 'string') throw new LoadError(where + ': map keys must be integers or text');
      m.set(k, toCborItem(where + '.' + String(k), x));
    }
    return m;
  }
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    // aiocoap's JSON spelling of bytes (the same reader as every other byte field of a credentials file).
    if (keys.length === 1 && (keys[0] === 'hex' || keys[0] === 'ascii')) return credentialBytes(v, where);
    const m = new Map<number | string, CborItem>();
    // JSON has only text keys: "14", "-2" are the integer labels of COSE and CWT.
    for (const k of keys) m.set(/^-?(0|[1-9]\d{0,8})$/.test(k) ? Number(k) : k, toCborItem(where + '.' + k, o[k]));
    return m;
  }
  throw new LoadError(where + ': unsupported value');
}

function isUnauthenticated(v: unknown): boolean {
  if (v instanceof Map) return v.size === 1 && v.get('unauthenticated') === true;
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Uint8Array) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && keys[0] === 'unauthenticated' && (v as Record<string, unknown>).unauthenticated === true;
}

/** A KCCS: {14: claims}, the claims set with a COSE_Key in cnf (RFC 8392, RFC 8747, RFC 9528 §3.5.2). */
export function parseKccs(where: string, v: unknown): CcsCredential {
  const item = toCborItem(where, v);
  if (!(item instanceof Map) || item.size !== 1 || !item.has(14)) throw new LoadError(where + ': expected a KCCS {14: {…}} (only CWT Claims Set credentials are supported, as in aiocoap)');
  const ccs = encodeCbor(item.get(14)!);
  try {
    const decoded = decodeCcs(ccs);
    if (decoded.key.d) throw new LoadError(where + ': the credential holds a private key (d); only the public key belongs here');
    return { ccs, key: decoded.key, sub: decoded.sub };
  } catch (e) {
    if (e instanceof LoadError) throw e;
    throw new LoadError(where + ': ' + (e as Error).message);
  }
}

/**
 * A private COSE key (aiocoap's key file, CoseKeyForEdhoc.from_map): exactly kty, crv and d.
 * aiocoap knows EC2 P-256 only; OKP X25519 / Ed25519 (kty 1, crv 4 / 6) are accepted too.
 */
export function parsePrivateCoseKey(where: string, v: unknown): { kty: number; crv: number; d: Uint8Array } {
  const item = v instanceof Uint8Array ? v : toCborItem(where, v);
  if (!(item instanceof Map)) throw new LoadError(where + ': not shaped like a COSE_Key (expected a map)');
  const kty = item.get(1);
  const crv = item.get(-1);
  const d = item.get(-4);
  if (kty !== KTY_EC2 && kty !== KTY_OKP) throw new LoadError(where + ': key type ' + String(kty) + ' is not supported (2: EC2, 1: OKP)');
  if (kty === KTY_EC2 && crv !== CRV_P256) throw new LoadError(where + ': EC2 keys need crv 1 (P-256)');
  if (kty === KTY_OKP && crv !== CRV_X25519 && crv !== CRV_ED25519) throw new LoadError(where + ': OKP keys need crv 4 (X25519) or 6 (Ed25519)');
  if (!(d instanceof Uint8Array) || d.length !== 32) throw new LoadError(where + ': d (-4) must be a 32-byte byte string');
  for (const k of item.keys()) if (k !== 1 && k !== -1 && k !== -4) throw new LoadError(where + ': extraneous label ' + String(k) + ' in the private key (aiocoap allows kty, crv and d only)');
  return { kty, crv: crv as number, d };
}

/** Parse the body of an `edhoc-oscore` entry; `where` names file and entry in errors. */
export function parseEdhocOscore(where: string, body: unknown): EdhocOscoreItem {
  if (body === null || typeof body !== 'object' || Array.isArray(body) || body instanceof Uint8Array) throw new LoadError(where + ': edhoc-oscore: expected an object');
  const raw = body instanceof Map ? Object.fromEntries([...body].map(([k, x]) => [String(k), x])) : (body as Record<string, unknown>);
  const b: Record<string, unknown> = {};
  for (const k of Object.keys(raw)) {
    const name = k.replace(/-/g, '_');
    if (!KNOWN_KEYS.includes(name)) throw new LoadError(where + ': edhoc-oscore: unknown key "' + k + '"');
    b[name] = raw[k];
  }
  const w = (k: string) => where + ': edhoc-oscore: ' + k;
  const suite = b.suite;
  if (typeof suite !== 'number' || SUITE_CURVES[suite] === undefined) throw new LoadError(w('suite') + ': expected one of the cipher suites 0, 1, 2, 3 (got ' + JSON.stringify(suite) + ')');
  const method = b.method;
  if (method !== 0 && method !== 1 && method !== 2 && method !== 3) throw new LoadError(w('method') + ': expected 0, 1, 2 or 3 (got ' + JSON.stringify(method) + ')');
  const item: EdhocOscoreItem = { suite, method };
  if (b.use_combined_edhoc !== undefined && b.use_combined_edhoc !== null) {
    if (typeof b.use_combined_edhoc !== 'boolean') throw new LoadError(w('use_combined_edhoc') + ': expected true or false');
    item.useCombinedEdhoc = b.use_combined_edhoc;
  }
  if (b.private_key_file !== undefined && b.private_key !== undefined) throw new LoadError(w('private_key') + ': give private_key or private_key_file, not both');
  if (b.private_key_file !== undefined) {
    if (typeof b.private_key_file !== 'string' || b.private_key_file === '') throw new LoadError(w('private_key_file') + ': expected a file name');
    item.privateKeyFile = b.private_key_file;
  }
  if (b.private_key !== undefined) {
    const k = parsePrivateCoseKey(w('private_key'), b.private_key);
    item.privateKey = { kty: k.kty as 1 | 2, crv: k.crv, x: new Uint8Array(0), d: k.d };
  }
  if (b.own_cred_style !== undefined) {
    if (b.own_cred_style !== 'by-key-id' && b.own_cred_style !== 'by-value') throw new LoadError(w('own_cred_style') + ': expected "by-key-id" or "by-value"');
    item.ownCredStyle = b.own_cred_style;
  }
  const hasKey = item.privateKeyFile !== undefined || item.privateKey !== undefined;
  if (b.own_cred !== undefined && isUnauthenticated(b.own_cred)) {
    if (hasKey || (item.ownCredStyle !== undefined && item.ownCredStyle !== 'by-value')) throw new LoadError(w('own_cred') + ': for local unauthenticated use, no key can be given, and own_cred_style needs to be by-value or absent');
    item.ownCred = 'unauthenticated';
    item.ownCredStyle = 'by-value';
  } else {
    if ((b.own_cred === undefined) !== (item.ownCredStyle === undefined) || (b.own_cred === undefined) !== !hasKey)
      throw new LoadError(where + ': edhoc-oscore: if own credentials are given, all of own_cred, own_cred_style and private_key(_file) need to be given');
    if (b.own_cred !== undefined) {
      const own = parseKccs(w('own_cred'), b.own_cred);
      checkCurve(w('own_cred'), own.key, suite, method, 'initiator-or-responder');
      if (item.ownCredStyle === 'by-key-id' && !own.key.kid) throw new LoadError(w('own_cred_style') + ': by-key-id needs a kid (label 2) in the credential\'s COSE_Key');
      item.ownCred = own;
    }
  }
  if (b.peer_cred !== undefined && b.peer_cred !== null) {
    if (isUnauthenticated(b.peer_cred)) item.peerCred = 'unauthenticated';
    else {
      const peer = parseKccs(w('peer_cred'), b.peer_cred);
      checkCurve(w('peer_cred'), peer.key, suite, method, 'initiator-or-responder');
      item.peerCred = peer;
    }
  }
  return item;
}

/** The key must fit the suite: a P-256 key for suites 2/3; X25519 (static DH) or Ed25519 (signature) for 0/1. */
function checkCurve(where: string, key: CoseKey, suite: number, _method: number, _role: string): void {
  const c = SUITE_CURVES[suite];
  if (key.crv !== c.dh && key.crv !== c.sign) throw new LoadError(where + ': a key on curve ' + key.crv + ' cannot be used with cipher suite ' + suite);
}

/** A credential that is configured but cannot be used for this handshake. */
export class EdhocCredentialError extends OscoreXsError {}

/** Is `ccs` the peer credential an ID_CRED (kid or kccs by value) refers to? (aiocoap's find_edhoc_by_id_cred_peer) */
export function credentialMatches(cred: CcsCredential, idCred: { kid?: Uint8Array; kccs?: Uint8Array }): boolean {
  if (idCred.kccs) return equalBytes(idCred.kccs, cred.ccs);
  if (idCred.kid && cred.key.kid) return equalBytes(idCred.kid, cred.key.kid);
  return false;
}

/** The public key of a private one (P-256 x/y, X25519 or Ed25519 x). */
export function publicCoseKey(crypto: AsymmetricCrypto, kty: number, crv: number, d: Uint8Array): CoseKey {
  if (kty === KTY_EC2 && crv === CRV_P256) {
    const p = crypto.signature(-7).publicKeyOf(d); // 0x04 || x || y
    return { kty: KTY_EC2, crv, x: p.slice(1, 33), y: p.slice(33, 65) };
  }
  if (kty === KTY_OKP && crv === CRV_X25519) return { kty: KTY_OKP, crv, x: crypto.keyAgreement('X25519').publicKeyOf(d) };
  if (kty === KTY_OKP && crv === CRV_ED25519) return { kty: KTY_OKP, crv, x: crypto.signature(-8).publicKeyOf(d) };
  throw new LoadError('unsupported key: kty ' + kty + ', crv ' + crv);
}
