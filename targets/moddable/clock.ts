/**
 * Clock port on Moddable: `Time.ticks` for now() (milliseconds since boot, a 32-bit counter on the
 * MCU, so wrap-around is unfolded here), `Timer.set` / `Timer.clear` for one-shot timers.
 * Wall-clock time (`Date.now()`) is not used: SNTP may set it while the stack is running.
 */
import Time from 'time';
import Timer from 'timer';
import type { Clock, TimerHandle } from '../../src/ports.js';

const WRAP = 0x100000000;

export class ModdableClock implements Clock {
  private last = -1;
  private epoch = 0;

  now(): number {
    const t = Time.ticks >>> 0;
    if (this.last >= 0 && t < this.last) this.epoch += WRAP;
    this.last = t;
    return this.epoch + t;
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    return Timer.set(() => fn(), ms > 0 ? ms : 0);
  }

  clearTimer(handle: TimerHandle): void {
    if (handle) Timer.clear(handle as Timer);
  }
}
