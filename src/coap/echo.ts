/**
 * Echo (RFC 9175 §2): a server proves a request is fresh by sending an unpredictable value in a
 * 4.01 Unauthorized response and accepting the request when it is repeated with that value.
 *
 * EchoIssuer makes and checks the values, in one of two ways (§2.3, App. A):
 * - 'random': values from the RandomSource, remembered with their issue time in a bounded list
 *   (oldest forgotten first); a value is fresh while younger than `freshnessMs`.
 * - 'mac': value = issue time ‖ MAC(key, peer ‖ issue time), truncated. No per-value memory; the
 *   key is random and short-lived (rotated every `keyLifetimeMs`, the previous key still checks),
 *   so values die with the key and never survive a reboot. The MAC comes in as a function (e.g.
 *   HMAC-SHA256 from src/crypto) to keep this unit free of a crypto dependency.
 * Values are bound to the peer they were issued to. With `singleUse`, an accepted random value is
 * consumed (a captured repetition is not accepted twice).
 *
 * Client: requestWithEcho() repeats a request once with the Echo of a 4.01 (§2.3, §2.4).
 * Amplification (§2.4): needsAmplificationEcho() says when an unauthenticated request would get a
 * response large enough that the server should first verify the client's address with an Echo.
 */
import type { Clock, RandomSource } from '../ports.js';
import { Code } from './numbers.js';
import { Option } from './option-registry.js';
import { cloneMessage, getOption, setOption, type Message } from './message.js';
import { equalBytesConstantTime, utf8Encode } from '../bytes.js';

export type EchoMac = (key: Uint8Array, data: Uint8Array) => Uint8Array;

export interface EchoIssuerOptions {
  mode: 'random' | 'mac';
  /** How long a value stays acceptable (§2.3 leaves it to the application; seconds are typical). */
  freshnessMs: number;
  /** 'random': values remembered at most (oldest forgotten first). */
  maxStored: number;
  /** 'random': length of a value in bytes (1..40, §2.2.1; 8 gives 64 bits of unpredictability). */
  valueLength: number;
  /** An accepted 'random' value cannot be used again. */
  singleUse: boolean;
  /** 'mac': the MAC function and key lifetime (at least freshnessMs). */
  mac?: EchoMac;
  keyLifetimeMs: number;
}

export const DEFAULT_ECHO_OPTIONS: EchoIssuerOptions = {
  mode: 'random',
  freshnessMs: 10_000,
  maxStored: 32,
  valueLength: 8,
  singleUse: true,
  keyLifetimeMs: 60_000,
};

const MAC_TAG_LENGTH = 8;
const TIME_LENGTH = 6;

export class EchoIssuer {
  readonly options: EchoIssuerOptions;
  private readonly issued: { peer: string; value: Uint8Array; at: number }[] = [];
  private key: Uint8Array | undefined;
  private previousKey: Uint8Array | undefined;
  private keyBornAt = 0;

  constructor(private readonly clock: Clock, private readonly random: RandomSource, options: Partial<EchoIssuerOptions> = {}) {
    this.options = { ...DEFAULT_ECHO_OPTIONS, ...options };
    const o = this.options;
    if (o.mode === 'mac' && !o.mac) throw new TypeError("Echo: mode 'mac' needs a mac function");
    if (o.valueLength < 1 || o.valueLength > 40) throw new RangeError('Echo: value length must be 1..40');
    if (o.mode === 'mac' && o.keyLifetimeMs < o.freshnessMs) throw new RangeError('Echo: key lifetime shorter than freshness');
  }

  /** Length in bytes of the values issue() returns. */
  get valueLength(): number {
    return this.options.mode === 'mac' ? TIME_LENGTH + MAC_TAG_LENGTH : this.options.valueLength;
  }

  /** Values currently remembered ('random' mode). */
  get storedCount(): number {
    return this.issued.length;
  }

