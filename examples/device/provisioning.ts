/**
 * Where the device keeps its OSCORE security context (RFC 8613 §3): the parameters (Master
 * Secret/Salt, Sender/Recipient ID, ID Context, algorithm) as one record of the RecordLog on the
 * flash partition, next to the FlashContextStore record that holds the sender sequence
 * reservations and the replay window (App. B.1). Platform-free: the device reads it at boot, and
 * `npm start` (Node) writes it into the simulated flash on first start.
 *
 * Params record (key "oscore-xs/params"): version 1 · algorithm u8 · replay window u16 BE · then
 * masterSecret, masterSalt, senderId, recipientId, idContext, each as a presence byte (0 absent,
 * 1 present) + length u8 + bytes. The state record (key "oscore-xs/state") is FlashContextStore's.
 *
 * Provisioning happens once. A stored context is never overwritten from configuration: the same
 * keys restarted at sequence number 0 would reuse nonces. To re-provision, erase the partition
 * (and give the device new keys); to move a context, move it (see docs/device.md), never copy it.
 */
import { LoadError } from '../../src/errors.js';
import { utf8Encode } from '../../src/bytes.js';
import type { SecurityContextParams } from '../../src/oscore/context.js';
import { checkParams } from '../../src/oscore/context.js';
import { RecordLog } from '../../src/persist/record-log.js';
import { FlashContextStore } from '../../src/persist/flash-context-store.js';

export const PARAMS_KEY = utf8Encode('oscore-xs/params');
export const STATE_KEY = utf8Encode('oscore-xs/state');
const VERSION = 1;

export function encodeContextParams(p: SecurityContextParams): Uint8Array {
  const algorithm = checkParams(p);
  const fields = [p.masterSecret, p.masterSalt, p.senderId, p.recipientId, p.idContext];
  const out: number[] = [VERSION, algorithm.id, (p.replayWindowSize ?? 32) >> 8, (p.replayWindowSize ?? 32) & 0xff];
  for (const f of fields) {
    if (f === undefined) {
      out.push(0, 0);
      continue;
    }
    if (f.length > 255) throw new LoadError('context parameter too long: ' + f.length + ' bytes');
    out.push(1, f.length, ...f);
  }
  return new Uint8Array(out);
}

export function decodeContextParams(b: Uint8Array): SecurityContextParams {
  if (b.length < 4 || b[0] !== VERSION) throw new LoadError('stored context parameters: unknown format');
  let o = 4;
  const field = (name: string): Uint8Array | undefined => {
    if (o + 2 > b.length) throw new LoadError('stored context parameters: truncated at ' + name);
    const present = b[o];
    const n = b[o + 1];
    o += 2;
    if (present === 0) return undefined;
    if (present !== 1 || o + n > b.length) throw new LoadError('stored context parameters: bad ' + name);
    const v = b.slice(o, o + n);
    o += n;
    return v;
  };
  const params: SecurityContextParams = {
    algorithm: b[1],
    replayWindowSize: (b[2] << 8) | b[3],
    masterSecret: field('masterSecret')!,
    masterSalt: field('masterSalt'),
    senderId: field('senderId')!,
    recipientId: field('recipientId')!,
    idContext: field('idContext'),
  };
  if (o !== b.length) throw new LoadError('stored context parameters: trailing bytes');
  checkParams(params);
  return params;
}

/** Write a new context into the log (params, then a fresh state). Refuses when one is stored. */
export function provisionContext(log: RecordLog, params: SecurityContextParams): void {
  if (log.has(PARAMS_KEY) || log.has(STATE_KEY)) throw new LoadError('a security context is already provisioned');
  log.append(PARAMS_KEY, encodeContextParams(params));
  FlashContextStore.create(log, STATE_KEY);
}

export interface OpenedContext {
  params: SecurityContextParams;
  store: FlashContextStore;
  /** True when this boot wrote the context from `fallback` (first boot). */
  provisioned: boolean;
}

/**
 * The stored context, or — on the first boot only — `fallback` (e.g. from the firmware's
 * configuration) written to flash first. LoadError when nothing is stored and no fallback is given,
 * or when the stored records are damaged.
 */
export function openContext(log: RecordLog, fallback?: SecurityContextParams): OpenedContext {
  const body = log.read(PARAMS_KEY);
  if (!body) {
    if (!fallback) throw new LoadError('no security context provisioned on this partition');
    if (log.has(STATE_KEY)) throw new LoadError('stored context state without parameters: erase to re-provision');
    provisionContext(log, fallback);
    return { params: fallback, store: FlashContextStore.open(log, STATE_KEY), provisioned: true };
  }
  const params = decodeContextParams(body);
  // A power cut between the two provisioning writes leaves params without state: nothing was
  // ever sent with these keys, so a fresh state is correct. A damaged state throws in read().
  if (!log.has(STATE_KEY)) FlashContextStore.create(log, STATE_KEY);
  return { params, store: FlashContextStore.open(log, STATE_KEY), provisioned: false };
}
