/** Node implementations of the Clock and RandomSource ports (src/ports.ts). */
import { randomFillSync } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Clock, RandomSource, TimerHandle } from '../../src/ports.js';

export const nodeClock: Clock = {
  now: () => performance.now(),
  setTimer: (ms: number, fn: () => void): TimerHandle => setTimeout(fn, ms),
  clearTimer: (h: TimerHandle) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/**
 * Small draws (tokens, message IDs, retransmission jitter: a few bytes per request) come from a
 * pool refilled 4 KiB at a time: one randomFillSync call costs about as much for 4 KiB as for
 * 4 bytes. Each pooled byte is handed out once and zeroed in the pool as it leaves.
 */
const POOL_SIZE = 4096;
const pool = new Uint8Array(POOL_SIZE);
let poolUsed = POOL_SIZE;

export const nodeRandom: RandomSource = {
  fill: (bytes: Uint8Array) => {
    const n = bytes.length;
    if (n > 256) {
      randomFillSync(bytes);
      return;
    }
    if (poolUsed + n > POOL_SIZE) {
      randomFillSync(pool);
      poolUsed = 0;
    }
    bytes.set(pool.subarray(poolUsed, poolUsed + n));
    pool.fill(0, poolUsed, poolUsed + n);
    poolUsed += n;
  },
};
