/**
 * Stand-ins for the Moddable runtime modules the device bundle imports, so the real Moddable
 * build (dist/device/example-server.js: our Moddable ports, native-crypto substitutes,
 * platform-esp32.js) can run on the XS engine of the simulator. They keep the contracts of the
 * SDK modules as its sources define them (ArrayBuffers in and out of `crypt`, `flash` and the
 * ECMA-419 UDP socket; `read()` results carrying address and port) and reach the world through the
 * simulator bridge (targets/xs-sim/device-ports.ts). test/device-moddable.node.test.ts maps each
 * module specifier to one export here.
 */
import { unsafe } from '@noble/ciphers/aes.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { createSimulatedDevicePorts, installEventHandler, log } from '../../../targets/xs-sim/device-ports.js';

export const ports = createSimulatedDevicePorts();
/** Stand-in counters the test reads through the status command. */
export const calls = { blockCipher: 0, encrypt: 0, mode: 0, digest: 0, flashWrite: 0, udpWrite: 0, timers: 0 };
installEventHandler(ports, { status: () => ({ ...calls }) });
(globalThis as unknown as { trace: (s: string) => void }).trace = (s: string) => log(s.replace(/\n$/, ''));

function mustBeArrayBuffer(v: unknown, what: string): ArrayBuffer {
  if (!(v instanceof ArrayBuffer)) throw new TypeError(what + ': ArrayBuffer expected');
  return v;
}

// ---- crypt (modCrypt.c: BlockCipher and Digest take and return ArrayBuffers) ----
export class BlockCipher {
  private readonly xk: Uint32Array;
  constructor(name: string, key: ArrayBuffer) {
    if (name !== 'AES') throw new Error('unsupported cipher');
    this.xk = unsafe.expandKeyLE(new Uint8Array(mustBeArrayBuffer(key, 'key').slice(0))) as Uint32Array;
    calls.blockCipher++;
  }
  encrypt(data: ArrayBuffer, result?: ArrayBuffer): ArrayBuffer {
    const d = new DataView(mustBeArrayBuffer(data, 'data'));
    const out = result === undefined ? new ArrayBuffer(16) : mustBeArrayBuffer(result, 'result');
    if (d.byteLength < 16 || out.byteLength < 16) throw new Error('bad size');
    const r = unsafe.encrypt(this.xk, d.getUint32(0, true), d.getUint32(4, true), d.getUint32(8, true), d.getUint32(12, true));
    const o = new DataView(out);
    o.setUint32(0, r.s0, true);
    o.setUint32(4, r.s1, true);
    o.setUint32(8, r.s2, true);
    o.setUint32(12, r.s3, true);
    calls.encrypt++;
    return out;
  }
}
/** Bytes of an ArrayBuffer or a byte view, as modCrypt.c's resolveBuffer reads them (a view of the same memory). */
function bufferBytes(v: unknown, what: string): Uint8Array {
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (v instanceof Uint8Array) return v;
  throw new TypeError(what + ': buffer expected');
}

/**
 * crypt's Mode as modCrypt.c implements it for CTR and CBC: `setIV` and the constructor's IV take an
 * ArrayBuffer (CTR: right-aligned in a zeroed counter block; CBC: the chaining value); `encrypt`
 * reads a buffer or byte view and writes an ArrayBuffer at least as long (a view is refused);
 * `decrypt` reads and writes buffers or byte views. CTR increments all 16 counter bytes and keeps a
 * partial keystream block for the next call; CBC without padding handles whole blocks only.
 */
