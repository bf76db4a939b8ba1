/**
 * Fault injection across the stack (test/fuzz/faults.ts): a client/server pair on the simulated
 * network with the server's contexts on simulated NOR flash; power cuts (during flash writes, boot
 * recovery and clean close), kills, 0–30 % loss/duplication/reordering, clock jumps. After every
 * cycle: no nonce reused, no replay accepted, persisted state loads, service resumes.
 * `npm run fuzz` (scripts/faults.mjs) runs ≥ 10^4 cycles.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runFaults } from './fuzz/faults.js';

const onXs = process.env.XS === '1';

describe('fault injection across the stack', () => {
  it('seeded cycles: no nonce reuse, no replay accepted, state loads, service resumes', async () => {
    const s = await runFaults(0xfa17, onXs ? 120 : 400);
    assert.equal(s.resumeChecks, 2 * s.cycles);
    assert.ok(s.powerCuts + s.cutsDuringBoot > 3 && s.kills > 0 && s.succeeded > s.cycles, JSON.stringify(s));
  });
});
