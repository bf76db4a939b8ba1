/**
 * Group OSCORE on the example device (RFC 10021): the device is one member of a group and answers
 * group-mode and pairwise-mode requests (§7, §8) beside its pairwise OSCORE context. The group
 * layer sits below the OSCORE layer in the one OSCORE slot of the app: a request whose kid context
 * is the Group ID is the group's, any other goes on to the stored context unchanged.
 *
 * The member's sender sequence number reserves through a FlashContextStore ("group/s/<gid>"),
 * so a reboot never reuses a nonce (App. B.1.1); members' replay windows are not stored, so after a
 * reboot each member proves freshness with Echo once (App. B.1.2 per member).
 * Only the group device's entry imports this file: the OSCORE-only bundles stay as they are.
 */
import type { Clock, RandomSource } from '../../src/ports.js';
import { fromHex, toHex, utf8Encode } from '../../src/bytes.js';
import type { AsymmetricCrypto, SignatureAlgorithmId } from '../../src/crypto/asymmetric.js';
import type { ContextLookup } from '../../src/oscore/unprotect.js';
import type { StackLayer } from '../../src/coap/exchange.js';
import { oscoreServerLayer } from '../../src/coap/oscore-layer.js';
import { MulticastServerMessaging } from '../../src/coap/multicast-messaging.js';
import { GroupContext } from '../../src/group/context.js';
import { groupOscoreLayer } from '../../src/layers/group-oscore-layer.js';
import type { RecordLog } from '../../src/persist/record-log.js';
import { FlashContextStore } from '../../src/persist/flash-context-store.js';
import type { DeviceSecurity } from './app.js';

/** The group material as the firmware configuration carries it (hex strings, like mc/config). */
export interface DeviceGroupConfig {
  groupId: string;
  masterSecret: string;
  masterSalt?: string;
  senderId: string;
  signatureAlgorithm: SignatureAlgorithmId;
  credential: string;
  privateKey: string;
  members: { senderId: string; credential: string; publicKey: string }[];
}

export interface DeviceGroupOptions {
  crypto: AsymmetricCrypto;
  random: RandomSource;
  clock: Clock;
  log(line: string): void;
}

/** Group layer then the stored context's OSCORE layer, as one layer for the app's OSCORE slot. */
function stacked(lower: StackLayer, upper: StackLayer): StackLayer {
  return {
    name: lower.name + '+' + upper.name,
    server: (inner) => lower.server!(upper.server!(inner)),
  };
}

/** The `security` hook of startDeviceApp: the group (from the configuration) beside the stored context. */
export function groupSecurity(config: DeviceGroupConfig, o: DeviceGroupOptions): (records: RecordLog, lookup: ContextLookup) => DeviceSecurity {
  return (records, lookup) => {
    const storeKey = utf8Encode('group/s/' + config.groupId);
    const store = records.has(storeKey) ? FlashContextStore.open(records, storeKey) : FlashContextStore.create(records, storeKey);
    const group = new GroupContext(
      {
        groupId: fromHex(config.groupId),
        masterSecret: fromHex(config.masterSecret),
        masterSalt: config.masterSalt ? fromHex(config.masterSalt) : undefined,
        senderId: fromHex(config.senderId),
        signatureAlgorithm: config.signatureAlgorithm,
        credential: fromHex(config.credential),
        privateKey: fromHex(config.privateKey),
        members: config.members.map((m) => ({ senderId: fromHex(m.senderId), credential: fromHex(m.credential), publicKey: fromHex(m.publicKey) })),
      },
      { crypto: o.crypto, random: o.random, store },
    );
    o.log('group ' + toHex(group.groupId) + ': member ' + toHex(group.senderId) + ', ' + config.members.length + ' other members');
    const layer = stacked(groupOscoreLayer({ groups: [group], clock: o.clock, random: o.random }), oscoreServerLayer({ lookup, clock: o.clock, random: o.random }));
    // Group requests come to the group address (RFC 7252 §8): served by MulticastServerMessaging.
    return { layer, messaging: MulticastServerMessaging, shutdown: () => group.close() };
  };
}
