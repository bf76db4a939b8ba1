/**
 * The static parameters of an OSCORE security context (RFC 8613 §3.2) as aiocoap keeps them in a
 * context directory: `settings.json` and `secret.json`, both optional, their keys merged (a key in
 * both is an error). Byte values carry a `_hex` or `_ascii` suffix (`sender-id`, `recipient-id`,
 * `secret`, `salt`, `id-context`); `algorithm` is a COSE name, `kdf-hashfun` a hash name, `window`
 * the replay window size. Defaults as aiocoap: AES-CCM-16-64-128, sha256, window 32, empty salt.
 *
 * Platform-free: the caller reads the files and hands their text here. Every error is a LoadError
 * naming the file and the key, e.g. "ctx/settings.json: recipient-id_hex: not hex".
 */
import { LoadError } from '../errors.js';
import { fromHex } from '../bytes.js';

/** The 8 AES-CCM algorithms (RFC 8152 §10.2): COSE id and nonce length (L=2 → 13 bytes, L=8 → 7 bytes). */
export const CCM_ALGORITHMS: Readonly<Record<string, { id: number; nonceLength: number }>> = {
  'AES-CCM-16-64-128': { id: 10, nonceLength: 13 },
  'AES-CCM-16-64-256': { id: 11, nonceLength: 13 },
  'AES-CCM-64-64-128': { id: 12, nonceLength: 7 },
  'AES-CCM-64-64-256': { id: 13, nonceLength: 7 },
  'AES-CCM-16-128-128': { id: 30, nonceLength: 13 },
  'AES-CCM-16-128-256': { id: 31, nonceLength: 13 },
  'AES-CCM-64-128-128': { id: 32, nonceLength: 7 },
  'AES-CCM-64-128-256': { id: 33, nonceLength: 7 },
};

/**
 * The host AEADs (RFC 8152 §10.1, §10.3): AES-GCM and ChaCha20/Poly1305, 12-byte nonces. Node
 * implements them (src/crypto/host-aeads.ts); the device bundle does not carry them.
 */
export const HOST_ALGORITHMS: Readonly<Record<string, { id: number; nonceLength: number }>> = {
  A128GCM: { id: 1, nonceLength: 12 },
  A192GCM: { id: 2, nonceLength: 12 },
  A256GCM: { id: 3, nonceLength: 12 },
  'ChaCha20/Poly1305': { id: 24, nonceLength: 12 },
};

/** Every AEAD name a context directory may carry. */
export const KNOWN_ALGORITHMS: Readonly<Record<string, { id: number; nonceLength: number }>> = { ...CCM_ALGORITHMS, ...HOST_ALGORITHMS };

/** Names aiocoap knows but this build does not implement: a clear error, never a fallback. */
const UNSUPPORTED_ALGORITHMS = ['A128CBC'];
const UNSUPPORTED_HASHES = ['sha384', 'sha512'];

export const DEFAULT_ALGORITHM = 'AES-CCM-16-64-128';
export const DEFAULT_HASHFUNCTION = 'sha256';
export const DEFAULT_WINDOW = 32;
/** Largest replay window we accept; aiocoap has no limit, but a window is kept as one bit per number. */
export const MAX_WINDOW = 4096;

/** What a context directory configures: everything needed to derive the context (RFC 8613 §3.2). */
export interface ContextConfig {
  senderId: Uint8Array;
  recipientId: Uint8Array;
  masterSecret: Uint8Array;
  masterSalt: Uint8Array;
  /** undefined when no ID Context is configured (distinct from an empty one). */
  idContext: Uint8Array | undefined;
  /** COSE algorithm name and id. */
  algorithmName: string;
  algorithmId: number;
  /** HKDF hash name, 'sha256' (the only one this build implements). */
  hkdf: string;
  window: number;
  /** Keys that were present but mean nothing to aiocoap or to us (typos end up here). */
  unknownKeys: string[];
}

/** One file of a context directory: its display name and text, or undefined when absent. */
export interface ConfigFile {
  name: string;
  text: string | undefined;
}

const BYTE_KEYS = ['sender-id', 'recipient-id', 'secret', 'salt', 'id-context'];
const PLAIN_KEYS = ['algorithm', 'kdf-hashfun', 'window'];

interface Datum {
  file: string;
  /** The key as written, with its suffix: what an error names. */
  key: string;
  value: unknown;
  bytes?: Uint8Array;
}

/** Parse JSON text that must hold an object; names the file on failure. */
export function parseJsonObject(file: string, text: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new LoadError(file + ': not valid JSON: ' + (e as Error).message);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new LoadError(file + ': expected a JSON object');
  return v as Record<string, unknown>;
}

function strictHex(file: string, key: string, v: unknown): Uint8Array {
  if (typeof v !== 'string') throw new LoadError(file + ': ' + key + ': expected a string of hex digits');
  if (v.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(v)) throw new LoadError(file + ': ' + key + ': not hex');
  return fromHex(v);
}

function strictAscii(file: string, key: string, v: unknown): Uint8Array {
  if (typeof v !== 'string') throw new LoadError(file + ': ' + key + ': expected a string');
  const out = new Uint8Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c > 0x7f) throw new LoadError(file + ': ' + key + ': not ASCII (use _hex)');
    out[i] = c;
  }
  return out;
}

