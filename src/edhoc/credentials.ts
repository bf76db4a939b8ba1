/**
 * Building EdhocCredentials (RFC 9528 §3.5.2) from what applications hold: a CCS (by kid or by
 * value, "kccs") or an X.509 certificate (by x5t or x5chain; CRED_x is then the DER wrapped in a
 * CBOR byte string, §3.5.2). For X.509 the public key is given by the caller: certificate parsing
 * and path validation are not part of this library.
 */
import { wrapBstr } from '../cbor/encode.js';
import { decodeCcs } from '../cose/ccs.js';
import { publicKeyBytes } from '../cose/key.js';
import { x5tOf, type IdCred } from './id-cred.js';
import type { EdhocCredential, OwnCredential } from './types.js';

/**
 * A CCS credential. `reference: 'kid'` needs a kid in the COSE_Key. The public key is the
 * uncompressed point for P-256 (the port takes it for both ECDH and ES256) or x for OKP keys.
 */
export function ccsCredential(ccs: Uint8Array, reference: 'kid' | 'value'): EdhocCredential {
  const { key } = decodeCcs(ccs);
  let idCred: IdCred;
  if (reference === 'kid') {
    if (!key.kid) throw new RangeError('EDHOC credential: the CCS key has no kid to reference it by');
    idCred = { kid: key.kid };
  } else idCred = { kccs: ccs.slice() };
  return { idCred, credBytes: ccs.slice(), publicKey: publicKeyBytes(key, 'signature') };
}

/** An X.509 credential referenced by x5t (SHA-256/64 by default) or by value (x5chain, one certificate). */
export function x509Credential(der: Uint8Array, publicKey: Uint8Array, reference: 'x5t' | 'x5chain' = 'x5t'): EdhocCredential {
  const idCred: IdCred = reference === 'x5t' ? { x5t: x5tOf(der) } : { x5chain: der.slice() };
  return { idCred, credBytes: wrapBstr(der), publicKey };
}

export function ownCredential(c: EdhocCredential, privateKey: Uint8Array): OwnCredential {
  return { ...c, privateKey };
}

/** Equality of two credential references (a trust store's lookup key). */
export function sameIdCred(a: IdCred, b: IdCred): boolean {
  const eq = (x: Uint8Array, y: Uint8Array) => x.length === y.length && x.every((v, i) => v === y[i]);
  if ('kid' in a && 'kid' in b) return eq(a.kid, b.kid);
  if ('kccs' in a && 'kccs' in b) return eq(a.kccs, b.kccs);
  if ('x5chain' in a && 'x5chain' in b) return eq(a.x5chain, b.x5chain);
  if ('x5t' in a && 'x5t' in b) return a.x5t.alg === b.x5t.alg && eq(a.x5t.hash, b.x5t.hash);
  return false;
}
