/**
 * The one option registry (RFC 7252 §5.10, §12.2; RFC 7641; RFC 7959; RFC 8613; RFC 9175).
 * A table: number, name, value format, length limits, repeatable, and the OSCORE class (RFC 8613 §4.1):
 * 'E' encrypted (inner only), 'U' unprotected (outer only), 'EU' both (inner and outer forms exist:
 * Observe, Max-Age is inner E with an outer copy for proxies, Block1/Block2 inner for end-to-end,
 * outer for proxies). Critical/unsafe/no-cache-key are derived from the number bits (§5.4.6).
 */

export type OptionFormat = 'empty' | 'opaque' | 'uint' | 'string';
export type OscoreClass = 'E' | 'U' | 'EU';

export interface OptionSpec {
  readonly number: number;
  readonly name: string;
  readonly format: OptionFormat;
  readonly minLength: number;
  readonly maxLength: number;
  readonly repeatable: boolean;
  readonly oscoreClass: OscoreClass;
}

export const Option = {
  IF_MATCH: 1,
  URI_HOST: 3,
  ETAG: 4,
  IF_NONE_MATCH: 5,
  OBSERVE: 6,
  URI_PORT: 7,
  LOCATION_PATH: 8,
  OSCORE: 9,
  URI_PATH: 11,
  CONTENT_FORMAT: 12,
  MAX_AGE: 14,
  URI_QUERY: 15,
  HOP_LIMIT: 16,
  ACCEPT: 17,
  Q_BLOCK1: 19,
  LOCATION_QUERY: 20,
  EDHOC: 21,
  BLOCK2: 23,
  BLOCK1: 27,
  SIZE2: 28,
  Q_BLOCK2: 31,
  PROXY_URI: 35,
  PROXY_SCHEME: 39,
  SIZE1: 60,
  ECHO: 252,
  NO_RESPONSE: 258,
  REQUEST_TAG: 292,
} as const;

function spec(number: number, name: string, format: OptionFormat, minLength: number, maxLength: number, repeatable: boolean, oscoreClass: OscoreClass): OptionSpec {
  return Object.freeze({ number, name, format, minLength, maxLength, repeatable, oscoreClass });
}

/** Known options. OSCORE classes per RFC 8613 §4.1 (Table 2) and RFC 9175 §3/§4 (Echo, Request-Tag: E). */
export const OPTIONS: readonly OptionSpec[] = Object.freeze([
  spec(1, 'If-Match', 'opaque', 0, 8, true, 'E'),
  spec(3, 'Uri-Host', 'string', 1, 255, false, 'U'),
  spec(4, 'ETag', 'opaque', 1, 8, true, 'E'),
  spec(5, 'If-None-Match', 'empty', 0, 0, false, 'E'),
  spec(6, 'Observe', 'uint', 0, 3, false, 'EU'),
  spec(7, 'Uri-Port', 'uint', 0, 2, false, 'U'),
  spec(8, 'Location-Path', 'string', 0, 255, true, 'E'),
  spec(9, 'OSCORE', 'opaque', 0, 255, false, 'U'),
  spec(11, 'Uri-Path', 'string', 0, 255, true, 'E'),
  spec(12, 'Content-Format', 'uint', 0, 2, false, 'E'),
  spec(14, 'Max-Age', 'uint', 0, 4, false, 'EU'),
  spec(15, 'Uri-Query', 'string', 0, 255, true, 'E'),
  spec(16, 'Hop-Limit', 'uint', 1, 1, false, 'U'),
  spec(17, 'Accept', 'uint', 0, 2, false, 'E'),
  spec(19, 'Q-Block1', 'uint', 0, 3, false, 'EU'),
  spec(20, 'Location-Query', 'string', 0, 255, true, 'E'),
  spec(21, 'EDHOC', 'empty', 0, 0, false, 'U'),
  spec(23, 'Block2', 'uint', 0, 3, false, 'EU'),
  spec(27, 'Block1', 'uint', 0, 3, false, 'EU'),
  spec(28, 'Size2', 'uint', 0, 4, false, 'EU'),
  spec(31, 'Q-Block2', 'uint', 0, 3, false, 'EU'),
  spec(35, 'Proxy-Uri', 'string', 1, 1034, false, 'U'),
  spec(39, 'Proxy-Scheme', 'string', 1, 255, false, 'U'),
  spec(60, 'Size1', 'uint', 0, 4, false, 'EU'),
  spec(252, 'Echo', 'opaque', 1, 40, false, 'E'),
  spec(258, 'No-Response', 'uint', 0, 1, false, 'EU'),
  spec(292, 'Request-Tag', 'opaque', 0, 8, true, 'E'),
]);

const BY_NUMBER: Map<number, OptionSpec> = /* @__PURE__ */ new Map(OPTIONS.map((o) => [o.number, o]));

export function optionSpec(number: number): OptionSpec | undefined {
  return BY_NUMBER.get(number);
}

export function optionName(number: number): string {
  return BY_NUMBER.get(number)?.name ?? 'Option' + number;
}

/** RFC 7252 §5.4.6: odd numbers are critical. */
export function isCritical(number: number): boolean {
  return (number & 1) === 1;
}
/** RFC 7252 §5.4.6: bit 1 set means unsafe to forward. */
export function isUnsafe(number: number): boolean {
  return (number & 2) === 2;
}
/** RFC 7252 §5.4.6: NoCacheKey when bits 2..4 are all set (0b11100 mask equals 0b11100). */
export function isNoCacheKey(number: number): boolean {
  return (number & 0x1e) === 0x1c;
}

/** RFC 8613 §4.1: unknown options are Class E. */
export function oscoreClassOf(number: number): OscoreClass {
  return BY_NUMBER.get(number)?.oscoreClass ?? 'E';
}
