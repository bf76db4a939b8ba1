/**
 * An aiocoap security-context directory on disk (RFC 8613 §3, App. B.1), usable by aiocoap and
 * oscore-xs alike — a context can be moved between them:
 *
 *   settings.json, secret.json  static parameters (src/credentials/context-config.ts)
 *   sequence.json               next sender sequence number and replay window (sequence-file.ts)
 *   lock                        one process at a time (context-lock.ts)
 *
 * Sender sequence numbers are reserved in chunks as aiocoap does (App. B.1.1): the file says
 * `next-to-send` = first number not reserved; a reservation starts at 10 numbers and doubles up to
 * 10000 at each write. While the context is open the file says `"received": "unknown"` (written when
 * the window is loaded), so a crash leaves the replay window unknown and the server recovers with
 * Echo (App. B.1.2); a clean close writes the exact sequence number and window.
 * Every write is atomic: a temporary `.sequence-*.json` in the directory, fsync, rename, fsync of
 * the directory.
 */
import { closeSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ContextUnavailable, LoadError } from '../../src/errors.js';
import { parseContextConfig, type ContextConfig } from '../../src/credentials/context-config.js';
import type { ContextStore, ReplayState, ReplayWindowSnapshot } from '../../src/oscore/store.js';
import { checkParams, type SecurityContextParams } from '../../src/oscore/context.js';
import { findAnyAlgorithm } from '../../src/crypto/host-aeads.js';
import {
  aiocoapToReplayState,
  replaySnapshotToAiocoap,
  formatSequenceFile,
  freshSequenceState,
  parseSequenceFile,
  MAX_SEQUENCE_NUMBER,
  type SequenceState,
} from '../../src/credentials/sequence-file.js';
import { ContextLock } from './context-lock.js';

export const SEQUENCE_CHUNK_START = 10;
export const SEQUENCE_CHUNK_LIMIT = 10000;

/** Read a file as text; undefined when it does not exist; LoadError naming it otherwise. */
function readOptional(path: string, label: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new LoadError(label + ': cannot read (' + code + ')');
  }
}

/** Join for messages: keep the user's spelling of the directory, one slash before the file name. */
function labelOf(dirLabel: string, file: string): string {
  return dirLabel.replace(/\/+$/, '') + '/' + file;
}

export interface OpenOptions {
  /** How errors name the directory (default: the path as given). */
  label?: string;
  chunkStart?: number;
  chunkLimit?: number;
}

function checkIsDirectory(dir: string, label: string): void {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (e) {
    throw new LoadError(label + ': cannot open context directory (' + (e as NodeJS.ErrnoException).code + ')');
  }
  if (!isDir) throw new LoadError(label + ': not a directory');
}

/**
 * The names in a context directory, or LoadError as open() words it. (One readdir instead of a
 * stat and a failed open per missing file: what makes checking ten thousand directories fast.)
 */
function listDirectory(dir: string, label: string): Set<string> {
  try {
    return new Set(readdirSync(dir));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw new LoadError(label + ': not a directory');
    throw new LoadError(label + ': cannot open context directory (' + code + ')');
  }
}

/**
 * Read and check the files of a locked directory (nothing written). `present`: the directory's
 * names, when known — files not among them are not tried.
 */
function readLocked(dir: string, label: string, present?: Set<string>): { config: ContextConfig; initial: SequenceState } {
  const read = (name: string) => (present && !present.has(name) ? undefined : readOptional(join(dir, name), labelOf(label, name)));
  // aiocoap reads secret.json first; the order only shows in which file a duplicate is reported.
  const files = ['secret.json', 'settings.json'].map((name) => ({
    name: labelOf(label, name),
    text: read(name),
  }));
  const config = parseContextConfig(label, files);
  // Everything the OSCORE core will check (e.g. equal IDs), before anything is written.
  try {
    checkParams(securityContextParams(config));
  } catch (e) {
    throw e instanceof LoadError ? new LoadError(label + ': ' + e.message) : e;
  }
  const seqLabel = labelOf(label, 'sequence.json');
  const seqText = read('sequence.json');
  const initial = seqText === undefined ? freshSequenceState() : parseSequenceFile(seqLabel, seqText, config.window);
  return { config, initial };
}

