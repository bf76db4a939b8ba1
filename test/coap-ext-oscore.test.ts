/**
 * Inner Block-wise and Observe inside OSCORE (RFC 8613 §4.1.3.4.1, §4.1.3.5.1) over the simulated
 * network: the Block options travel encrypted, each block is its own protected exchange, the
 * server reassembles per security context, and notifications are protected and verified.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { simWorld, drive } from './coap-support.js';
import { oscoreLayer } from '../src/coap/oscore-layer.js';
import { SecurityContext, contextLookup } from '../src/oscore/index.js';
import { getUintOption, hasOption } from '../src/coap/message.js';
import { Code } from '../src/coap/numbers.js';
import { Option } from '../src/coap/option-registry.js';
import { fromHex, equalBytes, toHex } from '../src/bytes.js';

// RFC 8613 Appendix C.1 parameters.
const SECRET = fromHex('0102030405060708090a0b0c0d0e0f10');
const SALT = fromHex('9e7ca92223786340');

function body(n: number, seed = 1): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 17 + seed * 3 + (i >> 6)) & 0xff;
  return b;
}

function world(net = {}, seed = 51, serverExtra: Record<string, unknown> = {}) {
  const w = simWorld(net, seed);
  const sctx = new SecurityContext({ masterSecret: SECRET, masterSalt: SALT, senderId: fromHex('01'), recipientId: new Uint8Array(0) });
  const cctx = new SecurityContext({ masterSecret: SECRET, masterSalt: SALT, senderId: new Uint8Array(0), recipientId: fromHex('01') });
  const srv = w.endpoint('srv', 5683, { oscore: oscoreLayer({ lookup: contextLookup([sctx]), clock: w.clock, random: w.rng }), ...serverExtra });
  const cli = w.endpoint('cli', 5683, { oscore: oscoreLayer({ contextFor: (r) => (r.peer.address === 'srv' ? cctx : undefined) }) });
  return { w, srv, cli };
}

describe('coap-ext inside OSCORE (simulated network)', () => {
  for (const [name, net] of [['clean', {}], ['20% loss, duplication, reordering', { loss: 0.2, duplicate: 0.1, reorder: 0.2, reorderDelay: 500, delay: 5, jitter: 5 }]] as const) {
    it('inner Block2: a 4000-byte protected resource arrives whole; no Block option on the wire (' + name + ')', async () => {
      const { w, srv, cli } = world(net);
      const data = body(4000);
      srv.resource('/fw', { GET: (req) => ({ payload: req.oscore ? data : new Uint8Array(0) }) }, { requireOscore: true });
      const r = await drive(w.clock, cli.request({ uri: 'coap://srv/fw' }));
      assert.equal(r.codeString, '2.05');
      assert.ok(equalBytes(r.payload, data));
      const fromSrv = w.sent.filter((s) => s.from === 'srv:5683' && s.message.code !== 0);
      assert.ok(fromSrv.length >= 4, 'one protected response per block');
      for (const s of w.sent) {
        assert.ok(!hasOption(s.message, Option.BLOCK2) && !hasOption(s.message, Option.SIZE2), 'Block2/Size2 are inner (encrypted)');
        assert.ok(s.message.payload.length <= 1024 + 64);
      }
    });
  }
  it('inner Block1: a 3000-byte protected upload reaches the resource once, whole', async () => {
    const { w, srv, cli } = world({}, 52);
    const got: Uint8Array[] = [];
    srv.resource('/up', { PUT: (req) => (got.push(req.payload), { code: Code.CHANGED }) }, { requireOscore: true });
    const data = body(3000, 2);
    const r = await drive(w.clock, cli.request({ uri: 'coap://srv/up', method: 'PUT', payload: data }));
    assert.equal(r.codeString, '2.04');
    assert.equal(got.length, 1);
    assert.ok(equalBytes(got[0], data));
    assert.ok(w.sent.every((s) => !hasOption(s.message, Option.BLOCK1) && !hasOption(s.message, Option.SIZE1)));
    assert.equal(srv.blockwise!.reassembly.bytesInUse, 0);
  });
  it('inner Echo: a server demanding freshness of protected PUTs; the OSCORE client repeats once with the encrypted Echo', async () => {
    const { w, srv, cli } = world({}, 54, { echo: { requireFresh: (ex: { request: { code: number } }) => ex.request.code === Code.PUT, client: false } });
    let runs = 0;
    srv.resource('/lock', { PUT: () => (runs++, { code: Code.CHANGED }) }, { requireOscore: true });
    const r = await drive(w.clock, cli.request({ uri: 'coap://srv/lock', method: 'PUT', payload: 'close' }));
    assert.equal(r.codeString, '2.04');
    assert.equal(runs, 1);
    assert.equal(w.sent.filter((s) => s.from === 'cli:5683' && s.message.code !== 0).length, 2, 'the request went twice');
    assert.ok(w.sent.every((s) => !hasOption(s.message, Option.ECHO)), 'Echo travels encrypted (class E)');
  });
  it('Observe inside OSCORE: protected notifications in order, then GET Observe=1 deregisters', async () => {
    const { w, srv, cli } = world({}, 53);
    let v = 0;
    srv.resource('/t', { GET: () => ({ payload: 'v' + v }) }, { observable: true, requireOscore: true });
    const stream = cli.observe({ uri: 'coap://srv/t' });
    const first = (await drive(w.clock, stream.next())).value!;
    assert.equal(first.text(), 'v0');
    assert.equal(srv.observation!.registry.size, 1);
    const seen: string[] = [];
    for (v = 1; v <= 3; v++) {
      srv.notify('/t');
      seen.push((await drive(w.clock, stream.next())).value!.text());
    }
    assert.deepEqual(seen, ['v1', 'v2', 'v3']);
    // the observer is keyed by the security context, not only the address
    const o = srv.observation!.registry.observersOf('t')[0];
    assert.match(o.peer, /kid:/);
    // on the wire an outer Observe option is present (class U copy) but no plaintext payload
    assert.ok(w.sent.some((s) => s.from === 'srv:5683' && getUintOption(s.message, Option.OBSERVE) !== undefined));
    assert.ok(w.sent.every((s) => !toHex(s.message.payload).includes(toHex(TextEncoderLike('v2')))));
    await stream.cancel();
    await w.clock.advanceAsync(2000);
    assert.equal(srv.observation!.registry.size, 0);
  });
});

/** 'v2' as bytes without TextEncoder (XS). */
function TextEncoderLike(s: string): Uint8Array {
  return new Uint8Array([...s].map((c) => c.charCodeAt(0)));
}
