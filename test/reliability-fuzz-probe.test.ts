import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from './fuzz/fc.js';
describe('probe', () => {
  it('fast-check runs', () => {
    let n = 0;
    fc.assert(fc.property(fc.uint8Array({ maxLength: 20 }), fc.integer(), (a, b) => { n++; return a.length <= 20 && Number.isInteger(b); }), { seed: 1, numRuns: 1000 });
    assert.equal(n, 1000);
  });
});
