import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fromHex, toHex } from '../src/bytes.js';
import { EdhocFramingError, connectionIdPayload, encodeConnectionId, errorCodeOf, message1Payload, parseEdhocRequest, peekInitiatorConnectionId, readConnectionId, splitCombinedPayload, unspecifiedErrorMessage } from '../src/layers/edhoc-wire.js';
import { OPTIONS, Option } from '../src/coap/option-registry.js';

// RFC 9529: trace 1 message_1 (method 0, suite 0, C_I = −14 = 0x2d), trace 2's first message_1
// (suite 6, C_I = 14 = 0x0e) and its second one after the SUITES_R error (SUITES_I [6, 2], C_I = −24 = 0x37).
const TRACE1_MESSAGE_1 = fromHex('0000582031f82c7b5b9cbbf0f194d913cc12ef1532d328ef32632a4881a1c0701e237f042d');
const TRACE2_MESSAGE_1A = fromHex('03065820741a13d7ba048fbb615e94386aa3b61bea5b3d8f65f32620b749bee8d278efa90e');
const TRACE2_MESSAGE_1 = fromHex('038206025820' + '8af6f430ebe18d34184017a9a11bf511c8dff8f834730b96c1b7c8dbca2fc3b637');

describe('EDHOC over CoAP: framing (RFC 9528 App. A.2, §3.3.2; RFC 9668 §3.2)', () => {
  it('connection identifiers: one-byte CBOR ints −24..23 go as ints, everything else as byte strings', () => {
    assert.equal(toHex(encodeConnectionId(fromHex('37'))), '37'); // −24
    assert.equal(toHex(encodeConnectionId(fromHex('17'))), '17'); // 23
    assert.equal(toHex(encodeConnectionId(fromHex('18'))), '4118'); // 0x18 is no complete int encoding
    assert.equal(toHex(encodeConnectionId(fromHex('38'))), '4138');
    assert.equal(toHex(encodeConnectionId(new Uint8Array(0))), '40');
    assert.equal(toHex(encodeConnectionId(fromHex('0a0b'))), '420a0b');
    for (const id of ['00', '17', '20', '37', '18', '0a0b', '']) {
      const enc = encodeConnectionId(fromHex(id));
      const back = readConnectionId(enc, 0);
      assert.equal(toHex(back.id), id);
      assert.equal(back.end, enc.length);
    }
    assert.throws(() => readConnectionId(fromHex('1818'), 0), EdhocFramingError); // 24: not a one-byte int
    assert.throws(() => readConnectionId(fromHex('60'), 0), EdhocFramingError); // text
    assert.throws(() => readConnectionId(fromHex('43aabb'), 0), EdhocFramingError); // truncated
  });

  it('message_1 goes after CBOR true; later messages after C_R', () => {
    const p = message1Payload(TRACE2_MESSAGE_1);
    assert.equal(p[0], 0xf5);
    const parsed = parseEdhocRequest(p);
    assert.equal(parsed.kind, 'message_1');
    assert.equal(toHex(parsed.message), toHex(TRACE2_MESSAGE_1));
    const m3 = fromHex('4a0102030405060708090a');
    const q = parseEdhocRequest(connectionIdPayload(fromHex('27'), m3));
    assert.equal(q.kind, 'by-connection-id');
    if (q.kind === 'by-connection-id') {
      assert.equal(toHex(q.connectionId), '27');
      assert.equal(toHex(q.message), toHex(m3));
    }
    assert.throws(() => parseEdhocRequest(new Uint8Array(0)), EdhocFramingError);
    assert.throws(() => parseEdhocRequest(fromHex('a0')), EdhocFramingError);
  });

  it('C_I of message_1 is found without processing the message (RFC 9529 traces)', () => {
    assert.equal(toHex(peekInitiatorConnectionId(TRACE1_MESSAGE_1)), '2d');
    assert.equal(toHex(peekInitiatorConnectionId(TRACE2_MESSAGE_1A)), '0e');
    assert.equal(toHex(peekInitiatorConnectionId(TRACE2_MESSAGE_1)), '37');
    // A byte-string C_I.
    assert.equal(toHex(peekInitiatorConnectionId(fromHex('0382060241aa420a0b'))), '0a0b');
    for (const bad of ['', '03', '0360', '038141aa', '0302', '03025820', 'f5', '03024100']) assert.throws(() => peekInitiatorConnectionId(fromHex(bad)), EdhocFramingError, bad);
  });

  it('combined request payload: message_3 (one byte string) first, then the OSCORE payload', () => {
    const s = splitCombinedPayload(fromHex('43aabbcc' + '0102'));
    assert.equal(toHex(s.message3), '43aabbcc');
    assert.equal(toHex(s.oscorePayload), '0102');
    for (const bad of ['', '43aabbcc', '43aabb', '01', '5f']) assert.throws(() => splitCombinedPayload(fromHex(bad)), EdhocFramingError, bad);
  });

  it('EDHOC error messages: ERR_CODE 1 with a text ERR_INFO (§6.2); error codes are read back', () => {
    const e = unspecifiedErrorMessage('no');
    assert.equal(toHex(e), '01626e6f');
    assert.equal(errorCodeOf(e), 1);
    assert.equal(errorCodeOf(unspecifiedErrorMessage('x'.repeat(40))), 1);
    assert.equal(unspecifiedErrorMessage('x'.repeat(40))[1], 0x78); // text head with a 1-byte length
    assert.equal(errorCodeOf(fromHex('0203')), 2);
    assert.equal(errorCodeOf(fromHex('4101')), undefined); // a byte string: message_2 or _3, not an error
    assert.equal(errorCodeOf(new Uint8Array(0)), undefined);
  });

  it('the EDHOC option (21) is in the registry: critical, empty, class U (RFC 9668 §3.1)', () => {
    const spec = OPTIONS.find((o) => o.number === Option.EDHOC)!;
    assert.equal(spec.name, 'EDHOC');
    assert.equal(spec.format, 'empty');
    assert.equal(spec.oscoreClass, 'U');
    assert.equal(spec.number & 1, 1); // critical
  });
});
