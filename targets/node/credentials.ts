/**
 * Reading an aiocoap credentials file on Node (JSON, CBOR or EDN: credentials-file.ts): parse it
 * (src/credentials/credentials-map.ts) and
 * resolve each context directory against the folder of the credentials file, as the issue asks
 * (so `client1.json` next to `client1/for-fileserver/` works from any working directory).
 * Errors name the directory as the user wrote it, e.g. "client1/for-fileserver/settings.json: …".
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { CredentialsMap, type CredentialsMatch } from '../../src/credentials/credentials-map.js';
import { ContextDirectory, type OpenOptions } from './context-dir.js';
import { loadCredentialsFile } from './credentials-file.js';

export class CredentialsFile {
  private constructor(
    readonly path: string,
    readonly map: CredentialsMap,
  ) {}

  /** Read a credentials file: JSON, CBOR (`.cbor`) or EDN (`.diag`, `.edn`) by extension (credentials-file.ts). */
  static read(path: string): CredentialsFile {
    const doc = loadCredentialsFile(path);
    const map = new CredentialsMap();
    map.load(path, doc.value, doc.lineOfKey);
    return new CredentialsFile(path, map);
  }

  /** Absolute path of a context directory named in this file. */
  contextPath(basedir: string): string {
    return isAbsolute(basedir) ? basedir : resolve(dirname(this.path), basedir);
  }

  /** Open (lock, read) the directory of a match. */
  open(match: CredentialsMatch, opts: OpenOptions = {}): Promise<ContextDirectory> {
    return ContextDirectory.open(this.contextPath(match.basedir), { label: match.basedir, ...opts });
  }

  /** Open every OSCORE context of the file (what a server does). Releases the ones opened if one fails. */
  async openAll(opts: OpenOptions = {}): Promise<{ match: CredentialsMatch; dir: ContextDirectory }[]> {
    const out: { match: CredentialsMatch; dir: ContextDirectory }[] = [];
    // Two entries may name the same directory: open it once (a second open would meet our own lock).
    const byPath = new Map<string, ContextDirectory>();
    try {
      for (const match of this.map.oscoreEntries()) {
        const path = this.contextPath(match.basedir);
        let dir = byPath.get(path);
        if (!dir) {
          dir = await this.open(match, opts);
          byPath.set(path, dir);
        }
        out.push({ match, dir });
      }
    } catch (e) {
      for (const d of byPath.values()) await d.release();
      throw e;
    }
    return out;
  }
}
