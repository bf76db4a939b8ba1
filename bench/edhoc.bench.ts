/**
 * EDHOC benchmarks: computrons of the Responder's side of a handshake on XS (xsnap) per cipher
 * suite, for method 3 (static DH) and method 0 (signatures), on the default @noble/curves crypto.
 * Computrons are deterministic for the same code and inputs (no spread to report).
 */
import { runOnXs, fmt, type Section } from './harness.js';
import type { EdhocMethod } from '../src/edhoc/index.js';

const SUITES: Record<number, string> = { 0: 'X25519, EdDSA, AES-CCM-16-64-128', 1: 'X25519, EdDSA, AES-CCM-16-128-128', 2: 'P-256, ES256, AES-CCM-16-64-128', 3: 'P-256, ES256, AES-CCM-16-128-128' };

export default async (): Promise<Section[]> => {
  const xs = (await runOnXs('bench/xs/edhoc-entry.ts')) as Record<string, number>;
  const rows: (string | number)[][] = [];
  for (const method of [3, 0] as EdhocMethod[]) {
    for (const suite of [0, 1, 2, 3]) {
      const m1 = xs[`m${method}-s${suite}-message1`];
      const m3 = xs[`m${method}-s${suite}-message3`];
      rows.push(['method ' + method + ', suite ' + suite + ' (' + SUITES[suite] + ')', fmt(m1), fmt(m3), fmt(m1 + m3), fmt(xs[`m${method}-s${suite}-min`]) + ' – ' + fmt(xs[`m${method}-s${suite}-max`])]);
    }
  }
  return [
    {
      title: 'EDHOC handshake: Responder computrons on XS per cipher suite',
      command: 'npm run bench -- edhoc',
      columns: ['method, suite', 'message_1 → message_2 (computrons)', 'message_3 → OSCORE (computrons)', 'Responder total (computrons)', 'total, min – max over the 5 key sets'],
      rows,
      notes:
        'Default crypto (@noble/curves) on xsnap; median of 5 handshakes with fresh keys per row. Method 3 = static DH on both sides, method 0 = signatures (EdDSA for suites 0/1, ES256 for 2/3). The device build uses the SDK\'s native P-256 instead (suites 2/3 only): a method-3/suite-2 handshake, both sides, takes 54 ms in mcsim (test/device-edhoc-mcsim.node.test.ts prints it); computrons do not apply there.',
    },
  ];
};
