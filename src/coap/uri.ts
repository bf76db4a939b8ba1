/**
 * coap:// URIs ⇄ request options (RFC 7252 §6.4 decomposing, §6.5 composing): host (IPv6
 * literals in brackets), port (default 5683, 5684 for coaps), Uri-Path segments and Uri-Query
 * parameters, percent-decoded. Uri-Host is only sent for names, not for IP literals (§6.4 step 5).
 */
import { Option } from './option-registry.js';
import type { CoapOption } from './message.js';
import { utf8Encode, utf8Decode } from '../bytes.js';

export const DEFAULT_PORT = 5683;

export interface CoapUri {
  scheme: 'coap' | 'coaps';
  host: string;
  port: number;
  path: string[];
  query: string[];
}

export function parseCoapUri(uri: string): CoapUri {
  const m = /^(coaps?):\/\/(\[[0-9a-fA-F:.%A-Za-z]+\]|[^\/:?#\[\]]+)(?::(\d+))?([^?#]*)(?:\?([^#]*))?(#.*)?$/.exec(uri);
  if (!m) throw new TypeError('not a coap:// URI: ' + uri);
  if (m[6]) throw new TypeError('fragment not allowed in a CoAP URI (RFC 7252 §6.4)');
  const scheme = m[1] as 'coap' | 'coaps';
  let host = m[2];
  if (host.startsWith('[')) host = host.slice(1, -1);
  else host = percentDecode(host).toLowerCase();
  const port = m[3] !== undefined ? Number(m[3]) : scheme === 'coaps' ? 5684 : DEFAULT_PORT;
  if (!(port > 0 && port < 65536)) throw new TypeError('bad port in ' + uri);
  const rawPath = m[4];
  const path = rawPath === '' || rawPath === '/' ? [] : rawPath.slice(1).split('/').map(percentDecode);
  const query = m[5] === undefined || m[5] === '' ? [] : m[5].split('&').map(percentDecode);
  return { scheme, host, port, path, query };
}

/** Is `host` an IPv4 or IPv6 literal (no Uri-Host needed)? */
export function isIpLiteral(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':');
}

/** Uri-Host (names only), Uri-Path and Uri-Query options for a request. */
export function uriOptions(host: string | undefined, path: readonly string[], query: readonly string[]): CoapOption[] {
  const out: CoapOption[] = [];
  if (host !== undefined && !isIpLiteral(host)) out.push({ number: Option.URI_HOST, value: utf8Encode(host) });
  for (const p of path) out.push({ number: Option.URI_PATH, value: utf8Encode(p) });
  for (const q of query) out.push({ number: Option.URI_QUERY, value: utf8Encode(q) });
  return out;
}

/** Compose a coap:// URI (§6.5): IPv6 literals in brackets, default port omitted, segments percent-encoded. */
export function formatCoapUri(host: string, port: number, path: readonly string[], query: readonly string[]): string {
  let s = 'coap://' + (host.includes(':') ? '[' + host + ']' : host) + (port === DEFAULT_PORT ? '' : ':' + port);
  s += '/' + path.map((p) => percentEncode(p, false)).join('/');
  if (query.length) s += '?' + query.map((q) => percentEncode(q, true)).join('&');
  return s;
}

/**
 * Percent-encode a path segment / query parameter (RFC 3986 §2.1, uppercase hex of the UTF-8
 * bytes). Kept as they are: §2.3 unreserved plus the sub-delims and ":@" that §3.3 allows in a
 * segment (in a query also "/?", but not "&", our parameter separator). With the u flag each match
 * is a whole code point (or a lone surrogate, encoded as utf8Encode does). The expressions are
 * made per call: a shared global one would have its lastIndex written (no module state, preload).
 */
function percentEncode(s: string, query: boolean): string {
  const escaped = query ? /[^\w\-.~!$'()*+,;=:@/?]/gu : /[^\w\-.~!$&'()*+,;=:@]/gu;
  return s.replace(escaped, (ch) => {
    let out = '';
    for (const b of utf8Encode(ch)) out += (b < 16 ? '%0' : '%') + b.toString(16).toUpperCase();
    return out;
  });
}

/** Split a path string ('/a/b', 'a/b') into segments. */
export function splitPath(path: string): string[] {
  const p = path.startsWith('/') ? path.slice(1) : path;
  return p === '' ? [] : p.split('/');
}

/** Percent-decode (RFC 3986 §2.1): %XX escapes are bytes, the text between them UTF-8; a "%" without two hex digits stays. */
function percentDecode(s: string): string {
  if (!s.includes('%')) return s;
  const bytes: number[] = [];
  // Split by a capturing expression: the escapes are at the odd indexes, the text between at the even ones.
  const parts = s.split(/(%[0-9a-fA-F]{2})/);
  for (let i = 0; i < parts.length; i++) {
    if (i & 1) bytes.push(parseInt(parts[i].slice(1), 16));
    else for (const b of utf8Encode(parts[i])) bytes.push(b);
  }
  return utf8Decode(new Uint8Array(bytes));
}
