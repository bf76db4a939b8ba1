/**
 * Moddable keeps the JavaScript built-ins in flash, frozen. Code that assigns over a property a
 * frozen prototype defines (`err.name = …`, `obj.toString = …`: the "override mistake") throws a
 * TypeError there and nowhere else — the real `lin` build failed every OSCORE error path this way
 * until src/errors.ts defined `name` instead of assigning it. This file makes the built-ins'
 * properties read-only as Moddable does and then runs the device's security paths: every OSCORE error a server raises
 * (and the Echo challenge of App. B.1.2), protect/unprotect, and the flash persistence.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createMessage } from '../src/coap/message.js';
import { Option } from '../src/coap/option-registry.js';
import { utf8Encode } from '../src/bytes.js';
import { ContextUnavailable, DecodeError, LoadError, ProtectionInvalid, ReplayError, ReplayErrorWithEcho } from '../src/errors.js';
import { SecurityContext, MemoryContextStore, protectRequest, unprotectRequest, contextLookup, protectEchoChallenge, oscoreErrorResponse, type EchoVerifier } from '../src/oscore/index.js';
import { RecordLog } from '../src/persist/record-log.js';
import { FlashContextStore } from '../src/persist/flash-context-store.js';
import { NorFlash } from '../src/sim/nor-flash.js';

/**
 * Make every writable data property of the built-in prototypes read-only, as frozen built-ins are
 * on Moddable. Only writability matters for the override mistake, and keeping the properties
 * configurable lets `restore()` undo it: Node's own internals (e.g. AbortError) assign `name`
 * and would fail after the test otherwise.
 */
const restore: (() => void)[] = [];
function freezeBuiltins(): void {
  const TypedArray = Object.getPrototypeOf(Uint8Array);
  for (const c of [Object, Function, Error, TypeError, RangeError, SyntaxError, ReferenceError, Uint8Array, Uint32Array, DataView, ArrayBuffer, TypedArray, Map, Set, Promise, Date, RegExp, Boolean, Number, String, Array]) {
    const p = c.prototype as object;
    for (const key of Reflect.ownKeys(p)) {
      const d = Object.getOwnPropertyDescriptor(p, key)!;
      if (!('value' in d) || !d.writable || !d.configurable) continue;
      Object.defineProperty(p, key, { ...d, writable: false });
      restore.push(() => Object.defineProperty(p, key, d));
    }
  }
}
const secret = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
const salt = Uint8Array.of(0x9e, 0x7c, 0xa9, 0x22, 0x23, 0x78, 0x63, 0x40);
const request = (path: string) => createMessage({ code: 1, token: Uint8Array.of(7), options: [{ number: Option.URI_PATH, value: utf8Encode(path) }] });

describe('device code with frozen built-ins (as on Moddable)', () => {
  after(() => {
    for (const undo of restore.splice(0)) undo();
  });
  it('Error.prototype really is read-only here (the test is not vacuous)', () => {
    freezeBuiltins();
    const e = new Error('x');
    assert.throws(() => {
      'use strict';
      (e as { name: string }).name = 'Other';
    }, TypeError);
  });

  it('typed errors keep their names and classes', () => {
    const e = new ReplayErrorWithEcho('w', Uint8Array.of(1));
    assert.equal(e.name, 'ReplayErrorWithEcho');
    assert.ok(e instanceof ReplayError && e instanceof Error);
    assert.equal(new LoadError('l').name, 'LoadError');
    assert.equal(new DecodeError('d').message, 'd');
  });

  it('every server-side OSCORE failure is raised as its typed error, and the Echo challenge is built', () => {
    const echo: EchoVerifier = { issue: () => Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), verify: () => false };
    const server = new SecurityContext({ masterSecret: secret, masterSalt: salt, senderId: Uint8Array.of(2), recipientId: Uint8Array.of(1) }, { store: new MemoryContextStore({ window: 'unknown' }) });
    const client = new SecurityContext({ masterSecret: secret, masterSalt: salt, senderId: Uint8Array.of(1), recipientId: Uint8Array.of(2) });
    const lookup = contextLookup([server]);
    const first = protectRequest(client, request('led')).message;
    const err = (() => { try { unprotectRequest(first, lookup, { echo }); } catch (e) { return e; } })();
    assert.ok(err instanceof ReplayErrorWithEcho, String(err));
    const challenge = protectEchoChallenge(err as ReplayErrorWithEcho, createMessage({ code: 0x81 }));
    assert.ok(challenge.options.some((o) => o.number === Option.OSCORE));

    const tampered = protectRequest(client, request('led')).message;
    tampered.payload = tampered.payload.slice();
    tampered.payload[0] ^= 1;
    assert.throws(() => unprotectRequest(tampered, lookup, { echo }), ProtectionInvalid);
    const stranger = new SecurityContext({ masterSecret: secret, senderId: Uint8Array.of(9), recipientId: Uint8Array.of(2) });
    assert.throws(() => unprotectRequest(protectRequest(stranger, request('led')).message, lookup), ContextUnavailable);
    const broken = protectRequest(client, request('led')).message;
    broken.options = broken.options.map((o) => (o.number === Option.OSCORE ? { number: o.number, value: Uint8Array.of(0xff) } : o));
    assert.throws(() => unprotectRequest(broken, lookup), DecodeError);
    assert.equal(oscoreErrorResponse(new ReplayError('r'))?.code, 0x81);
  });

  it('a fresh window accepts once and refuses the replay', () => {
    const server = new SecurityContext({ masterSecret: secret, senderId: Uint8Array.of(2), recipientId: Uint8Array.of(1) });
    const client = new SecurityContext({ masterSecret: secret, senderId: Uint8Array.of(1), recipientId: Uint8Array.of(2) });
    const m = protectRequest(client, request('temperature')).message;
    assert.equal(unprotectRequest(m, contextLookup([server])).message.code, 1);
    assert.throws(() => unprotectRequest(m, contextLookup([server])), ReplayError);
  });

  it('flash persistence works and reports damage with LoadError', () => {
    const flash = new NorFlash({ sectors: 2 });
    const log = RecordLog.open(flash);
    const key = utf8Encode('ctx');
    FlashContextStore.create(log, key);
    const store = FlashContextStore.open(RecordLog.open(flash), key);
    const loaded = store.load();
    assert.equal(loaded.nextSeq, 0);
    assert.ok(store.reserve(1) >= 1);
    assert.throws(() => FlashContextStore.open(RecordLog.open(flash), utf8Encode('missing')), LoadError);
  });
});
