/**
 * Reading an aiocoap credentials file on Node: parse it (src/credentials/credentials-map.ts) and
 * resolve each context directory against the folder of the credentials file, as the issue asks
 * (so `client1.json` next to `client1/for-fileserver/` works from any working directory).
 * Errors name the directory as the user wrote it, e.g. "client1/for-fileserver/settings.json: …".
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { LoadError } from '../../src/errors.js';
import { CredentialsMap, type CredentialsMatch } from '../../src/credentials/credentials-map.js';
import { ContextDirectory, type OpenOptions } from './context-dir.js';

export class CredentialsFile {
  private constructor(
    readonly path: string,
    readonly map: CredentialsMap,
  ) {}

  static read(path: string): CredentialsFile {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new LoadError(path + ': cannot read credentials file (' + (e as NodeJS.ErrnoException).code + ')');
    }
    return new CredentialsFile(path, CredentialsMap.parse(path, text));
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
