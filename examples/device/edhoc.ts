/**
 * EDHOC on the example device (RFC 9528 as Responder over CoAP, App. A.2; RFC 9668 combined
 * requests): the device holds its own key pair and the credentials of the clients it trusts in its
 * flash, and every finished handshake's OSCORE context goes into the same flash log as the
 * pre-shared one — its parameters as a record, its sequence number and replay window in a
 * FlashContextStore (RFC 8613 App. B.1) — so a client keeps its context across device reboots.
 *
 * Records (one RecordLog, beside the device image's OSCORE contexts, src/device-image/):
 *   "edhoc/own"       CBOR [method, suite, CCS (bstr), d (bstr)]    — written by provisioning only
 *   "edhoc/peers"     CBOR [CCS, …]                                 — the trusted clients (by kid or by value)
 *   "edhoc/p/<rid>"   a context's parameters (src/device-image/oscore-contexts.ts's format), "edhoc/s/<rid>" its state
 * Only the EDHOC app's entry imports this file: the OSCORE-only bundles stay as they are.
 */
import type { Clock, RandomSource } from '../../src/ports.js';
import { toHex, utf8Decode, utf8Encode } from '../../src/bytes.js';
import { LoadError } from '../../src/errors.js';
import { decodeCborItem, type CborItem } from '../../src/cbor/decode.js';
import { encodeCbor } from '../../src/cbor/encode.js';
import type { AsymmetricCrypto } from '../../src/crypto/asymmetric.js';
import { SecurityContext } from '../../src/oscore/context.js';
import type { ContextLookup } from '../../src/oscore/unprotect.js';
import { RecordLog } from '../../src/persist/record-log.js';
import { FlashContextStore } from '../../src/persist/flash-context-store.js';
import { ccsCredential, ownCredential, sameIdCred, type EdhocCredential } from '../../src/edhoc/index.js';
import { EdhocResponderService, type EdhocLimits } from '../../src/layers/edhoc-responder.js';
import { edhocOscoreServerLayer, edhocResource } from '../../src/layers/edhoc-server.js';
import { decodeContextParams, encodeContextParams } from '../../src/device-image/oscore-contexts.js';
import type { DeviceSecurity } from './app.js';

export const EDHOC_OWN_KEY = utf8Encode('edhoc/own');
export const EDHOC_PEERS_KEY = utf8Encode('edhoc/peers');
const PARAMS_PREFIX = 'edhoc/p/';
const STATE_PREFIX = 'edhoc/s/';

/** What provisioning writes: the device's method, suite, credential (a CCS) and private key; the trusted clients' CCSs. */
export interface DeviceEdhocIdentity {
  method: 0 | 1 | 2 | 3;
  suite: number;
  ccs: Uint8Array;
  privateKey: Uint8Array;
  peers: Uint8Array[];
}

/** Write the device's EDHOC identity into its flash log (provisioning; never over an existing one). */
export function provisionEdhoc(records: RecordLog, id: DeviceEdhocIdentity): void {
  if (records.has(EDHOC_OWN_KEY)) throw new LoadError('an EDHOC identity is already provisioned');
  records.append(EDHOC_PEERS_KEY, encodeCbor(id.peers));
  records.append(EDHOC_OWN_KEY, encodeCbor([id.method, id.suite, id.ccs, id.privateKey]));
}

export function readEdhocIdentity(records: RecordLog): DeviceEdhocIdentity | undefined {
  const own = records.read(EDHOC_OWN_KEY);
  if (!own) return undefined;
  const o = decodeCborItem(own) as CborItem[];
  const peersBody = records.read(EDHOC_PEERS_KEY);
  const peers = peersBody ? (decodeCborItem(peersBody) as CborItem[]) : [];
  if (!Array.isArray(o) || o.length !== 4 || !(o[2] instanceof Uint8Array) || !(o[3] instanceof Uint8Array) || !peers.every((p) => p instanceof Uint8Array)) throw new LoadError('stored EDHOC identity: unknown format');
  return { method: o[0] as 0 | 1 | 2 | 3, suite: o[1] as number, ccs: o[2], privateKey: o[3], peers: peers as Uint8Array[] };
}

