/**
 * Request-Tag (RFC 9175 §3): tells apart block-wise request operations that would otherwise be
 * matched, so a server never splices blocks of two concurrent uploads to the same resource.
 * The option is repeatable; "absent" is a value of its own (§3.2), distinct from any present list,
 * including one empty Request-Tag.
 *
 * Client: RequestTagAllocator hands out a tag per in-flight Block1 operation on one
 * (peer, resource) and never the same to two concurrent ones (§3.3).
 * Server: requestTagKey() is the part of the reassembly key that the tag contributes (§3.3).
 */
import { toHex } from '../bytes.js';
import { getOptions, type Message } from './message.js';
import { Option } from './option-registry.js';

/** A string that is equal for two messages exactly when their Request-Tag lists are equal. */
export function requestTagKey(m: Message): string {
  const tags = getOptions(m, Option.REQUEST_TAG);
  if (tags.length === 0) return '-';
  // "t:" prefix per tag so [] (absent), [''] and ['', ''] all differ.
  let s = '';
  for (const t of tags) s += 't:' + toHex(t) + ';';
  return s;
}

/**
 * Chooses Request-Tag values for concurrent operations. The first operation on a key goes
 * without a tag (shortest messages, what a peer without RFC 9175 expects); each further
 * concurrent one gets a short counter value not in use on that key.
 * Bounded: a key is forgotten when its last operation is released.
 */
export class RequestTagAllocator {
  private readonly inUse = new Map<string, Set<string>>();
  private counter = 0;

  /** Tag for a new operation on `operationKey` (e.g. peer + path); undefined means "send no Request-Tag". */
  acquire(operationKey: string): Uint8Array | undefined {
    let set = this.inUse.get(operationKey);
    if (!set) {
      set = new Set();
      this.inUse.set(operationKey, set);
    }
    if (!set.has('-')) {
      set.add('-');
      return undefined;
    }
    // At most set.size tries collide, so this terminates; values up to 4 bytes.
    for (;;) {
      this.counter = (this.counter + 1) >>> 0;
      const tag = uintBytes(this.counter);
      const key = toHex(tag);
      if (!set.has(key)) {
        set.add(key);
        return tag;
      }
    }
  }

  /** The operation that got `tag` is over (completed, failed or abandoned). */
  release(operationKey: string, tag: Uint8Array | undefined): void {
    const set = this.inUse.get(operationKey);
    if (!set) return;
    set.delete(tag === undefined ? '-' : toHex(tag));
    if (set.size === 0) this.inUse.delete(operationKey);
  }

  /** Operations currently holding a tag on `operationKey`. */
  activeCount(operationKey: string): number {
    return this.inUse.get(operationKey)?.size ?? 0;
  }
}

function uintBytes(n: number): Uint8Array {
  const len = n < 0x100 ? 1 : n < 0x10000 ? 2 : n < 0x1000000 ? 3 : 4;
  const out = new Uint8Array(len);
  for (let i = len - 1; i >= 0; i--) {
    out[i] = n & 0xff;
    n >>>= 8;
  }
  return out;
}
