/**
 * The OSCORE contexts a server answers with: every context directory of an aiocoap credentials
 * file, found per request by kid / kid context (RFC 8613 §8.2 step 2) in a hash index
 * (src/oscore/context-index.ts) — a gateway or file server with thousands of clients.
 *
 * At start each directory is checked as an open would check it — not locked by another process
 * (aiocoap or oscore-xs), files readable and valid — and let go again; nothing is written and no
 * key is derived. The first request for a context opens it for good: lock (flock(2), held until
 * close), sequence.json read and set to "unknown" (App. B.1.2), keys derived (§3.2). So start-up
 * time is a few file reads per context, and locks (one fd each), memory for keys and replay
 * windows, and disk writes grow with the contexts actually used, not with the file.
 * A context another process took after our start answers 4.01 (ContextUnavailable) and is retried
 * on its next request.
 *
 * This needs in-process locks (the fs-ext binding, see ./context-lock.ts); without them every
 * context is opened at start, one flock(1) process each, as before.
 */
import { ContextUnavailable, LoadError } from '../../src/errors.js';
import { equalBytes } from '../../src/bytes.js';
import { SecurityContext } from '../../src/oscore/context.js';
import { ContextIndex } from '../../src/oscore/context-index.js';
import type { ContextLookup } from '../../src/oscore/unprotect.js';
import type { ContextConfig } from '../../src/credentials/context-config.js';
import { ContextDirectory, securityContextParams } from './context-dir.js';
import { hasNativeLocks } from './context-lock.js';
import { CredentialsFile } from './credentials.js';

/** A security context together with the directory it lives in. */
export interface OpenContext {
  label: string;
  context: SecurityContext;
  dir?: ContextDirectory;
}

interface Entry {
  /** The credentials entry that named the directory (e.g. ":client1"). */
  label: string;
  /** The directory as the file writes it (for messages) and resolved. */
  basedir: string;
  path: string;
  recipientId: Uint8Array;
  idContext: Uint8Array | undefined;
  open: OpenContext | undefined;
  /** The last reason the first use failed (reported once per reason). */
  failed: string | undefined;
}

export interface ServerContextsOptions {
  /** Warnings: unknown keys in a context's files, a context that could not be opened on use. */
  warn?: (text: string) => void;
  /** Open every context at start (as without the native binding). */
  eager?: boolean;
}

/** The SecurityContext over an opened directory; the directory is named in a LoadError. */
function contextOver(dir: ContextDirectory): SecurityContext {
  try {
    return new SecurityContext(securityContextParams(dir.config), { store: dir });
  } catch (e) {
    if (e instanceof LoadError) throw new LoadError(dir.label + ': ' + e.message);
    throw e;
  }
}

function unknownKeyWarnings(config: ContextConfig, warn: (text: string) => void): void {
  for (const k of config.unknownKeys) warn('warning: ' + k + ': unknown key, ignored\n');
}

export class ServerContexts {
  private readonly entries: Entry[];
  private readonly index: ContextIndex<Entry>;
  private readonly warn: (text: string) => void;
  /** Requests find their context here (for oscoreLayer's `lookup`). */
  readonly lookup: ContextLookup;

  private constructor(entries: Entry[], warn: (text: string) => void) {
    this.entries = entries;
    this.index = new ContextIndex(entries);
    this.warn = warn;
    this.lookup = (kid, kidContext) => {
      const entry = this.index.find(kid, kidContext);
      if (entry === undefined) return undefined;
      return (entry.open ?? this.openOnUse(entry)).context;
    };
  }

  /**
   * Read a credentials file and check every OSCORE context directory it names (each once, however
   * many entries name it). Throws LoadError naming the directory when one is in use or invalid.
   */
  static async load(credentialsPath: string, opts: ServerContextsOptions = {}): Promise<ServerContexts> {
    const warn = opts.warn ?? (() => {});
    const creds = CredentialsFile.read(credentialsPath);
    if (opts.eager || !hasNativeLocks()) return ServerContexts.openedAll(creds, warn);
    const byPath = new Map<string, Entry>();
    for (const match of creds.map.oscoreEntries()) {
      const path = creds.contextPath(match.basedir);
      if (byPath.has(path)) continue;
      const config = ContextDirectory.inspect(path, { label: match.basedir });
      unknownKeyWarnings(config, warn);
      byPath.set(path, { label: match.pattern, basedir: match.basedir, path, recipientId: config.recipientId, idContext: config.idContext, open: undefined, failed: undefined });
    }
    return new ServerContexts([...byPath.values()], warn);
  }

  /** Every context opened now (locks through flock(1) processes when there is no native binding). */
  private static async openedAll(creds: CredentialsFile, warn: (text: string) => void): Promise<ServerContexts> {
    const opened = await creds.openAll();
    const entries: Entry[] = [];
    try {
      // One SecurityContext per directory: two over one store would hand out the same sequence numbers.
      const seen = new Set<ContextDirectory>();
      for (const { match, dir } of opened) {
        if (seen.has(dir)) continue;
        seen.add(dir);
        unknownKeyWarnings(dir.config, warn);
        const context = contextOver(dir);
        entries.push({ label: match.pattern, basedir: match.basedir, path: dir.dir, recipientId: context.recipientId, idContext: context.idContext, open: { label: match.pattern, dir, context }, failed: undefined });
      }
    } catch (e) {
      for (const d of new Set(opened.map((x) => x.dir))) await d.release();
      throw e;
    }
    return new ServerContexts(entries, warn);
  }

  /** Is a context without ID Context listed with this Recipient ID (without opening it)? EDHOC picks C_R around them. */
  hasRecipientId(id: Uint8Array): boolean {
    return this.index.find(id, undefined) !== undefined;
  }

  /** First request for a context: lock, read, mark the window unknown on disk, derive the keys. */
  private openOnUse(entry: Entry): OpenContext {
    let dir: ContextDirectory | undefined;
    try {
      dir = ContextDirectory.openSync(entry.path, { label: entry.basedir });
      // The index was built from the files at start; a context whose IDs changed since is not the one asked for.
      if (!equalBytes(dir.config.recipientId, entry.recipientId) || !sameOptional(dir.config.idContext, entry.idContext))
        throw new LoadError(entry.basedir + ': recipient ID or ID context changed since the server started');
      const open = { label: entry.label, dir, context: contextOver(dir) };
      entry.open = open;
      entry.failed = undefined;
      return open;
    } catch (e) {
      void dir?.release();
      const reason = e instanceof Error ? e.message : String(e);
      if (entry.failed !== reason) this.warn('warning: ' + reason + '\n');
      entry.failed = reason;
      throw new ContextUnavailable(reason);
    }
  }

  /** Number of distinct contexts (directories). */
  get size(): number {
    return this.entries.length;
  }

  /** The contexts opened so far (all of them when eager). */
  opened(): OpenContext[] {
    const out: OpenContext[] = [];
    for (const e of this.entries) if (e.open) out.push(e.open);
    return out;
  }

  /** Clean shutdown of every opened context: exact state written, lock released. */
  async close(): Promise<void> {
    for (const e of this.entries) {
      const c = e.open;
      if (!c) continue;
      e.open = undefined;
      try {
        c.context.close();
      } catch {
        // Closing must go on for the others; the directory keeps its reservation and "unknown".
      }
      await c.dir?.released();
      await c.dir?.release();
    }
  }
}

function sameOptional(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  return a === undefined ? b === undefined : b !== undefined && equalBytes(a, b);
}
