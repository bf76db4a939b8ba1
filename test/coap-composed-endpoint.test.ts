/**
 * ComposedEndpoint (src/coap/composed-endpoint.ts): an endpoint made of exactly the layers it is
 * given, as the device apps build theirs, talking to full Endpoints over the simulated network.
 * Also the one-sided OSCORE layers (oscoreServerLayer / oscoreClientLayer, RFC 8613 §8) and
 * CoapClient (client.ts), the request API split off the endpoint.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { simWorld, drive } from './coap-support.js';
import { ComposedEndpoint } from '../src/coap/composed-endpoint.js';
import { CoapClient } from '../src/coap/client.js';
import { Messaging } from '../src/coap/messaging.js';
import { ObserveLayer } from '../src/coap/observe-layer.js';
import { Router } from '../src/coap/server.js';
import { oscoreClientLayer, oscoreLayer, oscoreServerLayer } from '../src/coap/oscore-layer.js';
import { SecurityContext, contextLookup } from '../src/oscore/index.js';
import { Option } from '../src/coap/option-registry.js';
import { createMessage, hasOption } from '../src/coap/message.js';
import { encodeMessage } from '../src/coap/codec.js';
import { MessageType } from '../src/coap/numbers.js';
import { fromHex } from '../src/bytes.js';
import { Prng } from '../src/sim/prng.js';
import type { Response } from '../src/coap/response.js';

// RFC 8613 Appendix C.1 parameters (client Sender ID empty, server Sender ID 0x01).
const SECRET = fromHex('0102030405060708090a0b0c0d0e0f10');
const SALT = fromHex('9e7ca92223786340');
const clientContext = () => new SecurityContext({ masterSecret: SECRET, masterSalt: SALT, senderId: new Uint8Array(0), recipientId: fromHex('01') });
const serverContext = () => new SecurityContext({ masterSecret: SECRET, masterSalt: SALT, senderId: fromHex('01'), recipientId: new Uint8Array(0) });

/** A server composed like examples/device/app.ts: OSCORE server side, Observe, a Router. */
function deviceServer(w: ReturnType<typeof simWorld>) {
  const sctx = serverContext();
  const srv = new ComposedEndpoint({
    port: w.network.port('srv', 5683),
    clock: w.clock,
    random: new Prng(5),
    oscore: oscoreServerLayer({ lookup: contextLookup([sctx]), clock: w.clock, random: w.rng }),
    inner: [new ObserveLayer(w.clock)],
    router: new Router(),
  });
  let value = 20;
  const calls: string[] = [];
  srv.resource('/t', { GET: () => (calls.push('t'), { payload: 'v' + value }) }, { requireOscore: true, observable: true });
  return { srv, sctx, calls, set: (v: number) => ((value = v), srv.notify('/t')) };
}

