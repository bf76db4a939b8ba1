/**
 * XS side of bench/crypto.bench.ts: computrons (xsnap metering) for CCM seal+open, a bare AES
 * block (the floor of every CCM block), key preparation and an HKDF derivation. Prints one
 * XS-RESULT line; the numbers are per operation.
 */
import { meter } from '../../test/harness/xs-meter.js';
import { report } from '../xs-report.js';
import { getAlgorithm } from '../../src/crypto/algorithms.js';
import { createAesBlockCipher } from '../../src/crypto/aes.js';
import { hkdfSha256 } from '../../src/crypto/hkdf.js';
import { unsafe } from '@noble/ciphers/aes.js';

const REPS = 20;

function bytes(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 13 + seed) & 0xff;
  return b;
}

function perOp(fn: () => void, reps = REPS): number {
  fn(); // first call outside the meter (lazy tables, inline caches)
  return Math.round((meter(fn, reps) ?? NaN) / reps);
}

const out: Record<string, number> = {};
for (const id of [10, 31]) {
  const alg = getAlgorithm(id);
  const key = alg.prepare(bytes(alg.keyLength, 1));
  const nonce = bytes(alg.nonceLength, 2);
  const aad = bytes(9, 3); // about the size of an OSCORE request's external AAD structure
  for (const size of [64, 1024]) {
    const pt = bytes(size, 4);
    const sealed = key.seal(nonce, aad, pt);
    out[`ccm${id}-seal-${size}`] = perOp(() => { key.seal(nonce, aad, pt); });
    out[`ccm${id}-open-${size}`] = perOp(() => { key.open(nonce, aad, sealed); });
  }
  const otherKey = bytes(alg.keyLength, 5);
  out[`ccm${id}-prepare`] = perOp(() => { alg.prepare(otherKey); });
}
for (const keyLength of [16, 32]) {
  const aes = createAesBlockCipher(bytes(keyLength, 6));
  const block = bytes(16, 7);
  out[`aes${keyLength * 8}-block`] = perOp(() => aes.encryptBlock(block, 0, block, 0), 200);
  // noble's round function on words already in hand: what the port adds is byte ⇄ word conversion.
  const xk = unsafe.expandKeyLE(bytes(keyLength, 6));
  out[`aes${keyLength * 8}-rounds`] = perOp(() => { unsafe.encrypt(xk, 1, 2, 3, 4); }, 200);
}
const secret = bytes(16, 8), salt = bytes(8, 9), info = bytes(20, 10);
out['hkdf-16'] = perOp(() => { hkdfSha256(secret, salt, info, 16); });
report(out);
