/**
 * The OSCORE security contexts a device keeps on its flash partition (RFC 8613 §3, App. B.1): for
 * each context, one RecordLog record with its parameters (Master Secret/Salt, Sender/Recipient
 * ID, ID Context, algorithm, replay window size) and the FlashContextStore record next to it that
 * holds the sender sequence reservations and the replay window. The device reads them at boot;
 * the CLI writes them into a device image (image.ts) through the same RecordLog, so the bytes on
 * the device are always the ones this code reads.
 *
 * Several contexts share a partition, each under a name (ASCII letters, digits, `.`, `_`, `-`):
 *   key `ctx/<name>` — parameters: version 1 · algorithm u8 · replay window u16 BE · then
 *     masterSecret, masterSalt, senderId, recipientId, idContext, each as a presence byte
 *     (0 absent, 1 present) + length u8 + bytes;
 *   key `seq/<name>` — FlashContextStore's state record.
 *
 * A stored context is never overwritten: the same keys restarted at sequence number 0 would reuse
 * nonces. To re-provision, erase the partition and use new keys; to move a context, move it
 * (src/persist/README.md), never copy it.
 */
import { LoadError } from '../errors.js';
import { utf8Decode, utf8Encode } from '../bytes.js';
import type { SecurityContextParams } from '../oscore/context.js';
import { checkParams } from '../oscore/context.js';
import type { RecordLog } from '../persist/record-log.js';
import { FlashContextStore } from '../persist/flash-context-store.js';

const PARAMS_PREFIX = 'ctx/';
const STATE_PREFIX = 'seq/';
const VERSION = 1;

/** The two RecordLog keys of the context `name` (names are checked where images are made, image.ts). */
export function contextKeys(name: string): { params: Uint8Array; state: Uint8Array } {
  return { params: utf8Encode(PARAMS_PREFIX + name), state: utf8Encode(STATE_PREFIX + name) };
}

/** The byte-string parameters, in their order in the record (frozen: the library is preloaded). */
const FIELDS = Object.freeze(['masterSecret', 'masterSalt', 'senderId', 'recipientId', 'idContext'] as const);

export function encodeContextParams(p: SecurityContextParams): Uint8Array {
  const algorithm = checkParams(p);
  const window = p.replayWindowSize ?? 32;
  const out: number[] = [VERSION, algorithm.id, window >> 8, window & 0xff];
  for (const name of FIELDS) {
    const f = p[name];
    if (!f) out.push(0, 0);
    else if (f.length > 255) throw new LoadError('context parameter ' + name + ' too long: ' + f.length + ' bytes');
    else out.push(1, f.length, ...f);
  }
  return new Uint8Array(out);
}

export function decodeContextParams(b: Uint8Array): SecurityContextParams {
  const bad = (why: string) => new LoadError('stored context parameters: ' + why);
  if (b.length < 4 || b[0] !== VERSION) throw bad('unknown format');
  const params: Partial<SecurityContextParams> = { algorithm: b[1], replayWindowSize: (b[2] << 8) | b[3] };
  let o = 4;
  for (const name of FIELDS) {
    if (o + 2 > b.length) throw bad('truncated at ' + name);
    const present = b[o];
    const n = b[o + 1];
    o += 2;
    if (present === 0) continue;
    if (present !== 1 || o + n > b.length) throw bad('bad ' + name);
    params[name] = b.slice(o, (o += n));
  }
  if (o !== b.length) throw bad('trailing bytes');
  checkParams(params as SecurityContextParams);
  return params as SecurityContextParams;
}

/** Names of the contexts stored in the log (their parameter records). */
export function storedContextNames(log: RecordLog): string[] {
  const names: string[] = [];
  for (const key of log.keys()) {
    const text = utf8Decode(key);
    if (text.startsWith(PARAMS_PREFIX)) names.push(text.slice(PARAMS_PREFIX.length));
  }
  return names.sort();
}

/** Write a new context (parameters, then a fresh sequence state). Refuses a name already stored. */
export function storeContext(log: RecordLog, name: string, params: SecurityContextParams): void {
  const keys = contextKeys(name);
  if (log.has(keys.params) || log.has(keys.state)) throw new LoadError('context ' + name + ' already stored');
  log.append(keys.params, encodeContextParams(params));
  FlashContextStore.create(log, keys.state);
}

export interface StoredContext {
  name: string;
  params: SecurityContextParams;
  store: FlashContextStore;
}

/** Every stored context with its store (LoadError when a record is damaged or malformed). */
export function openStoredContexts(log: RecordLog): StoredContext[] {
  return storedContextNames(log).map((name) => {
    const keys = contextKeys(name);
    const params = decodeContextParams(log.read(keys.params)!);
    // A power cut between the two writes of storeContext leaves parameters without state: nothing
    // was ever sent with these keys, so a fresh state is correct. A damaged state throws in read().
    if (!log.has(keys.state)) FlashContextStore.create(log, keys.state);
    return { name, params, store: FlashContextStore.open(log, keys.state) };
  });
}

/** What a device says at boot when its firmware configuration carries a master secret. */
export const CONFIG_SECRET_WARNING = 'warning: oscore_secret in config is for development only: every device with this firmware shares the context';

/** The name under which a context from the firmware configuration is stored (development only). */
export const CONFIG_CONTEXT_NAME = 'config';

/**
 * The device's boot path: the contexts stored on its partition (written there by a device image,
 * `oscore-xs context new --device-image`). Only when there are none and `fallback` is given (a
 * development build with the context in its configuration) is `fallback` stored first, as
 * "config". LoadError when the partition holds no context and no fallback is given.
 */
export function openDeviceContexts(log: RecordLog, fallback?: SecurityContextParams): { contexts: StoredContext[]; provisioned: boolean } {
  let contexts = openStoredContexts(log);
  let provisioned = false;
  if (contexts.length === 0 && fallback) {
    storeContext(log, CONFIG_CONTEXT_NAME, fallback);
    contexts = openStoredContexts(log);
    provisioned = true;
  }
  if (contexts.length === 0) throw new LoadError('no OSCORE context in flash: write a device image');
  return { contexts, provisioned };
}
