/**
 * Reliability fuzzing of OSCORE verification (RFC 8613 §8.2, §8.4, §7.4, App. B.1.2), fixed seed:
 * mutated protected requests and responses (ciphertext, tag, Partial IV, kid, kid context, flags,
 * option duplication, outer code/options, option lengths) and random payloads under known kids.
 * Properties (test/fuzz/targets-oscore.ts): only OSCORE errors; on rejection no context changes
 * (replay window, sequence, notification number); acceptance only of a fresh original.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runTarget } from './fuzz/target.js';
import { unprotectRequestTarget, unprotectResponseTarget } from './fuzz/targets-oscore.js';

const onXs = process.env.XS === '1';

describe('reliability fuzz: OSCORE unprotect', () => {
  it('requests: typed errors only, state unchanged on rejection, never a replay or another plaintext', () => {
    const c = runTarget(unprotectRequestTarget, 0x5eed11, onXs ? 600 : 2500);
    for (const k of ['accepted', 'ProtectionInvalid', 'DecodeError', 'ReplayError', 'ContextUnavailable', 'NotAProtectedMessage', 'ReplayErrorWithEcho']) assert.ok(c[k] > 0, k + ' never reached: ' + JSON.stringify(c));
  });

  it('responses and notifications: typed errors only, notification number unchanged on rejection', () => {
    const c = runTarget(unprotectResponseTarget, 0x5eed12, onXs ? 600 : 2500);
    for (const k of ['accepted', 'ProtectionInvalid', 'DecodeError', 'ReplayError']) assert.ok(c[k] > 0, k + ' never reached: ' + JSON.stringify(c));
  });
});