describe('ComposedEndpoint: only the layers it is given', () => {
  it('a device-style server answers a protected GET and serves Observe through its injected ObserveLayer', async () => {
    const w = simWorld({}, 31);
    const { srv, set } = deviceServer(w);
    const cctx = clientContext();
    const cli = w.endpoint('cli', 5683, { oscore: oscoreLayer({ contextFor: () => cctx }) });
    const r = await drive(w.clock, cli.request({ uri: 'coap://srv/t' }));
    assert.equal(r.codeString, '2.05');
    assert.equal(r.text(), 'v20');
    const stream = cli.observe({ uri: 'coap://srv/t' });
    const first = await drive(w.clock, stream.next());
    assert.equal((first.value as Response).text(), 'v20');
    assert.equal(srv.observation?.registry.size, 1);
    assert.equal(set(21), 1);
    assert.equal(((await drive(w.clock, stream.next())).value as Response).text(), 'v21');
    // Every datagram the server sent carried OSCORE: the notification was protected too.
    assert.ok(w.sent.filter((s) => s.from === 'srv:5683' && s.message.code !== 0).every((s) => hasOption(s.message, Option.OSCORE)));
    await stream.cancel();
    await w.clock.advanceAsync(1000);
    assert.equal(srv.observation?.registry.size, 0);
    srv.close();
    cli.close();
  });

  it('close() drops the state of the injected layers (observers)', async () => {
    const w = simWorld({}, 32);
    const { srv } = deviceServer(w);
    const cctx = clientContext();
    const cli = w.endpoint('cli', 5683, { oscore: oscoreLayer({ contextFor: () => cctx }) });
    const stream = cli.observe({ uri: 'coap://srv/t' });
    await drive(w.clock, stream.next());
    assert.equal(srv.observation?.registry.size, 1);
    srv.close();
    assert.equal(srv.observation?.registry.size, 0);
    cli.close();
  });

  it('a client-only endpoint (no router, OSCORE client side, CoapClient) gets a protected answer; requests to it get 4.04', async () => {
    const w = simWorld({}, 33);
    const sctx = serverContext();
    const full = w.endpoint('srv', 5683, { oscore: oscoreLayer({ lookup: contextLookup([sctx]), clock: w.clock, random: w.rng }) });
    full.resource('/r', { PUT: (req) => ({ code: 0x44, payload: 'got ' + req.text() }) }, { requireOscore: true });
    const cctx = clientContext();
    const dev = new ComposedEndpoint({ port: w.network.port('dev', 5683), clock: w.clock, random: new Prng(6), messaging: Messaging, oscore: oscoreClientLayer({ contextFor: () => cctx }) });
    const client = new CoapClient(dev);
    const r = await drive(w.clock, client.request({ uri: 'coap://srv/r', method: 'PUT', payload: '21.5' }));
    assert.equal(r.codeString, '2.04');
    assert.equal(r.text(), 'got 21.5');
    assert.equal(cctx.sequence.next, 1, 'the request was protected with the client context');
    assert.equal(dev.router, undefined);
    assert.throws(() => dev.resource('/x', { GET: () => ({ payload: 'x' }) }), /no router/);
    const back = await drive(w.clock, full.request({ uri: 'coap://dev/anything' }));
    assert.equal(back.codeString, '4.04');
    dev.close();
    full.close();
  });

  it('without `messaging: Messaging` the endpoint only serves: its requests and pings fail, a response to it gets RST', async () => {
    const w = simWorld({}, 36);
    const { srv } = deviceServer(w);
    const client = new CoapClient(srv);
    await assert.rejects(client.request({ uri: 'coap://cli/x' }), /no client side/);
    await assert.rejects(client.ping({ address: 'cli', port: 5683 }), /no client side/);
    assert.equal(w.sent.length, 0, 'nothing was sent for them');
    // An unsolicited response (CON 2.05) is unexpected (RFC 7252 §5.3.2): answered RST, also when repeated.
    const p = w.network.port('cli', 5683);
    const con = encodeMessage(createMessage({ type: MessageType.CON, code: 0x45, messageId: 0x1234, token: fromHex('0102'), payload: fromHex('aa') }));
    p.send(con, 'srv', 5683);
    p.send(con, 'srv', 5683);
    await w.clock.advanceAsync(10);
    const rsts = w.sent.filter((s) => s.from === 'srv:5683');
    assert.equal(rsts.length, 2);
    for (const r of rsts) assert.deepEqual([r.message.type, r.message.code, r.message.messageId], [MessageType.RST, 0, 0x1234]);
    assert.equal(srv.messaging.stats.duplicates, 1);
    srv.close();
  });

  it('without an OSCORE server side a protected request is never decrypted or taken as verified: the handler does not run', async () => {
    const w = simWorld({}, 34);
    const sctx = serverContext();
    const calls: string[] = [];
    const dev = new ComposedEndpoint({ port: w.network.port('srv', 5683), clock: w.clock, random: new Prng(7), oscore: oscoreClientLayer({ contextFor: () => sctx }), router: new Router() });
    dev.resource('/secret', { GET: () => (calls.push('secret'), { payload: 'secret' }) }, { requireOscore: true });
    const cctx = clientContext();
    const cli = w.endpoint('cli', 5683, { oscore: oscoreLayer({ contextFor: () => cctx }) });
    const r = await drive(w.clock, cli.request({ uri: 'coap://srv/secret' }));
    // Uri-Path travels encrypted (class E), so the router sees no path at all: 4.04, unprotected.
    assert.equal(r.codeString, '4.04');
    assert.deepEqual(calls, []);
    // Nothing was protected with the server context either (no response under OSCORE).
    assert.equal(sctx.sequence.next, 0);
    dev.close();
    cli.close();
  });

  it('the one-sided OSCORE layers have exactly one side each', () => {
    const w = simWorld({}, 35);
    const s = oscoreServerLayer({ lookup: contextLookup([serverContext()]), clock: w.clock, random: w.rng });
    const c = oscoreClientLayer({ contextFor: () => undefined });
    assert.equal(typeof s.server, 'function');
    assert.equal(s.client, undefined);
    assert.equal(typeof c.client, 'function');
    assert.equal(c.server, undefined);
  });
});
