/**
 * Stateless Echo values (RFC 9175 §2.3, App. A): value = issue time ‖ MAC(key, issue time ‖ peer),
 * truncated. No per-value memory; the key is random and short-lived (rotated every
 * `keyLifetimeMs`, the previous key still checks), so values die with the key and never survive a
 * reboot. The MAC comes in as a function (e.g. HMAC-SHA256 from src/crypto) to keep this unit free
 * of a crypto dependency. A separate module from EchoIssuer (echo.ts, random values) so that an
 * application that does not use it does not carry it.
 */
import type { Clock, RandomSource } from '../ports.js';
import { equalBytesConstantTime, utf8Encode } from '../bytes.js';
import type { EchoValues } from './echo.js';

export type EchoMac = (key: Uint8Array, data: Uint8Array) => Uint8Array;

export interface MacEchoIssuerOptions {
  mac: EchoMac;
  /** How long a value stays acceptable (default 10 s). */
  freshnessMs?: number;
  /** How long a key is used for new values (default 60 s, at least freshnessMs). */
  keyLifetimeMs?: number;
}

const MAC_TAG_LENGTH = 8;
const TIME_LENGTH = 6;

export class MacEchoIssuer implements EchoValues {
  readonly valueLength = TIME_LENGTH + MAC_TAG_LENGTH;
  private readonly mac: EchoMac;
  private readonly freshnessMs: number;
  private readonly keyLifetimeMs: number;
  private key: Uint8Array | undefined;
  private previousKey: Uint8Array | undefined;
  private keyBornAt = 0;

  constructor(private readonly clock: Clock, private readonly random: RandomSource, options: MacEchoIssuerOptions) {
    if (typeof options.mac !== 'function') throw new TypeError('Echo: MacEchoIssuer needs a mac function');
    this.mac = options.mac;
    this.freshnessMs = options.freshnessMs ?? 10_000;
    this.keyLifetimeMs = options.keyLifetimeMs ?? 60_000;
    if (this.keyLifetimeMs < this.freshnessMs) throw new RangeError('Echo: key lifetime shorter than freshness');
  }

  /** Values remembered: none, ever (what EchoIssuer.storedCount counts, for comparison). */
  get storedCount(): number {
    return 0;
  }

  issue(peer: string): Uint8Array {
    const now = this.clock.now();
    const key = this.currentKey(now);
    const time = timeBytes(now);
    const out = new Uint8Array(TIME_LENGTH + MAC_TAG_LENGTH);
    out.set(time, 0);
    out.set(this.tagOf(key, peer, time), TIME_LENGTH);
    return out;
  }

  verify(peer: string, echo: Uint8Array | undefined): boolean {
    if (echo === undefined || echo.length !== TIME_LENGTH + MAC_TAG_LENGTH) return false;
    const now = this.clock.now();
    const time = echo.subarray(0, TIME_LENGTH);
    const at = readTime(time);
    if (at > now || now - at > this.freshnessMs) return false;
    this.currentKey(now);
    const tag = echo.subarray(TIME_LENGTH);
    for (const key of [this.key, this.previousKey]) if (key && equalBytesConstantTime(this.tagOf(key, peer, time), tag)) return true;
    return false;
  }

  private currentKey(now: number): Uint8Array {
    if (!this.key || now - this.keyBornAt >= this.keyLifetimeMs) {
      // After two lifetimes without use, the old key is of no use either.
      this.previousKey = this.key && now - this.keyBornAt < 2 * this.keyLifetimeMs ? this.key : undefined;
      const k = new Uint8Array(32);
      this.random.fill(k);
      this.key = k;
      this.keyBornAt = now;
    }
    return this.key;
  }

  private tagOf(key: Uint8Array, peer: string, time: Uint8Array): Uint8Array {
    const p = utf8Encode(peer);
    const data = new Uint8Array(time.length + p.length);
    data.set(time, 0);
    data.set(p, time.length);
    return this.mac(key, data).subarray(0, MAC_TAG_LENGTH);
  }
}

function timeBytes(ms: number): Uint8Array {
  const out = new Uint8Array(TIME_LENGTH);
  let n = Math.max(0, Math.floor(ms));
  for (let i = TIME_LENGTH - 1; i >= 0; i--) {
    out[i] = n % 256;
    n = Math.floor(n / 256);
  }
  return out;
}

function readTime(b: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < b.length; i++) n = n * 256 + b[i];
  return n;
}
