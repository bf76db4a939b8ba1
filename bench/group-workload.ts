/**
 * Group OSCORE workload for bench/group.bench.ts (Node and XS): a client and a server of a
 * three-member group (test/fuzz/group-world.ts keys), a GET /temp with a 64-byte payload protected
 * in group mode (countersignature) and in pairwise mode, and verified by the server. Requests are
 * protected ahead of time for the verify measurements, each with a fresh Partial IV (the replay
 * window refuses repeats), and cycled through fresh servers when used up.
 */
import type { SignatureAlgorithmId } from '../src/crypto/asymmetric.js';
import { Code, MessageType } from '../src/coap/numbers.js';
import { Option } from '../src/coap/option-registry.js';
import { utf8Encode } from '../src/bytes.js';
import type { Message } from '../src/coap/message.js';
import { protectGroupRequest, unprotectGroupRequest, type GroupMode } from '../src/group/index.js';
import { makeMembers, memberContext, MEMBER_IDS } from '../test/fuzz/group-world.js';

const request = (): Message => ({
  type: MessageType.NON,
  code: Code.POST,
  messageId: 1,
  token: Uint8Array.of(1, 2, 3, 4),
  options: [{ number: Option.URI_PATH, value: utf8Encode('temp') }],
  payload: new Uint8Array(64).fill(0x2a),
});

export function groupWorkload(sig: SignatureAlgorithmId, batch: number) {
  const keyed = makeMembers(sig, 31);
  const client = memberContext(keyed, 0, sig);
  const made = (mode: GroupMode) => Array.from({ length: batch }, () => protectGroupRequest(client, request(), mode, mode === 'pairwise' ? MEMBER_IDS[1] : undefined).message);
  const queues: Record<GroupMode, Message[]> = { group: made('group'), pairwise: made('pairwise') };
  const next: Record<GroupMode, number> = { group: 0, pairwise: 0 };
  // One server per mode (both modes share a member's replay window), with the pairwise keys already
  // derived (one ECDH per member, as a running group would have them): fresh when its batch is used up.
  const freshServer = () => {
    const s = memberContext(keyed, 1, sig);
    s.recipient(MEMBER_IDS[0])!.pairwiseKeys(s);
    return s;
  };
  const servers: Record<GroupMode, ReturnType<typeof memberContext>> = { group: freshServer(), pairwise: freshServer() };
  client.recipient(MEMBER_IDS[1])!.pairwiseKeys(client);
  return {
    protect: (mode: GroupMode) => () => void protectGroupRequest(client, request(), mode, mode === 'pairwise' ? MEMBER_IDS[1] : undefined),
    verify: (mode: GroupMode) => () => {
      if (next[mode] === batch) {
        servers[mode] = freshServer();
        next[mode] = 0;
      }
      unprotectGroupRequest(servers[mode], queues[mode][next[mode]++]);
    },
    wireBytes: (mode: GroupMode) => queues[mode][0].payload.length,
  };
}
