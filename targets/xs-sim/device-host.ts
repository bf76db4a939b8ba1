/**
 * The Node side of the simulated ESP32: runs the device bundle in xsnap-worker (the real XS
 * engine) and gives it a body — a real UDP socket (127.0.0.1:5683 by default), timers, a NOR
 * flash (a FlashPort, e.g. the file-backed `.sim/flash.bin`), random bytes and a console.
 * Requests from the device are answered synchronously (protocol.ts); events (datagrams, expired
 * timers) are delivered one at a time, in arrival order.
 */
import { createSocket, type Socket } from 'node:dgram';
import { randomFillSync } from 'node:crypto';
import type { FlashPort } from '../../src/ports.js';
import { utf8Decode } from '../../src/bytes.js';
import { DeviceRequest, HostEvent, decodeDatagram, encodeDatagram, encodeU32s, getU32 } from './protocol.js';
import { XsnapWorker, type CrankMeter } from './xsnap-worker.js';

export interface DeviceHostOptions {
  /** xsnap-worker binary (scripts/xsnap-paths.mjs: XSNAP_WORKER). */
  workerBinary: string;
  /** The device bundle: a script that installs `handleCommand` and starts the application. */
  bundle: string;
  flash: FlashPort;
  /** UDP address and port to serve on (default 127.0.0.1:5683; port 0 picks a free one). */
  address?: string;
  port?: number;
  /** One line of the device console (default: stdout with a "[device]" prefix). */
  log?: (line: string) => void;
  /** Build-time configuration the bundle reads as `globalThis.deviceConfig` (like mcconfig's `mc/config`). */
  config?: Record<string, unknown>;
}

export class SimulatedDeviceHost {
  private readonly timers = new Map<number, ReturnType<typeof setTimeout>>();
  private closed = false;
  /** Meter of the last delivery (computrons, allocation, live slots). */
  lastMeter: CrankMeter | undefined;
  /** Deliveries that ended in an uncaught device exception. */
  faults = 0;

  private constructor(
    private readonly worker: XsnapWorker,
    private readonly socket: Socket,
    readonly address: string,
    readonly port: number,
    private readonly log: (line: string) => void,
    private readonly flash: FlashPort,
  ) {}

  static async start(options: DeviceHostOptions): Promise<SimulatedDeviceHost> {
    const log = options.log ?? ((line: string) => process.stdout.write('[device] ' + line + '\n'));
    const socket = createSocket(options.address?.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(options.port ?? 5683, options.address ?? '127.0.0.1', () => {
        socket.off('error', reject);
        resolve();
      });
    });
    const bound = socket.address();
    let host: SimulatedDeviceHost | undefined;
    const worker = new XsnapWorker(options.workerBinary, (q) => host!.answer(q), {
      stdout: (text) => { for (const line of text.split('\n')) if (line) log(line); },
    });
    host = new SimulatedDeviceHost(worker, socket, bound.address, bound.port, log, options.flash);
    socket.on('message', (msg, rinfo) => host!.deliver(encodeDatagram(HostEvent.Datagram, rinfo.address, rinfo.port, msg)));
    socket.on('error', (e) => log('udp error: ' + e.message));
    try {
      if (options.config) await worker.evaluate('globalThis.deviceConfig = ' + JSON.stringify(options.config) + ';');
      const r = await worker.evaluate(options.bundle);
      host.lastMeter = r.meter;
    } catch (e) {
      await host.kill();
      throw e;
    }
    return host;
  }

  get pid(): number | undefined {
    return this.worker.pid;
  }

  /** Clean shutdown (Ctrl-C): the device writes its replay window and sequence number, then stops. */
  async shutdown(): Promise<string> {
    if (this.closed) return 'closed';
    let answer = 'failed';
    try {
      const r = await this.worker.command(encodeU32s(HostEvent.Shutdown, []));
      answer = utf8Decode(r.reply);
    } catch (e) {
      this.log('shutdown failed: ' + (e as Error).message);
    }
    this.stopTimers();
    this.closed = true;
    this.socket.close();
    await this.worker.close();
    return answer;
  }

  /** Power cut: the worker dies mid-whatever; flash keeps what was written. */
  async kill(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopTimers();
    this.worker.kill();
    try { this.socket.close(); } catch { /* already closed */ }
    await this.worker.exited;
  }

  /** Ask the application for its status (JSON) and the meter of that delivery (heap figures). */
  async status(): Promise<{ status: Record<string, unknown>; meter: CrankMeter }> {
    const r = await this.worker.command(encodeU32s(HostEvent.Status, []));
    return { status: JSON.parse(utf8Decode(r.reply)) as Record<string, unknown>, meter: r.meter };
  }

  private deliver(event: Uint8Array): void {
    if (this.closed) return;
    this.worker.command(event).then(
      (r) => { this.lastMeter = r.meter; },
      (e: Error) => {
        if (this.closed) return;
        this.faults++;
        this.log('fault: ' + e.message);
      },
    );
  }

  private stopTimers(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  /** Answer one synchronous request of the device. */
  private answer(q: Uint8Array): Uint8Array {
    const none = new Uint8Array(0);
    switch (q[0]) {
      case DeviceRequest.Send: {
        const d = decodeDatagram(q);
        if (!this.closed) this.socket.send(d.payload.slice(), d.port, d.address);
        return none;
      }
      case DeviceRequest.SetTimer: {
        const id = getU32(q, 1);
        const ms = getU32(q, 5);
        this.timers.set(id, setTimeout(() => {
          this.timers.delete(id);
          this.deliver(encodeU32s(HostEvent.Timer, [id]));
        }, ms));
        return none;
      }
      case DeviceRequest.ClearTimer: {
        const id = getU32(q, 1);
        clearTimeout(this.timers.get(id));
        this.timers.delete(id);
        return none;
      }
      case DeviceRequest.FlashInfo:
        return encodeU32s(0, [this.flash.blockSize, this.flash.byteLength]).subarray(1);
      case DeviceRequest.FlashRead:
        return this.flash.read(getU32(q, 1), getU32(q, 5));
      case DeviceRequest.FlashWrite:
        this.flash.write(getU32(q, 1), q.slice(5));
        return none;
      case DeviceRequest.FlashErase:
        this.flash.erase(getU32(q, 1));
        return none;
      case DeviceRequest.Random: {
        const out = new Uint8Array(getU32(q, 1));
        randomFillSync(out);
        return out;
      }
      case DeviceRequest.Log:
        this.log(utf8Decode(q.subarray(1)));
        return none;
      default:
        throw new Error('unknown device request ' + q[0]);
    }
  }
}