export interface DeviceEdhocOptions {
  crypto: AsymmetricCrypto;
  random: RandomSource;
  clock: Clock;
  log(line: string): void;
  limits?: Partial<EdhocLimits>;
}

/** The `security` hook of startDeviceApp: EDHOC (when the flash holds an identity) beside the stored context. */
export function edhocSecurity(o: DeviceEdhocOptions): (records: RecordLog, lookup: ContextLookup) => DeviceSecurity {
  return (records, lookup) => {
    const id = readEdhocIdentity(records);
    if (!id) throw new LoadError('no EDHOC identity provisioned on this partition');
    const own = ownCredential(ccsCredential(id.ccs, 'kid'), id.privateKey);
    // Trusted clients, by kid or by value (§3.5.3).
    const peers: EdhocCredential[] = [];
    for (const ccs of id.peers) {
      peers.push(ccsCredential(ccs, 'value'));
      try {
        peers.push(ccsCredential(ccs, 'kid'));
      } catch {
        // a credential without a kid can only be sent by value
      }
    }
    const trust = (idCred: EdhocCredential['idCred']) => peers.find((p) => sameIdCred(p.idCred, idCred));
    const open: SecurityContext[] = [];
    const keysOf = (rid: Uint8Array) => ({ params: utf8Encode(PARAMS_PREFIX + toHex(rid)), state: utf8Encode(STATE_PREFIX + toHex(rid)) });
    const service = new EdhocResponderService({
      crypto: o.crypto,
      random: o.random,
      clock: o.clock,
      identity: () => ({ method: id.method, suites: [id.suite], own }),
      trust,
      // App. A.1 → the same flash log as any context: parameters, then a fresh FlashContextStore.
      establish: (params) => {
        const k = keysOf(params.recipientId);
        records.append(k.params, encodeContextParams(params));
        if (records.has(k.state)) records.delete(k.state);
        FlashContextStore.create(records, k.state);
        const c = new SecurityContext(params, { store: FlashContextStore.open(records, k.state) });
        open.push(c);
        return c;
      },
      retire: (c) => {
        c.close();
        const k = keysOf(c.recipientId);
        records.delete(k.params);
        records.delete(k.state);
        open.splice(open.indexOf(c), 1);
      },
      recipientIdInUse: (rid) => lookup(rid, undefined) !== undefined,
      limits: { maxHandshakes: 4, maxHandshakesPerPeer: 2, maxContexts: 4, echoThreshold: 2, ...o.limits },
      trace: o.log,
    });
    // Contexts established before this boot come back from flash (sequence and window by App. B.1 rules).
    for (const key of records.keys()) {
      const name = utf8Decode(key);
      if (!name.startsWith(PARAMS_PREFIX)) continue;
      const params = decodeContextParams(records.read(key)!);
      const state = utf8Encode(STATE_PREFIX + name.slice(PARAMS_PREFIX.length));
      if (!records.has(state)) FlashContextStore.create(records, state);
      const c = new SecurityContext(params, { store: FlashContextStore.open(records, state) });
      open.push(c);
      service.adopt(c);
      o.log('EDHOC context from flash: Recipient ID ' + toHex(c.recipientId) + ', Sender ID ' + toHex(c.senderId) + ', next seq ' + c.sequence.next);
    }
    o.log('EDHOC responder: method ' + id.method + ', suite ' + id.suite + ', ' + id.peers.length + ' trusted client credential(s)');
    return {
      layer: edhocOscoreServerLayer(service, { lookup, clock: o.clock, random: o.random }),
      addResources: (endpoint) => endpoint.resource('/.well-known/edhoc', { POST: edhocResource(service) }),
      shutdown() {
        service.clear();
        for (const c of open) c.close();
      },
    };
  };
}
