import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessage, encodeMessage, encodeOptionsAndPayload, readOptionsAndPayload, firstUnknownCriticalOption } from '../src/coap/codec.js';
import { createMessage, type Message } from '../src/coap/message.js';
import { MessageType, Code } from '../src/coap/numbers.js';
import { fromHex, toHex, utf8Encode } from '../src/bytes.js';
import { MessageFormatError } from '../src/errors.js';
import { OPTIONS, Option, isKnownOption, optionSpec, oscoreClassOf } from '../src/coap/option-registry.js';

const E = new Uint8Array(0);
const opt = (number: number, value: Uint8Array | string = E) => ({ number, value: typeof value === 'string' ? utf8Encode(value) : value });

function fails(hex: string, re: RegExp, mid?: number) {
  assert.throws(() => decodeMessage(fromHex(hex)), (e: unknown) => e instanceof MessageFormatError && re.test(e.message) && (mid === undefined || e.messageId === mid));
}

describe('coap codec (RFC 7252 §3)', () => {
  it('decodes the RFC 7252 Appendix A style GET /temperature', () => {
    const m = decodeMessage(fromHex('40017d34bb74656d7065726174757265'));
    assert.equal(m.type, MessageType.CON);
    assert.equal(m.code, Code.GET);
    assert.equal(m.messageId, 0x7d34);
    assert.equal(m.token.length, 0);
    assert.deepEqual(m.options, [opt(11, 'temperature')]);
    assert.equal(m.payload.length, 0);
  });

  it('every header field: version, 4 types, code, message ID extremes, token lengths 0–8', () => {
    for (const type of [MessageType.CON, MessageType.NON, MessageType.ACK, MessageType.RST]) {
      for (const messageId of [0, 1, 0x7fff, 0xffff]) {
        for (let tkl = 0; tkl <= 8; tkl++) {
          const token = new Uint8Array(tkl).map((_, i) => i * 37 + 1);
          const m = createMessage({ type, code: Code.CONTENT, messageId, token });
          const b = encodeMessage(m);
          assert.equal(b[0], 0x40 | (type << 4) | tkl);
          assert.equal(b[1], 0x45);
          assert.equal((b[2] << 8) | b[3], messageId);
          assert.deepEqual(decodeMessage(b), m);
        }
      }
    }
    for (let c = 0; c < 256; c += 17) assert.equal(decodeMessage(encodeMessage(createMessage({ code: c || 1, messageId: 1 }))).code, c || 1);
  });

  it('rejects version != 1, reserved token lengths 9–15, and truncated headers/tokens', () => {
    fails('00010001', /unknown version 0/, 1);
    fails('80010001', /unknown version 2/, 1);
    fails('c0010001', /unknown version 3/);
    for (let tkl = 9; tkl <= 15; tkl++) fails((0x40 | tkl).toString(16) + '010002' + '00'.repeat(tkl), /token length/, 2);
    fails('', /shorter/);
    fails('400100', /shorter/);
    fails('42010003aa', /truncated token/, 3);
  });

  it('option delta and length nibbles: 0–12 inline, 13 → +1 byte, 14 → +2 bytes, 15 reserved', () => {
    const cases: [number, number, string][] = [
      // [number, value length, expected first bytes of option part]
      [12, 12, 'cc'],
      [13, 13, 'dd0000'],
      [268, 0, 'd0ff'],
      [269, 0, 'e00000'],
      [270, 268, 'ed0001ff'],
      [1000, 269, 'ee02db0000'],
      [65535, 1, 'e1fef2'],
    ];
    for (const [number, len, prefix] of cases) {
      const value = new Uint8Array(len).fill(0x61);
      const part = encodeOptionsAndPayload([opt(number, value)], E);
      assert.equal(toHex(part).slice(0, prefix.length), prefix, 'option ' + number + ' len ' + len);
      assert.equal(part.length, prefix.length / 2 + len);
      const back = readOptionsAndPayload(part, 0);
      assert.equal(back.options[0].number, number);
      assert.equal(back.options[0].value.length, len);
    }
    // Successive deltas accumulate; repeated options have delta 0.
    const m = createMessage({ code: 1, messageId: 9, options: [opt(11, 'a'), opt(11, 'b'), opt(60, 'x'), opt(3, 'h'), opt(2000, '')] });
    const d = decodeMessage(encodeMessage(m));
    assert.deepEqual(d.options.map((o) => o.number), [3, 11, 11, 60, 2000]);
    assert.deepEqual(d, m);
    fails('40010001f0', /reserved option nibble/, 1);
    fails('400100010f', /reserved option nibble/, 1);
    fails('40010001d1', /truncated extended/);
    fails('40010001e100', /truncated extended/);
    fails('4001000103aabb', /runs past end/);
    fails('40010001e1fef2aae20000bbbb', /above 65535/); // 65535 + 269
  });

  it('payload marker rules: marker + payload; marker with empty payload is an error; no marker, no payload', () => {
    const m = decodeMessage(fromHex('60450001b161ff68656c6c6f'));
    assert.equal(m.type, MessageType.ACK);
    assert.deepEqual(m.payload, utf8Encode('hello'));
    fails('60450001ff', /empty payload/, 1);
    fails('60450001b161ff', /empty payload/);
    assert.equal(encodeMessage(createMessage({ code: 0x45, messageId: 1 })).length, 4);
    assert.equal(toHex(encodeMessage(createMessage({ code: 0x45, messageId: 1, payload: fromHex('00') }))), '40450001ff00');
  });

  it('Empty messages: exactly 4 bytes, no token/options/payload', () => {
    const rst = decodeMessage(fromHex('70000abc'));
    assert.equal(rst.type, MessageType.RST);
    assert.equal(rst.code, 0);
    fails('71000abcaa', /Empty message/, 0xabc);
    fails('70000abcb161', /Empty message/);
    fails('70000abcff61', /Empty message/);
  });

  it('limits: at most maxOptions options, at most maxMessageSize bytes', () => {
    const many = createMessage({ code: 1, options: Array.from({ length: 10 }, () => opt(11, 'p')) });
    const bytes = encodeMessage(many);
    assert.equal(decodeMessage(bytes, { maxOptions: 10, maxMessageSize: 1500 }).options.length, 10);
    assert.throws(() => decodeMessage(bytes, { maxOptions: 9, maxMessageSize: 1500 }), /too many options/);
    assert.throws(() => decodeMessage(bytes, { maxOptions: 10, maxMessageSize: bytes.length - 1 }), /larger than/);
  });

  it('encoder refuses what cannot be represented', () => {
    assert.throws(() => encodeMessage(createMessage({ code: 1, token: new Uint8Array(9) })), RangeError);
    assert.throws(() => encodeMessage(createMessage({ code: 1, messageId: 65536 })), RangeError);
    assert.throws(() => encodeMessage(createMessage({ code: 1, messageId: -1 })), RangeError);
    assert.throws(() => encodeMessage(createMessage({ code: 256 })), RangeError);
    const unsorted: Message = { ...createMessage({ code: 1 }), options: [opt(11, 'a'), opt(3, 'h')] };
    assert.throws(() => encodeMessage(unsorted), /not sorted/);
    assert.throws(() => encodeMessage(createMessage({ code: 1, options: [opt(65536)] })), /above 65535/);
  });

  it('§5.4.1: finds unknown critical options (odd numbers not in the registry), ignores elective ones', () => {
    assert.equal(firstUnknownCriticalOption(createMessage({ code: 1, options: [opt(11, 'a'), opt(60, '')] })), undefined);
    assert.equal(firstUnknownCriticalOption(createMessage({ code: 1, options: [opt(2048)] })), undefined); // even: elective
    assert.equal(firstUnknownCriticalOption(createMessage({ code: 1, options: [opt(11, 'a'), opt(2049)] })), 2049);
    assert.equal(firstUnknownCriticalOption(createMessage({ code: 1, options: [opt(9)] })), undefined); // OSCORE is known
  });

  it('the option registry: what the device asks (known? OSCORE class) agrees with the full table for every number', () => {
    assert.equal(OPTIONS.length, Object.keys(Option).length);
    for (const name of Object.keys(Option) as (keyof typeof Option)[]) assert.ok(optionSpec(Option[name]), name);
    for (let n = 0; n <= 0xffff; n++) {
      const spec = optionSpec(n);
      assert.equal(isKnownOption(n), spec !== undefined, 'option ' + n);
      assert.equal(oscoreClassOf(n), spec ? spec.oscoreClass : 'E', 'option ' + n); // RFC 8613 §4.1: unknown → E
    }
    // RFC 8613 Table 2 spot checks, one per class
    assert.deepEqual([oscoreClassOf(Option.URI_PATH), oscoreClassOf(Option.URI_HOST), oscoreClassOf(Option.OBSERVE)], ['E', 'U', 'EU']);
    assert.ok(OPTIONS.every((o) => Object.isFrozen(o) && ['E', 'U', 'EU'].includes(o.oscoreClass)));
  });
});
