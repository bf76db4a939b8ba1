/**
 * The resources of `oscore-xs fileserver`: a directory tree served over CoAP the way
 * aiocoap-fileserver serves it (RFC 7252 §5.8 GET, §5.10.6 ETag, RFC 6690 listings):
 *
 * - a directory (path ending in "/", or the root) → link-format, `</dir/sub/>;ct=40` for directories
 *   and `</dir/file>` for files, comma-separated, Content-Format 40 (names sorted, for stable output);
 * - a file → its bytes, Content-Format guessed from the extension (text → 0, JSON → 50, CBOR → 60,
 *   link-format → 40, XML → 41, anything else 42), an ETag from (inode, size, mtime); a request
 *   carrying the current ETag gets 2.03 Valid (§5.10.6);
 * - aiocoap's errors: 4.00 "Error: Not a file (add trailing slash)" / "Error: Not a directory (strip
 *   the trailing slash)", 4.04 "Error: File not found!", 4.00 for "." / ".." / "/" in a segment;
 * - with `write`: PUT stores a file (atomically; If-Match / If-None-Match → 4.12, RFC 7252 §5.10.8),
 *   DELETE removes one (2.02); without it both get 4.05.
 *
 * Block2 and Observe are mostly not done here: the Block-wise layer cuts large responses and the
 * Observe layer registers observers (the file server marks files observable and calls notify on
 * change). Only files too large to read whole are served here block by block, from disk.
 * Symlinks leading out of the root are refused (4.04), so only the tree itself is visible.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readdirSync, readFileSync, readSync, realpathSync, renameSync, statSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { join, sep } from 'node:path';
import { Code } from '../../../src/coap/numbers.js';
import { Option } from '../../../src/coap/option-registry.js';
import { createMessage, getOptions, hasOption, setUintOption, type Message } from '../../../src/coap/message.js';
import { MAX_SZX, readBlock, szxToSize, writeBlock } from '../../../src/coap/block.js';
import { encodeUint, equalBytes, utf8Decode, utf8Encode } from '../../../src/bytes.js';
import type { ServerExchange } from '../../../src/coap/exchange.js';
import { FileCache, type CachedFile } from './file-cache.js';

export interface FileTreeOptions {
  write?: boolean;
  /** Largest file accepted by PUT (bytes; 4.13 beyond). */
  maxFileBytes?: number;
  /** A file changed less than this long ago is not cached (file-cache.ts; default 2000 ms). */
  cacheSettleMs?: number;
  /**
   * Files up to this size are read whole (the Block-wise layer cuts the blocks); larger ones are
   * read one Block2 block at a time from disk (RFC 7959 §2.4), so a file of any size is served in
   * flat memory. Default 1 MiB.
   */
  wholeFileBytes?: number;
}

const CONTENT_FORMATS: Record<string, number> = {
  txt: 0, text: 0, md: 0, csv: 0, html: 0, htm: 0, css: 0, js: 0, log: 0,
  wlnk: 40, link: 40,
  xml: 41,
  json: 50,
  cbor: 60,
};

export function guessContentFormat(name: string): number {
  const dot = name.lastIndexOf('.');
  const ext = dot < 0 ? '' : name.slice(dot + 1).toLowerCase();
  return CONTENT_FORMATS[ext] ?? 42;
}

/** ETag of a file version: 8 bytes of SHA-256 over what changes when the file does. */
export function fileEtag(st: Stats): Uint8Array {
  const h = createHash('sha256').update(st.ino + ':' + st.size + ':' + st.mtimeMs + ':' + st.ctimeMs).digest();
  return new Uint8Array(h.buffer, h.byteOffset, 8).slice();
}

/** 2.05 with a cached file, or 2.03 when the request carries its ETag (RFC 7252 §5.10.6). */
function fileResponse(request: Message, file: CachedFile): Message {
  const etagOpt = { number: Option.ETAG, value: file.etag };
  for (const e of getOptions(request, Option.ETAG)) if (equalBytes(e, file.etag)) return reply(Code.VALID, '', [etagOpt]);
  return reply(Code.CONTENT, file.data, [etagOpt, { number: Option.CONTENT_FORMAT, value: file.contentFormat }]);
}

function reply(code: number, payload: string | Uint8Array = '', options: { number: number; value: Uint8Array }[] = []): Message {
  return createMessage({ code, options, payload: typeof payload === 'string' ? utf8Encode(payload) : payload });
}

const BAD_SEGMENT = /[\/\\\0]/;

export class FileTree {
  readonly root: string;
  private readonly realRoot: string;
  private readonly write: boolean;
  private readonly maxFileBytes: number;
  private readonly wholeFileBytes: number;
  /** Small files by identity (file-cache.ts). */
  private readonly cache: FileCache;

