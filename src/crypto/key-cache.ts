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
  /** owner, slot, key; owner, slot, key; … — most recently used first. */
  private readonly entries: unknown[] = [];

  constructor(capacity: number, aes?: AesBlockCipherFactory) {
    if (!(capacity >= 1 && capacity % 1 === 0)) throw new RangeError('key cache capacity: ' + capacity);
    this.capacity = capacity;
    this.aes = aes;
  }

  /** The prepared key of `owner`'s `slot` if it is cached (it becomes the most recently used). */
  find(owner: object, slot: number): AeadKey | undefined {
    const e = this.entries;
    for (let i = 0; i < e.length; i += 3) {
      if (e[i] !== owner || e[i + 1] !== slot) continue;
      const key = e[i + 2] as AeadKey;
      // Most recently used to the front (the entries before it move one place back).
      if (i > 0) {
        e.copyWithin(3, 0, i);
        e[0] = owner;
        e[1] = slot;
        e[2] = key;
      }
      return key;
    }
    return undefined;
  }

  /** Prepare `raw` with `algorithm` as `owner`'s `slot`, evicting the least recently used key when full. */
  add(owner: object, slot: number, algorithm: AeadAlgorithm, raw: Uint8Array): AeadKey {
    const key = algorithm.prepare(raw, this.aes);
    this.prepared++;
    const e = this.entries;
    if (e.length >= 3 * this.capacity) e.length = 3 * this.capacity - 3;
    e.unshift(owner, slot, key);
    return key;
  }

  /** Drop `owner`'s keys (a context that is closed). */
  forget(owner: object): void {
    const e = this.entries;
    for (let i = e.length - 3; i >= 0; i -= 3) if (e[i] === owner) e.splice(i, 3);
  }
}
