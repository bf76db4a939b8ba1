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
 * Both live in one Map: a key is one char per byte after a lead char, which is the kid's length
 * when a kid context follows (so kid ‖ kid context cannot collide with another split of the same
 * bytes) and 0xffff (no kid length) when none does.
 */

/** What the index needs of an entry: its Recipient ID and ID Context. */
export interface IndexedContext {
  readonly recipientId: Uint8Array;
  readonly idContext: Uint8Array | undefined;
}

const NO_KID_CONTEXT = 0xffff;

/** The Map key of a kid and kid context (undefined: none). */
function bytesKey(kid: Uint8Array, kidContext: Uint8Array | undefined): string {
  return String.fromCharCode(kidContext ? kid.length : NO_KID_CONTEXT, ...kid, ...(kidContext ?? []));
}

export class ContextIndex<T extends IndexedContext> {
  private readonly entries = new Map<string, T>();

  constructor(entries: Iterable<T> = []) {
    for (const e of entries) this.add(e);
  }

  /** Add an entry; an earlier one with the same IDs keeps precedence. */
  add(entry: T): void {
    for (const key of [bytesKey(entry.recipientId, undefined), entry.idContext && bytesKey(entry.recipientId, entry.idContext)]) if (key && !this.entries.has(key)) this.entries.set(key, entry);
  }

  /** The entry for a request's kid and kid context (undefined: none). */
  find(kid: Uint8Array, kidContext: Uint8Array | undefined): T | undefined {
    return this.entries.get(bytesKey(kid, kidContext));
  }
}
