/**
 * Option classes (RFC 8613 §4.1, §4.2): which options of the original message go into the
 * plaintext (Inner, Class E) and which stay visible (Outer, Class U), per the one option registry
 * (src/coap/option-registry.ts; unknown options are Class E).
 *
 * Special cases on sending:
 * - Observe (§4.1.3.5): Inner carries the value; an Outer copy lets proxies forward — requests
 *   repeat the value, notifications carry an empty Inner value and the original value Outer.
 * - Max-Age, Block1/2, Size1/2, No-Response (class E+U): the original message's are Inner; Outer
 *   forms are made by proxies / the outer Block-wise layer below OSCORE, or by error responses.
 * - Proxy-Uri (§4.1.3.3): decomposed (RFC 7252 §6.4); Uri-Path and Uri-Query go Inner and the
 *   Outer Proxy-Uri keeps scheme, host and port (composed as RFC 7252 §6.5).
 * - Outer code (§4.2): POST / 2.04, or FETCH / 2.05 when an Outer Observe is present.
 * On receiving, every Outer option that may be Class E is discarded and the Inner ones win (§8.2/§8.4 step 1).
 */
import type { CoapOption } from '../coap/message.js';
import { Option, oscoreClassOf } from '../coap/option-registry.js';
import { Code } from '../coap/numbers.js';
import { utf8Decode, utf8Encode, encodeUint } from '../bytes.js';

const EMPTY = new Uint8Array(0);

/** Insert keeping the list sorted by number (stable for repeated options). */
export function insertSorted(list: CoapOption[], o: CoapOption): void {
  let i = list.length;
  if (i === 0 || list[i - 1].number <= o.number) {
    list.push(o); // the usual case: options arrive sorted
    return;
  }
  while (i > 0 && list[i - 1].number > o.number) i--;
  list.splice(i, 0, o);
}

export interface SplitOptions {
  inner: CoapOption[];
  outer: CoapOption[];
  /** True when an Outer Observe was written (outer code FETCH / 2.05). */
  outerObserve: boolean;
}

/** §4.1: split the options of an original message. `options` must be sorted by number. */
export function splitOptions(options: readonly CoapOption[], isRequest: boolean): SplitOptions {
  const inner: CoapOption[] = [];
  const outer: CoapOption[] = [];
  let outerObserve = false;
  for (const o of options) {
    if (o.number === Option.OSCORE) throw new RangeError('nested OSCORE option (RFC 8613 §4.1.3.6)');
    if (o.number === Option.OBSERVE) {
      insertSorted(inner, isRequest ? o : { number: o.number, value: EMPTY });
      insertSorted(outer, o);
      outerObserve = true;
    } else if (o.number === Option.PROXY_URI && isRequest) {
      const parts = decomposeProxyUri(utf8Decode(o.value));
      for (const p of parts.inner) insertSorted(inner, p);
      insertSorted(outer, { number: Option.PROXY_URI, value: utf8Encode(parts.outerProxyUri) });
    } else if (oscoreClassOf(o.number) === 'U') {
      insertSorted(outer, o);
    } else {
      insertSorted(inner, o);
    }
  }
  return { inner, outer, outerObserve };
}

export function outerCode(isRequest: boolean, outerObserve: boolean): number {
  if (isRequest) return outerObserve ? Code.FETCH : Code.POST;
  return outerObserve ? Code.CONTENT : Code.CHANGED;
}

/**
 * §8.2 / §8.4 steps 1 and 7: the options of the verified message — the Outer options that are
 * Class U only (minus the OSCORE option), then every Inner option.
 */
export function mergeReceivedOptions(outer: readonly CoapOption[], inner: readonly CoapOption[]): CoapOption[] {
  const out: CoapOption[] = [];
  for (const o of outer) if (o.number !== Option.OSCORE && oscoreClassOf(o.number) === 'U') out.push(o);
  for (const o of inner) insertSorted(out, o);
  return out;
}

const DEFAULT_PORTS: Readonly<Record<string, number>> = Object.freeze({ coap: 5683, coaps: 5684, 'coap+tcp': 5683, 'coaps+tcp': 5684, 'coap+ws': 80, 'coaps+ws': 443, http: 80, https: 443 });

/** Percent-decode one URI component into bytes (RFC 3986 §2.1). */
function percentDecode(s: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '%') out.push(...utf8Encode(s[i]));
    else if (/^[0-9a-fA-F]{2}$/.test(s.slice(i + 1, i + 3))) {
      out.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else throw new RangeError('Proxy-Uri: bad percent-encoding at ' + i);
  }
  return new Uint8Array(out);
}

/**
 * RFC 7252 §6.4 decomposition of a Proxy-Uri; returns the Inner Uri-Path/Uri-Query options and
 * the Outer Proxy-Uri recomposed from scheme, host and (non-default) port (RFC 8613 §4.1.3.3).
 * Userinfo (up to the authority's last '@') is dropped.
 */
export function decomposeProxyUri(uri: string): { inner: CoapOption[]; outerProxyUri: string } {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?(#.*)?$/.exec(uri);
  if (!m || m[5] !== undefined) throw new RangeError('Proxy-Uri: ' + (m ? 'fragments are not allowed (RFC 7252 §6.4)' : 'not an absolute URI with an authority') + ': ' + uri);
  const scheme = m[1].toLowerCase();
  const hm = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(m[2].slice(m[2].lastIndexOf('@') + 1));
  if (!hm?.[1]) throw new RangeError('Proxy-Uri: bad host in ' + uri);
  const port = hm[2] ? Number(hm[2]) : DEFAULT_PORTS[scheme];
  const inner: CoapOption[] = [];
  // The path after its leading '/', then the query: '' (or a lone '/') has no component.
  for (const [number, part, separator] of [[Option.URI_PATH, m[3].slice(1), '/'], [Option.URI_QUERY, m[4] ?? '', '&']] as const) {
    if (part) for (const c of part.split(separator)) inner.push({ number, value: percentDecode(c) });
  }
  return { inner, outerProxyUri: scheme + '://' + hm[1] + (port !== DEFAULT_PORTS[scheme] ? ':' + port : '') };
}

/** An Observe 0 (a registration) among the options: the first Observe option, of value 0 (RFC 7641 §2). */
export function isObserveRegistration(options: readonly CoapOption[]): boolean {
  for (const o of options) if (o.number === Option.OBSERVE) return o.value.every((b) => b === 0);
  return false;
}

/** §4.1.3.5.2: the Observe value a client MAY derive from a notification's Partial IV (its low 3 bytes). */
export function observeFromPartialIv(seq: number): Uint8Array {
  return encodeUint(seq % 0x1000000);
}
