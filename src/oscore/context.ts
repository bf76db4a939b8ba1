/**
 * The OSCORE Security Context (RFC 8613 §3): Common Context (algorithm, Master Secret/Salt,
 * ID Context, Common IV), Sender Context (Sender ID, Sender Key, Sender Sequence Number) and
 * Recipient Context (Recipient ID, Recipient Key, Replay Window).
 *
 * Derivation (§3.2.1): key = HKDF-SHA-256(salt = Master Salt, IKM = Master Secret, info, L) with
 *   info = [ id: bstr, id_context: bstr / nil, alg_aead: int, type: "Key" / "IV", L: uint ].
 * IDs are checked against the nonce (§3.3: an ID is at most nonce length − 6 bytes).
 *
 * RAM (a device holds one context per peer): the keys, Common IV and IDs share one buffer, and a
 * context holds its raw keys only. Prepared keys (AES key schedule, cipher objects) live in a
 * PreparedKeyCache (src/crypto/key-cache.ts), prepared on first use, not per message: a cache
 * shared by an endpoint's contexts (option `keyCache`) keeps the few most recently used, so a
 * device with contexts for many peers pays for prepared keys only for those it talks to; without
 * one, each context keeps its own two.
 */
import { LoadError } from '../errors.js';
import { equalBytes } from '../bytes.js';
import type { AeadAlgorithm, AeadKey } from '../crypto/aead.js';
import type { AesBlockCipherFactory } from '../ports.js';
import { findAlgorithm } from '../crypto/algorithms.js';
import { PreparedKeyCache } from '../crypto/key-cache.js';
import { hkdfSha256 } from '../crypto/hkdf.js';
import { encodeCbor } from './cbor.js';
import { ReplayWindow, DEFAULT_REPLAY_WINDOW_SIZE, MAX_REPLAY_WINDOW_SIZE } from './replay.js';
import { SenderSequence, openSenderState } from './sequence.js';
import { VolatileContextStore, type ContextStore } from './store.js';

export interface SecurityContextParams {
  masterSecret: Uint8Array;
  /** Default: empty (§3.2). */
  masterSalt?: Uint8Array;
  senderId: Uint8Array;
  recipientId: Uint8Array;
  idContext?: Uint8Array;
  /**
   * COSE AEAD algorithm id of the CCM registry (default 10, AES-CCM-16-64-128), or an algorithm
   * object — how a host hands in an AEAD the device bundle does not carry (src/crypto/host-aeads.ts).
   */
  algorithm?: number | AeadAlgorithm;
  /** Only HKDF SHA-256 is defined for OSCORE here. */
  hkdf?: 'SHA-256';
  /** Default 32 (§7.4). */
  replayWindowSize?: number;
}

/** What derivation produces (raw bytes, before the keys are prepared). */
export interface DerivedKeys {
  senderKey: Uint8Array;
  recipientKey: Uint8Array;
  commonIv: Uint8Array;
}

const DEFAULT_ALGORITHM = 10;
const EMPTY = new Uint8Array(0);

/** The `info` of §3.2.1 for one derived value. `type` is "Key" or "IV". */
export function kdfInfo(id: Uint8Array, idContext: Uint8Array | undefined, algorithmId: number, type: string, length: number): Uint8Array {
  return encodeCbor([id, idContext ?? null, algorithmId, type, length]);
}

function requireBytes(v: unknown, field: string, optional: boolean): Uint8Array | undefined {
  if (v === undefined && optional) return undefined;
  if (!(v instanceof Uint8Array)) throw new LoadError(field + ': must be a byte string (Uint8Array)');
  return v;
}

/** Validate params (throwing LoadError naming the field) and resolve the algorithm. */
export function checkParams(params: SecurityContextParams): AeadAlgorithm {
  if (params === null || typeof params !== 'object') throw new LoadError('security context parameters missing');
  const secret = requireBytes(params.masterSecret, 'masterSecret', false)!;
  if (secret.length === 0) throw new LoadError('masterSecret: must not be empty');
  requireBytes(params.masterSalt, 'masterSalt', true);
  requireBytes(params.idContext, 'idContext', true);
  const senderId = requireBytes(params.senderId, 'senderId', false)!;
  const recipientId = requireBytes(params.recipientId, 'recipientId', false)!;
  const algId = params.algorithm ?? DEFAULT_ALGORITHM;
  // An object is a host AEAD handed in by the caller (src/crypto/host-aeads.ts).
  const alg = typeof algId === 'number' ? findAlgorithm(algId) : typeof algId?.prepare === 'function' ? algId : undefined;
  if (!alg) throw new LoadError('algorithm: unsupported AEAD algorithm ' + String(algId) + ' (supported: AES-CCM, COSE ids 10–13, 30–33)');
  if (params.hkdf !== undefined && params.hkdf !== 'SHA-256') throw new LoadError('hkdf: unsupported HKDF ' + String(params.hkdf) + ' (supported: SHA-256)');
  const maxId = alg.nonceLength - 6;
  if (senderId.length > maxId) throw new LoadError('senderId: ' + senderId.length + ' bytes, but ' + alg.name + ' allows at most ' + maxId + ' (nonce length − 6, RFC 8613 §3.3)');
  if (recipientId.length > maxId) throw new LoadError('recipientId: ' + recipientId.length + ' bytes, but ' + alg.name + ' allows at most ' + maxId + ' (nonce length − 6, RFC 8613 §3.3)');
  if (equalBytes(senderId, recipientId)) throw new LoadError('recipientId: must differ from senderId (RFC 8613 §3.3)');
  const w = params.replayWindowSize;
  if (w !== undefined && (!Number.isInteger(w) || w < 1 || w > MAX_REPLAY_WINDOW_SIZE)) throw new LoadError('replayWindowSize: must be an integer 1..' + MAX_REPLAY_WINDOW_SIZE + ', got ' + String(w));
  return alg;
}

