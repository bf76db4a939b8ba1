/**
 * Moving a stored context to another partition (README.md, "Moving a context, never copying it"):
 * after a clean close, export its exact state, then destroy it here (a tombstone), and create it on
 * the target with that state. Tools and tests use these; the device never moves a context, so they
 * are functions apart from FlashContextStore and stay out of the device bundles.
 */
import { toHex } from '../bytes.js';
import { decodeState, type FlashContextStore, type StoredContextState } from './flash-context-store.js';
import { LoadError } from '../errors.js';

/** After close(): the exact stored state of `store`, to move the context (then destroyContext it here). */
export function exportContextState(store: FlashContextStore): StoredContextState {
  if (!store.closed) throw new Error('exportContextState() only after close()');
  const body = store.log.read(store.key);
  if (!body) throw new LoadError('stored context ' + toHex(store.key) + ': not found');
  const s = decodeState(body, toHex(store.key));
  return { nextSeq: s.seq, window: s.window };
}

/** After close(): delete the context from its partition (a tombstone), so it cannot be opened there again. */
export function destroyContext(store: FlashContextStore): void {
  if (!store.closed) throw new Error('destroyContext() only after close()');
  store.log.delete(store.key);
}