export class Mode {
  private readonly kind: 'CTR' | 'CBC';
  private readonly state = new Uint8Array(16);
  private offset = 0;
  private readonly stream = new Uint8Array(16);
  constructor(kind: string, private readonly cipher: BlockCipher, iv?: ArrayBuffer, padding?: boolean) {
    if (kind !== 'CTR' && kind !== 'CBC') throw new Error('unsupported mode');
    if (padding) throw new Error('stand-in: padding not modelled');
    this.kind = kind;
    if (iv !== undefined) this.setIV(iv);
  }
  setIV(iv: ArrayBuffer): void {
    const v = new Uint8Array(mustBeArrayBuffer(iv, 'iv')).subarray(0, 16);
    this.state.fill(0);
    this.state.set(v, this.kind === 'CTR' ? 16 - v.length : 0);
    this.offset = 0;
  }
  private block(input: Uint8Array, output: Uint8Array): void {
    const buf = new ArrayBuffer(16);
    new Uint8Array(buf).set(input);
    output.set(new Uint8Array(this.cipher.encrypt(buf)));
  }
  encrypt(data: ArrayBuffer | Uint8Array, result?: ArrayBuffer): ArrayBuffer {
    const input = bufferBytes(data, 'data');
    const out = result === undefined ? new ArrayBuffer(input.length) : mustBeArrayBuffer(result, 'result');
    if (out.byteLength < input.length) throw new Error('output too small');
    this.process(input, new Uint8Array(out));
    return out;
  }
  decrypt(data: ArrayBuffer | Uint8Array, result?: ArrayBuffer | Uint8Array): ArrayBuffer | Uint8Array {
    const input = bufferBytes(data, 'data');
    if (this.kind !== 'CTR') throw new Error('stand-in: CBC decryption not modelled');
    const out = result === undefined ? new Uint8Array(input.length) : bufferBytes(result, 'result');
    if (out.length < input.length) throw new Error('output too small');
    this.process(input, out);
    return result ?? (out.buffer as ArrayBuffer);
  }
  private process(input: Uint8Array, out: Uint8Array): void {
    calls.mode++;
    if (this.kind === 'CTR') {
      let count = input.length, d = 0;
      while (count) {
        this.block(this.state, this.stream);
        let i = this.offset;
        for (; count !== 0 && i < 16; i++, count--, d++) out[d] = input[d] ^ this.stream[i];
        if (count) {
          this.offset = 0;
          for (let j = 15; j >= 0; j--) {
            this.state[j] = (this.state[j] + 1) & 0xff;
            if (this.state[j] !== 0) break;
          }
        } else this.offset = i;
      }
    } else {
      for (let off = 0; off + 16 <= input.length; off += 16) {
        for (let j = 0; j < 16; j++) this.state[j] ^= input[off + j];
        this.block(this.state, this.state);
        out.set(this.state, off);
      }
    }
  }
}

export class Digest {
  private readonly h = sha256.create();
  constructor(type: string) {
    if (type !== 'SHA256') throw new Error('crypt: unsupported digest');
    calls.digest++;
  }
  write(data: ArrayBuffer): void {
    this.h.update(new Uint8Array(mustBeArrayBuffer(data, 'Digest.write')));
  }
  close(): ArrayBuffer {
    return this.h.digest().slice().buffer as ArrayBuffer;
  }
}

// ---- flash (modules/files/flash: read → ArrayBuffer, write(offset, byteLength, buffer)) ----
export class Flash {
  constructor(label: string) {
    if (label !== 'oscore') throw new Error('flash: no partition ' + label);
  }
  get blockSize(): number {
    return ports.flash.blockSize;
  }
  get byteLength(): number {
    return ports.flash.byteLength;
  }
  erase(sector: number): void {
    ports.flash.erase(sector);
  }
  read(offset: number, byteLength: number): ArrayBuffer {
    return ports.flash.read(offset, byteLength).slice().buffer as ArrayBuffer;
  }
  write(offset: number, byteLength: number, buffer: ArrayBuffer): void {
    calls.flashWrite++;
    ports.flash.write(offset, new Uint8Array(mustBeArrayBuffer(buffer, 'flash.write'), 0, byteLength));
  }
}

// ---- timer, time, rng ----
export const Timer = {
  set(callback: (t: unknown) => void, interval = 0): unknown {
    calls.timers++;
    const handle: { id?: unknown } = {};
    handle.id = ports.clock.setTimer(interval, () => callback(handle));
    return handle;
  },
  clear(t: { id?: unknown } | undefined): void {
    if (t && t.id !== undefined) ports.clock.clearTimer(t.id);
  },
};
export const Time = {
  get ticks(): number {
    return Math.floor(ports.clock.now()) | 0;
  },
};
export const RNG = {
  get(n: number): ArrayBuffer {
    const b = new Uint8Array(n);
    ports.random.fill(b);
    return b.buffer as ArrayBuffer;
  },
  init(_seed?: ArrayBuffer): void {},
};

// ---- embedded:io/socket/udp (ECMA-419: onReadable(count), read() → ArrayBuffer + address/port) ----
export class UDP {
  private readonly queue: { data: Uint8Array; address: string; port: number }[] = [];
  constructor(options: { port?: number; onReadable?: (this: UDP, count: number) => void }) {
    ports.datagram.onReceive((data, address, port) => {
      this.queue.push({ data, address, port });
      options.onReadable?.call(this, this.queue.length);
    });
  }
  read(): ArrayBuffer & { address: string; port: number } {
    const d = this.queue.shift()!;
    return Object.assign(d.data.slice().buffer as ArrayBuffer, { address: d.address, port: d.port });
  }
  write(buffer: ArrayBuffer, address: string, port: number): void {
    calls.udpWrite++;
    ports.datagram.send(new Uint8Array(mustBeArrayBuffer(buffer, 'UDP.write')), address, port);
  }
  close(): void {
    ports.datagram.close();
  }
}

