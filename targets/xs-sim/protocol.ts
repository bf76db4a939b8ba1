/**
 * The wire between the simulated device (the device bundle running in xsnap-worker) and its Node
 * host. xsnap-worker carries netstrings over fds 3/4: the host delivers an event with a `?`
 * command (the device's global `handleCommand(ArrayBuffer)` runs it, then the worker runs every
 * pending job before it answers `.`), and the device asks the host for a service with the
 * worker's `issueCommand(ArrayBuffer)`, which blocks until the host answers `/` — so flash,
 * randomness and sends are synchronous from the device's point of view, as on the MCU.
 *
 * Every message is one opcode byte followed by fixed-width big-endian fields; platform-free so both
 * sides share it.
 */

/** Host → device events. */
export const enum HostEvent {
  /** [u16 port][u8 addrLen][addr utf8][payload] — a datagram arrived on the bridged UDP socket. */
  Datagram = 1,
  /** [u32 timerId] — a timer the device set has expired. */
  Timer = 2,
  /** [] — clean shutdown (Ctrl-C): close stores (window + sequence written), then answer. */
  Shutdown = 3,
  /** [] — report heap/state for benchmarks; answers a JSON text. */
  Status = 4,
}

/** Device → host requests (answered synchronously). */
export const enum DeviceRequest {
  /** [u16 port][u8 addrLen][addr][payload] → [] */
  Send = 0x10,
  /** [u32 timerId][u32 ms] → [] */
  SetTimer = 0x11,
  /** [u32 timerId] → [] */
  ClearTimer = 0x12,
  /** [] → [u32 blockSize][u32 byteLength] */
  FlashInfo = 0x13,
  /** [u32 offset][u32 length] → bytes */
  FlashRead = 0x14,
  /** [u32 offset][bytes] → [] */
  FlashWrite = 0x15,
  /** [u32 sector] → [] */
  FlashErase = 0x16,
  /** [u32 count] → bytes */
  Random = 0x17,
  /** [utf8 line] → [] — the device's console (trace on the MCU). */
  Log = 0x18,
}

export function putU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = v >>> 16;
  b[o + 2] = v >>> 8;
  b[o + 3] = v;
}

export function getU32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

/** Opcode followed by u32 fields, then an optional byte tail. */
export function encodeU32s(op: number, fields: number[], tail?: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + 4 * fields.length + (tail ? tail.length : 0));
  out[0] = op;
  for (let i = 0; i < fields.length; i++) putU32(out, 1 + 4 * i, fields[i]);
  if (tail) out.set(tail, 1 + 4 * fields.length);
  return out;
}

/** A datagram message (both directions use the same layout after the opcode). Address is ASCII. */
export function encodeDatagram(op: number, address: string, port: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + address.length + payload.length);
  out[0] = op;
  out[1] = port >>> 8;
  out[2] = port & 0xff;
  out[3] = address.length;
  for (let i = 0; i < address.length; i++) out[4 + i] = address.charCodeAt(i);
  out.set(payload, 4 + address.length);
  return out;
}

export function decodeDatagram(b: Uint8Array): { address: string; port: number; payload: Uint8Array } {
  const port = (b[1] << 8) | b[2];
  const n = b[3];
  let address = '';
  for (let i = 0; i < n; i++) address += String.fromCharCode(b[4 + i]);
  return { address, port, payload: b.subarray(4 + n) };
}
