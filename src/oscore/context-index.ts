/**
 * Finding a Recipient Context by what a request carries (RFC 8613 §8.2 step 2): the `kid` (the
 * sender's ID = our Recipient ID) and, when sent, the `kid context` (§5.1: the server SHALL then use
 * a context with that ID Context). A server with thousands of contexts (a gateway, a file server)
 * must not scan them per request, so the index is two hash maps built once:
 *
 *   (kid, kid context) → the first context with that Recipient ID and ID Context;
 *   kid                → the first context with that Recipient ID (request without kid context).
 *
 * "First" keeps the order the contexts were given in, as a linear scan over them would.
 * Keys are the bytes as a string, prefixed by the kid's length so that kid ‖ kid context cannot
 * collide with another split of the same bytes.
 */

/** What the index needs of an entry: its Recipient ID and ID Context. */
export interface IndexedContext {
  readonly recipientId: Uint8Array;
  readonly idContext: Uint8Array | undefined;
}

/** One char per byte, after a length char: a Map key that compares like the bytes. */
function bytesKey(prefixLength: number, a: Uint8Array, b: Uint8Array | undefined): string {
  let s = String.fromCharCode(prefixLength);
  for (let i = 0; i < a.length; i++) s += String.fromCharCode(a[i]);
  if (b !== undefined) for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

export class ContextIndex<T extends IndexedContext> {
  private readonly byKid = new Map<string, T>();
  private readonly byKidAndContext = new Map<string, T>();
  private count = 0;

  constructor(entries: Iterable<T> = []) {
    for (const e of entries) this.add(e);
  }

  /** Add an entry; an earlier one with the same IDs keeps precedence. */
  add(entry: T): void {
    this.count++;
    const kid = bytesKey(entry.recipientId.length, entry.recipientId, undefined);
    if (!this.byKid.has(kid)) this.byKid.set(kid, entry);
    if (entry.idContext === undefined) return;
    const both = bytesKey(entry.recipientId.length, entry.recipientId, entry.idContext);
    if (!this.byKidAndContext.has(both)) this.byKidAndContext.set(both, entry);
  }

  /** The entry for a request's kid and kid context (undefined: none). */
  find(kid: Uint8Array, kidContext: Uint8Array | undefined): T | undefined {
    if (kidContext === undefined) return this.byKid.get(bytesKey(kid.length, kid, undefined));
    return this.byKidAndContext.get(bytesKey(kid.length, kid, kidContext));
  }

  get size(): number {
    return this.count;
  }
}
