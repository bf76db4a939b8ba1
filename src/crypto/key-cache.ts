/**
 * A bounded cache of prepared AEAD keys, shared by the security contexts of one endpoint.
 *
 * A prepared key (the AES key schedule, native cipher objects, CCM's scratch blocks) costs far
 * more RAM than its 16 or 32 raw bytes. A device that holds contexts for many peers but talks to
 * few at a time keeps only the raw keys in each context and the `capacity` most recently used
 * prepared keys here; a key that was evicted is prepared again on its next use (a key schedule:
 * cheap with the native AES of the device). Entries are found by their owner (the context object)
 * and its slot (0: Sender Key, 1: Recipient Key), so a context never gets another one's key.
 * Without a shared cache each context keeps its own two keys (capacity 2: nothing is evicted).
 */
import type { AeadAlgorithm, AeadKey } from './aead.js';
import type { AesBlockCipherFactory } from '../ports.js';

export class PreparedKeyCache {
  /** How many prepared keys are kept (two per context that is in use). */
  readonly capacity: number;
  /** The AES the keys are prepared with (undefined: the build's default, src/crypto/aes.ts). */
  readonly aes: AesBlockCipherFactory | undefined;
  /** Keys prepared so far (first uses and re-preparations after eviction). */
  prepared = 0;
  /** owner, slot, key, last use; owner, slot, key, last use; … */
  private readonly entries: unknown[] = [];
  /** Counts uses: the entry with the smallest last use is the least recently used. */
  private uses = 0;

  constructor(capacity: number, aes?: AesBlockCipherFactory) {
    if (!(capacity >= 1 && capacity % 1 === 0)) throw new RangeError('key cache capacity: ' + capacity);
    this.capacity = capacity;
    this.aes = aes;
  }

  /** The prepared key of `owner`'s `slot` if it is cached (it becomes the most recently used). */
  find(owner: object, slot: number): AeadKey | undefined {
    const e = this.entries;
    for (let i = 0; i < e.length; i += 4) {
      if (e[i] === owner && e[i + 1] === slot) {
        e[i + 3] = ++this.uses;
        return e[i + 2] as AeadKey;
      }
    }
    return undefined;
  }

  /** Prepare `raw` with `algorithm` as `owner`'s `slot`, in place of the least recently used key when full. */
  add(owner: object, slot: number, algorithm: AeadAlgorithm, raw: Uint8Array): AeadKey {
    const key = algorithm.prepare(raw, this.aes);
    this.prepared++;
    const e = this.entries;
    let at = e.length;
    if (at >= 4 * this.capacity) {
      at = 0;
      for (let i = 4; i < e.length; i += 4) if ((e[i + 3] as number) < (e[at + 3] as number)) at = i;
    }
    e[at] = owner;
    e[at + 1] = slot;
    e[at + 2] = key;
    e[at + 3] = ++this.uses;
    return key;
  }

  /** Drop `owner`'s keys (a context that is closed). */
  forget(owner: object): void {
    const e = this.entries;
    for (let i = e.length - 4; i >= 0; i -= 4) if (e[i] === owner) e.splice(i, 4);
  }
}
