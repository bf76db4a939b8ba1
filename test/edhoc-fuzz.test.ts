/**
 * Fuzzing of the EDHOC decoders and state machines (test/fuzz/targets-edhoc.ts), fixed seeds, both
 * engines: typed errors only, state unchanged on refusal, acceptance only of the genuine message.
 * `npm run fuzz` runs the same targets with 10^6 inputs each.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runTarget } from './fuzz/target.js';
import { edhocDecodersTarget, edhocInitiatorTarget, edhocResponderTarget } from './fuzz/targets-edhoc.js';

const onXs = process.env.XS === '1';

describe('fuzz: EDHOC', () => {
  it('decoders: CborDecodeError only, message_1 canonical', () => {
    const c = runTarget(edhocDecodersTarget, 0xed0001, onXs ? 1500 : 6000);
    for (const k of ['message_1', 'm1-CborDecodeError', 'pt2', 'bstr']) assert.ok(c[k] > 0, k + ' never reached: ' + JSON.stringify(c));
  });
  it('Responder: EdhocError only, state unchanged on refusal, only the genuine message_3 accepted', () => {
    const c = runTarget(edhocResponderTarget, 0xed0002, onXs ? 60 : 400);
    for (const k of ['m1-EdhocError', 'm3-EdhocError']) assert.ok(c[k] > 0, k + ' never reached: ' + JSON.stringify(c));
  });
  it('Initiator: EdhocError/EdhocPeerError only, state unchanged on refusal, only the genuine message_2 accepted', () => {
    const c = runTarget(edhocInitiatorTarget, 0xed0003, onXs ? 40 : 300);
    for (const k of ['EdhocError', 'EdhocPeerError']) assert.ok(c[k] > 0, k + ' never reached: ' + JSON.stringify(c));
  });
});
