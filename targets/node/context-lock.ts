/**
 * The `lock` file of an aiocoap security-context directory: one process at a time uses a context
 * (two would reuse sender sequence numbers, i.e. nonces — RFC 8613 §7.2.1).
 *
 * aiocoap takes it with Python's `filelock`, i.e. flock(2) LOCK_EX on `<dir>/lock`, and on a clean
 * close unlinks the file and releases. Node has no flock, so a small `flock(1)` child (util-linux)
 * takes the very same kernel lock and holds it until its stdin closes — when we release, or when this
 * process dies, so a crash never leaves the context locked (as with aiocoap). Both tools therefore
 * refuse each other. Without a `flock` binary (non-Linux) the lock file is created exclusively
 * instead; then a file left by a crash must be removed by hand, and the error says so.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { LoadError } from '../../src/errors.js';

export class ContextLock {
  private constructor(
    readonly path: string,
    private readonly holder: ChildProcess | undefined,
  ) {}

  /** Take the lock or throw LoadError naming `label` when another process has it. */
  static async acquire(path: string, label: string): Promise<ContextLock> {
    const viaFlock = await tryFlock(path, label);
    if (viaFlock !== 'no-flock') return new ContextLock(path, viaFlock);
    try {
      const fd = openSync(path, 'wx', 0o644);
      writeSync(fd, String(process.pid) + '\n');
      closeSync(fd);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST')
        throw new LoadError(label + ': locked: another process uses this context (or one crashed: then remove the lock file)');
      throw new LoadError(label + ': cannot create lock: ' + code);
    }
    return new ContextLock(path, undefined);
  }

  /** Remove the file and release (aiocoap's order); resolves when the kernel lock is gone. */
  release(): Promise<void> {
    try {
      unlinkSync(this.path);
    } catch {
      // Already gone (removed by hand): releasing still matters.
    }
    const h = this.holder;
    if (!h || h.exitCode !== null || h.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      h.ref(); // keep the event loop alive until the holder is gone
      h.once('exit', () => resolve());
      h.stdin?.end();
    });
  }
}

/** Hold `path` with flock(1); 'no-flock' when the binary is missing. */
function tryFlock(path: string, label: string): Promise<ChildProcess | 'no-flock'> {
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
      if (code === 75) reject(new LoadError(label + ': locked: another process (oscore-xs or aiocoap) uses this context'));
      else reject(new LoadError(label + ': cannot lock: ' + (err.trim() || 'flock exited with ' + code)));
    });
  });
}
