/**
 * Echo (RFC 9175 §2): a server proves a request is fresh by sending an unpredictable value in a
 * 4.01 Unauthorized response and accepting the request when it is repeated with that value.
 *
 * EchoIssuer makes and checks the values (§2.3, App. A): values from the RandomSource, remembered
 * with their issue time in a bounded list (oldest forgotten first); a value is fresh while younger
 * than `freshnessMs`. MacEchoIssuer (echo-mac.ts) is the stateless alternative (issue time ‖ MAC);
 * both are EchoValues, which EchoLayer and the OSCORE layer take.
 * Values are bound to the peer they were issued to. With `singleUse`, an accepted value is
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
import { equalBytesConstantTime } from '../bytes.js';

/** What makes and checks Echo values: EchoIssuer here, MacEchoIssuer (echo-mac.ts). */
export interface EchoValues {
  /** Length in bytes of the values issue() returns. */
  readonly valueLength: number;
  /** A new Echo value for `peer` (e.g. "address:port" or an OSCORE kid). */
  issue(peer: string): Uint8Array;
  /** Is `echo` (from a request of `peer`) a value we issued to that peer within the freshness window? */
  verify(peer: string, echo: Uint8Array | undefined): boolean;
}

export interface EchoIssuerOptions {
  /** How long a value stays acceptable (§2.3 leaves it to the application; seconds are typical). */
  freshnessMs: number;
  /** Values remembered at most (oldest forgotten first). */
  maxStored: number;
  /** Length of a value in bytes (1..40, §2.2.1; 8 gives 64 bits of unpredictability). */
  valueLength: number;
  /** An accepted value cannot be used again. */
  singleUse: boolean;
}

export const DEFAULT_ECHO_OPTIONS: EchoIssuerOptions = Object.freeze({
  freshnessMs: 10_000,
  maxStored: 32,
  valueLength: 8,
  singleUse: true,
});

export class EchoIssuer implements EchoValues {
  readonly options: EchoIssuerOptions;
  private readonly issued: { peer: string; value: Uint8Array; at: number }[] = [];

  constructor(private readonly clock: Clock, private readonly random: RandomSource, options: Partial<EchoIssuerOptions> = {}) {
    this.options = { ...DEFAULT_ECHO_OPTIONS, ...options };
    if (this.options.valueLength < 1 || this.options.valueLength > 40) throw new RangeError('Echo: value length must be 1..40');
  }

  get valueLength(): number {
    return this.options.valueLength;
  }

  /** Values currently remembered. */
  get storedCount(): number {
    return this.issued.length;
  }

  issue(peer: string): Uint8Array {
    const now = this.clock.now();
    const value = new Uint8Array(this.options.valueLength);
    this.random.fill(value);
    this.prune(now);
    if (this.issued.length >= this.options.maxStored) this.issued.shift();
    this.issued.push({ peer, value, at: now });
    return value;
  }

  verify(peer: string, echo: Uint8Array | undefined): boolean {
    if (echo === undefined || echo.length === 0 || echo.length > 40) return false;
    this.prune(this.clock.now());
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
