/**
 * From aiocoap's `edhoc-oscore` entries (src/credentials/edhoc-credentials.ts) to what the EDHOC
 * core takes (src/edhoc): our own credential with its private key, and a trust function for the
 * peer's ID_CRED (RFC 9528 §3.5.3) — by kid or by value (kccs), as aiocoap's
 * find_edhoc_by_id_cred_peer.
 *
 * - own_cred_style "by-key-id" sends ID_CRED = {4: kid}, "by-value" sends {14: CCS} (§3.5.3).
 * - The private key must belong to own_cred (checked here: a mismatch would otherwise fail every
 *   handshake with a MAC or signature error far from its cause).
 * - own_cred {"unauthenticated": true}: a fresh key pair per use, sent by value with kid h'3f' ("?")
 *   and subject "" (aiocoap does the same; lakers wants both present).
 * - peer_cred {"unauthenticated": true}: any credential the peer sends by value is accepted (trust on
 *   first use); a reference (kid) cannot be resolved then.
 */
import type { RandomSource } from '../ports.js';
import { equalBytes } from '../bytes.js';
import { LoadError } from '../errors.js';
import type { AsymmetricCrypto } from '../crypto/asymmetric.js';
import { decodeCcs, encodeCcs } from '../cose/ccs.js';
import { CRV_ED25519, CRV_P256, CRV_X25519, KTY_EC2, KTY_OKP, type CoseKey } from '../cose/key.js';
import { credentialMatches, publicCoseKey, type EdhocOscoreItem } from '../credentials/edhoc-credentials.js';
import { ccsCredential, ownCredential as withPrivateKey, type EdhocCredential, type IdCred, type OwnCredential } from '../edhoc/index.js';

/** Does the side that authenticates with this item's own key sign (methods 0–2, RFC 9528 §3.2)? */
function ownSide(method: number, initiator: boolean): 'sign' | 'dh' {
  const signs = initiator ? method === 0 || method === 1 : method === 0 || method === 2;
  return signs ? 'sign' : 'dh';
}

/**
 * Our own credential for `item`. `privateKey` is the d of the key file (or of `private_key`);
 * undefined only for own_cred "unauthenticated". `initiator` says which side we are.
 */
export function ownCredential(item: EdhocOscoreItem, privateKey: { kty: number; crv: number; d: Uint8Array } | undefined, initiator: boolean, crypto: AsymmetricCrypto, random: RandomSource): OwnCredential {
  if (item.ownCred === undefined) throw new LoadError('edhoc-oscore: no own credential (own_cred) in this entry');
  if (item.ownCred === 'unauthenticated') {
    const p256 = item.suite === 2 || item.suite === 3;
    const sign = ownSide(item.method, initiator) === 'sign';
    const kty = p256 ? KTY_EC2 : KTY_OKP;
    const crv = p256 ? CRV_P256 : sign ? CRV_ED25519 : CRV_X25519;
    const d = p256 ? crypto.keyAgreement('P-256').generateKeyPair(random).privateKey : sign ? crypto.signature(-8).generateKeyPair(random).privateKey : crypto.keyAgreement('X25519').generateKeyPair(random).privateKey;
    const key: CoseKey = { ...publicCoseKey(crypto, kty, crv, d), kid: new Uint8Array([0x3f]) };
    return withPrivateKey(ccsCredential(encodeCcs(key, ''), 'value'), d);
  }
  if (!privateKey) throw new LoadError('edhoc-oscore: own_cred without a private key');
  const own = item.ownCred;
  const derived = publicCoseKey(crypto, privateKey.kty, privateKey.crv, privateKey.d);
  if (derived.crv !== own.key.crv || !equalBytes(derived.x, own.key.x) || (derived.y !== undefined && own.key.y !== undefined && !equalBytes(derived.y, own.key.y)))
    throw new LoadError('edhoc-oscore: the private key does not belong to own_cred');
  return withPrivateKey(ccsCredential(own.ccs, item.ownCredStyle === 'by-key-id' ? 'kid' : 'value'), privateKey.d);
}

/** The peer's credential for an ID_CRED, from the entries that name peers (one for a client, the known clients for a server). */
export function trustPeers(peers: EdhocOscoreItem[]): (idCred: IdCred) => EdhocCredential | undefined {
  return (idCred) => {
    const ref = idCred as { kid?: Uint8Array; kccs?: Uint8Array };
    for (const p of peers) if (p.peerCred && p.peerCred !== 'unauthenticated' && credentialMatches(p.peerCred, ref)) return { ...ccsCredential(p.peerCred.ccs, ref.kccs ? 'value' : 'kid'), idCred };
    // Trust on first use where an entry says so: only a credential sent by value can be used.
    if (ref.kccs && peers.some((p) => p.peerCred === 'unauthenticated')) {
      try {
        decodeCcs(ref.kccs);
        return { ...ccsCredential(ref.kccs, 'value'), idCred };
      } catch {
        return undefined;
      }
    }
    return undefined;
  };
}
