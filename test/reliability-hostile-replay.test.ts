/**
 * Hostile peers, freshness (RFC 8613 §7.4, App. B.1.2; RFC 7252 §4.5), over the simulated network:
 * every protected request captured from libcoap and aiocoap is replayed against our server (each
 * reaches the resource at most once); replays across a clean reboot (exact window restored from
 * flash) and an unclean one (Echo required); reordering inside and outside the replay window.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import libcoapCapture from './fixtures/interop/libcoap-oscore-interop.jsonl';
import aiocoapCapture from './fixtures/interop/aiocoap-seed-fileserver.jsonl';
import confB from './fixtures/interop/libcoap-contexts/b_server.conf';
import confD from './fixtures/interop/libcoap-contexts/d_server.conf';
import { parseCapture, parseLibcoapConf, libcoapContext } from './oscore-fixtures.js';
import { oscoreServer, rawPeer, world } from './fuzz/hostile-world.js';
import { contextPair, plainRequest } from './fuzz/oscore-world.js';
import { encodeMessage } from '../src/coap/codec.js';
import { getOption, type Message } from '../src/coap/message.js';
import { Code, MessageType } from '../src/coap/numbers.js';
import { Option } from '../src/coap/option-registry.js';
import { SecurityContext } from '../src/oscore/context.js';
import { protectRequest } from '../src/oscore/protect.js';
import { utf8Decode, utf8Encode } from '../src/bytes.js';
import { NorFlash } from '../src/sim/nor-flash.js';
import { RecordLog } from '../src/persist/record-log.js';
import { FlashContextStore } from '../src/persist/flash-context-store.js';
import { oscoreLayer } from '../src/coap/oscore-layer.js';
import { drive } from './coap-support.js';

const withNewMid = (m: Message, mid: number) => encodeMessage({ ...m, messageId: mid & 0xffff });

describe('hostile peers: replays', () => {
  it('every captured protected request (libcoap B and D, aiocoap) reaches the resource at most once', async (t) => {
    const w = world();
    const libcoap = parseCapture(libcoapCapture);
    const aiocoap = parseCapture(aiocoapCapture);
    const B = oscoreServer(w, [libcoapContext(parseLibcoapConf(confB))], 5683);
    const D = oscoreServer(w, [libcoapContext(parseLibcoapConf(confD))], 5685);
    const fileCtx = new SecurityContext({ masterSecret: utf8Encode('Correct Horse Battery Staple'), senderId: utf8Encode('file'), recipientId: new Uint8Array([1]) });
    const F = oscoreServer(w, [fileCtx], 5699);
    const attacker = rawPeer(w, 'attacker');
    const isProtectedRequest = (m: Message) => m.code >= 1 && m.code <= 31 && getOption(m, Option.OSCORE) !== undefined;
    const requests = [
      ...libcoap.filter((f) => (f.dstPort === 5683 || f.dstPort === 5685) && isProtectedRequest(f.message)).map((f) => ({ m: f.message, port: f.dstPort })),
      ...aiocoap.filter((f) => f.dstPort === 5683 && isProtectedRequest(f.message)).map((f) => ({ m: f.message, port: 5699 })),
    ];
    assert.ok(requests.length >= 20, 'captured protected requests: ' + requests.length);
    const total = () => B.verified.length + D.verified.length + F.verified.length;
    // First pass, as captured: the valid ones are accepted (the capture includes libcoap's
    // deliberately broken clients, which are refused).
    for (const r of requests) {
      attacker.port.send(encodeMessage(r.m), 'srv', r.port);
      await w.clock.advanceAsync(10);
    }
    const accepted = total();
    assert.ok(accepted >= 15, 'accepted on first sight: ' + accepted);
    // Replay of everything: same message ID (deduplicated, answered from the cache) …
    const before = attacker.got.length;
    for (const r of requests) attacker.port.send(encodeMessage(r.m), 'srv', r.port);
    await w.clock.advanceAsync(10);
    assert.equal(total(), accepted, 'a duplicate reached a resource');
    // … and with fresh message IDs, now and after EXCHANGE_LIFETIME (the dedup cache forgot them).
    for (const delay of [0, 300_000]) {
      await w.clock.advanceAsync(delay);
      const mark = attacker.got.length;
      requests.forEach((r, i) => attacker.port.send(withNewMid(r.m, r.m.messageId + 1000 + i + delay), 'srv', r.port));
      await w.clock.advanceAsync(10);
      assert.equal(total(), accepted, 'a replay reached a resource (delay ' + delay + ')');
      const answers = attacker.got.slice(mark).filter((m) => m.code !== 0);
      assert.equal(answers.length, requests.length);
      for (const a of answers) assert.ok(a.code >= Code.BAD_REQUEST && getOption(a, Option.OSCORE) === undefined, 'replay answered ' + a.code);
      assert.ok(answers.filter((a) => utf8Decode(a.payload) === 'Replay detected').length >= accepted);
    }
    assert.ok(attacker.got.length > before);
    t.diagnostic('captured protected requests: ' + requests.length + ', accepted on first sight: ' + accepted + ', replays sent: ' + 3 * requests.length + ', replays accepted: 0');
  });

  it('reordering: inside the window every request is accepted once; below it, rejected', async () => {
    const w = world();
    const { client, server } = contextPair('01', '');
    const S = oscoreServer(w, [server]);
    const attacker = rawPeer(w, 'client');
    const wire = Array.from({ length: 45 }, (_, i) => protectRequest(client, plainRequest('r', { payload: 'n' + i })).message);
    // Highest first, then 44 − 31 … 43 in reverse (inside a window of 32), then 0 … 12 (outside).
    const order = [44, ...Array.from({ length: 31 }, (_, k) => 43 - k), ...Array.from({ length: 13 }, (_, k) => k)];
    order.forEach((i, k) => attacker.port.send(withNewMid(wire[i], k), 'srv', 5683));
    await w.clock.advanceAsync(50);
    assert.deepEqual(S.calls, [44, ...Array.from({ length: 31 }, (_, k) => 43 - k)].map((i) => 'n' + i));
    // Everything again in a shuffled order: nothing more gets through.
    [...order].reverse().forEach((i, k) => attacker.port.send(withNewMid(wire[i], 500 + k), 'srv', 5683));
    await w.clock.advanceAsync(50);
    assert.equal(S.calls.length, 32);
  });
});

/** A server whose context lives on simulated flash (FlashContextStore), rebooted at will. */
function flashServer(flash: NorFlash, serverParams: ReturnType<typeof contextPair>['server'], create: boolean) {
  const log = RecordLog.open(flash);
  const key = new Uint8Array([0x51]);
  const store = create ? FlashContextStore.create(log, key) : FlashContextStore.open(log, key);
  return new SecurityContext({ masterSecret: utf8Encode('0123456789abcdef'), senderId: serverParams.senderId, recipientId: serverParams.recipientId }, { store });
}

