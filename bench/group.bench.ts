/**
 * Group OSCORE benchmark (RFC 10021): protecting a request in group mode (AES-CCM-16-64-128 plus
 * the countersignature and its keystream) and verifying it, against pairwise mode (the same AEAD,
 * no signature), for EdDSA/Ed25519 and ES256/P-256 on @noble/curves — XS computrons and Node ops/s.
 */
import { opsPerSecond, runOnXs, fmt, type Section } from './harness.js';
import { groupWorkload } from './group-workload.js';

export default async (): Promise<Section[]> => {
  const xs = (await runOnXs('bench/xs/group-entry.ts')) as Record<string, number>;
  const rows: string[][] = [];
  for (const sig of [-8, -7] as const) {
    const w = groupWorkload(sig, 400);
    for (const mode of ['group', 'pairwise'] as const) {
      let protect = 0, verify = 0;
      for (let round = 0; round < 3; round++) {
        protect = Math.max(protect, opsPerSecond(w.protect(mode), 200));
        verify = Math.max(verify, opsPerSecond(w.verify(mode), 200));
      }
      const name = (sig === -8 ? 'EdDSA/Ed25519' : 'ES256/P-256') + ', ' + mode + ' mode';
      rows.push([name, String(w.wireBytes(mode)), fmt(xs[sig + ':' + mode + ':protect']), fmt(xs[sig + ':' + mode + ':verify']), fmt(protect), fmt(verify)]);
    }
  }
  return [
    {
      title: 'Group OSCORE request protect and verify, POST with 64-byte payload (AES-CCM-16-64-128), group mode (signature included) and pairwise mode',
      command: 'npm run bench -- group',
      columns: ['signature, mode', 'payload bytes on the wire', 'XS computrons protect', 'XS computrons verify', 'Node protect ops/s', 'Node verify ops/s'],
      rows,
      notes: 'Message level (no datagram codec). Group mode: AEAD + CounterSignature0 over the group external_aad and the ciphertext, its HKDF keystream; verify decrypts, then checks the signature. Pairwise mode: the pairwise key (derived once per member by ECDH-SS, not in the figures) and no signature. Signatures on @noble/curves in JavaScript (Node and xsnap); on the ESP32 the SDK\'s native P-256 replaces them (not measured here). XS: computrons per operation, mean of 4 (deterministic); Node: best of three 200 ms rounds.',
    },
  ];
};
