/**
 * The `edhoc-oscore` entries of a credentials file on Node, turned into what the EDHOC layers take
 * (src/layers/edhoc-identities.ts): the client's identity for its URI pattern, the server's own
 * credential per origin and its known peers. Paths (private_key_file) are resolved against the
 * credentials file's folder, like the OSCORE context directories (aiocoap resolves them against the
 * working directory: the same file works with both when started from its own folder).
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { LoadError } from '../../src/errors.js';
import type { EdhocOscoreItem } from '../../src/credentials/edhoc-credentials.js';
import type { EdhocMatch } from '../../src/credentials/credentials-map.js';
import type { AsymmetricCrypto } from '../../src/crypto/asymmetric.js';
import type { RandomSource } from '../../src/ports.js';
import { ownCredential, trustPeers } from '../../src/layers/edhoc-identities.js';
import type { InitiatorIdentity } from '../../src/layers/edhoc-client.js';
import type { ResponderIdentity } from '../../src/layers/edhoc-responder.js';
import { readPrivateKeyFile, type PrivateCoseKey } from './edhoc-keys.js';

function keyOf(item: EdhocOscoreItem, base: string, label: string): PrivateCoseKey | undefined {
  if (item.privateKey) return { kty: item.privateKey.kty, crv: item.privateKey.crv, d: item.privateKey.d! };
  if (item.privateKeyFile === undefined) return undefined;
  const path = isAbsolute(item.privateKeyFile) ? item.privateKeyFile : resolve(base, item.privateKeyFile);
  return readPrivateKeyFile(path, label + ': private_key_file ' + item.privateKeyFile);
}

function suitesOf(item: EdhocOscoreItem): number[] {
  return [item.suite];
}

/** The client side of one entry: own and peer credential (aiocoap: both in the URI pattern's entry). */
export function initiatorIdentity(credentialsPath: string, match: EdhocMatch, crypto: AsymmetricCrypto, random: RandomSource): InitiatorIdentity {
  const item = match.edhoc;
  const label = credentialsPath + ': "' + match.pattern + '"';
  if (item.ownCred === undefined) throw new LoadError(label + ': edhoc-oscore: a client entry needs own_cred (or {"unauthenticated": true})');
  if (item.peerCred === undefined) throw new LoadError(label + ': edhoc-oscore: a client entry needs peer_cred (or {"unauthenticated": true})');
  const own = ownCredential(item, keyOf(item, dirname(credentialsPath), label), true, crypto, random);
  return { method: item.method as InitiatorIdentity['method'], suites: suitesOf(item), own, trust: trustPeers([item]), combined: item.useCombinedEdhoc !== false };
}

/**
 * The server side of a credentials file (aiocoap's OscoreSiteWrapper): its own credential for an
 * origin from the entry "<origin>/*", and every entry with a peer_cred as a known client.
 */
export class ResponderCredentials {
  private readonly own = new Map<string, ResponderIdentity>();
  readonly peers: EdhocOscoreItem[];
  readonly origins: string[];

  constructor(credentialsPath: string, entries: EdhocMatch[], crypto: AsymmetricCrypto, random: RandomSource) {
    this.peers = entries.filter((e) => e.edhoc.peerCred !== undefined).map((e) => e.edhoc);
    for (const e of entries) {
      if (e.edhoc.ownCred === undefined || !e.pattern.endsWith('/*')) continue;
      const label = credentialsPath + ': "' + e.pattern + '"';
      const own = ownCredential(e.edhoc, keyOf(e.edhoc, dirname(credentialsPath), label), false, crypto, random);
      this.own.set(e.pattern.slice(0, -2), { method: e.edhoc.method as ResponderIdentity['method'], suites: suitesOf(e.edhoc), own });
    }
    this.origins = [...this.own.keys()];
  }

  get size(): number {
    return this.own.size;
  }

  /** The identity for a request: its origin's entry, or — when there is just one — that one. */
  identityFor(origin: string | undefined): ResponderIdentity | undefined {
    if (origin !== undefined && this.own.has(origin)) return this.own.get(origin);
    return this.own.size === 1 ? this.own.values().next().value : undefined;
  }

  trust(): ReturnType<typeof trustPeers> {
    return trustPeers(this.peers);
  }
}

