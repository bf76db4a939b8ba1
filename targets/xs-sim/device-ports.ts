/**
 * The ports of the simulated device, inside xsnap-worker: each one is a request to the Node host
 * over the worker's `issueCommand` (synchronous, see protocol.ts). Together with
 * `installEventHandler` this is the whole of what differs between the device bundle on the
 * simulator and on an ESP32 (targets/moddable): the application and the library are the same code.
 */
import type { Clock, DatagramPort, FlashPort, RandomSource, TimerHandle } from '../../src/ports.js';
import { utf8Encode } from '../../src/bytes.js';
import { DeviceRequest, HostEvent, decodeDatagram, encodeDatagram, encodeU32s, getU32 } from './protocol.js';

/** Globals of xsnap-worker (declared here: the device code must not rely on Node's types). */
interface XsnapWorkerGlobals {
  issueCommand(request: ArrayBuffer): ArrayBuffer;
  performance: { now(): number };
  /** The worker answers with the returned ArrayBuffer, or with the `result` property of a returned object read after its run loop drained. */
  handleCommand?: (request: ArrayBuffer) => ArrayBuffer | { result: ArrayBuffer };
}
const worker = globalThis as unknown as XsnapWorkerGlobals;

function request(bytes: Uint8Array): Uint8Array {
  const buffer = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer;
  return new Uint8Array(worker.issueCommand(buffer as ArrayBuffer));
}

type Receiver = (data: Uint8Array, address: string, port: number) => void;

/** Datagrams go out through the host's UDP socket; arrivals come in as HostEvent.Datagram. */
export class BridgedDatagramPort implements DatagramPort {
  receiver: Receiver | undefined;
  send(data: Uint8Array, address: string, port: number): void {
    request(encodeDatagram(DeviceRequest.Send, address, port, data));
  }
  onReceive(handler: Receiver): void {
    this.receiver = handler;
  }
  close(): void {
    this.receiver = undefined;
  }
}

/**
 * Time is the worker's `performance.now()` (wall-clock milliseconds there), clamped so it never
 * goes backwards; timers are kept by the host, which delivers HostEvent.Timer when one expires.
 */
export class BridgedClock implements Clock {
  private last = 0;
  private nextId = 1;
  readonly pending = new Map<number, () => void>();
  now(): number {
    const t = worker.performance.now();
    if (t > this.last) this.last = t;
    return this.last;
  }
  setTimer(ms: number, fn: () => void): TimerHandle {
    const id = this.nextId++;
    this.pending.set(id, fn);
    request(encodeU32s(DeviceRequest.SetTimer, [id, Math.max(0, Math.ceil(ms))]));
    return id;
  }
  clearTimer(handle: TimerHandle): void {
    const id = handle as number;
    if (this.pending.delete(id)) request(encodeU32s(DeviceRequest.ClearTimer, [id]));
  }
  fire(id: number): void {
    const fn = this.pending.get(id);
    if (!fn) return;
    this.pending.delete(id);
    fn();
  }
}

export class BridgedRandomSource implements RandomSource {
  fill(bytes: Uint8Array): void {
    if (bytes.length) bytes.set(request(encodeU32s(DeviceRequest.Random, [bytes.length])).subarray(0, bytes.length));
  }
}

/** The host's simulated NOR flash (.sim/flash.bin); NOR rules are enforced by the host's FlashPort. */
export class BridgedFlashPort implements FlashPort {
  readonly blockSize: number;
  readonly byteLength: number;
  constructor() {
    const info = request(encodeU32s(DeviceRequest.FlashInfo, []));
    this.blockSize = getU32(info, 0);
    this.byteLength = getU32(info, 4);
  }
  erase(sector: number): void {
    request(encodeU32s(DeviceRequest.FlashErase, [sector]));
  }
  read(offset: number, length: number): Uint8Array {
    return request(encodeU32s(DeviceRequest.FlashRead, [offset, length]));
  }
  write(offset: number, bytes: Uint8Array): void {
    request(encodeU32s(DeviceRequest.FlashWrite, [offset], bytes));
  }
}

/** The device console: one line to the host (which prints it, prefixed). */
export function log(line: string): void {
  request(concat(DeviceRequest.Log, utf8Encode(line)));
}

function concat(op: number, tail: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + tail.length);
  out[0] = op;
  out.set(tail, 1);
  return out;
}

export interface SimulatedDevicePorts {
  datagram: BridgedDatagramPort;
  clock: BridgedClock;
  random: BridgedRandomSource;
  flash: BridgedFlashPort;
}

export function createSimulatedDevicePorts(): SimulatedDevicePorts {
  return { datagram: new BridgedDatagramPort(), clock: new BridgedClock(), random: new BridgedRandomSource(), flash: new BridgedFlashPort() };
}

/** What the application hands the event loop: a clean-shutdown hook and a status report. */
export interface DeviceHooks {
  shutdown?(): void | Promise<void>;
  status?(): Record<string, unknown>;
}

const EMPTY = new ArrayBuffer(0);

const DONE = utf8Encode('done').buffer as ArrayBuffer;
const PENDING = utf8Encode('pending').buffer as ArrayBuffer;

/**
 * Install the worker's `handleCommand`: host events become port callbacks. For the asynchronous
 * shutdown the worker reads `result` of the returned object after its run loop has drained, so the
 * host sees "done" only when every write of the clean close has happened.
 */
export function installEventHandler(ports: SimulatedDevicePorts, hooks: DeviceHooks = {}): void {
  worker.handleCommand = (buffer: ArrayBuffer) => {
    const b = new Uint8Array(buffer);
    switch (b[0]) {
      case HostEvent.Datagram: {
        const d = decodeDatagram(b);
        ports.datagram.receiver?.(d.payload.slice(), d.address, d.port);
        return EMPTY;
      }
      case HostEvent.Timer:
        ports.clock.fire(getU32(b, 1));
        return EMPTY;
      case HostEvent.Shutdown: {
        const reply = { result: PENDING };
        Promise.resolve(hooks.shutdown?.()).then(
          () => { reply.result = DONE; },
          (e) => { reply.result = utf8Encode('failed: ' + String(e)).buffer as ArrayBuffer; },
        );
        return reply;
      }
      case HostEvent.Status:
        return utf8Encode(JSON.stringify(hooks.status?.() ?? {})).buffer as ArrayBuffer;
      default:
        throw new Error('device: unknown host event ' + b[0]);
    }
  };
}