  /** A new Echo value for `peer` (e.g. "address:port" or an OSCORE kid). */
  issue(peer: string): Uint8Array {
    const now = this.clock.now();
    if (this.options.mode === 'mac') {
      const key = this.currentKey(now);
      const time = timeBytes(now);
      const tag = this.tagOf(key, peer, time);
      const out = new Uint8Array(TIME_LENGTH + MAC_TAG_LENGTH);
      out.set(time, 0);
      out.set(tag, TIME_LENGTH);
      return out;
    }
    const value = new Uint8Array(this.options.valueLength);
    this.random.fill(value);
    this.prune(now);
    if (this.issued.length >= this.options.maxStored) this.issued.shift();
    this.issued.push({ peer, value, at: now });
    return value;
  }

  /** Is `echo` (from a request of `peer`) a value we issued to that peer within the freshness window? */
  verify(peer: string, echo: Uint8Array | undefined): boolean {
    if (echo === undefined || echo.length === 0 || echo.length > 40) return false;
    const now = this.clock.now();
    if (this.options.mode === 'mac') {
      if (echo.length !== TIME_LENGTH + MAC_TAG_LENGTH) return false;
      const time = echo.subarray(0, TIME_LENGTH);
      const at = readTime(time);
      if (at > now || now - at > this.options.freshnessMs) return false;
      this.currentKey(now);
      const tag = echo.subarray(TIME_LENGTH);
      for (const key of [this.key, this.previousKey]) if (key && equalBytesConstantTime(this.tagOf(key, peer, time), tag)) return true;
      return false;
    }
    this.prune(now);
    for (let i = 0; i < this.issued.length; i++) {
      const e = this.issued[i];
      if (e.peer === peer && equalBytesConstantTime(e.value, echo)) {
        if (this.options.singleUse) this.issued.splice(i, 1);
        return true;
      }
    }
    return false;
  }

  private prune(now: number): void {
    while (this.issued.length > 0 && now - this.issued[0].at > this.options.freshnessMs) this.issued.shift();
  }

  private currentKey(now: number): Uint8Array {
    if (!this.key || now - this.keyBornAt >= this.options.keyLifetimeMs) {
      // After two lifetimes without use, the old key is of no use either.
      this.previousKey = this.key && now - this.keyBornAt < 2 * this.options.keyLifetimeMs ? this.key : undefined;
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
    return (this.options.mac as EchoMac)(key, data).subarray(0, MAC_TAG_LENGTH);
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

/** A 4.01 Unauthorized response template carrying `echo` (§2.3), for `request`. */
export function echoChallenge(request: Message, echo: Uint8Array): Message {
  const r: Message = { type: request.type, code: Code.UNAUTHORIZED, messageId: 0, token: request.token, options: [], payload: new Uint8Array(0) };
  setOption(r, Option.ECHO, echo);
  return r;
}

/**
 * Client (§2.3): send `request`; if the answer is 4.01 with an Echo option, send it once more
 * carrying that Echo (the layer below gives it a new token and message ID) and return that answer.
 */
export async function requestWithEcho(request: Message, sendOne: (m: Message) => Promise<Message>): Promise<Message> {
  const first = await sendOne(request);
  const echo = first.code === Code.UNAUTHORIZED ? getOption(first, Option.ECHO) : undefined;
  if (echo === undefined || getOption(request, Option.ECHO) !== undefined) return first;
  const again = cloneMessage(request);
  setOption(again, Option.ECHO, echo);
  return sendOne(again);
}

/**
 * Amplification mitigation (§2.4): a server SHOULD NOT answer an unauthenticated request whose
 * source address it has not verified with more than `factor` times the request's size (3 by
 * default); it asks for an Echo first. True when that is the case.
 */
export function needsAmplificationEcho(requestBytes: number, responseBytes: number, authenticated: boolean, factor = 3): boolean {
  return !authenticated && responseBytes > factor * requestBytes;
}
