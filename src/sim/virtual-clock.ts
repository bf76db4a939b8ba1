/**
 * A Clock port driven by tests: time moves only when the test calls advance(). Timers run in
 * due-time order (ties in creation order), each with now() set to its due time. Lets retransmission
 * (RFC 7252 §4.2: 2 s … 93 s) and lifetimes (247 s) run in microseconds on Node and XS.
 */
import type { Clock, TimerHandle } from '../ports.js';

interface Timer {
  id: number;
  due: number;
  fn: () => void;
}

export class VirtualClock implements Clock {
  private time: number;
  private seq = 0;
  private timers: Timer[] = [];

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const t: Timer = { id: ++this.seq, due: this.time + Math.max(0, ms), fn };
    // Keep sorted by (due, id): insertion after every timer due at or before t.due.
    let i = this.timers.length;
    while (i > 0 && this.timers[i - 1].due > t.due) i--;
    this.timers.splice(i, 0, t);
    return t.id;
  }

  clearTimer(handle: TimerHandle): void {
    const i = this.timers.findIndex((t) => t.id === handle);
    if (i >= 0) this.timers.splice(i, 1);
  }

  /** Number of pending timers. */
  get pending(): number {
    return this.timers.length;
  }

  /** Due time of the next timer, or undefined. */
  nextDue(): number | undefined {
    return this.timers.length ? this.timers[0].due : undefined;
  }

  /** Run every timer due within `ms` (including timers those timers set), synchronously. */
  advance(ms: number): void {
    const target = this.time + ms;
    while (this.timers.length && this.timers[0].due <= target) {
      const t = this.timers.shift()!;
      this.time = t.due;
      t.fn();
    }
    this.time = target;
  }

  /**
   * Like advance(), but lets promise continuations run before and after each timer, so async
   * code reacting to a timer can set the next one. Use this for code built on promises.
   */
  async advanceAsync(ms: number): Promise<void> {
    const target = this.time + ms;
    await settle();
    while (this.timers.length && this.timers[0].due <= target) {
      const t = this.timers.shift()!;
      this.time = t.due;
      t.fn();
      await settle();
    }
    this.time = target;
    await settle();
  }

  /** Advance until no timers are left or `limitMs` has passed; returns the time advanced. */
  async runAll(limitMs = 24 * 3600 * 1000): Promise<number> {
    const start = this.time;
    await settle();
    while (this.timers.length && this.timers[0].due - start <= limitMs) {
      const t = this.timers.shift()!;
      this.time = t.due;
      t.fn();
      await settle();
    }
    return this.time - start;
  }
}

/** Let pending promise continuations run (microtasks only; platform-free). */
export async function settle(rounds = 30): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}
