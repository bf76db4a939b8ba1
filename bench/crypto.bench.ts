/**
 * Crypto benchmarks: AES-CCM seal+open (our CCM on @noble/ciphers AES) against node:crypto (OpenSSL)
 * in the same run, and XS computrons for the same operations plus a bare AES block, so the CCM
 * overhead per block above the cipher itself is visible.
 */
import { createCipheriv, createDecipheriv, type CipherCCMTypes } from 'node:crypto';
import { opsPerSecond, runOnXs, fmt, type Section } from './harness.js';
import { getAlgorithm } from '../src/crypto/algorithms.js';

function bytes(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 13 + seed) & 0xff;
  return b;
}

function nodeSealOpen(cipherName: CipherCCMTypes, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array, tagLength: number): void {
  const c = createCipheriv(cipherName, key, nonce, { authTagLength: tagLength });
  c.setAAD(aad, { plaintextLength: pt.length });
  const ct = c.update(pt);
  c.final();
  const tag = c.getAuthTag();
  const d = createDecipheriv(cipherName, key, nonce, { authTagLength: tagLength });
  d.setAuthTag(tag);
  d.setAAD(aad, { plaintextLength: ct.length });
  d.update(ct);
  d.final();
}

export default async (): Promise<Section[]> => {
  const xs = (await runOnXs('bench/xs/crypto-entry.ts')) as Record<string, number>;
  const rows: (string | number)[][] = [];
  for (const id of [10, 31]) {
    const alg = getAlgorithm(id);
    const keyBytes = bytes(alg.keyLength, 1);
    const key = alg.prepare(keyBytes);
    const nonce = bytes(alg.nonceLength, 2);
    const aad = bytes(9, 3);
    const nodeName: CipherCCMTypes = alg.keyLength === 16 ? 'aes-128-ccm' : 'aes-256-ccm';
    for (const size of [64, 1024]) {
      const pt = bytes(size, 4);
      // Alternate the two for three rounds and keep each one's best: both see the same machine state.
      let ours = 0, node = 0;
      for (let round = 0; round < 3; round++) {
        ours = Math.max(ours, opsPerSecond(() => {
          const sealed = key.seal(nonce, aad, pt);
          if (key.open(nonce, aad, sealed) === null) throw new Error('open failed');
        }, 300));
        node = Math.max(node, opsPerSecond(() => nodeSealOpen(nodeName, keyBytes, nonce, aad, pt, alg.tagLength), 300));
      }
      const computrons = xs[`ccm${id}-seal-${size}`] + xs[`ccm${id}-open-${size}`];
      rows.push([alg.name + ' seal+open ' + size + ' B', fmt(ours), fmt(node), fmt(node / ours, 2) + '×', fmt(computrons)]);
    }
  }
  const blocks64 = 1 + 1 + 2 * 4 + 1; // B0, one AAD block, 4 × (CTR + MAC), S0
  const perBlock64 = xs['ccm10-seal-64'] / blocks64;
  const blocks1k = 1 + 1 + 2 * 64 + 1;
  const perBlock1k = xs['ccm10-seal-1024'] / blocks1k;
  const xsRows: (string | number)[][] = [
    ['AES-128 rounds of @noble/ciphers alone (for comparison)', fmt(xs['aes128-rounds'])],
    ['AES-128 block (@noble/ciphers via the port)', fmt(xs['aes128-block'])],
    ['AES-256 rounds of @noble/ciphers alone', fmt(xs['aes256-rounds'])],
    ['AES-256 block (default core, via the port)', fmt(xs['aes256-block'])],
    ['AES-CCM-16-64-128 seal 64 B, per AES block (' + blocks64 + ' blocks)', fmt(perBlock64) + ' (' + fmt(perBlock64 / xs['aes128-block'], 2) + '× a bare block)'],
    ['AES-CCM-16-64-128 seal 1 KiB, per AES block (' + blocks1k + ' blocks)', fmt(perBlock1k) + ' (' + fmt(perBlock1k / xs['aes128-block'], 2) + '× a bare block)'],
    ['AES-CCM-16-64-128 prepare (key expansion)', fmt(xs['ccm10-prepare'])],
    ['AES-CCM-16-128-256 prepare (key expansion)', fmt(xs['ccm31-prepare'])],
    ['HKDF-SHA256, 16-byte output', fmt(xs['hkdf-16'])],
  ];
  return [
    {
      title: 'AES-CCM seal+open: ours vs node:crypto (Node), and XS computrons',
      command: 'npm run bench -- crypto',
      columns: ['operation (9-byte AAD)', 'ours ops/s', 'node:crypto ops/s', 'node ÷ ours', 'XS computrons'],
      rows,
      notes: 'Best of three alternating 300 ms rounds each. node:crypto creates a cipher and a decipher per message (its API has no prepared CCM key); ours prepares the key once. "node ÷ ours" above 1 means node:crypto is faster.',
    },
    {
      title: 'AES and CCM per-block cost on XS (computrons)',
      command: 'npm run bench -- crypto',
      columns: ['operation', 'computrons'],
      rows: xsRows,
      notes: 'CCM costs two AES blocks per 16 bytes (CTR + CBC-MAC) plus B0, the AAD and S0; the per-block figure divides a whole seal by that count, so it includes the XOR loops and call overhead.',
    },
  ];
};
