/**
 * Ports: the only way the platform-free core (src/) reaches the outside world.
 * Each target (targets/node, targets/moddable, the XS simulator host) supplies these.
 * Nothing in src/ may import `node:*` or a Moddable module; it receives ports instead.
 */

/** A datagram source/sink (UDP on a real target, the simulated network in tests). */
export interface DatagramPort {
  /** Send one datagram. Must not throw for transient network errors (drop instead). */
  send(data: Uint8Array, address: string, port: number): void;
  /**
   * Install the receive callback (one per port). `multicast` is true when the datagram was sent to a
   * group address the port joined (RFC 7252 §8): a server then answers differently (§8.2).
   */
  onReceive(handler: (data: Uint8Array, address: string, port: number, multicast?: boolean) => void): void;
  /** Release the socket. */
  close(): void;
}

/** Opaque timer handle returned by a Clock. */
export type TimerHandle = unknown;

/** Monotonic clock and one-shot timers. Tests drive a virtual clock. */
export interface Clock {
  /** Milliseconds, monotonic, arbitrary origin. */
  now(): number;
  setTimer(ms: number, fn: () => void): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

/** Random bytes for tokens, message IDs, Echo values, new secrets. */
export interface RandomSource {
  fill(bytes: Uint8Array): void;
}

/**
 * NOR flash, shaped like Moddable's `flash` module: erase sets a sector to 0xFF,
 * write can only clear bits. Offsets are relative to the partition.
 */
export interface FlashPort {
  readonly blockSize: number;
  readonly byteLength: number;
  erase(sector: number): void;
  read(offset: number, length: number): Uint8Array;
  write(offset: number, bytes: Uint8Array): void;
}

/** AES encryption of single 16-byte blocks with a key prepared once. */
export interface AesBlockCipher {
  /** Encrypt `input[inOff..inOff+16)` into `output[outOff..outOff+16)`; may alias. */
  encryptBlock(input: Uint8Array, inOff: number, output: Uint8Array, outOff: number): void;
  /**
   * CCM's message pass (RFC 3610 §2.2–2.3) in one call: CTR (SP 800-38A §6.5) from `counter` (16
   * bytes, left unchanged, incremented as a 128-bit big-endian number) over `input` into `output`
   * (the same length, possibly the same array), and CBC-MAC steps (state = E(state ⊕ B)) on `mac`
   * (16 bytes, updated in place) over the plaintext — `input` when `macInput`, else `output` —
   * zero-padded to whole blocks. Native on the device (`crypt`'s Mode), one JavaScript loop
   * elsewhere (src/crypto/aes-modes.ts); CCM (src/crypto/ccm.ts) runs every message through it.
   */
  ctrCbcMac(counter: Uint8Array, mac: Uint8Array, input: Uint8Array, output: Uint8Array, macInput: boolean): void;
}

/** Makes an AesBlockCipher for a 16- or 32-byte key (native on the device, noble elsewhere). */
export type AesBlockCipherFactory = (key: Uint8Array) => AesBlockCipher;
