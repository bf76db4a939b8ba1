/**
 * Block1/Block2 option values (RFC 7959 §2.2): a uint of 0–3 bytes holding NUM (4, 12 or 20 bits),
 * M (more blocks follow, bit 3) and SZX (block size 2^(SZX+4), bits 0–2).
 * SZX 7 is reserved: a request carrying it gets 4.00 Bad Request (§2.2). A value longer than
 * 3 bytes is an unrecognised option value (RFC 7252 §5.4.3): Block options are critical, so 4.02.
 * Size1/Size2 (§4) are plain uint options and need no codec of their own.
 */
import { BadOptionError, CoapError } from '../errors.js';
import { Code } from './numbers.js';
import { Option } from './option-registry.js';
import { getOption, setOption, type Message } from './message.js';
import { encodeUint } from '../bytes.js';

export interface BlockValue {
  /** Block number: the block starts at byte num * size. */
  num: number;
  /** More blocks follow (Block2 in a response, Block1 in a request) / more wanted (Block1 in a 2.31). */
  more: boolean;
  /** Size exponent, 0..6: size = 2^(szx+4), 16..1024. */
  szx: number;
}

/** Largest usable SZX (1024 bytes). */
export const MAX_SZX = 6;
/** NUM is at most 20 bits (a 3-byte value). */
export const MAX_BLOCK_NUM = 0xfffff;

export function szxToSize(szx: number): number {
  if (!Number.isInteger(szx) || szx < 0 || szx > MAX_SZX) throw new RangeError('SZX must be 0..6, got ' + szx);
  return 1 << (szx + 4);
}

/** The largest SZX whose block fits in `bytes` (at least 16 bytes). */
export function sizeToSzx(bytes: number): number {
  if (!(bytes >= 16)) throw new RangeError('block size must be at least 16 bytes, got ' + bytes);
  let szx = MAX_SZX;
  while (szx > 0 && 1 << (szx + 4) > bytes) szx--;
  return szx;
}

/** Encode as the shortest uint (RFC 7959 §2.2; 0/0/16 is the empty value). */
export function encodeBlock(b: BlockValue): Uint8Array {
  if (!Number.isInteger(b.num) || b.num < 0 || b.num > MAX_BLOCK_NUM) throw new RangeError('block NUM out of range: ' + b.num);
  szxToSize(b.szx);
  return encodeUint(b.num * 16 + (b.more ? 8 : 0) + b.szx);
}

/**
 * Decode a Block option value received from the network. Throws CoapError 4.00 for SZX 7 and
 * BadOptionError (4.02) for a value longer than 3 bytes; `optionNumber` names the option in the error.
 */
export function decodeBlock(value: Uint8Array, optionNumber: number = Option.BLOCK2): BlockValue {
  if (value.length > 3) throw new BadOptionError(optionNumber, 'Block option longer than 3 bytes');
  let n = 0;
  for (let i = 0; i < value.length; i++) n = n * 256 + value[i];
  const szx = n & 7;
  if (szx === 7) throw new CoapError(Code.BAD_REQUEST, 'Block option with reserved SZX 7');
  return { num: Math.floor(n / 16), more: (n & 8) !== 0, szx };
}

/** The Block1 or Block2 value of a message, or undefined; throws as decodeBlock. */
export function readBlock(m: Message, optionNumber: typeof Option.BLOCK1 | typeof Option.BLOCK2): BlockValue | undefined {
  const v = getOption(m, optionNumber);
  return v === undefined ? undefined : decodeBlock(v, optionNumber);
}

export function writeBlock(m: Message, optionNumber: typeof Option.BLOCK1 | typeof Option.BLOCK2, b: BlockValue): void {
  setOption(m, optionNumber, encodeBlock(b));
}

/** "num/more/size" as RFC 7959's figures write it, for diagnostics and tests. */
export function blockToString(b: BlockValue): string {
  return b.num + '/' + (b.more ? 1 : 0) + '/' + (1 << (b.szx + 4));
}
