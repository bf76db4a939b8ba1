import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isNewerNotification, observeIntent, ObserverRegistry, NotificationStream, OBSERVE_MODULUS, planNotifications, deregisterObserver } from '../src/coap/observe.js';
import { createMessage, setUintOption, type Message } from '../src/coap/message.js';
import { Option } from '../src/coap/option-registry.js';
import { Code, MessageType } from '../src/coap/numbers.js';
import { fromHex } from '../src/bytes.js';
import { CoapError } from '../src/errors.js';
import { ManualClock } from './coap-ext-clock.js';

const S = 1000;
function reg(token: string, observe = 0, code: number = Code.GET): Message {
  const m = createMessage({ code, token: fromHex(token) });
  setUintOption(m, Option.OBSERVE, observe);
  return m;
}

describe('coap-ext Observe reordering rule (RFC 7641 §3.4)', () => {
  it('newer when V2 is ahead by less than 2^23', () => {
    assert.equal(isNewerNotification(5, 0, 6, 0), true);
    assert.equal(isNewerNotification(5, 0, 5 + (1 << 23) - 1, 0), true);
    assert.equal(isNewerNotification(5, 0, 5 + (1 << 23), 0), false);
  });
  it('older (or equal) numbers are stale within 128 s', () => {
    assert.equal(isNewerNotification(6, 0, 5, 0), false);
    assert.equal(isNewerNotification(6, 0, 6, 0), false);
    assert.equal(isNewerNotification(6, 0, 5, 128 * S), false); // exactly 128 s is not "more than"
  });
  it('wrap-around: V1 > V2 by more than 2^23 means V2 is newer', () => {
    assert.equal(isNewerNotification(OBSERVE_MODULUS - 1, 0, 0, 0), true);
    assert.equal(isNewerNotification(OBSERVE_MODULUS - 1, 0, 3, 0), true);
    assert.equal(isNewerNotification((1 << 23) + 10, 0, 9, 0), true);
    assert.equal(isNewerNotification((1 << 23) + 10, 0, 10, 0), false); // difference exactly 2^23
  });
  it('after 128 s any notification is newer', () => {
    assert.equal(isNewerNotification(100, 0, 1, 128 * S + 1), true);
    assert.equal(isNewerNotification(100, 5 * S, 1, 133 * S), false);
  });
});

describe('coap-ext Observe server registry (RFC 7641 §4)', () => {
  it('intent: GET/FETCH with Observe 0 registers, 1 deregisters; others do nothing', () => {
    assert.equal(observeIntent(reg('01', 0)), 'register');
    assert.equal(observeIntent(reg('01', 1)), 'deregister');
    assert.equal(observeIntent(reg('01', 0, Code.FETCH)), 'register');
    assert.equal(observeIntent(reg('01', 0, Code.PUT)), 'none');
    assert.equal(observeIntent(reg('01', 7)), 'none');
    assert.equal(observeIntent(createMessage({ code: Code.GET })), 'none');
  });
  it('register, notify with increasing 24-bit sequence numbers, deregister', () => {
    const r = new ObserverRegistry(new ManualClock());
    const first = r.register('/t', 'p1', reg('aa'));
    r.register('/t', 'p2', reg('bb'));
    const n1 = planNotifications(r, '/t', Code.CONTENT);
    const n2 = planNotifications(r, '/t', Code.CONTENT);
    assert.equal(n1.length, 2);
    assert.ok(n1[0].observe! > first && n2[0].observe! > n1[0].observe!);
    assert.ok(isNewerNotification(n1[0].observe!, 0, n2[0].observe!, 0));
    assert.equal(deregisterObserver(r, 'p1', fromHex('aa')), true);
    assert.equal(deregisterObserver(r, 'p1', fromHex('aa')), false);
    assert.deepEqual(planNotifications(r, '/t', Code.CONTENT).map((n) => n.observer.peer), ['p2']);
  });
  it('same endpoint and token re-registering replaces the entry (§4.1)', () => {
    const r = new ObserverRegistry(new ManualClock());
    r.register('/t', 'p1', reg('aa'));
    r.register('/t', 'p1', reg('aa'));
    assert.equal(r.size, 1);
    r.register('/t', 'p1', reg('ab')); // another token is another observation
    assert.equal(r.size, 2);
    r.register('/u', 'p1', reg('aa')); // moving the token to another resource
    assert.equal(r.observersOf('/t').length, 1);
    assert.equal(r.observersOf('/u').length, 1);
  });
  it('limits per resource and overall: 5.03, existing registrations untouched', () => {
    const r = new ObserverRegistry(new ManualClock(), { maxObserversPerResource: 2, maxObservers: 3 });
    r.register('/a', 'p1', reg('01'));
    r.register('/a', 'p2', reg('02'));
    assert.throws(() => r.register('/a', 'p3', reg('03')), (e: unknown) => e instanceof CoapError && e.code === Code.SERVICE_UNAVAILABLE);
    r.register('/b', 'p3', reg('03'));
    assert.throws(() => r.register('/c', 'p4', reg('04')), (e: unknown) => e instanceof CoapError && e.code === Code.SERVICE_UNAVAILABLE);
    assert.equal(r.size, 3);
    assert.deepEqual(r.observersOf('/a').map((o) => o.peer), ['p1', 'p2']);
    // a refresh of an existing registration is still allowed at the limit
    assert.doesNotThrow(() => r.register('/a', 'p1', reg('01')));
    assert.equal(r.size, 3);
  });
  it('a non-2.xx notification has no Observe value and ends every observation (§4.2)', () => {
    const r = new ObserverRegistry(new ManualClock());
    r.register('/t', 'p1', reg('aa'));
    r.register('/t', 'p2', reg('bb'));
    const n = planNotifications(r, '/t', Code.NOT_FOUND);
    assert.equal(n.length, 2);
    assert.equal(n[0].observe, undefined);
    assert.equal(r.size, 0);
    assert.deepEqual(planNotifications(r, '/t', Code.CONTENT), []);
  });
  it('one CON notification at least every conEvery notifications', () => {
    const r = new ObserverRegistry(new ManualClock(), { conEvery: 4 });
    r.register('/t', 'p1', reg('aa'));
    const types = [];
    for (let i = 0; i < 9; i++) types.push(planNotifications(r, '/t', Code.CONTENT)[0].type);
    assert.deepEqual(types, [1, 1, 1, 0, 1, 1, 1, 0, 1].map((t) => (t === 0 ? MessageType.CON : MessageType.NON)));
  });
  it('one CON notification at least every 24 h even when notifications are rare', () => {
    const clock = new ManualClock();
    const r = new ObserverRegistry(clock, { conEvery: 1000 });
    r.register('/t', 'p1', reg('aa'));
    clock.advance(23 * 3600 * S);
    assert.equal(planNotifications(r, '/t', Code.CONTENT)[0].type, MessageType.NON);
    clock.advance(3600 * S);
    assert.equal(planNotifications(r, '/t', Code.CONTENT)[0].type, MessageType.CON);
    assert.equal(planNotifications(r, '/t', Code.CONTENT)[0].type, MessageType.NON);
    assert.equal(planNotifications(r, '/t', Code.CONTENT, true)[0].type, MessageType.CON);
  });
  it('sequence numbers wrap modulo 2^24 and stay "newer" across the wrap', () => {
    const r = new ObserverRegistry(new ManualClock());
    (r as unknown as { seq: number }).seq = OBSERVE_MODULUS - 2;
    r.register('/t', 'p', reg('aa'));
    const a = planNotifications(r, '/t', Code.CONTENT)[0].observe!;
    const b = planNotifications(r, '/t', Code.CONTENT)[0].observe!;
    assert.equal(a, 0);
    assert.equal(b, 1);
    assert.ok(isNewerNotification(OBSERVE_MODULUS - 1, 0, a, 0));
  });
});