  constructor(root: string, opts: FileTreeOptions = {}) {
    this.root = root;
    this.realRoot = realpathSync(root);
    if (!statSync(this.realRoot).isDirectory()) throw new Error(root + ': not a directory');
    this.write = opts.write ?? false;
    this.maxFileBytes = opts.maxFileBytes ?? 16 * 1024 * 1024;
    this.cache = new FileCache(opts.cacheSettleMs);
    this.wholeFileBytes = opts.wholeFileBytes ?? 1024 * 1024;
  }

  /** Uri-Path segments → local path, or an error response. `dir` says the path ended in "/". */
  resolve(request: Message): { path: string; segments: string[]; dir: boolean } | Message {
    const segs = getOptions(request, Option.URI_PATH).map(utf8Decode);
    const dir = segs.length === 0 || segs[segs.length - 1] === '';
    const names = dir && segs.length > 0 ? segs.slice(0, -1) : segs;
    for (const s of names) if (s === '' || s === '.' || s === '..' || BAD_SEGMENT.test(s)) return reply(Code.BAD_REQUEST, 'Error: invalid path');
    return { path: join(this.realRoot, ...names), segments: names, dir };
  }

  /** Is `path` inside the root once symlinks are followed? (Missing files count as inside.) */
  private inside(path: string): boolean {
    try {
      const real = realpathSync(path);
      return real === this.realRoot || real.startsWith(this.realRoot + sep);
    } catch {
      return true;
    }
  }

  /** Local path of a regular file a request names (for Observe), or undefined. */
  observableFile(request: Message): string | undefined {
    const r = this.resolve(request);
    if (!('path' in r) || r.dir || !this.inside(r.path)) return undefined;
    try {
      return statSync(r.path).isFile() ? r.path : undefined;
    } catch {
      return undefined;
    }
  }

  /** Answer one request (the handler at the top of the server stack). */
  handle(ex: ServerExchange): void {
    ex.respond(this.render(ex.request));
  }

  render(request: Message): Message {
    const r = this.resolve(request);
    if (!('path' in r)) return r;
    if (request.code === Code.GET && !r.dir) {
      // The common case, a small file served before and unchanged since: one stat (file-cache.ts).
      const st = statSync(r.path, { throwIfNoEntry: false });
      const hit = st?.isFile() ? this.cache.get(r.path, st) : undefined;
      if (hit) return fileResponse(request, hit);
    }
    if (!this.inside(r.path)) return reply(Code.NOT_FOUND, 'Error: File not found!');
    switch (request.code) {
      case Code.GET:
        return this.get(request, r.path, r.dir, r.segments);
      case Code.PUT:
        return this.write ? this.put(request, r.path, r.dir) : reply(Code.METHOD_NOT_ALLOWED, 'Writing is disabled (start with --write)');
      case Code.DELETE:
        return this.write ? this.delete(r.path, r.dir) : reply(Code.METHOD_NOT_ALLOWED, 'Writing is disabled (start with --write)');
      default:
        return reply(Code.METHOD_NOT_ALLOWED);
    }
  }

  private get(request: Message, path: string, dir: boolean, segments: string[]): Message {
    if (segments.length === 2 && segments[0] === '.well-known' && segments[1] === 'core' && !dir) {
      try {
        statSync(path);
      } catch {
        // Like aiocoap: a single link to the index when the tree has no such file.
        return reply(Code.CONTENT, '</>;ct=40', [{ number: Option.CONTENT_FORMAT, value: encodeUint(40) }]);
      }
    }
    let st: Stats;
    try {
      st = statSync(path);
    } catch {
      return reply(Code.NOT_FOUND, 'Error: File not found!');
    }
    if (st.isDirectory()) {
      if (!dir) return reply(Code.BAD_REQUEST, 'Error: Not a file (add trailing slash)');
      return reply(Code.CONTENT, this.listing(path, segments), [{ number: Option.CONTENT_FORMAT, value: encodeUint(40) }]);
    }
    if (!st.isFile()) return reply(Code.NOT_FOUND, 'Error: File not found!');
    if (dir) return reply(Code.BAD_REQUEST, 'Error: Not a directory (strip the trailing slash)');
    const etag = fileEtag(st);
    const etagOpt = { number: Option.ETAG, value: etag };
    for (const e of getOptions(request, Option.ETAG)) if (equalBytes(e, etag)) return reply(Code.VALID, '', [etagOpt]);
    const cf = { number: Option.CONTENT_FORMAT, value: encodeUint(guessContentFormat(path)) };
    if (st.size > this.wholeFileBytes) return this.getBlock(request, path, st.size, [etagOpt, cf]);
    let data: Uint8Array;
    try {
      data = readFileSync(path);
    } catch {
      return reply(Code.NOT_FOUND, 'Error: File not found!');
    }
    this.cache.set(path, st, { etag, contentFormat: cf.value, data });
    return reply(Code.CONTENT, data, [etagOpt, cf]);
  }

