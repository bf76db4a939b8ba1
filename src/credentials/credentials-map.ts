/**
 * aiocoap's credentials file: a JSON map from URI patterns to credentials.
 *
 *   { "coap://localhost/*": {"oscore": {"contextfile": "client1/for-fileserver/"}},
 *     "coap://example.com/x": ":key1",
 *     ":key1": {"oscore": {"basedir": "ctx/"}} }
 *
 * A pattern matches a whole request URI, `*` standing for any text; the longest matching pattern
 * wins (as aiocoap sorts them). A string value is a reference to a `:label` entry, followed as
 * aiocoap does. Labels alone (":client1") are what a server loads: every OSCORE entry is a context
 * a request may be protected with, found by its kid.
 *
 * Security rule: credentials that are given but cannot be used are an error, never a silent fallback
 * to unprotected traffic. So dangling or circular references and unknown credential types fail
 * when the file is parsed, and a request matching a DTLS/TLS entry (which this build cannot do) fails.
 * A URI that matches nothing is sent unprotected, as with aiocoap.
 *
 * Platform-free: paths are returned as written; targets/node resolves them against the file's folder.
 */
import { LoadError } from '../errors.js';
import { parseEdhocOscore, type EdhocOscoreItem } from './edhoc-credentials.js';

export type CredentialItem =
  | { kind: 'oscore'; /** context directory as written in the file */ basedir: string }
  /** aiocoap's `edhoc-oscore` (edhoc-credentials.ts): own and/or peer credential for EDHOC (RFC 9528). */
  | { kind: 'edhoc'; edhoc: EdhocOscoreItem }
  | { kind: 'reference'; target: string }
  /** Types aiocoap knows that this build cannot apply (dtls, tlscert, any-of, all-of). */
  | { kind: 'unsupported'; type: string };

export interface CredentialsEntry {
  pattern: string;
  item: CredentialItem;
}

/** What applies to a request URI: an OSCORE context directory, or nothing (plain CoAP). */
export interface CredentialsMatch {
  /** The entry that provided the credentials (a URI pattern or a `:label`). */
  pattern: string;
  basedir: string;
}

/** An `edhoc-oscore` entry that applies (to a request URI, or as a server's own/peer entry). */
export interface EdhocMatch {
  pattern: string;
  edhoc: EdhocOscoreItem;
}

const UNSUPPORTED_TYPES = ['dtls', 'tlscert', 'any-of', 'all-of'];

/** Line of a top-level key in the file as written (text formats), for errors. */
export type KeyLines = (key: string) => number | undefined;

function parseItem(where: string, v: unknown): CredentialItem {
  if (typeof v === 'string') {
    if (!v.startsWith(':')) throw new LoadError(where + ': a reference must start with ":" (got "' + v + '")');
    return { kind: 'reference', target: v };
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Map || v instanceof Uint8Array) throw new LoadError(where + ': expected an object like {"oscore": {...}} or a ":label"');
  const keys = Object.keys(v);
  if (keys.length !== 1) throw new LoadError(where + ': must have exactly one key (found ' + (keys.join(',') || 'none') + ')');
  const type = keys[0];
  const body = (v as Record<string, unknown>)[type];
  if (type === 'oscore') {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new LoadError(where + ': oscore: expected an object with "basedir"');
    const b = body as Record<string, unknown>;
    for (const k of Object.keys(b))
      if (k !== 'basedir' && k !== 'contextfile') throw new LoadError(where + ': oscore: unknown key "' + k + '"');
    if ('basedir' in b && 'contextfile' in b) throw new LoadError(where + ': oscore: give basedir or contextfile, not both');
    const dir = b.basedir ?? b.contextfile;
    if (dir === undefined) throw new LoadError(where + ': oscore: basedir: missing');
    if (typeof dir !== 'string' || dir === '') throw new LoadError(where + ': oscore: basedir: expected a directory path');
    return { kind: 'oscore', basedir: dir };
  }
  if (type === 'edhoc-oscore') return { kind: 'edhoc', edhoc: parseEdhocOscore(where, body) };
  if (UNSUPPORTED_TYPES.includes(type)) return { kind: 'unsupported', type };
  throw new LoadError(where + ': unknown credential type "' + type + '"');
}

/** aiocoap's wildcard match: the whole URI against the pattern, `*` = any text (also empty). */
export function patternMatches(pattern: string, uri: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === uri;
  if (!uri.startsWith(parts[0])) return false;
  let pos = parts[0].length;
  const last = parts[parts.length - 1];
  for (let i = 1; i < parts.length - 1; i++) {
    const at = uri.indexOf(parts[i], pos);
    if (at < 0) return false;
    pos = at + parts[i].length;
  }
  return uri.length - pos >= last.length && uri.endsWith(last);
}

