/**
 * A small Node driver for xsnap-worker (the XS engine built from @agoric/xsnap's sources by
 * scripts/build-xsnap.mjs). The worker reads netstrings (`<len>:<bytes>,`) on fd 3 and writes them
 * on fd 4. Host → worker: `e<js>` evaluate a script, `?<bytes>` deliver a command to the global
 * `handleCommand`. Worker → host: `.<meter JSON>\x01<reply>` done, `!<text>` uncaught exception,
 * `?<bytes>` a query from the worker's `issueCommand`, which the host must answer with `/<bytes>`
 * before the worker continues.
 *
 * @agoric/xsnap's own JS driver needs its SES/endo environment (`harden`); this one needs nothing.
 * One delivery at a time: deliveries queue until the previous one is answered.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

/** Meter data the worker reports with every answer (xsnap-worker.c fxWriteOkay). */
export interface CrankMeter {
  /** Computrons used by the delivery. */
  compute: number;
  /** Bytes allocated by the XS machine (chunk + slot heaps). */
  allocate: number;
  /** Live slots after the delivery. */
  currentHeapCount: number;
}

export interface CrankResult {
  reply: Uint8Array;
  meter: CrankMeter;
}

export type QueryHandler = (query: Uint8Array) => Uint8Array;

export class XsnapWorkerError extends Error {}

export class XsnapWorker {
  private readonly child: ChildProcess;
  private readonly toWorker: Writable;
  private buffered: Buffer = Buffer.alloc(0);
  private waiting: { resolve: (r: CrankResult) => void; reject: (e: Error) => void } | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private exitError: Error | undefined;
  readonly exited: Promise<number | null>;

  constructor(binary: string, private readonly onQuery: QueryHandler, options: { stdout?: (text: string) => void; name?: string } = {}) {
    // Its own process group: Ctrl-C in a terminal signals the whole foreground group, and the
    // worker must live until the host has run the clean shutdown. If the host dies, the worker
    // reads EOF on fd 3 and exits by itself.
    this.child = spawn(binary, [options.name ?? 'device'], { stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'], detached: true });
    this.toWorker = this.child.stdio[3] as Writable;
    const fromWorker = this.child.stdio[4] as Readable;
    fromWorker.on('data', (chunk: Buffer) => this.onData(chunk));
    const out = options.stdout ?? ((t: string) => process.stdout.write(t));
    this.child.stdout!.on('data', (d: Buffer) => out(d.toString('utf8')));
    this.child.stderr!.on('data', (d: Buffer) => out(d.toString('utf8')));
    this.toWorker.on('error', () => {});
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exitError = new XsnapWorkerError('xsnap-worker exited (' + (signal ?? code) + ')');
        this.waiting?.reject(this.exitError);
        this.waiting = undefined;
        resolve(code);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Evaluate a script (the device bundle) in the worker's global scope. */
  evaluate(code: string): Promise<CrankResult> {
    return this.deliver(Buffer.concat([Buffer.from('e'), Buffer.from(code, 'utf8')]));
  }

  /** Deliver bytes to the worker's `handleCommand`. */
  command(bytes: Uint8Array): Promise<CrankResult> {
    return this.deliver(Buffer.concat([Buffer.from('?'), bytes]));
  }

  /** Ask the worker to quit and wait for it. */
  async close(): Promise<void> {
    if (!this.exitError) {
      await this.queue.catch(() => {});
      if (!this.exitError) this.writeNetstring(Buffer.from('q'));
      this.toWorker.end();
    }
    await this.exited;
  }

  /** Kill the worker at once (a power cut). */
  kill(): void {
    this.child.kill('SIGKILL');
  }

  private deliver(message: Buffer): Promise<CrankResult> {
    const run = this.queue.catch(() => {}).then(
      () =>
        new Promise<CrankResult>((resolve, reject) => {
          if (this.exitError) return reject(this.exitError);
          this.waiting = { resolve, reject };
          this.writeNetstring(message);
        }),
    );
    this.queue = run;
    return run;
  }

  private writeNetstring(payload: Buffer): void {
    this.toWorker.write(Buffer.concat([Buffer.from(payload.length + ':'), payload, Buffer.from(',')]));
  }

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    for (;;) {
      const colon = this.buffered.indexOf(0x3a);
      if (colon < 0) return;
      const length = Number(this.buffered.subarray(0, colon).toString('latin1'));
      if (!Number.isInteger(length) || length < 0) return this.protocolError('bad netstring length');
      if (this.buffered.length < colon + 1 + length + 1) return;
      const message = this.buffered.subarray(colon + 1, colon + 1 + length);
      if (this.buffered[colon + 1 + length] !== 0x2c) return this.protocolError('netstring without comma');
      this.buffered = this.buffered.subarray(colon + 2 + length);
      this.onMessage(Uint8Array.prototype.slice.call(message) as Uint8Array);
    }
  }

  private onMessage(message: Uint8Array): void {
    const kind = message[0];
    if (kind === 0x3f /* ? */) {
      let answer: Uint8Array;
      try {
        answer = this.onQuery(message.subarray(1));
      } catch (e) {
        // The worker blocks until it gets an answer; an empty one keeps it alive. Report the fault.
        process.stderr.write('xs-sim host: query failed: ' + String((e as Error)?.stack ?? e) + '\n');
        answer = new Uint8Array(0);
      }
      this.writeNetstring(Buffer.concat([Buffer.from('/'), answer]));
      return;
    }
    const waiting = this.waiting;
    this.waiting = undefined;
    if (!waiting) return this.protocolError('answer without a delivery');
    if (kind === 0x2e /* . */) {
      const sep = message.indexOf(1);
      const meter = (sep > 0 ? JSON.parse(Buffer.from(message.subarray(1, sep)).toString('utf8')) : {}) as CrankMeter;
      waiting.resolve({ reply: message.subarray(sep > 0 ? sep + 1 : 1), meter });
    } else if (kind === 0x21 /* ! */) {
      waiting.reject(new XsnapWorkerError('uncaught exception in the device: ' + Buffer.from(message.subarray(1)).toString('utf8')));
    } else {
      waiting.reject(new XsnapWorkerError('unexpected message from xsnap-worker: ' + String.fromCharCode(kind)));
    }
  }

  private protocolError(what: string): void {
    this.exitError = new XsnapWorkerError('xsnap-worker protocol: ' + what);
    this.waiting?.reject(this.exitError);
    this.waiting = undefined;
    this.child.kill('SIGKILL');
  }
}
