/**
 * ID_CRED_x, how a credential is referenced (RFC 9528 §3.5.3): a COSE header map with one of
 * kid (4), kccs (14, a CCS by value), x5chain (33) or x5t (34, a COSE_CertHash [alg, hash] of the
 * DER certificate, RFC 9360). In PLAINTEXT_2/3 a map holding only a kid is sent compact, as the
 * kid alone (§3.5.3.2); the full map `{4: kid}` still enters MAC_2/MAC_3 and the signatures.
 */
import { CborDecodeError } from '../errors.js';
import { CborReader, MAJOR_BYTES, MAJOR_MAP, MAJOR_NEGATIVE, MAJOR_UNSIGNED, decodeCborItem } from '../cbor/decode.js';
import { CborRaw, encodeCbor } from '../cbor/encode.js';
import { encodeCompactBytes, readCompactBytes } from './connection-id.js';
import { sha256 } from '../crypto/sha256.js';

export const HEADER_KID = 4;
export const HEADER_KCCS = 14;
export const HEADER_X5CHAIN = 33;
export const HEADER_X5T = 34;
/** COSE hash algorithms for x5t (RFC 9054): SHA-256 truncated to 64 bits, and SHA-256. */
export const SHA_256_64 = -15;
export const SHA_256 = -16;

export type IdCred =
  | { kid: Uint8Array }
  | { kccs: Uint8Array /* the CCS, CBOR-encoded */ }
  | { x5chain: Uint8Array /* the end-entity DER certificate (a received chain's first) */ }
  | { x5t: { alg: number; hash: Uint8Array } };

/** ID_CRED_x as the CBOR map that enters the transcript and MACs. */
export function encodeIdCred(id: IdCred): Uint8Array {
  if ('kid' in id) return encodeCbor(new Map([[HEADER_KID, id.kid]]));
  if ('kccs' in id) return encodeCbor(new Map([[HEADER_KCCS, new CborRaw(id.kccs)]]));
  if ('x5chain' in id) return encodeCbor(new Map([[HEADER_X5CHAIN, id.x5chain]]));
  return encodeCbor(new Map([[HEADER_X5T, [id.x5t.alg, id.x5t.hash]]]));
}

/** The item in PLAINTEXT_2/3: the compact kid, or the map (§3.5.3.2). */
export function idCredInPlaintext(id: IdCred): Uint8Array {
  return 'kid' in id ? encodeCompactBytes(id.kid) : encodeIdCred(id);
}

/** The x5t of a DER certificate (RFC 9360 §2): SHA-256, truncated to 8 bytes for alg −15. */
export function x5tOf(der: Uint8Array, alg: number = SHA_256_64): { alg: number; hash: Uint8Array } {
  if (alg !== SHA_256_64 && alg !== SHA_256) throw new RangeError('x5t: hash algorithm ' + alg + ' is not supported');
  const h = sha256(der);
  return { alg, hash: alg === SHA_256_64 ? h.slice(0, 8) : h };
}

/** The encoded bytes of the value under integer `label` in an encoded map (a CCS is kept as sent: it is CRED_x). */
function rawMapValue(encodedMap: Uint8Array, label: number): Uint8Array {
  const r = new CborReader(encodedMap);
  const head = r.bytes[0] & 31; // the decoder already checked the whole item
  if (head > 23) throw new CborDecodeError('ID_CRED: too many parameters');
  r.offset = 1;
  for (let i = 0; i < head; i++) {
    const key = r.read();
    if (key === label) return r.readRaw();
    r.read();
  }
  throw new CborDecodeError('ID_CRED: no label ' + label);
}

/** Reads ID_CRED_x from PLAINTEXT_2/3: the IdCred and the map bytes for the MAC (§3.5.3.2). */
export function readIdCredFromPlaintext(r: CborReader, what: string): { idCred: IdCred; encoded: Uint8Array } {
  const major = r.peekMajor();
  if (major === MAJOR_UNSIGNED || major === MAJOR_NEGATIVE || major === MAJOR_BYTES) {
    const kid = readCompactBytes(r, what);
    const idCred = { kid };
    return { idCred, encoded: encodeIdCred(idCred) };
  }
  if (major !== MAJOR_MAP) throw new CborDecodeError(what + ': expected a kid or a header map');
  const at = r.offset;
  const encoded = r.readRaw();
  const map = decodeCborItem(encoded) as Map<number | string, unknown>;
  const fail = (why: string): never => {
    r.offset = at;
    throw new CborDecodeError(what + ': ' + why);
  };
  if (map.size === 1 && map.has(HEADER_KID)) fail('a map with only a kid must be sent as the kid (§3.5.3.2)');
  const kid = map.get(HEADER_KID);
  const kccs = map.get(HEADER_KCCS);
  const x5chain = map.get(HEADER_X5CHAIN);
  const x5t = map.get(HEADER_X5T);
  let idCred: IdCred | undefined;
  if (kccs instanceof Map) idCred = { kccs: rawMapValue(encoded, HEADER_KCCS) };
  else if (x5chain instanceof Uint8Array) idCred = { x5chain };
  // RFC 9360 §2: x5chain is one certificate, or an array of them starting with the end entity's.
  else if (Array.isArray(x5chain) && x5chain.length > 0 && x5chain.every((c) => c instanceof Uint8Array)) idCred = { x5chain: x5chain[0] as Uint8Array };
  else if (Array.isArray(x5t) && x5t.length === 2 && typeof x5t[0] === 'number' && x5t[1] instanceof Uint8Array) idCred = { x5t: { alg: x5t[0], hash: x5t[1] } };
  else if (kid instanceof Uint8Array) idCred = { kid };
  if (!idCred) return fail('no supported credential reference (kid, kccs, x5chain or x5t)');
  return { idCred, encoded };
}