describe('coap-ext Observe client stream', () => {
  it('delivers in order, drops stale reordered notifications, and ends on a final one', async () => {
    const clock = new ManualClock();
    const s = new NotificationStream<string>(clock, () => {});
    assert.equal(s.deliver(10, 'a'), true);
    assert.equal(s.deliver(12, 'c'), true);
    assert.equal(s.deliver(11, 'b-late'), false);
    clock.advance(129 * S);
    assert.equal(s.deliver(3, 'd-after-128s'), true);
    assert.equal(s.deliver(undefined, 'final'), true);
    assert.equal(s.deliver(99, 'after-end'), false);
    const got: string[] = [];
    for await (const x of s) got.push(x);
    assert.deepEqual(got, ['a', 'c', 'd-after-128s', 'final']);
    assert.equal(s.dropped, 1);
  });
  it('a waiting consumer is woken by the next notification', async () => {
    const s = new NotificationStream<number>(new ManualClock(), () => {});
    const p = s.next();
    s.deliver(1, 42);
    assert.deepEqual(await p, { value: 42, done: false });
  });
  it('cancel calls back once and ends the stream; breaking out of for-await cancels', async () => {
    let cancels = 0;
    const s = new NotificationStream<number>(new ManualClock(), async () => {
      cancels++;
    });
    s.deliver(1, 1);
    s.deliver(2, 2);
    for await (const x of s) {
      assert.equal(x, 1);
      break;
    }
    assert.equal(cancels, 1);
    await s.cancel();
    assert.equal(cancels, 1);
    assert.deepEqual(await s.next(), { value: undefined, done: true });
    assert.equal(s.deliver(3, 3), false);
  });
  it('fail delivers what is queued, then rejects', async () => {
    const s = new NotificationStream<number>(new ManualClock(), () => {});
    s.deliver(1, 1);
    s.fail(new Error('gone'));
    assert.deepEqual(await s.next(), { value: 1, done: false });
    await assert.rejects(s.next(), /gone/);
  });
  it('a slow consumer keeps the latest notifications (bounded queue)', async () => {
    const s = new NotificationStream<number>(new ManualClock(), () => {}, 3);
    for (let i = 1; i <= 10; i++) s.deliver(i, i);
    s.end();
    const got: number[] = [];
    for await (const x of s) got.push(x);
    assert.deepEqual(got, [8, 9, 10]);
    assert.equal(s.dropped, 7);
  });
});
