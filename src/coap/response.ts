/**
 * The client's view of a response (RFC 7252 §5.1): code, options, payload and typed accessors
 * for the options users read most (Content-Format, ETag, Location-*, Max-Age, Observe).
 */
import type { CoapOption, Message } from './message.js';
import { getOption, getOptions, getUintOption } from './message.js';
import { Option } from './option-registry.js';
import { codeToString } from './numbers.js';
import { utf8Decode } from '../bytes.js';
import type { Peer } from './exchange.js';

export class Response {
  readonly code: number;
  readonly options: readonly CoapOption[];
  readonly payload: Uint8Array;
  /** Who answered. */
  readonly peer: Peer;
  /** The message as it left the stack (inner message for OSCORE). */
  readonly message: Message;

  constructor(message: Message, peer: Peer) {
    this.message = message;
    this.code = message.code;
    this.options = message.options;
    this.payload = message.payload;
    this.peer = peer;
  }

  /** "2.05" */
  get codeString(): string {
    return codeToString(this.code);
  }
  /** 2.xx */
  get isSuccess(): boolean {
    return this.code >> 5 === 2;
  }
  text(): string {
    return utf8Decode(this.payload);
  }
  json(): unknown {
    return JSON.parse(this.text());
  }
  option(number: number): Uint8Array | undefined {
    return getOption(this.message, number);
  }
  optionValues(number: number): Uint8Array[] {
    return getOptions(this.message, number);
  }
  get contentFormat(): number | undefined {
    return getUintOption(this.message, Option.CONTENT_FORMAT);
  }
  get maxAge(): number {
    return getUintOption(this.message, Option.MAX_AGE) ?? 60;
  }
  get etag(): Uint8Array | undefined {
    return getOption(this.message, Option.ETAG);
  }
  get observe(): number | undefined {
    return getUintOption(this.message, Option.OBSERVE);
  }
  get locationPath(): string {
    return '/' + getOptions(this.message, Option.LOCATION_PATH).map(utf8Decode).join('/');
  }
}
