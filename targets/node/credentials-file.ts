/**
 * A credentials file read as aiocoap reads it, chosen by its extension:
 *
 *   .json          JSON (and any other extension, as before)
 *   .cbor          one CBOR data item (RFC 8949), decoded by the cbor2 package
 *   .diag / .edn   CBOR extended diagnostic notation (RFC 8949 §8, draft-ietf-cbor-edn-literals),
 *                  comments allowed (`/ … /`, `# …`), parsed to CBOR by cbor-edn, then decoded
 *
 * The value returned is what JSON would give, plus what only CBOR can say:
 * - maps whose keys are all text strings → plain objects (so the JSON-shaped code reads them alike);
 * - maps with any other key (e.g. EDHOC's `{14: {8: {1: {1: 2, …}}}}`) → `Map`, keys as decoded
 *   (numbers, bigints, strings, Uint8Arrays) — never turned into text, so a COSE/CCS structure can
 *   be re-encoded exactly;
 * - byte strings → `Uint8Array`. JSON has none: there aiocoap writes `{"hex": "…"}` / `{"ascii": "…"}`,
 *   which stay as they are; `credentialBytes` (src/credentials/bytes-value.ts) accepts all three.
 * - integers beyond 2^53 → bigint; tags other than those cbor2 knows → cbor2's `Tag`.
 *
 * Node-only (cbor2 and cbor-edn never enter the device bundle). Errors are LoadErrors naming the
 * file, the line (and column) for text formats, and the field — "creds.diag:3:4: not valid EDN: …".
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { decode } from 'cbor2';
import { parseEDN } from 'cbor-edn';
import { LoadError } from '../../src/errors.js';

export type CredentialsFormat = 'json' | 'cbor' | 'edn';

export interface CredentialsDocument {
  path: string;
  format: CredentialsFormat;
  /** The decoded top-level value (for a credentials map: a plain object). */
  value: unknown;
  /** Line (1-based) of a top-level key as written, for errors; undefined in a .cbor file or when not found. */
  lineOfKey(key: string): number | undefined;
}

export function credentialsFormat(path: string): CredentialsFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.cbor') return 'cbor';
  if (ext === '.diag' || ext === '.edn') return 'edn';
  return 'json';
}

function lineAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) (line++, (start = i + 1));
  return { line, column: offset - start + 1 };
}

function parseJson(path: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const pos = /at position (\d+)/.exec(msg);
    const at = pos ? lineAt(text, Number(pos[1])) : undefined;
    throw new LoadError(path + (at ? ':' + at.line + ':' + at.column : '') + ': not valid JSON: ' + msg.replace(/ in JSON at position \d+.*$/, ''));
  }
}

function decodeCbor(path: string, bytes: Uint8Array, what: string): unknown {
  try {
    return decode(bytes);
  } catch (e) {
    throw new LoadError(path + ': not valid ' + what + ': ' + (e as Error).message);
  }
}

function parseEdn(path: string, text: string): unknown {
  let bytes: Uint8Array;
  try {
    bytes = parseEDN(text, { grammarSource: path });
  } catch (e) {
    const loc = (e as { location?: { start?: { line: number; column: number } } }).location?.start;
    // peggy's message carries a source excerpt over several lines; the first line says what was expected.
    // peggy lists every token it could have taken; "unexpected X" says more to a person.
    const first = ((e as Error).message.split('\n')[0] ?? '').replace(/^Error: /, '');
    const found = / but (.+) found\.$/.exec(first);
    throw new LoadError(path + (loc ? ':' + loc.line + ':' + loc.column : '') + ': not valid EDN: ' + (found ? 'unexpected ' + found[1] : first));
  }
  return decodeCbor(path, bytes, 'CBOR (from EDN)');
}

/** Read and decode a credentials file (see the header for the value's shape). */
export function loadCredentialsFile(path: string): CredentialsDocument {
  const format = credentialsFormat(path);
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (e) {
    throw new LoadError(path + ': cannot read credentials file (' + (e as NodeJS.ErrnoException).code + ')');
  }
  if (format === 'cbor') {
    const value = decodeCbor(path, new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength), 'CBOR');
    return { path, format, value, lineOfKey: () => undefined };
  }
  const text = raw.toString('utf8');
  const value = format === 'edn' ? parseEdn(path, text) : parseJson(path, text);
  return {
    path,
    format,
    value,
    // Keys are text strings, written "…" in both JSON and EDN: the first occurrence is the key itself
    // or, rarely, an equal string before it — good enough to point a reader at the right line.
    lineOfKey: (key) => {
      const at = text.indexOf(JSON.stringify(key));
      return at < 0 ? undefined : lineAt(text, at).line;
    },
  };
}

/** The decoded value of a credentials file (JSON, CBOR or EDN by extension); for other code, e.g. EDHOC credentials. */
export function readCredentialsFile(path: string): unknown {
  return loadCredentialsFile(path).value;
}
