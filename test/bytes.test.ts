import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fromHex, toHex, utf8Decode, utf8Encode, encodeUint, decodeUint, equalBytesConstantTime } from '../src/bytes.js';
import { meter, hasMeter } from './harness/xs-meter.js';

describe('bytes', () => {
  it('hex round-trips and rejects non-hex', () => {
    assert.equal(toHex(fromHex('00ff10AB')), '00ff10ab');
    assert.throws(() => fromHex('0g'), /not a hex digit/);
    assert.throws(() => fromHex('abc'), /odd length/);
  });
  it('utf8 matches known encodings', () => {
    assert.equal(toHex(utf8Encode('é€😀')), 'c3a9e282ac' + 'f09f9880');
    assert.equal(utf8Decode(fromHex('c3a9e282acf09f9880')), 'é€😀');
    assert.equal(utf8Decode(fromHex('ff41')), '\ufffdA');
    // A lone surrogate as its 3 bytes; each byte of a truncated or overlong sequence is one U+FFFD.
    assert.equal(toHex(utf8Encode('a\ud800b')), '61eda08062');
    assert.equal(utf8Decode(fromHex('e282')), '\ufffd\ufffd');
    assert.equal(utf8Decode(fromHex('c080e282ac')), '\ufffd\ufffd€');
    assert.equal(utf8Decode(fromHex('f09f98')), '\ufffd\ufffd\ufffd');
  });
  it('uint is shortest big-endian', () => {
    assert.deepEqual(encodeUint(0), new Uint8Array(0));
    assert.equal(toHex(encodeUint(0x1234)), '1234');
    assert.equal(decodeUint(fromHex('010000')), 65536);
  });
  it('constant-time compare', () => {
    assert.equal(equalBytesConstantTime(fromHex('0102'), fromHex('0102')), true);
    assert.equal(equalBytesConstantTime(fromHex('0102'), fromHex('0103')), false);
    assert.equal(equalBytesConstantTime(fromHex('0102'), fromHex('01')), false);
  });
  it('meter counts computrons on XS (more work, more computrons) and is absent on Node', () => {
    const work = (n: number) => () => { let s = 0; for (let i = 0; i < n; i++) s += i; return s; };
    const small = meter(work(100));
    const big = meter(work(10000));
    if (hasMeter()) {
      assert.ok(typeof small === 'number' && typeof big === 'number');
      assert.ok(big! > small! * 10, `big ${big} small ${small}`);
    } else {
      assert.equal(small, undefined);
    }
  });
});