export class ContextDirectory implements ContextStore {
  readonly config: ContextConfig;
  /** The state read at open (before "unknown" was written): what the OSCORE context starts from. */
  readonly initial: SequenceState;
  private persistedNext: number;
  private chunk: number;
  private readonly chunkLimit: number;
  private lock: ContextLock | undefined;
  private releasing: Promise<void> | undefined;

  private constructor(
    readonly dir: string,
    readonly label: string,
    config: ContextConfig,
    initial: SequenceState,
    lock: ContextLock,
    opts: OpenOptions,
  ) {
    this.config = config;
    this.initial = initial;
    this.persistedNext = initial.nextToSend;
    this.chunk = opts.chunkStart ?? SEQUENCE_CHUNK_START;
    this.chunkLimit = opts.chunkLimit ?? SEQUENCE_CHUNK_LIMIT;
    this.lock = lock;
  }

  /** Lock, read and check the directory. Throws LoadError (naming file and key) on any problem. */
  static async open(dir: string, opts: OpenOptions = {}): Promise<ContextDirectory> {
    const label = opts.label ?? dir;
    checkIsDirectory(dir, label);
    const lock = await ContextLock.acquire(join(dir, 'lock'), label);
    let read: { config: ContextConfig; initial: SequenceState };
    try {
      read = readLocked(dir, label);
    } catch (e) {
      await lock.release();
      throw e;
    }
    return ContextDirectory.started(dir, label, read, lock, opts);
  }

  /**
   * open(), synchronously: for a server that opens a context on the first request for it. Needs
   * in-process locks (hasNativeLocks() in ./context-lock.ts).
   */
  static openSync(dir: string, opts: OpenOptions = {}): ContextDirectory {
    const label = opts.label ?? dir;
    checkIsDirectory(dir, label);
    const lock = ContextLock.acquireSync(join(dir, 'lock'), label);
    let read: { config: ContextConfig; initial: SequenceState };
    try {
      read = readLocked(dir, label);
    } catch (e) {
      void lock.release(); // in-process: released when this returns
      throw e;
    }
    return ContextDirectory.started(dir, label, read, lock, opts);
  }

  /**
   * Check a directory as open() would — not locked by another process, readable, valid — taking
   * nothing and writing nothing: a server indexes thousands of contexts this way at start and
   * opens each on first use. Needs in-process locks. Returns the configuration.
   */
  static inspect(dir: string, opts: OpenOptions = {}): ContextConfig {
    const label = opts.label ?? dir;
    const present = listDirectory(dir, label);
    if (present.has('lock')) ContextLock.checkFree(join(dir, 'lock'), label);
    return readLocked(dir, label, present).config;
  }

  /** From now on the window in memory moves on; on disk it is unknown until a clean close. */
  private static started(dir: string, label: string, read: { config: ContextConfig; initial: SequenceState }, lock: ContextLock, opts: OpenOptions): ContextDirectory {
    const ctx = new ContextDirectory(dir, label, read.config, read.initial, lock, opts);
    try {
      ctx.write({ nextToSend: ctx.persistedNext, received: 'unknown' });
    } catch (e) {
      void ctx.release();
      throw e;
    }
    return ctx;
  }

  get isOpen(): boolean {
    return this.lock !== undefined;
  }

  /** The first sender sequence number not covered by the durable reservation. */
  get reservedUpTo(): number {
    return this.persistedNext;
  }

