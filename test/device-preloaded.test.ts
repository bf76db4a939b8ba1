/**
 * The library as Moddable leaves it after preloading (issue 16): every object a module exports —
 * tables, functions, classes with their prototypes and statics, and everything reachable from
 * them — is frozen, then the device paths run: the example server app and the client app over a
 * simulated network, on the native-shaped AES (targets/moddable/aes-block.ts) passed through the
 * ports, with flash persistence, a reboot and the Echo recovery of App. B.1.2. Any module that
 * still writes to its own objects at run time fails here with a TypeError. (Module-level `let`s
 * cannot be frozen from outside: test/preloadable.node.test.ts finds those statically.)
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as core from '../src/index.js';
import * as composed from '../src/coap/composed-endpoint.js';
import * as messaging from '../src/coap/messaging.js';
import * as serverMessaging from '../src/coap/server-messaging.js';
import * as observeLayer from '../src/coap/observe-layer.js';
import * as observe from '../src/coap/observe.js';
import * as server from '../src/coap/server.js';
import * as client from '../src/coap/client.js';
import * as oscoreLayer from '../src/coap/oscore-layer.js';
import * as codec from '../src/coap/codec.js';
import * as numbers from '../src/coap/numbers.js';
import * as options from '../src/coap/option-registry.js';
import * as echo from '../src/coap/echo.js';
import * as aes from '../src/crypto/aes.js';
import * as algorithms from '../src/crypto/algorithms.js';
import * as ccm from '../src/crypto/ccm.js';
import * as keyCache from '../src/crypto/key-cache.js';
import * as hkdf from '../src/crypto/hkdf.js';
import * as oscore from '../src/oscore/index.js';
import * as protect from '../src/oscore/protect.js';
import * as unprotect from '../src/oscore/unprotect.js';
import * as recordLog from '../src/persist/record-log.js';
import * as flashStore from '../src/persist/flash-context-store.js';
import * as bytes from '../src/bytes.js';
import * as errors from '../src/errors.js';
import * as aesBlock from '../targets/moddable/aes-block.js';
import { StandInBlockCipher, StandInMode } from './harness/crypt-stand-ins.js';
import * as hkdfDigest from '../targets/moddable/hkdf-digest.js';
import * as app from '../examples/device/app.js';
import * as clientApp from '../examples/device/client-app.js';
import * as deviceContexts from '../src/device-image/oscore-contexts.js';
import { VirtualClock } from '../src/sim/virtual-clock.js';
import { SimNetwork } from '../src/sim/sim-network.js';
import { NorFlash } from '../src/sim/nor-flash.js';
import { Prng } from '../src/sim/prng.js';
import type { AesBlockCipherFactory } from '../src/ports.js';

const MODULES: Record<string, unknown>[] = [core, composed, messaging, serverMessaging, observeLayer, observe, server, client, oscoreLayer, codec, numbers, options, echo, aes, algorithms, ccm, keyCache, hkdf, oscore, protect, unprotect, recordLog, flashStore, bytes, errors, aesBlock, hkdfDigest, app, clientApp, deviceContexts];

/** The intrinsics stay as the engine has them (test/device-frozen-primordials.test.ts covers those). */
const INTRINSICS = new Set<unknown>([Object.prototype, Function.prototype, Array.prototype, Error.prototype, Error, Object, Function, Uint8Array.prototype, Object.getPrototypeOf(Uint8Array.prototype), Map.prototype, Set.prototype, Promise.prototype]);

/** Freeze what preload would put in flash: the value, its properties, a function's prototype and parent class. */
function deepFreeze(v: unknown, seen: Set<unknown>): number {
  if ((typeof v !== 'object' && typeof v !== 'function') || v === null || seen.has(v) || INTRINSICS.has(v) || ArrayBuffer.isView(v)) return 0;
  seen.add(v);
  let n = 1;
  Object.freeze(v);
  for (const key of Reflect.ownKeys(v as object)) {
    const d = Object.getOwnPropertyDescriptor(v, key)!;
    n += deepFreeze(d.value, seen) + deepFreeze(d.get, seen) + deepFreeze(d.set, seen);
  }
  n += deepFreeze(Object.getPrototypeOf(v), seen);
  return n;
}

const secret = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
const salt = Uint8Array.of(0x9e, 0x7c, 0xa9, 0x22, 0x23, 0x78, 0x63, 0x40);

async function settle<T>(clock: VirtualClock, p: Promise<T>): Promise<T> {
  let done = false;
  p.then(() => (done = true), () => (done = true));
  for (let t = 0; t < 120_000 && !done; t += 50) await clock.advanceAsync(50);
  return p;
}

