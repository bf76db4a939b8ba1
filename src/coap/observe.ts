/**
 * Observe (RFC 7641).
 *
 * Server: ObserverRegistry keeps the list of observers per resource (§4.1), keyed by client
 * endpoint and token (a re-registration with the same pair replaces the entry). Registration on
 * GET/FETCH with Observe=0 and a 2.xx response; removal on GET Observe=1 (§3.6), on a Reset or a
 * timed-out CON notification (§4.5) and after a non-2.xx notification (§4.2). Limits per resource
 * and overall (5.03 beyond, an implementation choice the RFC leaves open). Sequence numbers are
 * 24-bit and increase for every notification (§4.4); a notification is sent CON at least every
 * `conEvery` notifications and every 24 h (§4.5) so that observers that went away are found.
 *
 * Client: isNewerNotification() is the reordering rule of §3.4 as a pure function;
 * NotificationStream is the async iterator the client API hands out, applying that rule and
 * calling back to cancel (GET Observe=1, or a Reset to the next notification, §3.6).
 */
import type { Clock } from '../ports.js';
import { CoapError } from '../errors.js';
import { Code, MessageType } from './numbers.js';
import { Option } from './option-registry.js';
import { getUintOption, type Message } from './message.js';
import { toHex } from '../bytes.js';

/** Observe values are 24-bit (§4.4). */
export const OBSERVE_MODULUS = 1 << 24;
const HALF = 1 << 23;
/** §3.4: after 128 s a notification is newer whatever its number says. */
export const REORDER_WINDOW_MS = 128_000;

/**
 * §3.4: is the notification (v2, received at t2) newer than the one (v1, t1) the client has?
 * (V1 < V2 and V2 − V1 < 2^23) or (V1 > V2 and V1 − V2 > 2^23) or (T2 > T1 + 128 s).
 */
export function isNewerNotification(v1: number, t1: number, v2: number, t2: number): boolean {
  return (v1 < v2 && v2 - v1 < HALF) || (v1 > v2 && v1 - v2 > HALF) || t2 > t1 + REORDER_WINDOW_MS;
}

/** What an incoming request asks of the observe machinery (§3.1, §3.6). */
export function observeIntent(request: Message): 'register' | 'deregister' | 'none' {
  if (request.code !== Code.GET && request.code !== Code.FETCH) return 'none';
  const v = getUintOption(request, Option.OBSERVE);
  return v === 0 ? 'register' : v === 1 ? 'deregister' : 'none';
}

export interface ObserveLimits {
  maxObserversPerResource: number;
  maxObservers: number;
  /** At least every conEvery-th notification to an observer goes CON. */
  conEvery: number;
  /** At least one CON notification per observer in this interval (§4.5: 24 h). */
  conIntervalMs: number;
}

export const DEFAULT_OBSERVE_LIMITS: ObserveLimits = Object.freeze({
  maxObserversPerResource: 16,
  maxObservers: 64,
  conEvery: 16,
  conIntervalMs: 24 * 3600 * 1000,
});

export interface Observer {
  readonly resource: string;
  readonly peer: string;
  readonly token: Uint8Array;
  /** The registering request: notifications are responses to it (Accept, query, …). */
  readonly request: Message;
  /** Notifications sent NON since the last CON. */
  nonSinceCon: number;
  /** Clock time of the last CON notification (registration counts as one). */
  lastConAt: number;
}

export interface PlannedNotification {
  observer: Observer;
  /** Observe option value; undefined for a final non-2.xx notification, which carries none (§4.2). */
  observe: number | undefined;
  type: MessageType;
}

export class ObserverRegistry {
  /**
   * Observers by client endpoint + token, in registration order (a re-registration moves to the
   * end). One map: the observers of a resource are found by a pass over it (the limits keep it short).
   */
  private readonly byKey = new Map<string, Observer>();
  private seq = 0;
  readonly limits: ObserveLimits;

  constructor(private readonly clock: Clock, limits: Partial<ObserveLimits> = {}) {
    this.limits = { ...DEFAULT_OBSERVE_LIMITS, ...limits };
    // Start anywhere; only differences matter (§4.4). Starting at 0 keeps traces readable.
  }

  get size(): number {
    return this.byKey.size;
  }

  observersOf(resource: string): Observer[] {
    const out: Observer[] = [];
    for (const o of this.byKey.values()) if (o.resource === resource) out.push(o);
    return out;
  }

  find(peer: string, token: Uint8Array): Observer | undefined {
    return this.byKey.get(keyOf(peer, token));
  }

  /**
   * Add (or replace) the observer for `peer`+`request.token` on `resource`, once the resource has
   * produced a 2.xx response. Returns the Observe value for that response. Throws CoapError 5.03
   * when a limit is reached; the caller then answers without registering (or with the 5.03).
   */
  register(resource: string, peer: string, request: Message): number {
    const key = keyOf(peer, request.token);
    const existing = this.byKey.get(key);
    this.byKey.delete(key);
    if (this.observersOf(resource).length >= this.limits.maxObserversPerResource || this.byKey.size >= this.limits.maxObservers) {
      if (existing) this.byKey.set(key, existing); // a refused refresh keeps the old registration
      throw new CoapError(Code.SERVICE_UNAVAILABLE, 'Too many observers');
    }
    this.byKey.set(key, { resource, peer, token: request.token.slice(), request, nonSinceCon: 0, lastConAt: this.clock.now() });
    return this.nextSequence();
  }

