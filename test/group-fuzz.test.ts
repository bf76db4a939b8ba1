/**
 * Fuzzing of the Group OSCORE receive path (test/fuzz/targets-group.ts), fixed seeds, both
 * engines: only typed errors, state unchanged on rejection, acceptance only of a fresh original;
 * the option decoder canonical. `npm run fuzz` runs the same targets with 10^6 inputs.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runTarget } from './fuzz/target.js';
import { unprotectGroupRequestTarget, groupOptionTarget } from './fuzz/targets-group.js';

const onXs = process.env.XS === '1';

describe('reliability fuzz: Group OSCORE', () => {
  it('group option decoder: DecodeError or a canonical round trip', () => {
    const c = runTarget(groupOptionTarget, 0x6a0001, onXs ? 2000 : 10000);
    for (const k of ['group', 'plain', 'DecodeError']) assert.ok(c[k] > 0, k + ' never reached: ' + JSON.stringify(c));
  });
  it('group and pairwise requests: typed errors only, state unchanged on rejection, never a replay or another plaintext', () => {
    const c = runTarget(unprotectGroupRequestTarget, 0x6a0002, onXs ? 60 : 600);
    for (const k of ['accepted', 'ProtectionInvalid', 'DecodeError', 'ContextUnavailable']) assert.ok(c[k] > 0, k + ' never reached: ' + JSON.stringify(c));
  });
});
