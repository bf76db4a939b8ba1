/**
 * A minimal manual clock for the coap-ext unit tests (timers fire only when advanced).
 * The integration tests use src/sim's virtual clock; this keeps the units testable alone.
 */
import type { Clock, TimerHandle } from '../src/ports.js';

export class ManualClock implements Clock {
  private t = 0;
  private seq = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();
  now(): number {
    return this.t;
  }
  setTimer(ms: number, fn: () => void): TimerHandle {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  }
  clearTimer(handle: TimerHandle): void {
    this.timers.delete(handle as number);
  }
  get pendingTimers(): number {
    return this.timers.size;
  }
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.timers) if (e[1].at <= end && (!next || e[1].at < next[1].at)) next = e;
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
    }
    this.t = end;
  }
}

/** Deterministic RandomSource (xorshift32) for tests. */
export class SeededRandom {
  constructor(private s: number) {}
  fill(b: Uint8Array): void {
    for (let i = 0; i < b.length; i++) {
      this.s ^= this.s << 13;
      this.s ^= this.s >>> 17;
      this.s ^= this.s << 5;
      b[i] = this.s & 0xff;
    }
  }
}
