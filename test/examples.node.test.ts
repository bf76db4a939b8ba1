import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../examples/node-hello.js';

describe('README example (examples/node-hello.ts)', () => {
  it('gets a protected 2.05 "Hello World!" over loopback UDP', async () => {
    assert.equal(await main(), '2.05 Hello World!');
  });
});
