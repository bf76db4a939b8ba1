/**
 * EDHOC on the real Moddable runtime with the device crypto (rollup swaps in targets/moddable's
 * native P-256 and SHA-256): the Responder processes RFC 9529 trace 2's message_1 and message_3,
 * the §4.2 invalid points are refused, then fresh method-3 / suite-2 handshakes between an
 * Initiator and a Responder are timed. Lines (checked by test/device-edhoc-mcsim.node.test.ts):
 *   `edhoc message_2 <hex>`, `edhoc oscore <master secret hex> <master salt hex>`,
 *   `edhoc invalid-point refused <n>`, `edhoc handshake ms=<per handshake> n=<count>`, `edhoc done`
 * or `edhoc error <message>`.
 */
import { fromHex, toHex } from '../../src/bytes.js';
import { nobleAsymmetricCrypto as crypto } from '../../src/crypto/asymmetric-noble.js';
import { EdhocError, EdhocInitiator, EdhocResponder, ccsCredential, ownCredential } from '../../src/edhoc/index.js';
import { encodeCcs } from '../../src/cose/ccs.js';
import { CRV_P256, KTY_EC2 } from '../../src/cose/key.js';
import { ModdableRandomSource } from '../../targets/moddable/random.js';
import { TRACE2 } from './edhoc-trace2.js';

function log(line: string): void {
  trace(line + '\n');
}

function traceResponder(): void {
  const credR = ccsCredential(fromHex(TRACE2.credR), 'kid');
  const credI = ccsCredential(fromHex(TRACE2.credI), 'kid');
  const responder = new EdhocResponder({
    method: 3,
    suites: [2],
    crypto,
    random: new ModdableRandomSource(),
    own: ownCredential(credR, fromHex(TRACE2.skR)),
    connectionId: fromHex(TRACE2.cR),
    trust: (id) => ('kid' in id && toHex(id.kid) === '2b' ? credI : undefined),
    ephemeralKey: () => ({ privateKey: fromHex(TRACE2.y), publicKey: fromHex(TRACE2.gY) }),
  });
  log('edhoc message_2 ' + toHex(responder.handleMessage1(fromHex(TRACE2.message1))));
  const o = responder.handleMessage3(fromHex(TRACE2.message3)).oscore();
  log('edhoc oscore ' + toHex(o.masterSecret) + ' ' + toHex(o.masterSalt));
}

function invalidPoints(): void {
  const m1 = fromHex(TRACE2.message1);
  let refused = 0;
  // G_X replaced by x = p (RFC 9529 §4.2 "Error in elliptic curve representation") and by an x with no point.
  for (const x of ['ffffffff00000001000000000000000000000000ffffffffffffffffffffffff', 'a04e73601df544a70ba7ea1e57030f7d4b4eb7f673924e58d54ca77a5e7d4d4a']) {
    const bad = m1.slice();
    bad.set(fromHex(x), 6);
    const credR = ccsCredential(fromHex(TRACE2.credR), 'kid');
    const r = new EdhocResponder({ method: 3, suites: [2], crypto, random: new ModdableRandomSource(), own: ownCredential(credR, fromHex(TRACE2.skR)), connectionId: fromHex(TRACE2.cR), trust: () => undefined });
    try {
      r.handleMessage1(bad);
    } catch (e) {
      if (e instanceof EdhocError) refused++;
    }
  }
  log('edhoc invalid-point refused ' + refused);
}

function party(random: ModdableRandomSource, kid: number) {
  const pair = crypto.keyAgreement('P-256').generateKeyPair(random);
  const full = crypto.signature(-7).publicKeyOf(pair.privateKey);
  const ccs = encodeCcs({ kty: KTY_EC2, crv: CRV_P256, kid: Uint8Array.of(kid), x: full.slice(1, 33), y: full.slice(33) });
  return ownCredential(ccsCredential(ccs, 'kid'), pair.privateKey);
}

function timedHandshakes(n: number): void {
  const random = new ModdableRandomSource();
  const ownI = party(random, 1);
  const ownR = party(random, 2);
  const start = Date.now();
  for (let k = 0; k < n; k++) {
    const i = new EdhocInitiator({ method: 3, suites: [2], crypto, random, own: ownI, connectionId: 1, trust: () => ownR });
    const r = new EdhocResponder({ method: 3, suites: [2], crypto, random, own: ownR, connectionId: 2, trust: () => ownI });
    r.handleMessage3(i.handleMessage2(r.handleMessage1(i.message1())));
    if (toHex(i.result().oscore().masterSecret) !== toHex(r.result().oscore().masterSecret)) throw new Error('sides disagree');
  }
  log('edhoc handshake ms=' + Math.round((Date.now() - start) / n) + ' n=' + n);
}

try {
  traceResponder();
  invalidPoints();
  timedHandshakes(3);
  log('edhoc done');
} catch (e) {
  log('edhoc error ' + String(e));
}