/** §3.2.1: Sender Key, Recipient Key and Common IV from the parameters. */
export function deriveKeys(params: SecurityContextParams): DerivedKeys {
  const alg = checkParams(params);
  const salt = params.masterSalt ?? EMPTY;
  const derive = (id: Uint8Array, type: string, length: number) => hkdfSha256(params.masterSecret, salt, kdfInfo(id, params.idContext, alg.id, type, length), length);
  return {
    senderKey: derive(params.senderId, 'Key', alg.keyLength),
    recipientKey: derive(params.recipientId, 'Key', alg.keyLength),
    commonIv: derive(EMPTY, 'IV', alg.nonceLength),
  };
}

export interface SecurityContextOptions {
  /** Where the sequence number and replay window live; default: a fresh VolatileContextStore. */
  store?: ContextStore;
  /** Use these keys instead of deriving them (interop test variants, externally derived keys). */
  keys?: DerivedKeys;
  /**
   * The AES block cipher the keys are prepared with (default: the build's, src/crypto/aes.ts);
   * with `keyCache`, the cache's is used instead.
   */
  aes?: AesBlockCipherFactory;
  /** A cache of prepared keys shared with other contexts (bounded); default: this context's own. */
  keyCache?: PreparedKeyCache;
}

export class SecurityContext {
  readonly algorithm: AeadAlgorithm;
  readonly senderId: Uint8Array;
  readonly recipientId: Uint8Array;
  /** Absent when there is none (no property: one less per context in RAM). */
  declare readonly idContext: Uint8Array | undefined;
  readonly commonIv: Uint8Array;
  readonly sequence: SenderSequence;
  readonly replayWindow: ReplayWindow;
  readonly store: ContextStore;
  /** Where the prepared keys live; the raw keys are the first bytes of commonIv's buffer. */
  private readonly keys: PreparedKeyCache;

  constructor(params: SecurityContextParams, options: SecurityContextOptions = {}) {
    const alg = (this.algorithm = checkParams(params));
    const keys = options.keys ?? deriveKeys(params);
    const n = alg.keyLength;
    if (keys.commonIv.length !== alg.nonceLength) throw new LoadError('commonIv: must be ' + alg.nonceLength + ' bytes');
    // Checked here, so a bad key fails when the context is made, not at its first message.
    for (const k of [keys.senderKey, keys.recipientKey]) {
      if (!(k instanceof Uint8Array) || k.length !== n) throw new LoadError('keys: ' + alg.name + ' needs ' + n + '-byte keys');
    }
    // One buffer: Sender Key | Recipient Key | Common IV | Sender ID | Recipient ID | ID Context,
    // copies (the caller's arrays may be reused or wiped after construction).
    const idc = params.idContext;
    const all = new Uint8Array(2 * n + keys.commonIv.length + params.senderId.length + params.recipientId.length + (idc ? idc.length : 0));
    let off = 0;
    const put = (bytes: Uint8Array) => {
      all.set(bytes, off);
      return all.subarray(off, (off += bytes.length));
    };
    put(keys.senderKey);
    put(keys.recipientKey);
    this.commonIv = put(keys.commonIv);
    this.senderId = put(params.senderId);
    this.recipientId = put(params.recipientId);
    if (idc) this.idContext = put(idc);
    if (!options.keys) {
      // Derived here: no one else holds these bytes.
      keys.senderKey.fill(0);
      keys.recipientKey.fill(0);
    }
    this.keys = options.keyCache ?? new PreparedKeyCache(2, options.aes);
    this.store = options.store ?? new VolatileContextStore();
    const loaded = openSenderState(this.store);
    this.sequence = loaded.sequence;
    this.replayWindow = new ReplayWindow(params.replayWindowSize ?? DEFAULT_REPLAY_WINDOW_SIZE, loaded.window);
  }

  /** The Sender Key, prepared on first use. */
  get senderKey(): AeadKey {
    return this.prepared(0);
  }

  /** The Recipient Key, prepared on first use. */
  get recipientKey(): AeadKey {
    return this.prepared(1);
  }

  /** Key `slot` (0: sender, 1: recipient) from the cache, or prepared from its raw bytes. */
  private prepared(slot: number): AeadKey {
    const found = this.keys.find(this, slot);
    if (found) return found;
    const n = this.algorithm.keyLength;
    try {
      return this.keys.add(this, slot, this.algorithm, new Uint8Array(this.commonIv.buffer, slot * n, n));
    } catch (e) {
      throw new LoadError('keys: ' + (e instanceof Error ? e.message : String(e)));
    }
  }

  /** Clean shutdown: hand the exact sequence number and replay window to the store. */
  close(): void {
    this.keys.forget(this);
    this.store.close(this.sequence.next, this.replayWindow.snapshot());
  }
}
