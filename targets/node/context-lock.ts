/**
 * The `lock` file of an aiocoap security-context directory: one process at a time uses a context
 * (two would reuse sender sequence numbers, i.e. nonces — RFC 8613 §7.2.1).
 *
 * aiocoap takes it with Python's `filelock`, i.e. flock(2) LOCK_EX on `<dir>/lock`, and on a clean
 * close unlinks the file and releases. We take the very same kernel lock, so both tools refuse each
 * other, and it goes when this process dies, so a crash never leaves the context locked:
 *
 * - with the `fs-ext` native binding (an optional dependency, built by node-gyp at install): flock(2)
 *   in this process, one fd per held lock, synchronously — no child process, so a server can open a
 *   context on the first request for it (targets/node/server-contexts.ts);
 * - without it, a small `flock(1)` child (util-linux) per lock takes it and holds it until its stdin
 *   closes (asynchronous: one process per lock);
 * - without either (non-Linux, no compiler) the lock file is created exclusively instead; then a
 *   file left by a crash must be removed by hand, and the error says so.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants, fstatSync, openSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { LoadError } from '../../src/errors.js';

interface FlockBinding {
  flockSync(fd: number, flags: 'exnb' | 'un'): void;
}

/** fs-ext's flock(2), when it is installed and built; undefined otherwise. */
function loadNativeFlock(): FlockBinding | undefined {
  try {
    const m = createRequire(import.meta.url)('fs-ext') as Partial<FlockBinding>;
    return typeof m.flockSync === 'function' ? (m as FlockBinding) : undefined;
  } catch {
    return undefined;
  }
}

/** Loaded on first use (and then kept): the binding is process-wide, like the kernel's locks. */
let nativeFlock: FlockBinding | undefined | null = null;
function native(): FlockBinding | undefined {
  if (process.env.OSCORE_XS_NO_NATIVE_FLOCK) return undefined; // how the tests reach the fallbacks
  if (nativeFlock === null) nativeFlock = loadNativeFlock();
  return nativeFlock;
}

/** True when locks are taken in-process (synchronously, no child process per lock). */
export function hasNativeLocks(): boolean {
  return native() !== undefined;
}

type Holder = { kind: 'fd'; fd: number } | { kind: 'child'; child: ChildProcess } | { kind: 'file' };

const lockedMessage = (label: string) => label + ': locked: another process (oscore-xs or aiocoap) uses this context';

export class ContextLock {
  private constructor(
    readonly path: string,
    private holder: Holder | undefined,
  ) {}

  /** Take the lock or throw LoadError naming `label` when another process has it. */
  static async acquire(path: string, label: string): Promise<ContextLock> {
    const fl = native();
    if (fl) return new ContextLock(path, { kind: 'fd', fd: flockFd(fl, path, label) });
    const viaFlock = await tryFlockChild(path, label);
    if (viaFlock !== 'no-flock') return new ContextLock(path, { kind: 'child', child: viaFlock });
    createExclusively(path, label);
    return new ContextLock(path, { kind: 'file' });
  }

  /**
   * Take the lock now, in this process (needs the native binding: see hasNativeLocks()); throws
   * LoadError when another process has it.
   */
  static acquireSync(path: string, label: string): ContextLock {
    const fl = native();
    if (!fl) throw new LoadError(label + ': cannot lock synchronously without the fs-ext binding');
    return new ContextLock(path, { kind: 'fd', fd: flockFd(fl, path, label) });
  }

  /**
   * Throw LoadError naming `label` if another process holds the lock now; take nothing. A missing
   * lock file is free (a holder keeps it until it releases); an existing one is tried with
   * flock(LOCK_EX | LOCK_NB) on a read-only fd and let go at once, the file left as it was.
   * Needs the native binding.
   */
  static checkFree(path: string, label: string): void {
    const fl = native();
    if (!fl) throw new LoadError(label + ': cannot check the lock without the fs-ext binding');
    let fd: number;
    try {
      fd = openSync(path, constants.O_RDONLY);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      throw new LoadError(label + ': cannot open lock: ' + code);
    }
    try {
      fl.flockSync(fd, 'exnb');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN' || code === 'EWOULDBLOCK') throw new LoadError(lockedMessage(label));
      throw new LoadError(label + ': cannot lock: ' + (code ?? (e as Error).message));
    } finally {
      closeSync(fd); // releases the lock, if we got it
    }
  }