  /**
   * Make numbers below `atLeast` usable: if they are not yet reserved, write a new reservation of
   * at least the current chunk (which then doubles, up to the limit). Returns the new limit.
   * Throws ContextUnavailable when the write fails or the sequence space is exhausted — the caller
   * must then not use the number.
   */
  reserve(atLeast: number): number {
    this.ensureOpen();
    if (atLeast <= this.persistedNext) return this.persistedNext;
    if (atLeast > MAX_SEQUENCE_NUMBER + 1) throw new ContextUnavailable(this.label + ': sender sequence numbers exhausted');
    const next = Math.min(Math.max(atLeast, this.persistedNext + this.chunk), MAX_SEQUENCE_NUMBER + 1);
    this.write({ nextToSend: next, received: 'unknown' });
    this.persistedNext = next;
    this.chunk = Math.min(this.chunk * 2, this.chunkLimit);
    return next;
  }

  // ---- ContextStore (src/oscore/store.ts) ----

  /** The state at open, for the OSCORE context (its window in the core's form). */
  load(): { nextSeq: number; window: ReplayState } {
    return { nextSeq: this.initial.nextToSend, window: aiocoapToReplayState(this.initial.received, this.config.window) };
  }

  /**
   * Clean shutdown: write the exact next sequence number and replay window (so nothing is wasted and
   * no Echo round-trip is needed next time), remove the lock file and release the lock (await
   * `released()` for the lock to be gone).
   */
  close(nextSeq: number, window: ReplayWindowSnapshot | 'unknown'): void {
    if (!this.lock) return;
    if (nextSeq > this.persistedNext) throw new ContextUnavailable(this.label + ': close: sequence number ' + nextSeq + ' was never reserved');
    if (window !== 'unknown' && window.size !== this.config.window) throw new ContextUnavailable(this.label + ': close: window of ' + window.size + ', configured ' + this.config.window);
    this.write({ nextToSend: nextSeq, received: window === 'unknown' ? 'unknown' : replaySnapshotToAiocoap(window) });
    this.persistedNext = nextSeq;
    this.releasing = this.release();
  }

  /** Resolves when the lock of a closed directory is gone. */
  released(): Promise<void> {
    return this.releasing ?? Promise.resolve();
  }

  /** Release without writing (after an error): the file keeps the reservation and "unknown". */
  async release(): Promise<void> {
    const lock = this.lock;
    this.lock = undefined;
    if (lock) await lock.release();
  }

  private ensureOpen(): void {
    if (!this.lock) throw new ContextUnavailable(this.label + ': context is closed');
  }

  /** Atomic replace of sequence.json: temp file, fsync, rename, fsync of the directory. */
  private write(state: SequenceState): void {
    const tmp = join(this.dir, '.sequence-' + randomBytes(6).toString('hex') + '.json');
    try {
      const fd = openSync(tmp, 'wx', 0o600);
      try {
        writeSync(fd, formatSequenceFile(state));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, join(this.dir, 'sequence.json'));
    } catch (e) {
      try {
        unlinkSync(tmp);
      } catch {
        // The temp file may not exist; the original error is what matters.
      }
      throw new ContextUnavailable(labelOf(this.label, 'sequence.json') + ': cannot write (' + ((e as NodeJS.ErrnoException).code ?? (e as Error).message) + ')');
    }
    try {
      const dfd = openSync(this.dir, 'r');
      try {
        fsyncSync(dfd);
      } finally {
        closeSync(dfd);
      }
    } catch {
      // Some file systems refuse fsync on a directory; the rename itself is still atomic.
    }
  }
}

/** The parameters the OSCORE core derives a context from (RFC 8613 §3.2). */
export function securityContextParams(config: ContextConfig): SecurityContextParams {
  return {
    masterSecret: config.masterSecret,
    masterSalt: config.masterSalt,
    senderId: config.senderId,
    recipientId: config.recipientId,
    idContext: config.idContext,
    // Node carries the host AEADs (GCM, ChaCha20/Poly1305) as well as CCM.
    algorithm: findAnyAlgorithm(config.algorithmId) ?? config.algorithmId,
    hkdf: 'SHA-256',
    replayWindowSize: config.window,
  };
}
