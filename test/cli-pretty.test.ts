// --pretty output of oscore-xs client: CBOR diagnostic notation against RFC 8949 Appendix A
// examples, link-format split, JSON. Pure code: runs on Node and XS.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cborDiagnostic, prettyLinkFormat, prettyPayload } from '../targets/node/cli/pretty.js';
import { fromHex, utf8Encode } from '../src/bytes.js';

describe('client --pretty', () => {
  it('CBOR: RFC 8949 Appendix A examples', () => {
    const vectors: [string, string][] = [
      ['00', '0'],
      ['17', '23'],
      ['1818', '24'],
      ['1903e8', '1000'],
      ['1b000000e8d4a51000', '1000000000000'],
      ['1bffffffffffffffff', '18446744073709551615'],
      ['20', '-1'],
      ['3903e7', '-1000'],
      ['3bffffffffffffffff', '-18446744073709551616'],
      ['f90000', '0.0'],
      ['f93c00', '1.0'],
      ['f93e00', '1.5'],
      ['fa47c35000', '100000.0'],
      ['fb3ff199999999999a', '1.1'],
      ['f97c00', 'Infinity'],
      ['f97e00', 'NaN'],
      ['f4', 'false'],
      ['f5', 'true'],
      ['f6', 'null'],
      ['c074323031332d30332d32315432303a30343a30305a', '0("2013-03-21T20:04:00Z")'],
      ['4401020304', "h'01020304'"],
      ['6449455446', '"IETF"'],
      ['62c3bc', '"\u00fc"'],
      ['80', '[]'],
      ['83010203', '[1, 2, 3]'],
      ['8301820203820405', '[1, [2, 3], [4, 5]]'],
      ['a201020304', '{1: 2, 3: 4}'],
      ['a26161016162820203', '{"a": 1, "b": [2, 3]}'],
      ['9f018202039f0405ffff', '[_ 1, [2, 3], [_ 4, 5]]'],
      ['bf6346756ef563416d7421ff', '{_ "Fun": true, "Amt": -2}'],
    ];
    for (const [hex, diag] of vectors) assert.equal(cborDiagnostic(fromHex(hex)), diag, hex);
    assert.throws(() => cborDiagnostic(fromHex('830102')), /truncated/);
    assert.throws(() => cborDiagnostic(fromHex('1c')), /bad additional info/);
  });
  it('link-format one link per line, commas inside quotes and <> kept', () => {
    assert.equal(prettyLinkFormat('</a>;ct=40,</b,c>;title="x,y",</d>'), '</a>;ct=40\n</b,c>;title="x,y"\n</d>');
  });
  it('by Content-Format; unparsable payloads are shown raw (undefined)', () => {
    assert.equal(prettyPayload(utf8Encode('{"a":[1,2]}'), 50), '{\n  "a": [\n    1,\n    2\n  ]\n}');
    assert.equal(prettyPayload(utf8Encode('{oops'), 50), undefined);
    assert.equal(prettyPayload(fromHex('a10102'), 60), '{1: 2}');
    assert.equal(prettyPayload(fromHex('41'), 0), undefined);
  });
});