  /**
   * One Block2 block of a large file, read from disk at its offset (RFC 7959 §2.4): the block the
   * request asks for (block 0 when it asks none), at most our preferred size, Size2 on the first
   * block (§4) and on request. The ETag (from inode, size, mtime) lets the client notice a file
   * that changes between its block requests.
   */
  private getBlock(request: Message, path: string, size: number, options: { number: number; value: Uint8Array }[]): Message {
    let asked;
    try {
      asked = readBlock(request, Option.BLOCK2);
    } catch {
      return reply(Code.BAD_REQUEST, 'Error: bad Block2 option');
    }
    const szx = Math.min(asked?.szx ?? MAX_SZX, MAX_SZX);
    const blockSize = szxToSize(szx);
    const offset = asked ? asked.num * szxToSize(asked.szx) : 0;
    if (offset >= size) return reply(Code.BAD_OPTION, 'Block2 number past the end of the representation');
    const data = new Uint8Array(Math.min(blockSize, size - offset));
    try {
      const fd = openSync(path, 'r');
      try {
        let got = 0;
        while (got < data.length) {
          const n = readSync(fd, data, got, data.length - got, offset + got);
          if (n === 0) break;
          got += n;
        }
        if (got < data.length) return reply(Code.SERVICE_UNAVAILABLE, 'Error: file changed while being read');
      } finally {
        closeSync(fd);
      }
    } catch {
      return reply(Code.NOT_FOUND, 'Error: File not found!');
    }
    const r = reply(Code.CONTENT, data, options);
    writeBlock(r, Option.BLOCK2, { num: offset / blockSize, more: offset + data.length < size, szx });
    if (offset === 0 || hasOption(request, Option.SIZE2)) setUintOption(r, Option.SIZE2, size);
    return r;
  }

  /** Links are absolute paths, as aiocoap-fileserver writes them (`</sub/name>`; seen in the capture). */
  private listing(path: string, segments: string[]): string {
    const prefix = '/' + segments.map((s) => encodeURIComponent(s) + '/').join('');
    const links: string[] = [];
    for (const name of readdirSync(path).sort()) {
      let isDir = false;
      try {
        isDir = statSync(join(path, name)).isDirectory();
      } catch {
        // A dangling symlink is listed as a file; GET will say 4.04.
      }
      const ref = prefix + encodeURIComponent(name);
      links.push(isDir ? '<' + ref + '/>;ct=40' : '<' + ref + '>');
    }
    return links.join(',');
  }

  private put(request: Message, path: string, dir: boolean): Message {
    if (dir) return reply(Code.BAD_REQUEST, 'Error: Not a directory (strip the trailing slash)');
    let st: Stats | undefined;
    try {
      st = statSync(path);
    } catch {
      st = undefined;
    }
    if (st && !st.isFile()) return reply(Code.BAD_REQUEST, 'Error: Not a file (add trailing slash)');
    // §5.10.8: If-Match (any listed ETag, or empty = "exists"), If-None-Match ("must not exist").
    const ifMatch = getOptions(request, Option.IF_MATCH);
    if (ifMatch.length > 0) {
      const current = st ? fileEtag(st) : undefined;
      const ok = current !== undefined && ifMatch.some((v) => v.length === 0 || equalBytes(v, current));
      if (!ok) return reply(Code.PRECONDITION_FAILED);
    }
    if (hasOption(request, Option.IF_NONE_MATCH) && st) return reply(Code.PRECONDITION_FAILED);
    if (request.payload.length > this.maxFileBytes) return reply(Code.REQUEST_ENTITY_TOO_LARGE);
    try {
      statSync(join(path, '..'));
    } catch {
      return reply(Code.NOT_FOUND, 'Error: directory does not exist');
    }
    const tmp = path + '.' + randomBytes(4).toString('hex') + '.tmp';
    try {
      const fd = openSync(tmp, 'wx', 0o644);
      try {
        writeSync(fd, request.payload);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, path);
    } catch {
      try {
        unlinkSync(tmp);
      } catch {
        // nothing to clean up
      }
      return reply(Code.INTERNAL_SERVER_ERROR, 'Cannot write file');
    }
    const etag = fileEtag(statSync(path));
    return reply(st ? Code.CHANGED : Code.CREATED, '', [{ number: Option.ETAG, value: etag }]);
  }

  private delete(path: string, dir: boolean): Message {
    if (dir) return reply(Code.BAD_REQUEST, 'Error: directories cannot be deleted');
    try {
      if (!statSync(path).isFile()) return reply(Code.BAD_REQUEST, 'Error: Not a file (add trailing slash)');
      unlinkSync(path);
    } catch {
      return reply(Code.NOT_FOUND, 'Error: File not found!');
    }
    return reply(Code.DELETED);
  }
}
