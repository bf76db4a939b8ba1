/**
 * XS side of bench/edhoc.bench.ts: computrons (xsnap metering) of the Responder's part of one
 * EDHOC handshake (handleMessage1 → message_2, handleMessage3 → result, then the OSCORE
 * parameters) per cipher suite 0–3, for method 3 (static DH both sides) and method 0 (signatures),
 * on the default crypto (@noble/curves). The Initiator's work runs outside the meter. Each figure
 * is the median of `REPS` handshakes with fresh keys (EdDSA/X25519 cost does not depend on the key;
 * P-256 varies a little with it).
 */
import { meter } from '../../test/harness/xs-meter.js';
import { report } from '../xs-report.js';
import { makeParties } from '../../test/edhoc-support.js';
import type { EdhocMethod } from '../../src/edhoc/index.js';

declare const REPS_OVERRIDE: number | undefined;
const REPS = typeof REPS_OVERRIDE === 'number' ? REPS_OVERRIDE : 5;

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[s.length >> 1];
}

const out: Record<string, number> = {};
for (const method of [3, 0] as EdhocMethod[]) {
  for (const suite of [0, 1, 2, 3]) {
    const m1s: number[] = [];
    const m3s: number[] = [];
    for (let k = 0; k < REPS; k++) {
      const { initiator, responder } = makeParties(method, suite, 100 + k);
      const m1 = initiator.message1();
      let m2: Uint8Array = new Uint8Array(0);
      m1s.push(meter(() => { m2 = responder.handleMessage1(m1); })!);
      const m3 = initiator.handleMessage2(m2);
      m3s.push(meter(() => { responder.handleMessage3(m3).oscore(); })!);
    }
    out[`m${method}-s${suite}-message1`] = median(m1s);
    out[`m${method}-s${suite}-message3`] = median(m3s);
    const totals = m1s.map((v, i) => v + m3s[i]);
    out[`m${method}-s${suite}-min`] = Math.min(...totals);
    out[`m${method}-s${suite}-max`] = Math.max(...totals);
  }
}
report(out);