/**
 * Merge and check settings.json and secret.json. `files` are read in the order given (aiocoap reads
 * secret.json first); `dirLabel` names the directory in errors that concern no single file.
 */
export function parseContextConfig(dirLabel: string, files: ConfigFile[]): ContextConfig {
  const data = new Map<string, Datum>();
  const unknownKeys: string[] = [];
  let present = 0;
  for (const f of files) {
    if (f.text === undefined) continue;
    present++;
    const obj = parseJsonObject(f.name, f.text);
    for (const rawKey of Object.keys(obj)) {
      let key = rawKey;
      let bytes: Uint8Array | undefined;
      if (rawKey.endsWith('_hex')) {
        key = rawKey.slice(0, -4);
        bytes = strictHex(f.name, rawKey, obj[rawKey]);
      } else if (rawKey.endsWith('_ascii')) {
        key = rawKey.slice(0, -6);
        bytes = strictAscii(f.name, rawKey, obj[rawKey]);
      }
      if (bytes !== undefined ? !BYTE_KEYS.includes(key) : !PLAIN_KEYS.includes(key)) {
        if (BYTE_KEYS.includes(key)) throw new LoadError(f.name + ': ' + rawKey + ': needs a _hex or _ascii suffix');
        unknownKeys.push(f.name + ': ' + rawKey);
        continue;
      }
      const prev = data.get(key);
      if (prev) {
        const where = prev.file === f.name ? 'also given as ' + prev.key : 'also in ' + prev.file + ' (as ' + prev.key + ')';
        throw new LoadError(f.name + ': ' + rawKey + ': duplicate, ' + where);
      }
      data.set(key, { file: f.name, key: rawKey, value: obj[rawKey], bytes });
    }
  }
  if (present === 0) throw new LoadError(dirLabel + ': neither ' + files.map((f) => f.name).join(' nor ') + ' exists');

  const missing = (key: string): never => {
    throw new LoadError(dirLabel + ': ' + key + ': missing (' + key + '_hex or ' + key + '_ascii in ' + files.map((f) => f.name).join(' or ') + ')');
  };
  const bytesOf = (key: string) => data.get(key)?.bytes;

  const algDatum = data.get('algorithm');
  let algorithmName = DEFAULT_ALGORITHM;
  if (algDatum) {
    const where = algDatum.file + ': algorithm: ';
    if (typeof algDatum.value !== 'string') throw new LoadError(where + 'expected a name like "' + DEFAULT_ALGORITHM + '"');
    if (UNSUPPORTED_ALGORITHMS.includes(algDatum.value)) throw new LoadError(where + algDatum.value + ' is not supported in this build (not an AEAD)');
    if (!Object.prototype.hasOwnProperty.call(KNOWN_ALGORITHMS, algDatum.value)) throw new LoadError(where + 'unknown algorithm "' + algDatum.value + '"');
    algorithmName = algDatum.value;
  }
  const alg = KNOWN_ALGORITHMS[algorithmName];

  const hashDatum = data.get('kdf-hashfun');
  let hkdf = DEFAULT_HASHFUNCTION;
  if (hashDatum) {
    const where = hashDatum.file + ': kdf-hashfun: ';
    if (typeof hashDatum.value !== 'string') throw new LoadError(where + 'expected a name like "sha256"');
    if (UNSUPPORTED_HASHES.includes(hashDatum.value)) throw new LoadError(where + hashDatum.value + ' is not supported in this build (sha256 only)');
    if (hashDatum.value !== 'sha256') throw new LoadError(where + 'unknown hash function "' + hashDatum.value + '"');
    hkdf = hashDatum.value;
  }

  const winDatum = data.get('window');
  let window = DEFAULT_WINDOW;
  if (winDatum) {
    const v = winDatum.value;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_WINDOW)
      throw new LoadError(winDatum.file + ': window: expected an integer from 1 to ' + MAX_WINDOW);
    window = v;
  }

  const senderId = bytesOf('sender-id') ?? missing('sender-id');
  const recipientId = bytesOf('recipient-id') ?? missing('recipient-id');
  const masterSecret = bytesOf('secret') ?? missing('secret');
  const maxIdLength = alg.nonceLength - 6;
  for (const k of ['sender-id', 'recipient-id']) {
    const d = data.get(k)!;
    if (d.bytes!.length > maxIdLength)
      throw new LoadError(d.file + ': ' + d.key + ': ' + d.bytes!.length + ' bytes is too long for ' + algorithmName + ' (at most ' + maxIdLength + ': nonce length − 6)');
  }
  if (masterSecret.length === 0) {
    const d = data.get('secret')!;
    throw new LoadError(d.file + ': ' + d.key + ': empty');
  }
  const idContext = bytesOf('id-context');
  if (idContext && idContext.length > 255) {
    const d = data.get('id-context')!;
    throw new LoadError(d.file + ': ' + d.key + ': longer than 255 bytes');
  }
  return {
    senderId,
    recipientId,
    masterSecret,
    masterSalt: bytesOf('salt') ?? new Uint8Array(0),
    idContext,
    algorithmName,
    algorithmId: alg.id,
    hkdf,
    window,
    unknownKeys,
  };
}