  /**
   * Remove the file and release (aiocoap's order). An in-process lock is gone when this returns;
   * a flock(1) child's when the promise resolves.
   */
  release(): Promise<void> {
    const h = this.holder;
    if (!h) return Promise.resolve();
    this.holder = undefined;
    try {
      unlinkSync(this.path);
    } catch {
      // Already gone (removed by hand): releasing still matters.
    }
    if (h.kind === 'fd') {
      // Closing the last fd of the open file releases the flock (flock(2)); unlock first anyway.
      try {
        native()?.flockSync(h.fd, 'un');
      } finally {
        closeSync(h.fd);
      }
      return Promise.resolve();
    }
    if (h.kind === 'file') return Promise.resolve();
    const c = h.child;
    if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      c.ref(); // keep the event loop alive until the holder is gone
      c.once('exit', () => resolve());
      c.stdin?.end();
    });
  }
}

/**
 * open + flock(LOCK_EX | LOCK_NB) on `path`, returning the fd that holds the lock. If the file was
 * unlinked and recreated between our open and our flock (another holder releasing, aiocoap's
 * order), we would hold a lock on a name nobody else sees: then try again on the new file.
 */
function flockFd(fl: FlockBinding, path: string, label: string): number {
  for (let attempt = 0; attempt < 5; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o644);
    } catch (e) {
      throw new LoadError(label + ': cannot create lock: ' + (e as NodeJS.ErrnoException).code);
    }
    try {
      fl.flockSync(fd, 'exnb');
    } catch (e) {
      closeSync(fd);
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN' || code === 'EWOULDBLOCK') throw new LoadError(lockedMessage(label));
      throw new LoadError(label + ': cannot lock: ' + (code ?? (e as Error).message));
    }
    let same = false;
    try {
      same = statSync(path).ino === fstatSync(fd).ino;
    } catch {
      same = false; // unlinked meanwhile
    }
    if (same) return fd;
    closeSync(fd);
  }
  throw new LoadError(label + ': cannot lock: the lock file keeps being replaced');
}

function createExclusively(path: string, label: string): void {
  try {
    const fd = openSync(path, 'wx', 0o644);
    writeSync(fd, String(process.pid) + '\n');
    closeSync(fd);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new LoadError(label + ': locked: another process uses this context (or one crashed: then remove the lock file)');
    throw new LoadError(label + ': cannot create lock: ' + code);
  }
}

/** Hold `path` with flock(1); 'no-flock' when the binary is missing. */
function tryFlockChild(path: string, label: string): Promise<ChildProcess | 'no-flock'> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      // `cat` waits on our pipe: it ends (and the lock with it) when we close stdin or die.
      child = spawn('flock', ['--exclusive', '--nonblock', '--conflict-exit-code', '75', path, 'sh', '-c', 'echo locked; exec cat >/dev/null'], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
    } catch {
      resolve('no-flock');
      return;
    }
    let out = '';
    let err = '';
    let settled = false;
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      if (e.code === 'ENOENT') resolve('no-flock');
      else reject(new LoadError(label + ': cannot lock: ' + e.message));
    });
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => {
      out += d;
      if (!settled && out.includes('locked')) {
        settled = true;
        // Let this process exit without waiting for the holder; stdin stays open until release or exit.
        child.stdout!.destroy();
        child.stderr!.destroy();
        child.unref();
        (child.stdin as unknown as { unref?: () => void }).unref?.();
        resolve(child);
      }
    });
    child.on('exit', (code) => {
      if (settled) return;
      settled = true;
      if (code === 75) reject(new LoadError(lockedMessage(label)));
      else reject(new LoadError(label + ': cannot lock: ' + (err.trim() || 'flock exited with ' + code)));
    });
  });
}
