/**
 * RFC 9529 §4's invalid messages, each refused with an EDHOC error (never another exception) and
 * with the session unchanged, so the valid message still completes the handshake afterwards.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { joinBytes, toHex } from '../src/bytes.js';
import { encodeCborSequence } from '../src/cbor/encode.js';
import { EdhocError } from '../src/edhoc/index.js';
import { decodePlaintext2 } from '../src/edhoc/messages.js';
import { applyKeystream2 } from '../src/edhoc/key-schedule.js';
import { CborDecodeError } from '../src/errors.js';
import { makeParties, negotiateTrace2, trace2Parties } from './edhoc-support.js';
import { traceValue, traceHex } from './edhoc-trace-fixture.js';

const invalid = (section: string) => traceValue('invalid', section, 'Invalid');
const t2 = (section: string, label: string) => traceValue(2, section, label);

function refuses(fn: () => unknown): EdhocError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof EdhocError, 'expected an EdhocError, got ' + String(caught));
  assert.ok(caught.bytes.length > 0);
  return caught;
}

describe('RFC 9529 §4: invalid message_1s refused by the Responder, state unchanged', () => {
  const sections = [
    'Surplus array encoding of message',
    'Surplus bstr encoding of connection identifier',
    'Surplus array encoding of ciphersuite',
    'Text string encoding of ephemeral key',
    'Error in length of ephemeral key',
    'Error in elliptic curve representation',
    'Error in elliptic curve point',
    'Error in elliptic curve encoding',
    'Unnecessary long encoding',
    'Indefinite-length array encoding',
  ];
  for (const section of sections) {
    it(section, () => {
      const { responder } = trace2Parties();
      refuses(() => responder.handleMessage1(invalid(section)));
      assert.equal(responder.state, 'start');
      // The valid message_1 of trace 2 still gets the trace's message_2.
      assert.equal(toHex(responder.handleMessage1(t2('message_1 (second time)', 'message_1'))), traceHex(2, 'message_2', 'message_2'));
    });
  }
  it('Curve point of low order (X25519, suite 0): the all-zero shared secret is refused', () => {
    const { responder } = makeParties(3, 0);
    const e = refuses(() => responder.handleMessage1(invalid('Curve point of low order')));
    assert.equal(e.code, 1);
    assert.equal(responder.state, 'start');
  });
});

describe('RFC 9529 §4: invalid message_2 and PLAINTEXT_2s refused by the Initiator, state unchanged', () => {
  /** message_2 carrying `plaintext` under trace 2's KEYSTREAM_2 (as a Responder that encoded it wrongly would send). */
  function message2With(plaintext: Uint8Array): Uint8Array {
    const gY = t2('message_2', "Responder's ephemeral public key, 'x'-coordinate G_Y (Raw");
    const ct = applyKeystream2(t2('message_2', 'PRK_2e'), t2('message_2', 'TH_2 (Raw'), plaintext);
    return encodeCborSequence([joinBytes([gY, ct])]);
  }
  const cases: [string, () => Uint8Array][] = [
    ['Wrong number of CBOR sequence elements', () => invalid('Wrong number of CBOR sequence elements')],
    ['Surplus map encoding of ID_CRED field', () => message2With(invalid('Surplus map encoding of ID_CRED field'))],
    ['Surplus bstr encoding of ID_CRED field', () => message2With(invalid('Surplus bstr encoding of ID_CRED field'))],
    ['Error in length of MAC', () => message2With(invalid('Error in length of MAC'))],
  ];
  for (const [name, make] of cases) {
    it(name, () => {
      const { initiator } = trace2Parties();
      negotiateTrace2(initiator);
      assert.equal(toHex(initiator.message1()), traceHex(2, 'message_1 (second time)', 'message_1'));
      refuses(() => initiator.handleMessage2(make()));
      assert.equal(initiator.state, 'wait-message-2');
      assert.equal(toHex(initiator.handleMessage2(t2('message_2', 'message_2'))), traceHex(2, 'message_3', 'message_3'));
    });
  }
  it('the PLAINTEXT_2 decoder itself names the encoding errors', () => {
    assert.throws(() => decodePlaintext2(invalid('Surplus map encoding of ID_CRED field')), CborDecodeError);
    assert.throws(() => decodePlaintext2(invalid('Surplus bstr encoding of ID_CRED field')), CborDecodeError);
    assert.equal(decodePlaintext2(invalid('Error in length of MAC')).signatureOrMac.length, 4, 'well-formed, refused for its length by the MAC check');
  });
});
