/** Node implementations of the Clock and RandomSource ports (src/ports.ts). */
import { randomFillSync } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Clock, RandomSource, TimerHandle } from '../../src/ports.js';

export const nodeClock: Clock = {
  now: () => performance.now(),
  setTimer: (ms: number, fn: () => void): TimerHandle => setTimeout(fn, ms),
  clearTimer: (h: TimerHandle) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export const nodeRandom: RandomSource = {
  fill: (bytes: Uint8Array) => {
    randomFillSync(bytes);
  },
};
