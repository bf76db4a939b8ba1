/**
 * The Group Flag of the OSCORE option (RFC 10021 §5; OSCORE Flag Bits registry, bit 2 = 0x20):
 * set in group mode, where the payload ends with the encrypted countersignature; clear in
 * pairwise mode. Everything else is RFC 8613 §6.1's compressed COSE header, so these two steps
 * wrap src/oscore/option.ts rather than copy it: the flag is taken off before the plain decoder
 * sees the byte (which refuses it as reserved) and put on after the plain encoder wrote it.
 */
import { DecodeError } from '../errors.js';
import { decodeOscoreOption, encodeOscoreOption, type OscoreOptionValue } from '../oscore/option.js';

export const GROUP_FLAG = 0x20;

export interface GroupOscoreOptionValue extends OscoreOptionValue {
  /** Group mode (signature present) rather than pairwise mode. */
  group: boolean;
}

/** §5: the option value with the Group Flag set for group mode. */
export function encodeGroupOscoreOption(v: OscoreOptionValue, group: boolean): Uint8Array {
  const out = encodeOscoreOption(v);
  if (!group) return out;
  // Group mode always sends a kid (requests and responses alike), so the value is never empty.
  if (out.length === 0) throw new RangeError('group mode option without kid or Partial IV');
  const flagged = out.slice();
  flagged[0] |= GROUP_FLAG;
  return flagged;
}

/** Decode a value that may carry the Group Flag; DecodeError as RFC 8613 §6.1 for the rest. */
export function decodeGroupOscoreOption(value: Uint8Array): GroupOscoreOptionValue {
  if (value.length === 0 || (value[0] & GROUP_FLAG) === 0) return { ...decodeOscoreOption(value), group: false };
  const plain = value.slice();
  plain[0] &= ~GROUP_FLAG;
  if (plain[0] === 0 && plain.length === 1) throw new DecodeError('OSCORE option: Group Flag without kid');
  return { ...decodeOscoreOption(plain), group: true };
}
