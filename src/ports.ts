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
   * Optional, for a native implementation of the modes (Moddable's `crypt` Mode): CTR (SP 800-38A
   * §6.5), output = input ⊕ E(T_1) ‖ E(T_2) ‖ … with T_1 = `counter` (16 bytes, left unchanged)
   * incremented as a 128-bit big-endian number. `input` and `output` have the same length and may
   * be the same array. CCM (src/crypto/ccm.ts) runs its encryption through it when present.
   */
  ctr?(counter: Uint8Array, input: Uint8Array, output: Uint8Array): void;
  /**
   * Optional, with `ctr`: CBC-MAC steps (SP 800-38A §6.2 with the running state as IV): for each
   * 16-byte block B of `data` (a whole number of blocks), state = E(state ⊕ B); `state` (16
   * bytes) is updated in place. CCM runs its authentication through it when present.
   */
  cbcMac?(state: Uint8Array, data: Uint8Array): void;
}

/** Makes an AesBlockCipher for a 16- or 32-byte key (native on the device, noble elsewhere). */
export type AesBlockCipherFactory = (key: Uint8Array) => AesBlockCipher;
