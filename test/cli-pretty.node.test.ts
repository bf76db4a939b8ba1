// --pretty output of oscore-xs client: CBOR diagnostic notation (the cbor2 package's printer)
// against every example of RFC 8949 Appendix A, link-format split, JSON. Node only (cbor2).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { cborDiagnostic, prettyLinkFormat, prettyPayload } from '../targets/node/cli/pretty.js';
import { fromHex, utf8Encode } from '../src/bytes.js';

describe('client --pretty', () => {
  it('CBOR: every example of RFC 8949 Appendix A prints as the RFC\'s diagnostic column', () => {
    const rows = readFileSync('test/fixtures/rfc8949-appendix-a.txt', 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split('\t') as [string, string]);
    assert.equal(rows.length, 81, 'all rows of Table 6');
    let exact = 0;
    for (const [hex, rfc] of rows) {
      const ours = cborDiagnostic(fromHex(hex));
      if (ours === rfc) {
        exact++;
        continue;
      }
      // Where the RFC itself says its column departs from plain diagnostic notation, or writes the
      // same value another way — and only there:
      if (/^-?\d+$/.test(rfc)) {
        // "for bignums, their intended numeric value is shown … instead of a tagged byte string"
        const n = BigInt(rfc);
        const tag = n >= 0n ? 2 : 3;
        const magnitude = n >= 0n ? n : -1n - n;
        assert.ok(magnitude >= 2n ** 64n, hex + ': an integer within 64 bits must print exactly as ' + rfc + ', got ' + ours);
        assert.equal(ours, tag + "(h'" + magnitude.toString(16).padStart(18, '0') + "')", hex);
      } else if (rfc.startsWith('"')) {
        // The RFC escapes non-ASCII text as \u…; we print the characters themselves.
        assert.match(rfc, /\\u/, hex + ': only escaped text may differ, got ' + ours);
        assert.equal(JSON.parse(ours), JSON.parse(rfc), hex);
      } else {
        // 1.0e+300 and 1e+300 are one binary64 value; both spellings are floating point in EDN.
        assert.match(rfc, /e/, hex + ': differs from the RFC: ' + ours);
        assert.match(ours, /e/, hex);
        assert.equal(Number(ours), Number(rfc), hex);
      }
    }
    assert.ok(exact >= 75, exact + ' rows print exactly as the RFC writes them');
    // Not well-formed (RFC 8949 §3, App. F): refused, so the payload is shown raw instead.
    assert.throws(() => cborDiagnostic(fromHex('830102')));
    assert.throws(() => cborDiagnostic(fromHex('1c')));
    assert.throws(() => cborDiagnostic(fromHex('f818')));
    assert.equal(prettyPayload(fromHex('830102'), 60), undefined);
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