describe('hostile peers: replays across reboots (App. B.1)', () => {
  const setup = () => {
    const flash = new NorFlash({ sectors: 3, blockSize: 512 });
    const pairCtx = contextPair('01', '');
    const clientCtx = new SecurityContext({ masterSecret: utf8Encode('0123456789abcdef'), senderId: new Uint8Array([1]), recipientId: new Uint8Array(0) });
    const wire = Array.from({ length: 12 }, (_, i) => protectRequest(clientCtx, plainRequest('r', { payload: 'n' + i })).message);
    return { flash, serverIds: pairCtx.server, clientCtx, wire };
  };

  it('clean reboot: the exact window comes back; every replay is refused, the holes still work', async () => {
    const { flash, serverIds, wire } = setup();
    let ctx = flashServer(flash, serverIds, true);
    let w = world();
    let S = oscoreServer(w, [ctx]);
    let a = rawPeer(w, 'client');
    for (const i of [0, 1, 2, 4, 5, 7, 9]) a.port.send(withNewMid(wire[i], i), 'srv', 5683);
    await w.clock.advanceAsync(50);
    assert.equal(S.calls.length, 7);
    const before = ctx.replayWindow.snapshot();
    ctx.close();
    // Reboot: a new world, the same flash.
    ctx = flashServer(flash, serverIds, false);
    assert.deepEqual(ctx.replayWindow.snapshot(), before);
    w = world({}, 8);
    S = oscoreServer(w, [ctx]);
    a = rawPeer(w, 'client');
    for (let i = 0; i < 12; i++) a.port.send(withNewMid(wire[i], 100 + i), 'srv', 5683);
    await w.clock.advanceAsync(50);
    assert.deepEqual(S.calls, ['n3', 'n6', 'n8', 'n10', 'n11']);
  });

  it('unclean reboot: the window is unknown, replays meet a protected Echo challenge and never reach the resource', async () => {
    const { flash, serverIds, wire, clientCtx } = setup();
    let ctx = flashServer(flash, serverIds, true);
    let w = world();
    let S = oscoreServer(w, [ctx]);
    let a = rawPeer(w, 'client');
    for (const i of [0, 1, 2, 3]) a.port.send(withNewMid(wire[i], i), 'srv', 5683);
    await w.clock.advanceAsync(50);
    assert.equal(S.calls.length, 4);
    // Power cut: no close(). The next boot cannot know which requests were seen.
    ctx = flashServer(flash, serverIds, false);
    assert.equal(ctx.replayWindow.isUnknown, true);
    w = world({}, 9);
    S = oscoreServer(w, [ctx]);
    a = rawPeer(w, 'attacker');
    for (let i = 0; i < 12; i++) a.port.send(withNewMid(wire[i], 200 + i), 'srv', 5683);
    await w.clock.advanceAsync(50);
    assert.equal(S.calls.length, 0, 'a request reached the resource while freshness was unknown');
    const challenges = a.got.filter((m) => m.type === MessageType.ACK && m.code !== 0);
    assert.equal(challenges.length, 12);
    for (const c of challenges) assert.ok(getOption(c, Option.OSCORE) !== undefined, 'the Echo challenge is protected (App. B.1.2)');
    // The legitimate client (its own OSCORE layer repeats with the Echo) gets through, once.
    const cli = w.endpoint('client2', 5683, { oscore: oscoreLayer({ contextFor: () => clientCtx }) });
    const res = await drive(w.clock, cli.request({ uri: 'coap://srv/r', method: 'POST', payload: 'fresh' }));
    assert.equal(res.codeString, '2.04');
    assert.deepEqual(S.calls, ['fresh']);
    assert.equal(ctx.replayWindow.isUnknown, false);
    // Now every captured request is below the re-initialised window: refused without a challenge.
    const mark = a.got.length;
    for (let i = 0; i < 12; i++) a.port.send(withNewMid(wire[i], 300 + i), 'srv', 5683);
    await w.clock.advanceAsync(50);
    assert.deepEqual(S.calls, ['fresh']);
    assert.ok(a.got.slice(mark).every((m) => m.code === 0 || utf8Decode(m.payload) === 'Replay detected'));
  });
});
