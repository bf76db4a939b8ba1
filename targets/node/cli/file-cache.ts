/**
 * The file server's cache of small files: the bytes, ETag and Content-Format of a file, kept under
 * its local path together with the file's identity — device, inode, size, mtime, ctime, exactly
 * what the ETag is made of (file-tree.ts fileEtag), so a hit serves what a fresh read would serve
 * under the same ETag. A request then costs one stat instead of realpath (one lstat per path
 * component), open, fstat, read, close and a hash. Any write, rename, link or chmod changes mtime
 * or ctime (or the inode) and so misses. A hit skips the symlink check too: it was made for this
 * path and this inode, and a rename that would move the file out of the tree changes its ctime;
 * at worst, bytes already served from inside the root are served again.
 * File timestamps are coarse (the kernel's tick on many systems), so two writes within one tick
 * can leave the same identity: a file changed less than `settleMs` ago is not cached (git's "racy
 * clean" rule) — it is read from disk until its timestamps are old enough to be trusted.
 * Bounded: files up to `maxFileBytes`, at most `maxEntries` (the oldest goes first).
 */
import type { Stats } from 'node:fs';

export interface CachedFile {
  etag: Uint8Array;
  /** The Content-Format option value, encoded. */
  contentFormat: Uint8Array;
  data: Uint8Array;
}

interface Entry extends CachedFile {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

export class FileCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    readonly settleMs = 2000,
    readonly maxEntries = 1024,
    readonly maxFileBytes = 16 * 1024,
  ) {}

  /** The cached file at `path` if `st` (a fresh stat of it) shows the same file version. */
  get(path: string, st: Stats): CachedFile | undefined {
    const e = this.entries.get(path);
    if (e === undefined) return undefined;
    if (e.ino === st.ino && e.dev === st.dev && e.size === st.size && e.mtimeMs === st.mtimeMs && e.ctimeMs === st.ctimeMs) return e;
    this.entries.delete(path);
    return undefined;
  }

  /** Remember a file read at the version `st` describes (if it is small enough). */
  set(path: string, st: Stats, file: CachedFile): void {
    if (file.data.length > this.maxFileBytes || file.data.length !== st.size) return;
    if (Date.now() - Math.max(st.mtimeMs, st.ctimeMs) < this.settleMs) return;
    this.entries.delete(path);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(path, { ...file, dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs });
  }

  get size(): number {
    return this.entries.size;
  }
}
