/**
 * XS side of bench/perf.bench.ts, targets 1 and 3: computrons (xsnap metering) of one complete
 * protected exchange and of each stage on its own, plus the AES block count that splits CCM
 * from the cipher core. Prints one XS-RESULT line; figures are per exchange.
 */
import { meter } from '../../test/harness/xs-meter.js';
import { report } from '../xs-report.js';
import { makeStages, countAesBlocks } from '../perf-workload.js';
import { createAesBlockCipher } from '../../src/crypto/aes.js';

const REPS = 50;
function perOp(fn: () => void, reps = REPS): number {
  for (let i = 0; i < 3; i++) fn(); // warm: lazy tables, caches, the dedup map at its steady size
  return Math.round((meter(fn, reps) ?? NaN) / reps);
}

const s = makeStages();
const blocks = countAesBlocks();
const aes = createAesBlockCipher(new Uint8Array(16).fill(7));
const block = new Uint8Array(16);
report({
  exchange: perOp(() => s.exchange()),
  codec: perOp(s.codec),
  oscore: perOp(s.oscore),
  aadNonce: perOp(s.aadNonce),
  bareCcm: perOp(s.bareCcm),
  aesBlock: perOp(() => aes.encryptBlock(block, 0, block, 0), 200),
  aesBlocksExchange: blocks.exchange,
  aesBlocksBare: blocks.bareCcm,
  requestBytes: s.requestBytes.length,
  responseBytes: s.responseBytes.length,
  reqPlaintext: s.reqPlaintextLength,
  respPlaintext: s.respPlaintextLength,
  aad: s.aadLength,
});
