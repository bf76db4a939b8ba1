/**
 * A device image: the bytes of a device's flash partition as the device will find them at boot —
 * a RecordLog (src/persist) holding what the device must know and must not have compiled into its
 * firmware: its OSCORE security contexts today, more kinds of entry later (an EDHOC key pair and
 * trusted peer credentials, say). The image is made by running the real RecordLog and
 * FlashContextStore over a simulated NOR flash of the partition's size and sector size and taking
 * its bytes, so the record format is never encoded twice. Written to the device once (esptool, or
 * the lin simulator's flash file), then deleted: a second device flashed from the same image would
 * send with the same keys and sequence numbers (nonce reuse, RFC 8613 App. B).
 *
 * An entry kind is an object with `check` (refuse before anything is written) and `write` (append
 * its records through the persistence code); oscoreContextEntry is the first kind.
 */
import { LoadError } from '../errors.js';
import { equalBytes } from '../bytes.js';
import { checkParams, type SecurityContextParams } from '../oscore/context.js';
import { RecordLog } from '../persist/record-log.js';
import { NorFlash } from '../sim/nor-flash.js';
import { contextKeys, decodeContextParams, storeContext, storedContextNames } from './oscore-contexts.js';

/** Size and erase-sector size of the flash partition the image is for. */
export interface PartitionGeometry {
  byteLength: number;
  blockSize: number;
}

/** One thing a device image carries. */
export interface DeviceImageEntry {
  /** For messages, e.g. `OSCORE context "gateway"` (never key material). */
  readonly description: string;
  /** Throws (LoadError) when the entry cannot join what the log holds; writes nothing. */
  check(log: RecordLog): void;
  /** Appends the entry's records. */
  write(log: RecordLog): void;
}

const CONTEXT_NAME = /^[A-Za-z0-9._-]{1,32}$/;

/**
 * Refuse a context that cannot join the ones in the log: a bad or taken name, or one a request
 * could not tell from a stored one (same Recipient ID — the kid a request carries, §6.1 — and the
 * same ID Context).
 */
export function checkNewContext(log: RecordLog, name: string, params: SecurityContextParams): void {
  if (!CONTEXT_NAME.test(name)) throw new LoadError('context name "' + name + '": 1 to 32 letters, digits, ".", "_" or "-"');
  checkParams(params);
  const keys = contextKeys(name);
  if (log.has(keys.params) || log.has(keys.state)) throw new LoadError('a security context named "' + name + '" is already stored');
  for (const other of storedContextNames(log)) {
    const p = decodeContextParams(log.read(contextKeys(other).params)!);
    const sameIdContext = p.idContext === params.idContext || (!!p.idContext && !!params.idContext && equalBytes(p.idContext, params.idContext));
    if (sameIdContext && equalBytes(p.recipientId, params.recipientId))
      throw new LoadError('context "' + name + '": stored context "' + other + '" has the same Recipient ID and ID Context (requests could not be told apart)');
  }
}

/** An OSCORE security context (the device's side of a pair) under `name`, with a fresh sequence state. */
export function oscoreContextEntry(name: string, params: SecurityContextParams): DeviceImageEntry {
  return {
    description: 'OSCORE context "' + name + '"',
    check: (log) => checkNewContext(log, name, params),
    write: (log) => storeContext(log, name, params),
  };
}

function checkGeometry(g: PartitionGeometry): void {
  if (!Number.isInteger(g.blockSize) || g.blockSize < 256 || (g.blockSize & (g.blockSize - 1)) !== 0) throw new LoadError('sector size must be a power of two of at least 256 bytes, got ' + g.blockSize);
  if (!Number.isInteger(g.byteLength) || g.byteLength % g.blockSize !== 0) throw new LoadError('partition size ' + g.byteLength + ' is not a whole number of ' + g.blockSize + '-byte sectors');
}

/**
 * The partition image holding `entries`: written into `existing` (an image made earlier for the
 * same device, not yet written to it) or into an erased partition. Every entry is checked before
 * any is written; the input is not modified.
 */
export function buildDeviceImage(geometry: PartitionGeometry, entries: readonly DeviceImageEntry[], existing?: Uint8Array): Uint8Array {
  checkGeometry(geometry);
  if (existing && existing.length !== geometry.byteLength) throw new LoadError('existing image is ' + existing.length + ' bytes, the partition ' + geometry.byteLength);
  const flash = existing ? new NorFlash({ image: existing, blockSize: geometry.blockSize }) : new NorFlash({ sectors: geometry.byteLength / geometry.blockSize, blockSize: geometry.blockSize });
  const log = RecordLog.open(flash);
  if (existing && log.recovery.damagedRegions > 0) throw new LoadError('existing image is damaged');
  // Check all against the log plus the entries before them: a scratch copy takes the writes.
  const trial = RecordLog.open(flash.clone());
  for (const e of entries) {
    e.check(trial);
    e.write(trial);
  }
  for (const e of entries) e.write(log);
  return flash.bytes.slice();
}

/** What an image holds, for messages: the names of its OSCORE contexts. */
export function describeDeviceImage(geometry: PartitionGeometry, image: Uint8Array): { contexts: string[] } {
  checkGeometry(geometry);
  if (image.length !== geometry.byteLength) throw new LoadError('image is ' + image.length + ' bytes, the partition ' + geometry.byteLength);
  return { contexts: storedContextNames(RecordLog.open(new NorFlash({ image, blockSize: geometry.blockSize }))) };
}