describe('the library frozen as preloading leaves it (Moddable)', () => {
  let frozen = 0;
  it('freezes every exported object, function and class, and the freeze holds', () => {
    const seen = new Set<unknown>();
    for (const m of MODULES) for (const k of Object.keys(m)) frozen += deepFreeze(m[k], seen);
    assert.ok(frozen > 200, frozen + ' objects frozen');
    assert.ok(Object.isFrozen(options.Option) && Object.isFrozen(numbers.Code) && Object.isFrozen(algorithms.AEAD_ALGORITHMS[0]));
    assert.ok(Object.isFrozen(recordLog.RecordLog.prototype) && Object.isFrozen(oscore.SecurityContext));
    assert.throws(() => {
      'use strict';
      (options.Option as { OSCORE: number }).OSCORE = 1;
    }, TypeError);
  });

  it('the example server app serves protected GET and PUT, through the native-shaped AES injected by the ports', async () => {
    const clock = new VirtualClock();
    const net = new SimNetwork(clock, { seed: 3 });
    const native: AesBlockCipherFactory = aesBlock.makeNativeAesFactory(StandInBlockCipher, StandInMode);
    let nativeKeys = 0;
    const countingNative: AesBlockCipherFactory = (key) => (nativeKeys++, native(key));
    const flash = new NorFlash({ sectors: 2 });
    const device = app.startDeviceApp({ datagram: net.port('10.0.0.2', 5683), clock, random: new Prng(1), flash, aes: countingNative }, {
      log: () => {},
      provision: { masterSecret: secret, masterSalt: salt, senderId: Uint8Array.of(1), recipientId: new Uint8Array(0) },
      sensorIntervalMs: 3_600_000,
    });
    assert.equal(nativeKeys, 0, 'keys are prepared on first use, not at boot');

    const ctx = new oscore.SecurityContext({ masterSecret: secret, masterSalt: salt, senderId: new Uint8Array(0), recipientId: Uint8Array.of(1) }, { aes: native });
    const ep = new composed.ComposedEndpoint({ port: net.port('10.0.0.1', 5683), clock, random: new Prng(2), messaging: messaging.Messaging, oscore: oscoreLayer.oscoreClientLayer({ contextFor: () => ctx }) });
    const coap = new client.CoapClient(ep);
    const get = await settle(clock, coap.request({ uri: 'coap://10.0.0.2/temperature' }));
    assert.equal(get.code, numbers.Code.CONTENT);
    assert.equal(nativeKeys, 2, 'sender and recipient key prepared with the injected AES');
    assert.match(bytes.utf8Decode(get.payload), /^\d\d\.\d$/);
    const put = await settle(clock, coap.request({ uri: 'coap://10.0.0.2/led', method: 'PUT', payload: 'on' }));
    assert.equal(put.code, numbers.Code.CHANGED);
    const led = await settle(clock, coap.request({ uri: 'coap://10.0.0.2/led' }));
    assert.equal(bytes.utf8Decode(led.payload), 'on');

    // Power cut (no clean shutdown) and reboot over the same flash: the stored context is loaded,
    // the replay window is unknown, the first request is answered 4.01 + Echo and the client's
    // repetition succeeds (App. B.1.2) — all with the library still frozen.
    device.endpoint.close();
    // The reboot shares one bounded key cache among its contexts, as the Moddable ports do (frozen class).
    const shared = new keyCache.PreparedKeyCache(4, native);
    const rebooted = app.startDeviceApp({ datagram: net.port('10.0.0.2', 5683), clock, random: new Prng(4), flash, aes: native, keyCache: shared }, { log: () => {}, sensorIntervalMs: 3_600_000 });
    assert.ok(rebooted.contexts[0].replayWindow.isUnknown);
    const after = await settle(clock, coap.request({ uri: 'coap://10.0.0.2/led' }));
    assert.equal(after.code, numbers.Code.CONTENT);
    assert.equal(bytes.utf8Decode(after.payload), 'off', 'the LED state lives in RAM');
    assert.equal(rebooted.contexts[0].replayWindow.isUnknown, false, 'the Echo exchange re-initialised the window');
    assert.equal(shared.prepared, 2, 'the device context\'s two keys, prepared once into the shared cache');
    rebooted.shutdown();
    ep.close();
  });

  it('the client app reports over OSCORE to a gateway composed the device way', async () => {
    const clock = new VirtualClock();
    const net = new SimNetwork(clock, { seed: 5 });
    const native = aesBlock.makeNativeAesFactory(StandInBlockCipher, StandInMode);
    const gwCtx = new oscore.SecurityContext({ masterSecret: secret, masterSalt: salt, senderId: Uint8Array.of(9), recipientId: Uint8Array.of(8) }, { store: new oscore.MemoryContextStore(), aes: native });
    const gateway = new composed.ComposedEndpoint({ port: net.port('10.0.0.9', 5683), clock, random: new Prng(6), oscore: oscoreLayer.oscoreServerLayer({ lookup: unprotect.contextLookup([gwCtx]), clock, random: new Prng(7) }), router: new server.Router() });
    const readings: string[] = [];
    gateway.resource('/readings', { PUT: (req) => (readings.push(bytes.utf8Decode(req.payload)), { code: numbers.Code.CHANGED }) }, { requireOscore: true });
    const lines: string[] = [];
    const device = clientApp.startClientApp({ datagram: net.port('10.0.0.8', 5683), clock, random: new Prng(8), flash: new NorFlash({ sectors: 2 }), aes: native }, {
      target: 'coap://10.0.0.9/readings',
      intervalMs: 1000,
      log: (l) => lines.push(l),
      provision: { masterSecret: secret, masterSalt: salt, senderId: Uint8Array.of(8), recipientId: Uint8Array.of(9) },
      read: () => 21.5,
    });
    for (let t = 0; t < 3500; t += 50) await clock.advanceAsync(50);
    device.shutdown();
    gateway.close();
    assert.ok(readings.length >= 3, lines.join('; '));
    assert.deepEqual([...new Set(readings)], ['21.5']);
    assert.ok(lines.filter((l) => l === 'reported 21.5: 2.04').length >= 3, lines.join('; '));
  });
});
