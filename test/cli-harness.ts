// Helpers for the CLI tests: run `oscore-xs` subcommands in-process (the same main() the bin runs)
// with captured output, start servers on free ports, copy shared fixtures to temp dirs.
import { cpSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../targets/node/cli/main.js';
import type { CliIo } from '../targets/node/cli/io.js';

export const SHARED = join(process.cwd(), 'test/fixtures/interop');

export interface Run {
  code: number;
  out: Uint8Array;
  stdout: string;
  stderr: string;
}

/** Run one command to completion. `onOut` sees each stdout write (e.g. to abort an --observe run). */
export async function run(argv: string[], opts: { signal?: AbortSignal; onOut?: (text: string) => void; isTty?: boolean; errIsTty?: boolean } = {}): Promise<Run> {
  const chunks: Uint8Array[] = [];
  let stderr = '';
  const io: CliIo = {
    out: (t) => {
      const b = typeof t === 'string' ? new TextEncoder().encode(t) : t;
      chunks.push(b);
      opts.onOut?.(new TextDecoder().decode(b));
    },
    err: (t) => (stderr += t),
    signal: opts.signal ?? new AbortController().signal,
    isTty: opts.isTty,
    errIsTty: opts.errIsTty,
  };
  const code = await main(argv, io);
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return { code, out, stdout: new TextDecoder().decode(out), stderr };
}

export interface RunningServer {
  port: number;
  stderr(): string;
  /** Ctrl-C: resolves with the exit code once the server has shut down (contexts written back). */
  stop(): Promise<number>;
}

/** Start a long-running command and wait for its "… on HOST:PORT" line. */
export async function start(argv: string[], portPattern = /on 127\.0\.0\.1:(\d+)/): Promise<RunningServer> {
  const ac = new AbortController();
  let stderr = '';
  const io: CliIo = { out: () => {}, err: (t) => (stderr += t), signal: ac.signal };
  let finished: number | undefined;
  let failure: unknown;
  const done = main(argv, io).then(
    (c) => (finished = c),
    (e) => {
      failure = e;
      return -1;
    },
  );
  for (let i = 0; i < 300; i++) {
    const m = portPattern.exec(stderr);
    if (m) return { port: Number(m[1]), stderr: () => stderr, stop: () => (ac.abort(), done) };
    if (finished !== undefined || failure !== undefined) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  ac.abort();
  throw new Error('server did not start: ' + stderr + (failure ? String(failure) : ''));
}

/** A fresh copy of a fixture directory (never write into test/fixtures). */
export function copyFixture(tmp: string, name: string): string {
  const dst = mkdtempSync(join(tmp, 'fx-'));
  cpSync(join(SHARED, name), dst, { recursive: true });
  return dst;
}
