/**
 * The AES port's CCM message pass, `ctrCbcMac` (src/ports.ts): CTR and the CBC-MAC of the
 * plaintext in one call. Checked against NIST SP 800-38A F.5.1 (CTR-AES128) and F.2.1 (CBC-AES128:
 * the MAC is the last ciphertext block) and, for every length 0..80 and a counter that carries
 * across bytes, against a reference built from single AES blocks — for the JavaScript pass
 * (src/crypto/aes-modes.ts, on @noble) and for the device's adapter on `crypt`'s Mode
 * (targets/moddable/aes-block.ts, on stand-ins with modCrypt.c's contract).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fromHex, toHex } from '../src/bytes.js';
import { nobleAesBlockCipherFactory } from '../src/crypto/aes-noble.js';
import { withJsModes } from '../src/crypto/aes-modes.js';
import { makeNativeAesFactory } from '../targets/moddable/aes-block.js';
import type { AesBlockCipher, AesBlockCipherFactory } from '../src/ports.js';
import { StandInBlockCipher, StandInMode } from './harness/crypt-stand-ins.js';

const KEY = fromHex('2b7e151628aed2a6abf7158809cf4f3c');
const PLAINTEXT = fromHex('6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710');
const CTR_INIT = fromHex('f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff');
const CTR_CIPHERTEXT = '874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee';
const CBC_IV = fromHex('000102030405060708090a0b0c0d0e0f');
const CBC_LAST = '3ff1caa1681fac09120eca307586e1a7';

/** CTR and the zero-padded CBC-MAC from single blocks of @noble's AES, byte by byte. */
function reference(counter: Uint8Array, mac: Uint8Array, plaintext: Uint8Array): { ciphertext: string; mac: string } {
  const aes = nobleAesBlockCipherFactory(KEY);
  const c = counter.slice(), x = mac.slice(), s = new Uint8Array(16), out = new Uint8Array(plaintext.length);
  for (let off = 0; off < plaintext.length; off += 16) {
    aes.encryptBlock(c, 0, s, 0);
    for (let i = 0; i < 16; i++) {
      const p = off + i < plaintext.length ? plaintext[off + i] : 0;
      if (off + i < plaintext.length) out[off + i] = p ^ s[i];
      x[i] ^= p;
    }
    aes.encryptBlock(x, 0, x, 0);
    for (let i = 15; i >= 0; i--) if (++c[i] <= 255) break; else c[i] = 0;
  }
  return { ciphertext: toHex(out), mac: toHex(x) };
}

const IMPLEMENTATIONS: [string, AesBlockCipherFactory][] = [
  ['JavaScript pass on @noble', nobleAesBlockCipherFactory],
  ['JavaScript pass on a counted block', (k) => withJsModes(nobleAesBlockCipherFactory(k))],
  ['crypt Mode adapter (stand-ins)', makeNativeAesFactory(StandInBlockCipher, StandInMode)],
];

for (const [name, factory] of IMPLEMENTATIONS) {
  describe('ctrCbcMac: ' + name, () => {
    const aes: AesBlockCipher = factory(KEY);
    it('SP 800-38A F.5.1 CTR and F.2.1 CBC (last block) over the same plaintext, sealing and opening', () => {
      const ct = new Uint8Array(64), mac = CBC_IV.slice(), counter = CTR_INIT.slice();
      aes.ctrCbcMac(counter, mac, PLAINTEXT, ct, true);
      assert.equal(toHex(ct), CTR_CIPHERTEXT);
      assert.equal(toHex(mac), CBC_LAST);
      assert.equal(toHex(counter), toHex(CTR_INIT), 'the counter is left unchanged');
      const pt = new Uint8Array(64), mac2 = CBC_IV.slice();
      aes.ctrCbcMac(counter, mac2, ct, pt, false);
      assert.equal(toHex(pt), toHex(PLAINTEXT));
      assert.equal(toHex(mac2), CBC_LAST, 'opening MACs the output (the plaintext)');
    });
    it('every length 0..80, in place too, with a counter that carries across three bytes', () => {
      const counter = fromHex('00112233445566778899aabbccfffffe');
      const mac0 = fromHex('0f0e0d0c0b0a09080706050403020100');
      for (let n = 0; n <= 80; n++) {
        const pt = Uint8Array.from({ length: n }, (_, i) => (i * 31 + n) & 0xff);
        const want = reference(counter, mac0, pt);
        const out = new Uint8Array(n), mac = mac0.slice();
        aes.ctrCbcMac(counter, mac, pt, out, true);
        assert.equal(toHex(out), want.ciphertext, 'n=' + n);
        assert.equal(toHex(mac), want.mac, 'n=' + n);
        const buf = pt.slice(), macIn = mac0.slice();
        aes.ctrCbcMac(counter, macIn, buf, buf, true);
        assert.equal(toHex(buf), want.ciphertext, 'in place, n=' + n);
        const back = buf.slice(), macOut = mac0.slice();
        aes.ctrCbcMac(counter, macOut, back, back, false);
        assert.equal(toHex(back), toHex(pt), 'opened in place, n=' + n);
        assert.equal(toHex(macOut), want.mac, 'opening MAC, n=' + n);
      }
    });
  });
}
