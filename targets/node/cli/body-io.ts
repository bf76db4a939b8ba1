/**
 * Bodies of any size for `oscore-xs client`: a request body read from a file block by block
 * (`--payload @FILE`), a response body written block by block to stdout or to `-o FILE` as the
 * Block-wise layer receives it (RFC 7959; src/coap/blockwise-client.ts BodySource/BodySink), and
 * a progress line on stderr while that takes several round trips — only on a terminal, as curl and
 * wget do, so scripts and tests see nothing. Memory stays flat: one block at a time.
 */
import { closeSync, fstatSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import type { BodySink, BodySource } from '../../../src/coap/blockwise-client.js';
import { getUintOption, type Message } from '../../../src/coap/message.js';
import { Option } from '../../../src/coap/option-registry.js';
import { UsageError } from './args.js';

/** Bytes as people read them: 1536 → "1.5 KiB". */
export function formatBytes(n: number): string {
  if (n < 1024) return n + ' B';
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) (v /= 1024), u++;
  return v.toFixed(1) + ' ' + units[u];
}

/**
 * One status line on stderr, redrawn in place ("\r…\x1b[K"), at most every `intervalMs`; shown only
 * once a transfer goes past its first block (a one-round-trip request shows nothing) and cleared at
 * the end so the terminal is left as it was.
 */
export class Progress {
  private shown = false;
  private started: number;
  private last = -Infinity;
  private updates = 0;

  constructor(
    private readonly write: (text: string) => void,
    private readonly now: () => number = () => performance.now(),
    private readonly intervalMs = 100,
  ) {
    this.started = now();
  }

  /** `label` "↓" or "↑"; `total` from Size2/Size1 when the peer or the file says. */
  update(label: string, bytes: number, total: number | undefined): void {
    if (++this.updates < 2) return;
    const t = this.now();
    if (t - this.last < this.intervalMs && (total === undefined || bytes < total)) return;
    this.last = t;
    const seconds = (t - this.started) / 1000;
    const rate = seconds > 0 ? formatBytes(Math.round(bytes / seconds)) + '/s' : '';
    const of = total !== undefined ? ' of ' + formatBytes(total) + ' (' + Math.floor((100 * bytes) / Math.max(total, 1)) + '%)' : '';
    this.write('\r' + label + ' ' + formatBytes(bytes) + of + (rate ? ', ' + rate : '') + '\x1b[K');
    this.shown = true;
  }

  end(): void {
    if (this.shown) this.write('\r\x1b[K');
    this.shown = false;
  }
}

/** `--payload @FILE`: the file read one block at a time (positional reads, no stream buffering). */
export function fileSource(path: string, onRead?: (end: number, size: number) => void): BodySource & { close(): void } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new UsageError('--payload: cannot read ' + path + ' (' + (e as NodeJS.ErrnoException).code + ')');
  }
  const size = fstatSync(fd).size;
  return {
    size,
    read(offset, length) {
      const b = new Uint8Array(length);
      let got = 0;
      while (got < length) {
        const n = readSync(fd, b, got, length - got, offset + got);
        if (n === 0) throw new Error(path + ': file shrank while being sent');
        got += n;
      }
      onRead?.(offset + length, size);
      return b;
    },
    close: () => closeSync(fd),
  };
}

/** Where a successful response body goes: stdout (io.out) or a file. */
export interface BodyOutput {
  sink: BodySink;
  /** The body is complete: finish the file (rename into place) or the terminal line. Returns bytes written. */
  finish(): number;
  /** The transfer failed: drop a partial file. */
  abort(): void;
}

export interface OutputOptions {
  /** `-o FILE`; stdout when undefined. */
  file?: string;
  out: (data: Uint8Array | string) => void;
  /** Pretty-print this body (given its head) when it is small enough to hold; undefined → write as it comes. */
  pretty?: (payload: Uint8Array, head: Message) => string | undefined;
  /** Add a final newline to text on stdout that lacks one (a terminal prompt would follow it otherwise). */
  newlineAfterText?: (head: Message) => boolean;
  progress?: Progress;
}

/** Bodies up to this size are held for --pretty; larger ones are written as they come. */
export const PRETTY_LIMIT = 1024 * 1024;

/**
 * The response body, block by block. A file is written beside its final name and renamed into
 * place when complete, so a failed transfer never leaves half a file under the name asked for.
 */
export function bodyOutput(o: OutputOptions): BodyOutput {
  let fd: number | undefined;
  const tmp = o.file === undefined ? undefined : o.file + '.part';
  let written = 0;
  let held: Uint8Array[] | undefined;
  let heldBytes = 0;
  let head: Message | undefined;
  let last = 0x0a;

  const emit = (b: Uint8Array) => {
    if (b.length === 0) return;
    if (tmp !== undefined) {
      fd ??= openSync(tmp, 'w');
      let off = 0;
      while (off < b.length) off += writeSync(fd, b, off, b.length - off);
    } else o.out(b);
    written += b.length;
    last = b[b.length - 1];
  };
  const release = () => {
    if (!held) return;
    for (const b of held) emit(b);
    held = undefined;
  };

  return {
    sink: {
      write(block, offset, h) {
        if (!head) {
          head = h;
          const size2 = getUintOption(h, Option.SIZE2);
          if (o.pretty && (size2 === undefined || size2 <= PRETTY_LIMIT)) held = [];
        }
        if (held) {
          held.push(block.slice());
          heldBytes += block.length;
          // Too large to show prettily after all: what is held goes out raw, the rest follows as it comes.
          if (heldBytes > PRETTY_LIMIT) release();
        } else emit(block);
        o.progress?.update('↓', offset + block.length, getUintOption(h, Option.SIZE2));
      },
    },
    finish() {
      o.progress?.end();
      if (held && head) {
        const body = new Uint8Array(heldBytes);
        let at = 0;
        for (const b of held) body.set(b, (at += b.length) - b.length);
        held = undefined;
        const text = o.pretty?.(body, head);
        if (text !== undefined) {
          o.out(text + '\n');
          return body.length;
        }
        emit(body);
      }
      release();
      if (tmp !== undefined) {
        if (fd === undefined) fd = openSync(tmp, 'w'); // an empty body is an empty file
        closeSync(fd);
        renameSync(tmp, o.file!);
      } else if (head && written > 0 && last !== 0x0a && o.newlineAfterText?.(head)) o.out('\n');
      return written;
    },
    abort() {
      o.progress?.end();
      if (fd !== undefined) closeSync(fd);
      if (tmp !== undefined) rmSync(tmp, { force: true });
    },
  };
}
