/**
 * The one CoAP message model (RFC 7252 §3), shared by the codec, messaging, OSCORE and the API.
 * Options are kept as a list sorted by number (stable: repeated options keep their order),
 * each value as raw bytes; typed accessors convert on demand.
 */
import { MessageType } from './numbers.js';
import { decodeUint, encodeUint, utf8Decode, utf8Encode } from '../bytes.js';

export interface CoapOption {
  number: number;
  value: Uint8Array;
}

export interface Message {
  type: MessageType;
  /** class << 5 | detail; 0 = Empty. */
  code: number;
  messageId: number;
  token: Uint8Array;
  /** Sorted by number; stable for repeated options. */
  options: CoapOption[];
  payload: Uint8Array;
}

const EMPTY = new Uint8Array(0);

export function createMessage(init: Partial<Message> & { code: number }): Message {
  const m: Message = {
    type: init.type ?? MessageType.CON,
    code: init.code,
    messageId: init.messageId ?? 0,
    token: init.token ?? EMPTY,
    options: [],
    payload: init.payload ?? EMPTY,
  };
  if (init.options) for (const o of init.options) addOption(m, o.number, o.value);
  return m;
}

/** Insert keeping the list sorted by number; equal numbers keep insertion order. */
export function addOption(m: Message, number: number, value: Uint8Array): void {
  let i = m.options.length;
  while (i > 0 && m.options[i - 1].number > number) i--;
  m.options.splice(i, 0, { number, value });
}

export function getOption(m: Message, number: number): Uint8Array | undefined {
  for (const o of m.options) if (o.number === number) return o.value;
  return undefined;
}

export function getOptions(m: Message, number: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const o of m.options) if (o.number === number) out.push(o.value);
  return out;
}

export function hasOption(m: Message, number: number): boolean {
  for (const o of m.options) if (o.number === number) return true;
  return false;
}

export function removeOption(m: Message, number: number): void {
  m.options = m.options.filter((o) => o.number !== number);
}

/** Replace all occurrences of `number` with one value. */
export function setOption(m: Message, number: number, value: Uint8Array): void {
  removeOption(m, number);
  addOption(m, number, value);
}

export function getUintOption(m: Message, number: number): number | undefined {
  const v = getOption(m, number);
  return v === undefined ? undefined : decodeUint(v);
}

export function setUintOption(m: Message, number: number, n: number): void {
  setOption(m, number, encodeUint(n));
}

export function getStringOptions(m: Message, number: number): string[] {
  return getOptions(m, number).map(utf8Decode);
}

export function addStringOption(m: Message, number: number, s: string): void {
  addOption(m, number, utf8Encode(s));
}

/** Shallow copy with its own option list (values are shared, they are never mutated in place). */
export function cloneMessage(m: Message): Message {
  return { ...m, options: m.options.slice() };
}
