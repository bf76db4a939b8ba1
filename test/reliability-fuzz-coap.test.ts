/**
 * Reliability fuzzing, CoAP side (fixed seed, small counts; `npm run fuzz` runs ≥ 10^6 each):
 * the datagram decoder (RFC 7252 §3), the OSCORE option parser (RFC 8613 §6.1), Block1
 * reassembly and Block2 slicing (RFC 7959). Properties in test/fuzz/targets-coap.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runTarget } from './fuzz/target.js';
import { codecTarget, oscoreOptionTarget, blockwiseTarget } from './fuzz/targets-coap.js';

const onXs = process.env.XS === '1';

describe('reliability fuzz: CoAP decoder, OSCORE option, Block-wise', () => {
  it('decoder: only MessageFormatError; accepted datagrams re-encode identically; valid messages round-trip', () => {
    const c = runTarget(codecTarget, 0x5eed01, onXs ? 800 : 3000);
    assert.ok(c.accepted > 50 && c.rejected > 200 && c.roundtrip > 50, JSON.stringify(c));
  });

  it('OSCORE option: only DecodeError; accepted values are canonical', () => {
    const c = runTarget(oscoreOptionTarget, 0x5eed02, onXs ? 1500 : 5000);
    assert.ok(c.accepted > 100 && c.rejected > 100, JSON.stringify(c));
  });

  it('Block1 reassembly under hostile blocks: never throws, memory within limits, honest bodies intact', () => {
    const c = runTarget(blockwiseTarget, 0x5eed03, onXs ? 400 : 600);
    assert.ok(c['honest-complete'] > 10 && c['error-8d'] > 0 && c['error-88'] > 0 && c['block2-error'] > 0, JSON.stringify(c));
  });
});
