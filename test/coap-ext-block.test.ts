import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBlock, encodeBlock, sizeToSzx, szxToSize, readBlock, writeBlock, blockToString } from '../src/coap/block.js';
import { fromHex, toHex } from '../src/bytes.js';
import { BadOptionError, CoapError } from '../src/errors.js';
import { createMessage } from '../src/coap/message.js';
import { Option } from '../src/coap/option-registry.js';
import { encodeMessage, decodeMessage } from '../src/coap/codec.js';

describe('coap-ext block option codec (RFC 7959 §2.2)', () => {
  it('encodes NUM/M/SZX into the shortest uint (Figure 1 layouts)', () => {
    assert.equal(toHex(encodeBlock({ num: 0, more: false, szx: 0 })), ''); // 0/0/16 is the empty value
    assert.equal(toHex(encodeBlock({ num: 0, more: false, szx: 2 })), '02'); // 0/0/64
    assert.equal(toHex(encodeBlock({ num: 1, more: true, szx: 6 })), '1e'); // 1/1/1024
    assert.equal(toHex(encodeBlock({ num: 15, more: true, szx: 6 })), 'fe'); // largest 1-byte NUM
    assert.equal(toHex(encodeBlock({ num: 16, more: false, szx: 6 })), '0106'); // 12-bit NUM
    assert.equal(toHex(encodeBlock({ num: 0xfff, more: true, szx: 5 })), 'fffd');
    assert.equal(toHex(encodeBlock({ num: 0x1000, more: false, szx: 1 })), '010001'); // 20-bit NUM
    assert.equal(toHex(encodeBlock({ num: 0xfffff, more: true, szx: 6 })), 'fffffe');
  });
  it('decodes what it encodes for every SZX and several NUMs', () => {
    for (let szx = 0; szx <= 6; szx++)
      for (const num of [0, 1, 15, 16, 4095, 4096, 0xfffff])
        for (const more of [false, true]) assert.deepEqual(decodeBlock(encodeBlock({ num, more, szx })), { num, more, szx });
  });
  it('SZX 7 is reserved: 4.00 Bad Request on reception', () => {
    assert.throws(() => decodeBlock(fromHex('07')), (e: unknown) => e instanceof CoapError && e.code === 0x80);
    assert.throws(() => decodeBlock(fromHex('ffff0f')), (e: unknown) => e instanceof CoapError && e.code === 0x80);
  });
  it('a value longer than 3 bytes is a bad (critical) option: 4.02 naming the option', () => {
    assert.throws(() => decodeBlock(fromHex('00000016'), Option.BLOCK1), (e: unknown) => e instanceof BadOptionError && e.code === 0x82 && e.optionNumber === 27);
  });
  it('refuses to encode out-of-range values', () => {
    assert.throws(() => encodeBlock({ num: 0x100000, more: false, szx: 0 }), RangeError);
    assert.throws(() => encodeBlock({ num: -1, more: false, szx: 0 }), RangeError);
    assert.throws(() => encodeBlock({ num: 0, more: false, szx: 7 }), RangeError);
  });
  it('SZX ⇄ size', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6].map(szxToSize), [16, 32, 64, 128, 256, 512, 1024]);
    assert.equal(sizeToSzx(1024), 6);
    assert.equal(sizeToSzx(5000), 6);
    assert.equal(sizeToSzx(1023), 5);
    assert.equal(sizeToSzx(16), 0);
    assert.throws(() => sizeToSzx(15), RangeError);
    assert.throws(() => szxToSize(7), RangeError);
  });
  it('Block2 round-trips through the message codec at option number 23', () => {
    const m = createMessage({ code: 0x45, messageId: 1, token: fromHex('aa') });
    writeBlock(m, Option.BLOCK2, { num: 2, more: true, szx: 4 });
    const wire = encodeMessage(m);
    // header 4 + token 1, then option delta 23 → nibble 13 with extended byte 10, length 1, value 0x2c
    assert.equal(toHex(wire.subarray(5)), 'd10a2c');
    const back = decodeMessage(wire);
    assert.equal(blockToString(readBlock(back, Option.BLOCK2)!), '2/1/256');
    assert.equal(readBlock(back, Option.BLOCK1), undefined);
  });
});