export class CredentialsMap {
  private readonly entries = new Map<string, CredentialItem>();

  /** Parse the JSON text of a credentials file; `file` names it in errors. */
  static parse(file: string, text: string): CredentialsMap {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch (e) {
      throw new LoadError(file + ': not valid JSON: ' + (e as Error).message);
    }
    const map = new CredentialsMap();
    map.load(file, v);
    return map;
  }

  /**
   * Add entries from a parsed credentials object (JSON, or CBOR/EDN decoded with text keys);
   * `null` removes an entry (as aiocoap). `lineOf` puts the line of each key into errors
   * ("creds.diag:7: "coap://h/*": oscore: basedir: missing").
   */
  load(file: string, data: unknown, lineOf?: KeyLines): void {
    if (data === null || typeof data !== 'object' || Array.isArray(data) || data instanceof Uint8Array || data instanceof Map)
      throw new LoadError(file + ': expected a map of URI patterns (text) to credentials');
    // The line of a key is looked up only for an error message: finding it is a scan of the text,
    // and a server file with 10,000 entries must not pay that per entry.
    const plain = (key: string) => file + ': "' + key + '"';
    const withLine = (key: string, e: unknown): unknown => {
      const line = lineOf?.(key);
      const prefix = plain(key);
      if (line === undefined || !(e instanceof LoadError) || !e.message.startsWith(prefix)) return e;
      return new LoadError(file + ':' + line + ': "' + key + '"' + e.message.slice(prefix.length));
    };
    const d = data as Record<string, unknown>;
    for (const key of Object.keys(d)) {
      if (d[key] === null) this.entries.delete(key);
      else {
        try {
          this.entries.set(key, parseItem(plain(key), d[key]));
        } catch (e) {
          throw withLine(key, e);
        }
      }
    }
    // Check every reference now: a dangling one would otherwise send a request unprotected.
    for (const [key, item] of this.entries) {
      if (item.kind !== 'reference') continue;
      try {
        this.resolve(plain(key), item.target);
      } catch (e) {
        throw withLine(key, e);
      }
    }
  }

  list(): CredentialsEntry[] {
    return [...this.entries].map(([pattern, item]) => ({ pattern, item }));
  }

  /** Every OSCORE context the map names (a server loads them all and picks by kid). */
  oscoreEntries(): CredentialsMatch[] {
    const out: CredentialsMatch[] = [];
    for (const [pattern, item] of this.entries) if (item.kind === 'oscore') out.push({ pattern, basedir: item.basedir });
    return out;
  }

  /** Every `edhoc-oscore` entry (a server: its own credential per origin, and its known peers). */
  edhocEntries(): EdhocMatch[] {
    const out: EdhocMatch[] = [];
    for (const [pattern, item] of this.entries) if (item.kind === 'edhoc') out.push({ pattern, edhoc: item.edhoc });
    return out;
  }

  private resolve(where: string, label: string): CredentialsMatch | EdhocMatch {
    const seen = new Set<string>();
    let target = label;
    for (;;) {
      if (seen.has(target)) throw new LoadError(where + ': circular reference through ' + target);
      seen.add(target);
      const item = this.entries.get(target);
      if (!item) throw new LoadError(where + ': reference ' + target + ' has no entry');
      if (item.kind === 'reference') target = item.target;
      else if (item.kind === 'unsupported') throw new LoadError(where + ': ' + target + ' is ' + item.type + ', which this build cannot use');
      else if (item.kind === 'edhoc') return { pattern: target, edhoc: item.edhoc };
      else return { pattern: target, basedir: item.basedir };
    }
  }

  /**
   * The credentials for a request URI, or undefined when no pattern matches (then the request goes
   * unprotected, as with aiocoap). Throws LoadError when the matching entry cannot be applied.
   * An `edhoc-oscore` entry gives an EdhocMatch (tell them apart by `'edhoc' in match`).
   */
  forUri(uri: string): CredentialsMatch | EdhocMatch | undefined {
    const patterns = [...this.entries.keys()].sort((a, b) => b.length - a.length);
    for (const p of patterns) {
      if (!patternMatches(p, uri)) continue;
      const item = this.entries.get(p)!;
      if (item.kind === 'oscore') return { pattern: p, basedir: item.basedir };
      if (item.kind === 'edhoc') return { pattern: p, edhoc: item.edhoc };
      if (item.kind === 'unsupported') throw new LoadError('credentials for ' + uri + ' (' + p + ') are ' + item.type + ', which this build cannot use');
      return this.resolve('"' + p + '"', item.target);
    }
    return undefined;
  }
}
