/**
 * The simulated device of `npm start` (scripts/start.mjs) as a child process, for the end-to-end
 * suites (test/device-sim.node.test.ts, test/device-edhoc-sim.node.test.ts): started with the given
 * arguments, ready once a given console line appears, its console kept for assertions.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';

/** A UDP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  const s = createSocket('udp4');
  return new Promise((resolve) => s.bind(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); }));
}

export class SimDevice {
  readonly lines: string[] = [];
  private constructor(readonly child: ChildProcess) {}

  /** `node scripts/start.mjs …args`, resolved when a console line contains `readyLine`. */
  static start(args: string[], readyLine: string): Promise<SimDevice> {
    const d = new SimDevice(spawn(process.execPath, ['scripts/start.mjs', ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
    let buf = '';
    return new Promise((resolve, reject) => {
      // A device that does not come up in time is killed, so the suite fails instead of waiting on it.
      const t = setTimeout(() => {
        d.child.removeAllListeners('exit');
        d.child.kill('SIGKILL');
        reject(new Error('device did not come up in 120 s:\n' + d.log()));
      }, 120000);
      const onData = (chunk: Buffer) => {
        buf += chunk.toString();
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          d.lines.push(buf.slice(0, i));
          if (buf.slice(0, i).includes(readyLine)) { clearTimeout(t); resolve(d); }
          buf = buf.slice(i + 1);
        }
      };
      d.child.stdout!.on('data', onData);
      d.child.stderr!.on('data', onData);
      d.child.on('exit', (code) => { clearTimeout(t); reject(new Error('device exited ' + code + ':\n' + d.log())); });
    });
  }

  log(): string {
    return this.lines.join('\n');
  }

  /** The console line may reach us after the response does: wait for it (up to 3 s). */
  async waitFor(re: RegExp): Promise<void> {
    for (let i = 0; i < 60 && !re.test(this.log()); i++) await new Promise((r) => setTimeout(r, 50));
    assert.match(this.log(), re);
  }

  /** SIGINT is a clean stop, SIGKILL a power cut; resolves with the exit code. */
  stop(signal: NodeJS.Signals = 'SIGINT'): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve(this.child.exitCode);
    return new Promise((resolve) => {
      this.child.removeAllListeners('exit');
      this.child.once('exit', (code) => resolve(code));
      this.child.kill(signal);
    });
  }
}
