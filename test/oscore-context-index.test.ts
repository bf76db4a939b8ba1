/**
 * Context lookup by kid / kid context (RFC 8613 §8.2 step 2, §5.1): the hashed index finds exactly
 * what a scan in list order finds — and nothing for IDs that only look alike (a kid that is a
 * prefix of another, kid ‖ kid context split differently, a kid context where none is configured).
 * A request protected with a context is verified by that context among thousands; a request whose
 * kid context is wrong finds none (4.01) and changes nothing.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fromHex, utf8Encode } from '../src/bytes.js';
import { createMessage } from '../src/coap/message.js';
import { Code } from '../src/coap/numbers.js';
import { Option } from '../src/coap/option-registry.js';
import { ContextUnavailable } from '../src/errors.js';
import { SecurityContext } from '../src/oscore/context.js';
import { ContextIndex, type IndexedContext } from '../src/oscore/context-index.js';
import { protectRequest } from '../src/oscore/protect.js';
import { unprotectRequest, contextLookup } from '../src/oscore/unprotect.js';

interface Entry extends IndexedContext {
  name: string;
}
const e = (name: string, rid: string, ctx?: string): Entry => ({ name, recipientId: fromHex(rid), idContext: ctx === undefined ? undefined : fromHex(ctx) });

/** The reference: the first entry in order with equal Recipient ID (and ID Context, when asked). */
function scan(entries: Entry[], kid: Uint8Array, kidContext: Uint8Array | undefined): Entry | undefined {
  const eq = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);
  return entries.find((c) => eq(c.recipientId, kid) && (kidContext === undefined || (c.idContext !== undefined && eq(c.idContext, kidContext))));
}

describe('ContextIndex', () => {
  const entries = [
    e('empty', ''),
    e('a', '01'),
    e('a-dup', '01'),
    e('a-ctx1', '01', 'aa'),
    e('a-ctx2', '01', 'bb'),
    e('a-ctx1-dup', '01', 'aa'),
    e('prefix', '0102'),
    e('split', '0102', '03'),
    e('split2', '01', '0203'),
    e('empty-ctx', '', ''),
    e('zero', '00'),
  ];
  const index = new ContextIndex(entries);
  const probes: [string, string | undefined][] = [
    ['', undefined], ['', ''], ['01', undefined], ['01', 'aa'], ['01', 'bb'], ['01', 'cc'], ['01', ''],
    ['0102', undefined], ['0102', '03'], ['01', '0203'], ['010203', undefined], ['01', '02'],
    ['00', undefined], ['0000', undefined], ['02', undefined], ['00', '00'],
  ];

  it('finds what a scan in list order finds, for every probe', () => {
    for (const [kid, ctx] of probes) {
      const k = fromHex(kid);
      const c = ctx === undefined ? undefined : fromHex(ctx);
      assert.equal(index.find(k, c)?.name, scan(entries, k, c)?.name, 'kid ' + kid + ' ctx ' + ctx);
    }
  });

  it('the first entry wins; look-alike IDs find nothing or their own entry', () => {
    assert.equal(index.find(fromHex('01'), undefined)?.name, 'a');
    assert.equal(index.find(fromHex('01'), fromHex('aa'))?.name, 'a-ctx1');
    assert.equal(index.find(fromHex('0102'), fromHex('03'))?.name, 'split');
    assert.equal(index.find(fromHex('01'), fromHex('0203'))?.name, 'split2');
    assert.equal(index.find(fromHex('010203'), undefined), undefined);
    assert.equal(index.find(fromHex('01'), fromHex('')), undefined, 'an empty kid context is not "none"');
    assert.equal(index.find(fromHex(''), fromHex(''))?.name, 'empty-ctx');
    // Every entry is found by its own IDs unless an earlier one has the same (first wins).
    for (const e of entries) assert.equal(index.find(e.recipientId, e.idContext), scan(entries, e.recipientId, e.idContext));
  });
});

describe('contextLookup over many contexts', () => {
  const secret = { masterSecret: fromHex('0102030405060708090a0b0c0d0e0f10'), masterSalt: fromHex('9e7ca92223786340') };
  const idOf = (i: number) => fromHex(i.toString(16).padStart(4, '0'));
  const N = 100;
  const servers: SecurityContext[] = [];
  for (let i = 0; i < N; i++) servers.push(new SecurityContext({ ...secret, senderId: fromHex('ff'), recipientId: idOf(i), idContext: fromHex('c0') }));
  const lookup = contextLookup(servers);

  it('a request protected with the last client context is verified by its server context', () => {
    const client = new SecurityContext({ ...secret, senderId: idOf(N - 1), recipientId: fromHex('ff'), idContext: fromHex('c0') });
    const request = createMessage({ code: Code.GET, token: fromHex('01'), options: [{ number: Option.URI_PATH, value: utf8Encode('x') }] });
    const { message } = protectRequest(client, request, { includeKidContext: true });
    const out = unprotectRequest(message, lookup);
    assert.equal(out.context, servers[N - 1]);
    assert.equal(out.message.code, Code.GET);
  });

  it('a wrong kid context finds no context (ContextUnavailable) and changes no window', () => {
    const client = new SecurityContext({ ...secret, senderId: idOf(7), recipientId: fromHex('ff'), idContext: fromHex('c1') });
    const request = createMessage({ code: Code.GET, token: fromHex('02') });
    const { message } = protectRequest(client, request, { includeKidContext: true });
    const before = JSON.stringify(servers[7].replayWindow.snapshot());
    assert.throws(() => unprotectRequest(message, lookup), ContextUnavailable);
    assert.equal(JSON.stringify(servers[7].replayWindow.snapshot()), before);
  });
});
