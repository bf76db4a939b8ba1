import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { EchoIssuer, echoChallenge, requestWithEcho, needsAmplificationEcho } from '../src/coap/echo.js';
import { MacEchoIssuer } from '../src/coap/echo-mac.js';
import { EchoLayer } from '../src/coap/echo-layer.js';
import { createMessage, getOption, type Message } from '../src/coap/message.js';
import { Option } from '../src/coap/option-registry.js';
import { Code } from '../src/coap/numbers.js';
import { toHex } from '../src/bytes.js';
import { ManualClock, SeededRandom } from './coap-ext-clock.js';

const mac = (key: Uint8Array, data: Uint8Array) => hmac(sha256, key, data);

describe('coap-ext Echo server values (RFC 9175 §2.3)', () => {
  for (const mode of ['random', 'mac'] as const) {
    it(mode + ': a value issued to a peer verifies while fresh, not after, not for another peer', () => {
      const clock = new ManualClock();
      clock.advance(1_000_000);
      const e = mode === 'mac' ? new MacEchoIssuer(clock, new SeededRandom(7), { mac, freshnessMs: 5000 }) : new EchoIssuer(clock, new SeededRandom(7), { freshnessMs: 5000, singleUse: false });
      const v = e.issue('A');
      assert.ok(v.length >= 1 && v.length <= 40);
      assert.equal(e.verify('A', v), true);
      assert.equal(e.verify('B', v), false);
      assert.equal(e.verify('A', undefined), false);
      const flipped = v.slice();
      flipped[flipped.length - 1] ^= 1;
      assert.equal(e.verify('A', flipped), false);
      clock.advance(5001);
      assert.equal(e.verify('A', v), false);
    });
  }
  it('random: single use by default — a captured repetition is not accepted twice', () => {
    const e = new EchoIssuer(new ManualClock(), new SeededRandom(1));
    const v = e.issue('A');
    assert.equal(e.verify('A', v), true);
    assert.equal(e.verify('A', v), false);
  });
  it('failed verifications (wrong peer, forged, too long) change nothing: the real value still works once', () => {
    const e = new EchoIssuer(new ManualClock(), new SeededRandom(5));
    const v = e.issue('A');
    const forged = v.slice();
    forged[0] ^= 0x80;
    assert.equal(e.verify('B', v), false);
    assert.equal(e.verify('A', forged), false);
    assert.equal(e.verify('A', new Uint8Array(41)), false);
    assert.equal(e.verify('A', new Uint8Array(0)), false);
    assert.equal(e.storedCount, 1);
    assert.equal(e.verify('A', v), true);
    assert.equal(e.storedCount, 0);
  });
  it('random: memory is bounded; the oldest values are forgotten first', () => {
    const e = new EchoIssuer(new ManualClock(), new SeededRandom(2), { maxStored: 4 });
    const vs = Array.from({ length: 6 }, (_, i) => e.issue('p' + i));
    assert.equal(e.storedCount, 4);
    assert.equal(e.verify('p0', vs[0]), false);
    assert.equal(e.verify('p5', vs[5]), true);
  });
  it('mac: keeps no per-value state; a forged time or tag fails; values die with rotated keys', () => {
    const clock = new ManualClock();
    clock.advance(10_000);
    const e = new MacEchoIssuer(clock, new SeededRandom(3), { mac, freshnessMs: 2000, keyLifetimeMs: 3000 });
    const v = e.issue('A');
    assert.equal(e.storedCount, 0);
    const later = v.slice();
    later[5] += 1; // claims to be 1 ms younger: tag no longer matches
    assert.equal(e.verify('A', later), false);
    clock.advance(1500);
    const w = e.issue('A');
    assert.equal(e.verify('A', w), true);
    clock.advance(1600); // v is too old now; the key was rotated at 3000 ms, w still checks with the previous key
    assert.equal(e.verify('A', v), false);
    assert.equal(e.verify('A', w), true);
    // a value from another issuer (another key) never verifies
    const other = new MacEchoIssuer(clock, new SeededRandom(4), { mac, freshnessMs: 2000, keyLifetimeMs: 3000 });
    assert.equal(e.verify('A', other.issue('A')), false);
  });
  it('EchoLayer takes Echo values as options (a random-value EchoIssuer) or as an instance (e.g. MacEchoIssuer)', () => {
    const clock = new ManualClock();
    const macValues = new MacEchoIssuer(clock, new SeededRandom(6), { mac });
    const withMac = new EchoLayer(clock, new SeededRandom(6), { issuer: macValues });
    assert.equal(withMac.issuer, macValues);
    assert.equal(withMac.issuer.issue('A').length, 14, '6-byte time + 8-byte tag');
    const withOptions = new EchoLayer(clock, new SeededRandom(6), { issuer: { valueLength: 12 } });
    assert.ok(withOptions.issuer instanceof EchoIssuer);
    assert.equal(withOptions.issuer.issue('A').length, 12);
  });
  it('refuses a mac mode without a MAC and bad lengths', () => {
    assert.throws(() => new MacEchoIssuer(new ManualClock(), new SeededRandom(1), {} as never), TypeError);
    assert.throws(() => new EchoIssuer(new ManualClock(), new SeededRandom(1), { valueLength: 41 }), RangeError);
  });
});

describe('coap-ext Echo client and policy (RFC 9175 §2.3, §2.4)', () => {
  it('repeats once with the Echo from a 4.01, and the server accepts it', async () => {
    const clock = new ManualClock();
    const issuer = new EchoIssuer(clock, new SeededRandom(9));
    const seen: (string | undefined)[] = [];
    const server = async (req: Message): Promise<Message> => {
      const echo = getOption(req, Option.ECHO);
      seen.push(echo && toHex(echo));
      if (!issuer.verify('client', echo)) return echoChallenge(req, issuer.issue('client'));
      return createMessage({ code: Code.CHANGED });
    };
    const r = await requestWithEcho(createMessage({ code: Code.POST }), server);
    assert.equal(r.code, Code.CHANGED);
    assert.equal(seen.length, 2);
    assert.equal(seen[0], undefined);
    assert.ok(seen[1] && seen[1].length === 16);
  });
  it('does not loop: a second 4.01 with Echo is returned to the caller', async () => {
    let n = 0;
    const always = async (req: Message) => {
      n++;
      return echoChallenge(req, new Uint8Array([n]));
    };
    const r = await requestWithEcho(createMessage({ code: Code.GET }), always);
    assert.equal(n, 2);
    assert.equal(r.code, Code.UNAUTHORIZED);
  });
  it('a 4.01 without Echo is not repeated', async () => {
    let n = 0;
    const r = await requestWithEcho(createMessage({ code: Code.GET }), async () => {
      n++;
      return createMessage({ code: Code.UNAUTHORIZED });
    });
    assert.equal(n, 1);
    assert.equal(r.code, Code.UNAUTHORIZED);
  });
  it('amplification: unauthenticated small request with a large response needs an Echo first', () => {
    assert.equal(needsAmplificationEcho(20, 61, false), true);
    assert.equal(needsAmplificationEcho(20, 60, false), false);
    assert.equal(needsAmplificationEcho(20, 1000, true), false);
    assert.equal(needsAmplificationEcho(20, 100, false, 10), false);
  });
});
