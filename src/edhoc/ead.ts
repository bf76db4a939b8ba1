/**
 * External Authorization Data (RFC 9528 §3.8): a sequence of items (ead_label: int, ? ead_value:
 * bstr). A negative label marks a critical item: a receiver that does not understand it must
 * abort. Label 0 is padding (§3.8.1) and is dropped on receipt.
 */
import { CborReader } from '../cbor/decode.js';
import { encodeCborSequence } from '../cbor/encode.js';
import { CborDecodeError } from '../errors.js';
import { MAJOR_BYTES } from '../cbor/decode.js';

export interface EadItem {
  label: number;
  value?: Uint8Array;
}

export const EAD_PADDING = 0;

/** The rest of a message or plaintext as EAD items. */
export function readEad(r: CborReader, what: string): EadItem[] {
  const out: EadItem[] = [];
  while (!r.atEnd()) {
    const label = r.readInt(what + ': ead_label');
    if (!r.atEnd() && r.peekMajor() === MAJOR_BYTES) out.push({ label, value: r.readBytes(what + ': ead_value') });
    else out.push({ label });
  }
  return out;
}

export function encodeEad(items: readonly EadItem[]): Uint8Array {
  const seq: (number | Uint8Array)[] = [];
  for (const it of items) {
    if (!Number.isSafeInteger(it.label)) throw new CborDecodeError('EAD: label must be an integer');
    seq.push(it.label);
    if (it.value) seq.push(it.value);
  }
  return encodeCborSequence(seq);
}

/** The items for the application (padding dropped), and the first critical one it does not understand. */
export function screenEad(items: readonly EadItem[], understood: readonly number[]): { items: EadItem[]; unknownCritical?: number } {
  const kept = items.filter((i) => i.label !== EAD_PADDING);
  for (const i of kept) if (i.label < 0 && !understood.includes(-i.label) && !understood.includes(i.label)) return { items: kept, unknownCritical: i.label };
  return { items: kept };
}
