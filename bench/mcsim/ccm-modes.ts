/**
 * CCM on the real Moddable runtime with `crypt`'s native modes (issue 17.3), for mcsim:
 * 1. Self-test at boot: every RFC 3610 packet vector (24, M = 8 and 10, 23–25-byte messages)
 *    sealed and opened by src/crypto/ccm.ts on the native AES with Mode (CTR, CBC-MAC) and on the
 *    native AES block alone; then messages of 0..99 bytes × AAD 0..39 bytes sealed by both and
 *    opened crosswise. Prints `ccm-vectors ok vectors=24 lengths=N mode-keys=K` or
 *    `ccm-vectors FAIL <what>` (test/device-ccm-modes-mcsim.node.test.ts).
 * 2. With `oscore_port` configured, the example server app (examples/device/app.ts) on the AES
 *    chosen by `oscore_ccm_modes` (1: native modes, 0: block calls only), plus /blob (a 256-byte
 *    protected GET), for the CPU-per-exchange benchmark (bench/device-ccm-modes.bench.ts).
 */
import config from 'mc/config';
import { BlockCipher, Mode } from 'crypt';
import { fromHex, toHex } from '../../src/bytes.js';
import { CcmCipher } from '../../src/crypto/ccm.js';
import { makeNativeAesFactory } from '../../targets/moddable/aes-block.js';
import { withJsModes } from '../../src/crypto/aes-modes.js';
import { createModdablePorts } from '../../targets/moddable/index.js';
import { startDeviceApp } from '../../examples/device/app.js';
import { RFC3610_VECTORS } from '../../test/crypto-vectors.js';

const c = config as Record<string, unknown>;
const text = (k: string) => (typeof c[k] === 'string' ? (c[k] as string) : '');
const log = (line: string) => trace(line + '\n');

const withModes = makeNativeAesFactory(BlockCipher, Mode);
const blockOnly = (key: Uint8Array) => withJsModes(withModes(key)); // the native block, modes in JavaScript

function selfTest(): string {
  let modeKeys = 0;
  for (const v of RFC3610_VECTORS) {
    const key = fromHex(v.key), nonce = fromHex(v.nonce), aad = fromHex(v.aad), pt = fromHex(v.plaintext);
    const L = 15 - nonce.length;
    const aes = withModes(key);
    if (typeof aes.ctrCbcMac === 'function') modeKeys++;
    for (const [name, cipher] of [['modes', new CcmCipher(aes, v.tagLength, L)], ['block', new CcmCipher(blockOnly(key), v.tagLength, L)]] as const) {
      const sealed = cipher.seal(nonce, aad, pt);
      if (toHex(sealed) !== v.sealed) return 'FAIL ' + v.name + ' seal (' + name + '): ' + toHex(sealed);
      const opened = cipher.open(nonce, aad, sealed);
      if (!opened || toHex(opened) !== v.plaintext) return 'FAIL ' + v.name + ' open (' + name + ')';
      sealed[sealed.length - 1] ^= 1;
      if (cipher.open(nonce, aad, sealed) !== null) return 'FAIL ' + v.name + ' tampered tag accepted (' + name + ')';
    }
  }
  const key = Uint8Array.from({ length: 16 }, (_, i) => i * 17 + 3);
  const modes = new CcmCipher(withModes(key), 8, 2), block = new CcmCipher(blockOnly(key), 8, 2);
  const nonce = Uint8Array.from({ length: 13 }, (_, i) => i + 40);
  let lengths = 0;
  for (let n = 0; n < 100; n++) {
    const pt = Uint8Array.from({ length: n }, (_, i) => (i * 29 + n) & 0xff);
    for (let a = 0; a < 40; a += 13) {
      const aad = Uint8Array.from({ length: a }, (_, i) => (i * 7 + a) & 0xff);
      const x = modes.seal(nonce, aad, pt), y = block.seal(nonce, aad, pt);
      if (toHex(x) !== toHex(y)) return 'FAIL n=' + n + ' a=' + a + ' modes and block seal differ';
      const inPlace = new Uint8Array(n + 8);
      inPlace.set(pt);
      modes.sealInPlace(nonce, aad, inPlace);
      if (toHex(inPlace) !== toHex(y)) return 'FAIL n=' + n + ' a=' + a + ' in-place seal differs';
      const o1 = modes.open(nonce, aad, y), o2 = block.open(nonce, aad, x);
      if (!o1 || !o2 || toHex(o1) !== toHex(pt) || toHex(o2) !== toHex(pt)) return 'FAIL n=' + n + ' a=' + a + ' open';
      lengths++;
    }
  }
  return 'ok vectors=' + RFC3610_VECTORS.length + ' lengths=' + lengths + ' mode-keys=' + modeKeys;
}

let result: string;
try {
  result = selfTest();
} catch (e) {
  result = 'FAIL ' + String((e as Error)?.message ?? e);
}
log('ccm-vectors ' + result);

const port = Number(c.oscore_port);
if (port > 0) {
  const useModes = text('oscore_ccm_modes') !== '0';
  const ports = createModdablePorts({ port, partition: 'oscore' });
  const app = startDeviceApp({ ...ports, aes: useModes ? withModes : blockOnly }, {
    log,
    provision: { masterSecret: fromHex(text('oscore_secret')), masterSalt: text('oscore_salt') ? fromHex(text('oscore_salt')) : undefined, senderId: fromHex(text('oscore_sender')), recipientId: fromHex(text('oscore_recipient')) },
    sensorIntervalMs: 3600000,
  });
  const blob = Uint8Array.from({ length: 256 }, (_, i) => i);
  app.endpoint.resource('/blob', { GET: () => ({ payload: blob }) }, { requireOscore: true });
  log('ccm-modes serving on ' + port + ' with ' + (useModes ? 'native modes' : 'block calls only'));
}
