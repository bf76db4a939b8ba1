/** Credentials for the EDHOC-over-CoAP tests: fresh P-256 key pairs as KCCS credentials (by kid). */
import type { RandomSource } from '../src/ports.js';
import { nobleAsymmetricCrypto } from '../src/crypto/asymmetric-noble.js';
import { encodeCcs } from '../src/cose/ccs.js';
import { publicCoseKey, parseKccs } from '../src/credentials/edhoc-credentials.js';
import { ccsCredential, ownCredential, type EdhocCredential, type IdCred, type OwnCredential } from '../src/edhoc/index.js';
import { trustPeers } from '../src/layers/edhoc-identities.js';
import { decodeCborItem } from '../src/cbor/decode.js';

export interface TestParty {
  own: OwnCredential;
  ccs: Uint8Array;
  d: Uint8Array;
}

export function party(random: RandomSource, kid: number, subject: string): TestParty {
  const crypto = nobleAsymmetricCrypto;
  const d = crypto.keyAgreement('P-256').generateKeyPair(random).privateKey;
  const ccs = encodeCcs({ ...publicCoseKey(crypto, 2, 1, d), kid: new Uint8Array([kid]) }, subject);
  return { own: ownCredential(ccsCredential(ccs, 'kid'), d), ccs, d };
}

/** A trust function that knows exactly these parties (as a credentials file's peer_cred entries would). */
export function trusting(...parties: TestParty[]): (id: IdCred) => EdhocCredential | undefined {
  return trustPeers(parties.map((p) => ({ suite: 2, method: 3, peerCred: parseKccs('test', new Map([[14, decodeCborItem(p.ccs)]])) })));
}

export function edhocTestCredentials(random: RandomSource) {
  const client = party(random, 0x01, 'client');
  const server = party(random, 0x0a, 'server');
  return { crypto: nobleAsymmetricCrypto, client: client.own, server: server.own, trustClient: trusting(client), trustServer: trusting(server), parties: { client, server } };
}
