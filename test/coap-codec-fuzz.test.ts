import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessage, encodeMessage } from '../src/coap/codec.js';
import { createMessage } from '../src/coap/message.js';
import { Prng } from '../src/sim/prng.js';
import { MessageFormatError } from '../src/errors.js';
import { toHex, utf8Encode } from '../src/bytes.js';
import { simWorld } from './coap-support.js';

/**
 * Seeded fuzzing of the decoder (random and mutated datagrams). The property: decoding either
 * throws MessageFormatError or returns a message whose re-encoding is the same bytes (CoAP's
 * option encoding is canonical), so nothing is silently misread.
 */
const SEEDS = [1, 2, 3];
const PER_SEED = 3000;

function validSamples(): Uint8Array[] {
  const o = (number: number, s: string) => ({ number, value: utf8Encode(s) });
  return [
    createMessage({ code: 1, messageId: 0x1234, token: utf8Encode('tok'), options: [o(11, 'sensors'), o(11, 'temp'), o(15, 'a=1')] }),
    createMessage({ type: 2, code: 0x45, messageId: 7, token: new Uint8Array(8), options: [o(12, ''), o(23, 'x'), o(60, 'y')], payload: utf8Encode('hello world') }),
    createMessage({ code: 2, options: [o(9, '\x09\x01'), o(300, 'z'.repeat(20)), o(2000, 'q'.repeat(300))], payload: new Uint8Array(40) }),
    createMessage({ type: 3, code: 0 }),
  ].map(encodeMessage);
}

function mutate(rng: Prng, b: Uint8Array): Uint8Array {
  let out = b.slice();
  const n = 1 + rng.int(4);
  for (let i = 0; i < n; i++) {
    const k = rng.int(5);
    if (k === 0 && out.length) out[rng.int(out.length)] ^= 1 << rng.int(8);
    else if (k === 1 && out.length) out[rng.int(out.length)] = rng.int(256);
    else if (k === 2) out = out.subarray(0, rng.int(out.length + 1)).slice();
    else if (k === 3) {
      const at = rng.int(out.length + 1);
      const ins = rng.bytes(1 + rng.int(4));
      const x = new Uint8Array(out.length + ins.length);
      x.set(out.subarray(0, at));
      x.set(ins, at);
      x.set(out.subarray(at), at + ins.length);
      out = x;
    } else if (out.length > 4) out[4 + rng.int(out.length - 4)] = [0xff, 0xdd, 0xee, 0xd0, 0xe0, 0x0f, 0xf0][rng.int(7)];
  }
  return out;
}

function check(bytes: Uint8Array, counts: { ok: number; rejected: number }): void {
  let m;
  try {
    m = decodeMessage(bytes);
  } catch (e) {
    if (!(e instanceof MessageFormatError)) throw new Error('decoder threw ' + String(e) + ' on ' + toHex(bytes));
    counts.rejected++;
    return;
  }
  counts.ok++;
  assert.equal(toHex(encodeMessage(m)), toHex(bytes), 're-encoding differs');
}

describe('coap codec fuzz (seeded)', () => {
  it('random datagrams: only MessageFormatError, and accepted ones re-encode byte-identically', () => {
    for (const seed of SEEDS) {
      const rng = new Prng(seed);
      const counts = { ok: 0, rejected: 0 };
      for (let i = 0; i < PER_SEED; i++) {
        const b = rng.bytes(rng.int(48));
        if (b.length && rng.int(2)) b[0] = 0x40 | (b[0] & 0x3f); // version 1 half the time
        check(b, counts);
      }
      assert.ok(counts.ok > 40 && counts.rejected > 100, JSON.stringify(counts));
    }
  });

  it('mutated valid datagrams: only MessageFormatError, and accepted ones re-encode byte-identically', () => {
    const samples = validSamples();
    for (const seed of SEEDS) {
      const rng = new Prng(seed + 100);
      const counts = { ok: 0, rejected: 0 };
      for (let i = 0; i < PER_SEED; i++) check(mutate(rng, samples[rng.int(samples.length)]), counts);
      assert.ok(counts.ok > 100 && counts.rejected > 100, JSON.stringify(counts));
    }
  });

  it('an endpoint fed fuzzed datagrams never throws and keeps serving', async () => {
    const w = simWorld();
    const srv = w.endpoint('srv');
    let calls = 0;
    srv.resource('/x', { GET: () => ({ payload: String(++calls) }) });
    const p = w.network.port('fuzz', 1);
    p.onReceive(() => {});
    const rng = new Prng(42);
    const samples = validSamples();
    for (let i = 0; i < 2000; i++) p.send(i & 1 ? mutate(rng, samples[rng.int(samples.length)]) : rng.bytes(rng.int(40)), 'srv', 5683);
    await w.clock.advanceAsync(300_000);
    assert.ok(srv.messaging.stats.malformed > 500);
    const cli = w.endpoint('cli');
    const res = cli.request({ uri: 'coap://srv/x' });
    await w.clock.advanceAsync(100);
    assert.equal((await res).codeString, '2.05');
  });
});
