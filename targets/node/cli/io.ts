/**
 * Where a subcommand writes and how it is stopped: process streams and SIGINT in the real CLI,
 * buffers and an AbortController in tests (so the tests call the very same code in-process).
 */
export interface CliIo {
  /** Standard output (payloads, listings, snippets). */
  out(text: string | Uint8Array): void;
  /** Standard error (diagnostics, non-2.xx codes, -v traces). */
  err(text: string): void;
  /** Aborts long-running commands (servers, --observe): Ctrl-C in the real CLI. */
  signal: AbortSignal;
  /** Standard output is a terminal (the client then pretty-prints by default). */
  isTty?: boolean;
  /** Standard error is a terminal (the client then shows progress on long transfers). */
  errIsTty?: boolean;
}

export function processIo(): CliIo {
  const ac = new AbortController();
  process.once('SIGINT', () => ac.abort());
  process.once('SIGTERM', () => ac.abort());
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    signal: ac.signal,
    isTty: process.stdout.isTTY === true,
    errIsTty: process.stderr.isTTY === true,
  };
}

/** Resolves when the signal aborts. */
export function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
