/**
 * Hostile peers, resource exhaustion, over the simulated network: Block-wise floods (RFC 7959
 * §2.9.3: 4.13 + Size1; 5.03 beyond the transfer limit; memory bounded and freed on expiry),
 * Observe registration floods (RFC 7641 §4.1: registry bounded), oversize and option-bomb
 * datagrams, and CON floods from many sources (deduplication cache bounded, RFC 7252 §4.5).
 * After each flood a legitimate client is still served.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { oscoreServer, rawPeer, world } from './fuzz/hostile-world.js';
import { contextPair } from './fuzz/oscore-world.js';
import { encodeMessage } from '../src/coap/codec.js';
import { createMessage, getOption, getUintOption } from '../src/coap/message.js';
import { Code, MessageType } from '../src/coap/numbers.js';
import { Option } from '../src/coap/option-registry.js';
import { encodeBlock } from '../src/coap/block.js';
import { oscoreLayer } from '../src/coap/oscore-layer.js';
import { encodeUint, utf8Encode } from '../src/bytes.js';
import { drive } from './coap-support.js';

const LIMITS = { maxBodyBytes: 4096, maxTotalBytes: 8192, maxTransfers: 4, expiryMs: 10_000 };

function block1(i: number, num: number, more: boolean, size1?: number) {
  const m = createMessage({ type: MessageType.CON, code: Code.PUT, messageId: i & 0xffff, token: encodeUint(i + 1), payload: new Uint8Array(more ? 64 : 10).fill(0x41) });
  m.options.push({ number: Option.URI_PATH, value: utf8Encode('r') });
  m.options.push({ number: Option.BLOCK1, value: encodeBlock({ num, more, szx: 2 }) });
  if (size1 !== undefined) m.options.push({ number: Option.SIZE1, value: encodeUint(size1) });
  m.options.sort((a, b) => a.number - b.number);
  return encodeMessage(m);
}

describe('hostile peers: floods', () => {
  it('Block1 flood from 40 sources: 5.03 past the transfer limit, 4.13 + Size1 past the body limit, memory bounded and freed', async () => {
    const w = world();
    const { client, server } = contextPair('01', '');
    const S = oscoreServer(w, [server], 5683, { blockwise: { block1: LIMITS } });
    const r = S.srv.blockwise!.reassembly;
    const peers = Array.from({ length: 40 }, (_, i) => rawPeer(w, 'flood' + i));
    let peak = 0;
    // Every source opens a transfer and keeps feeding it.
    for (let round = 0; round < 80; round++) {
      peers.forEach((p, i) => p.port.send(block1(round * 40 + i, round, true), 'srv', 5683));
      await w.clock.advanceAsync(5);
      peak = Math.max(peak, r.bytesInUse);
      assert.ok(r.bytesInUse <= LIMITS.maxTotalBytes && r.transferCount <= LIMITS.maxTransfers, 'reassembly holds ' + r.bytesInUse + ' bytes in ' + r.transferCount + ' transfers');
    }
    const codes = new Set(peers.flatMap((p) => p.got.filter((m) => m.code !== 0).map((m) => m.code)));
    assert.ok(codes.has(Code.SERVICE_UNAVAILABLE) && codes.has(Code.REQUEST_ENTITY_TOO_LARGE) && codes.has(Code.CONTINUE), [...codes].join(','));
    const tooLarge = peers.flatMap((p) => p.got).find((m) => m.code === Code.REQUEST_ENTITY_TOO_LARGE)!;
    assert.ok(getUintOption(tooLarge, Option.SIZE1)! <= LIMITS.maxBodyBytes);
    assert.ok(peak > 0);
    // An announced Size1 above the limit is refused at once.
    const x = rawPeer(w, 'announcer');
    x.port.send(block1(9999, 0, true, 1_000_000), 'srv', 5683);
    await w.clock.advanceAsync(5);
    assert.equal(x.got.find((m) => m.code !== 0)?.code, Code.REQUEST_ENTITY_TOO_LARGE);
    // Silence: the expiry frees everything; a legitimate protected upload then goes through.
    await w.clock.advanceAsync(LIMITS.expiryMs + 1000);
    assert.equal(r.bytesInUse, 0);
    assert.equal(r.transferCount, 0);
    const cli = w.endpoint('cli', 5683, { oscore: oscoreLayer({ contextFor: () => client }), blockwise: { preferredSzx: 2 } });
    const res = await drive(w.clock, cli.request({ uri: 'coap://srv/r', method: 'PUT', payload: 'y'.repeat(1000) }));
    assert.equal(res.codeString, '2.04');
    assert.equal(S.calls.at(-1), 'y'.repeat(1000));
  });

  it('Observe registration flood: the registry stays within its limits, extra registrations are answered unregistered', async () => {
    const w = world();
    const srv = w.endpoint('srv', 5683, { observe: { maxObservers: 32, maxObserversPerResource: 8 } });
    for (const path of ['/a', '/b', '/c', '/d', '/e']) srv.resource(path, { GET: () => ({ payload: 'v' }) }, { observable: true });
    const peers = Array.from({ length: 30 }, (_, i) => rawPeer(w, 'obs' + i));
    let registered = 0;
    let plain = 0;
    for (let round = 0; round < 6; round++) {
      peers.forEach((p, i) => {
        const m = createMessage({ type: MessageType.CON, code: Code.GET, messageId: round * 100 + i, token: encodeUint(round % 3), options: [{ number: Option.OBSERVE, value: new Uint8Array(0) }, { number: Option.URI_PATH, value: utf8Encode('abcde'[(i + round) % 5]) }] });
        p.port.send(encodeMessage(m), 'srv', 5683);
      });
      await w.clock.advanceAsync(10);
      assert.ok(srv.observation!.registry.size <= 32, 'observers: ' + srv.observation!.registry.size);
    }
    for (const p of peers) for (const m of p.got) if (m.code === Code.CONTENT) getOption(m, Option.OBSERVE) !== undefined ? registered++ : plain++;
    assert.ok(registered > 0 && plain > 0, registered + ' registered, ' + plain + ' plain');
    assert.equal(srv.notify('/a'), srv.observation!.registry.observersOf('a').length);
    assert.ok(srv.observation!.registry.observersOf('a').length <= 8);
  });

  it('oversize datagrams and option bombs are dropped at the decoder (RST), the server keeps serving', async () => {
    const w = world({ mtu: 70_000 });
    const srv = w.endpoint('srv');
    srv.resource('/x', { GET: () => ({ payload: 'fine' }) });
    const a = rawPeer(w, 'attacker');
    const huge = new Uint8Array(65_600).fill(0x11);
    huge.set([0x40, 0x01, 0, 1]);
    a.port.send(huge, 'srv', 5683);
    const bomb = [0x40, 0x01, 0, 2];
    for (let i = 0; i < 200; i++) bomb.push(0x10); // 200 options of 0 bytes (delta 1)
    a.port.send(new Uint8Array(bomb), 'srv', 5683);
    await w.clock.advanceAsync(10);
    assert.equal(srv.messaging.stats.malformed, 2);
    assert.deepEqual(a.bytes.map((b) => b.length), [4, 4]);
    const res = await drive(w.clock, w.endpoint('cli').request({ uri: 'coap://srv/x' }));
    assert.equal(res.text(), 'fine');
  });

  it('a flood of 3,000 CON requests keeps the deduplication cache bounded and the server answering', async () => {
    const w = world();
    const srv = w.endpoint('srv', 5683, { params: { dedupCacheSize: 256 } });
    let calls = 0;
    srv.resource('/x', { GET: () => ({ payload: String(++calls) }) });
    const a = rawPeer(w, 'flood');
    for (let i = 0; i < 3000; i++) {
      const m = createMessage({ type: MessageType.CON, code: Code.GET, messageId: i, token: encodeUint(i), options: [{ number: Option.URI_PATH, value: utf8Encode('x') }] });
      a.port.send(encodeMessage(m), 'srv', 5683);
    }
    await w.clock.advanceAsync(100);
    assert.equal(calls, 3000);
    assert.ok(srv.messaging.stats.dedupEvictions >= 3000 - 256);
    const res = await drive(w.clock, w.endpoint('cli').request({ uri: 'coap://srv/x' }));
    assert.equal(res.text(), '3001');
  });
});
