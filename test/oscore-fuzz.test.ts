/**
 * Seeded fuzzing of the OSCORE receive path (same seeds, same inputs on Node and XS).
 * - The OSCORE option decoder either throws DecodeError or returns fields that re-encode to the
 *   same bytes (the encoding is canonical: nothing is silently misread).
 * - Mutated protected requests and responses (bit flips, truncation, insertion, byte swaps) either
 *   verify to exactly the original plaintext — only possible when the mutation hit an unprotected
 *   field — or throw an OSCORE error, with the receiving context unchanged.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fromHex, toHex, utf8Encode } from '../src/bytes.js';
import { createMessage, type Message } from '../src/coap/message.js';
import { decodeMessage, encodeMessage } from '../src/coap/codec.js';
import { Option, oscoreClassOf } from '../src/coap/option-registry.js';
import { Code } from '../src/coap/numbers.js';
import { DecodeError, MessageFormatError, OscoreError } from '../src/errors.js';
import { Prng } from '../src/sim/prng.js';
import { SecurityContext } from '../src/oscore/context.js';
import { MemoryContextStore } from '../src/oscore/store.js';
import { decodeOscoreOption, encodeOscoreOption } from '../src/oscore/option.js';
import { protectRequest, protectResponse } from '../src/oscore/protect.js';
import { unprotectRequest, unprotectResponse, contextLookup } from '../src/oscore/unprotect.js';

const SEEDS = [11, 12];

function mutate(rng: Prng, b: Uint8Array): Uint8Array {
  let out = b.slice();
  const n = 1 + rng.int(3);
  for (let k = 0; k < n; k++) {
    const what = rng.int(4);
    if (what === 0 && out.length > 0) out[rng.int(out.length)] ^= 1 << rng.int(8);
    else if (what === 1 && out.length > 0) out = out.slice(0, rng.int(out.length));
    else if (what === 2) {
      const at = rng.int(out.length + 1);
      const ins = new Uint8Array(out.length + 1);
      ins.set(out.subarray(0, at));
      ins[at] = rng.int(256);
      ins.set(out.subarray(at), at + 1);
      out = ins;
    } else if (out.length > 0) out[rng.int(out.length)] = rng.int(256);
  }
  return out;
}

/** What authentication covers: the inner code, options and payload (Class U options are outer by design). */
const innerView = (m: Message) => m.code + '|' + m.options.filter((o) => oscoreClassOf(o.number) !== 'U').map((o) => o.number + '=' + toHex(o.value)).join(',') + '|' + toHex(m.payload);

describe('OSCORE fuzzing (seeded)', () => {
  it('option decoder: DecodeError or a canonical round-trip', () => {
    for (const seed of SEEDS) {
      const rng = new Prng(seed);
      let decoded = 0;
      for (let i = 0; i < 4000; i++) {
        const bytes = rng.bytes(rng.int(12));
        // Bias towards plausible flag bytes so the field parsers are reached.
        if (bytes.length > 0 && rng.int(2) === 0) bytes[0] &= 0x1f;
        let v;
        try {
          v = decodeOscoreOption(bytes);
        } catch (e) {
          assert.ok(e instanceof DecodeError, 'unexpected ' + String(e));
          continue;
        }
        decoded++;
        assert.equal(toHex(encodeOscoreOption(v)), toHex(bytes));
      }
      assert.ok(decoded > 500, 'enough valid values were generated: ' + decoded);
    }
  });

  it('mutated requests and responses: the original plaintext or an OSCORE error, state unchanged', () => {
    const params = { masterSecret: fromHex('0102030405060708090a0b0c0d0e0f10'), masterSalt: fromHex('9e7ca92223786340'), senderId: fromHex('01'), recipientId: fromHex('0203'), idContext: fromHex('37cb') };
    const client = new SecurityContext(params);
    const server = new SecurityContext({ ...params, senderId: params.recipientId, recipientId: params.senderId });
    const lookup = contextLookup([server]);
    const plainRequest = createMessage({ code: Code.PUT, messageId: 9, token: fromHex('0102'), options: [{ number: Option.URI_HOST, value: utf8Encode('h') }, { number: Option.URI_PATH, value: utf8Encode('x') }, { number: Option.CONTENT_FORMAT, value: new Uint8Array(0) }], payload: utf8Encode('payload!') });
    const req = protectRequest(client, plainRequest);
    const reqBytes = encodeMessage(req.message);
    const verified = unprotectRequest(decodeMessage(reqBytes), lookup);
    const respBytes = encodeMessage(protectResponse(createMessage({ code: Code.CHANGED, token: fromHex('0102'), payload: utf8Encode('done') }), verified.binding));
    const expectRequest = innerView(plainRequest);
    const outcomes = { ok: 0, oscore: 0, format: 0 };
    for (const seed of SEEDS) {
      const rng = new Prng(seed);
      for (let i = 0; i < 400; i++) {
        server.replayWindow.restore('fresh');
        const before = JSON.stringify(server.replayWindow.snapshot()) + server.sequence.next;
        let m: Message;
        try {
          m = decodeMessage(mutate(rng, reqBytes));
        } catch (e) {
          assert.ok(e instanceof MessageFormatError);
          outcomes.format++;
          continue;
        }
        try {
          const r = unprotectRequest(m, lookup);
          assert.equal(innerView(r.message), expectRequest, 'a mutated request verified to something else');
          outcomes.ok++;
        } catch (e) {
          assert.ok(e instanceof OscoreError, 'unexpected ' + String(e));
          assert.equal(JSON.stringify(server.replayWindow.snapshot()) + server.sequence.next, before);
          outcomes.oscore++;
        }
        let resp: Message;
        try {
          resp = decodeMessage(mutate(rng, respBytes));
        } catch (e) {
          assert.ok(e instanceof MessageFormatError);
          continue;
        }
        try {
          const r = unprotectResponse(resp, req.binding);
          assert.equal(r.message.code, Code.CHANGED);
          assert.equal(toHex(r.message.payload), toHex(utf8Encode('done')));
        } catch (e) {
          assert.ok(e instanceof OscoreError, 'unexpected ' + String(e));
          assert.equal(req.binding.notificationNumber, undefined);
        }
      }
    }
    assert.ok(outcomes.oscore > 300, JSON.stringify(outcomes));
  });
});
