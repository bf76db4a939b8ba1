/**
 * The one option registry (RFC 7252 §5.10, §12.2; RFC 7641; RFC 7959; RFC 8613; RFC 9175).
 * Two tables: OSCORE_CLASS (the known numbers and their OSCORE class, all a device asks of the
 * registry) and OPTIONS (name, value format, length limits, repeatable, for tools and Node).
 * OSCORE classes (RFC 8613 §4.1):
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

/**
 * RFC 8613 §4.1 (Table 2) and RFC 9175 §3/§4 (Echo, Request-Tag: E): the OSCORE class of every
 * known option, by number. The part of the registry a device needs (which options are known, for
 * §5.4.1, and how OSCORE splits them), kept apart so a device bundle carries no names or lengths.
 */
const OSCORE_CLASS: Readonly<Record<number, OscoreClass>> = Object.freeze({
  1: 'E', 3: 'U', 4: 'E', 5: 'E', 6: 'EU', 7: 'U', 8: 'E', 9: 'U', 11: 'E', 12: 'E', 14: 'EU', 15: 'E', 16: 'U', 17: 'E',
  19: 'EU', 20: 'E', 21: 'U', 23: 'EU', 27: 'EU', 28: 'EU', 31: 'EU', 35: 'U', 39: 'U', 60: 'EU', 252: 'E', 258: 'EU', 292: 'E',
});

type OptionRow = [number: number, name: string, format: OptionFormat, minLength: number, maxLength: number, repeatable: boolean];

function spec(row: OptionRow): OptionSpec {
  // Not destructured in the parameter list: after an arrow with destructured parameters, the XS
  // parser (xsnap) rejects any later "use strict" in the same enclosing function ("invalid directive").
  const [number, name, format, minLength, maxLength, repeatable] = row;
  return Object.freeze({ number, name, format, minLength, maxLength, repeatable, oscoreClass: OSCORE_CLASS[number] });
}

/**
 * Known options: number, name, value format, length limits, repeatable (RFC 7252 §5.10 Table 4
 * and the options' own RFCs); the class comes from OSCORE_CLASS. Built only where it is used (the
 * annotations let a device bundle, which asks only OSCORE_CLASS, drop the table).
 */
export const OPTIONS: readonly OptionSpec[] = /* @__PURE__ */ Object.freeze(
  /* @__PURE__ */ ([
    [1, 'If-Match', 'opaque', 0, 8, true],
    [3, 'Uri-Host', 'string', 1, 255, false],
    [4, 'ETag', 'opaque', 1, 8, true],
    [5, 'If-None-Match', 'empty', 0, 0, false],
    [6, 'Observe', 'uint', 0, 3, false],
    [7, 'Uri-Port', 'uint', 0, 2, false],
    [8, 'Location-Path', 'string', 0, 255, true],
    [9, 'OSCORE', 'opaque', 0, 255, false],
    [11, 'Uri-Path', 'string', 0, 255, true],
    [12, 'Content-Format', 'uint', 0, 2, false],
    [14, 'Max-Age', 'uint', 0, 4, false],
    [15, 'Uri-Query', 'string', 0, 255, true],
    [16, 'Hop-Limit', 'uint', 1, 1, false],
    [17, 'Accept', 'uint', 0, 2, false],
    [19, 'Q-Block1', 'uint', 0, 3, false],
    [20, 'Location-Query', 'string', 0, 255, true],
    [21, 'EDHOC', 'empty', 0, 0, false],
    [23, 'Block2', 'uint', 0, 3, false],
    [27, 'Block1', 'uint', 0, 3, false],
    [28, 'Size2', 'uint', 0, 4, false],
    [31, 'Q-Block2', 'uint', 0, 3, false],
    [35, 'Proxy-Uri', 'string', 1, 1034, false],
    [39, 'Proxy-Scheme', 'string', 1, 255, false],
    [60, 'Size1', 'uint', 0, 4, false],
    [252, 'Echo', 'opaque', 1, 40, false],
    [258, 'No-Response', 'uint', 0, 1, false],
    [292, 'Request-Tag', 'opaque', 0, 8, true],
  ] as OptionRow[]).map(spec),
);

const BY_NUMBER: Map<number, OptionSpec> = /* @__PURE__ */ new Map(/* @__PURE__ */ OPTIONS.map((o) => [o.number, o]));

export function optionSpec(number: number): OptionSpec | undefined {
  return BY_NUMBER.get(number);
}

export function optionName(number: number): string {
  return BY_NUMBER.get(number)?.name ?? 'Option' + number;
}

/** Is `number` a registered option (RFC 7252 §5.4.1: an unknown critical one is rejected)? */
export function isKnownOption(number: number): boolean {
  return OSCORE_CLASS[number] !== undefined;
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
  return OSCORE_CLASS[number] ?? 'E';
}