  /** The resource went away (e.g. deleted): forget its observers. */
  removeResource(resource: string): Observer[] {
    const list = this.observersOf(resource);
    for (const o of list) this.removeObserver(o);
    return list;
  }

  /**
   * Plan the next notification to one observer: its Observe value and CON/NON.
   * A non-2.xx code ends the observation: the observer is removed and the notification goes
   * without an Observe option (§4.2). `confirmable` forces CON.
   */
  plan(o: Observer, code: number, confirmable = false): PlannedNotification {
    const success = code >> 5 === 2;
    const now = this.clock.now();
    let type: MessageType = MessageType.NON;
    if (confirmable || o.nonSinceCon + 1 >= this.limits.conEvery || now - o.lastConAt >= this.limits.conIntervalMs) type = MessageType.CON;
    if (type === MessageType.CON) {
      o.nonSinceCon = 0;
      o.lastConAt = now;
    } else {
      o.nonSinceCon++;
    }
    if (!success) this.removeObserver(o);
    return { observer: o, observe: success ? this.nextSequence() : undefined, type };
  }

  /** Is `o` still registered (not replaced, not removed)? */
  isRegistered(o: Observer): boolean {
    return this.byKey.get(keyOf(o.peer, o.token)) === o;
  }

  /** Remove exactly this registration (not a newer one with the same endpoint and token). */
  removeObserver(o: Observer): boolean {
    return this.isRegistered(o) && this.byKey.delete(keyOf(o.peer, o.token));
  }

  clear(): void {
    this.byKey.clear();
  }

  private nextSequence(): number {
    this.seq = (this.seq + 1) % OBSERVE_MODULUS;
    return this.seq;
  }
}

/**
 * Plan one notification per observer of `resource` with response code `code` (see
 * ObserverRegistry.plan). A function, not a method: ObserveLayer plans per observer, so a device
 * bundle need not carry it.
 */
export function planNotifications(registry: ObserverRegistry, resource: string, code: number, confirmable = false): PlannedNotification[] {
  return registry.observersOf(resource).map((o) => registry.plan(o, code, confirmable));
}

/** Remove the observation of `peer` with `token` (GET Observe=1, §3.6), if any; a function for the same reason. */
export function deregisterObserver(registry: ObserverRegistry, peer: string, token: Uint8Array): boolean {
  const o = registry.find(peer, token);
  return o !== undefined && registry.removeObserver(o);
}

function keyOf(peer: string, token: Uint8Array): string {
  return peer + '#' + toHex(token);
}

/**
 * The client's view of one observation: an async iterator of notifications in freshness order.
 * Stale (reordered) notifications are dropped by the §3.4 rule; when the consumer is slower than
 * the server, the oldest queued notifications are dropped first (the latest state matters).
 * A notification without an Observe option, or a non-2.xx one, is delivered and ends the stream.
 */
export class NotificationStream<T> implements AsyncIterableIterator<T> {
  private readonly queue: T[] = [];
  private waiting: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | undefined;
  private lastValue: number | undefined;
  private lastTime = 0;
  private done = false;
  private error: unknown;
  private cancelled = false;
  /** Notifications dropped as stale (§3.4) or because the queue was full. */
  dropped = 0;

  constructor(
    private readonly clock: Clock,
    private readonly onCancel: () => void | Promise<void>,
    private readonly maxQueued = 16,
  ) {}

  get closed(): boolean {
    return this.done;
  }

  /**
   * Offer a notification. `observe` is its Observe value (undefined for a final one).
   * Returns false if it was stale and dropped, or the stream is closed.
   */
  deliver(observe: number | undefined, item: T, final = false): boolean {
    if (this.done) return false;
    const now = this.clock.now();
    if (observe !== undefined && this.lastValue !== undefined && !isNewerNotification(this.lastValue, this.lastTime, observe, now)) {
      this.dropped++;
      return false;
    }
    if (observe !== undefined) {
      this.lastValue = observe;
      this.lastTime = now;
    }
    this.push(item);
    if (final || observe === undefined) this.finish();
    return true;
  }

  /** End the stream with an error (e.g. the registration failed or the transport closed). */
  fail(error: unknown): void {
    if (this.done) return;
    this.error = error;
    this.finish();
  }

  /** End the stream normally (no more notifications will come). */
  end(): void {
    this.finish();
  }

  /** Stop observing: the callback tells the server (GET Observe=1 or Reset); the stream ends. */
  async cancel(): Promise<void> {
    if (this.cancelled) return;
    this.cancelled = true;
    const wasOpen = !this.done;
    this.queue.length = 0;
    this.finish();
    if (wasOpen) await this.onCancel();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.queue.length > 0) return Promise.resolve({ value: this.queue.shift() as T, done: false });
    if (this.done) return this.error !== undefined ? Promise.reject(this.error) : Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  async return(): Promise<IteratorResult<T>> {
    await this.cancel();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  private push(item: T): void {
    const w = this.waiting;
    if (w) {
      this.waiting = undefined;
      w.resolve({ value: item, done: false });
      return;
    }
    if (this.queue.length >= this.maxQueued) {
      this.queue.shift();
      this.dropped++;
    }
    this.queue.push(item);
  }

  private finish(): void {
    this.done = true;
    const w = this.waiting;
    if (!w) return;
    this.waiting = undefined;
    if (this.error !== undefined) w.reject(this.error);
    else w.resolve({ value: undefined, done: true });
  }
}
