import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { simWorld, drive } from './coap-support.js';
import { decodeMessage, encodeMessage } from '../src/coap/codec.js';
import { createMessage, type Message } from '../src/coap/message.js';
import { MessageType, Code } from '../src/coap/numbers.js';
import { Option } from '../src/coap/option-registry.js';
import { utf8Encode, utf8Decode } from '../src/bytes.js';
import { CoapError, TimeoutError } from '../src/errors.js';
import { parseCoapUri, formatCoapUri } from '../src/coap/uri.js';

function raw(w: ReturnType<typeof simWorld>, address = 'raw', port = 1) {
  const p = w.network.port(address, port);
  const inbox: Message[] = [];
  p.onReceive((d) => inbox.push(decodeMessage(d)));
  return { send: (m: Partial<Message> & { code: number }, to = 'srv', toPort = 5683) => p.send(encodeMessage(createMessage(m)), to, toPort), inbox, port: p };
}
const path = (...s: string[]) => s.map((x) => ({ number: Option.URI_PATH, value: utf8Encode(x) }));

describe('coap server routing and policy', () => {
  it('routes by Uri-Path and method; 4.04 for unknown paths, 4.05 for unsupported methods', async () => {
    const w = simWorld();
    const srv = w.endpoint('srv');
    let stored = 'initial';
    srv.resource('/store/item', {
      GET: () => ({ payload: stored }),
      PUT: (req) => { stored = req.text(); return { code: Code.CHANGED }; },
      POST: (req) => ({ code: Code.CREATED, options: [{ number: Option.LOCATION_PATH, value: utf8Encode('n' + req.query.join('')) }] }),
    });
    const cli = w.endpoint('cli');
    const go = (init: Parameters<typeof cli.request>[0]) => drive(w.clock, cli.request(init));
    assert.equal((await go({ uri: 'coap://srv/store/item' })).text(), 'initial');
    assert.equal((await go({ host: 'srv', path: '/store/item', method: 'PUT', payload: 'new' })).codeString, '2.04');
    assert.equal((await go({ host: 'srv', path: ['store', 'item'] })).text(), 'new');
    const created = await go({ uri: 'coap://srv/store/item?x=1', method: 'POST' });
    assert.equal(created.codeString, '2.01');
    assert.equal(created.locationPath, '/nx=1');
    assert.equal((await go({ uri: 'coap://srv/store' })).codeString, '4.04');
    assert.equal((await go({ uri: 'coap://srv/store/item/more' })).codeString, '4.04');
    assert.equal((await go({ uri: 'coap://srv/store/item', method: 'DELETE' })).codeString, '4.05');
  });

  it('handler errors: CoapError becomes its code + diagnostic, anything else 5.00; async handlers work', async () => {
    const w = simWorld();
    const srv = w.endpoint('srv');
    srv.resource('/e', {
      GET: () => { throw new CoapError(Code.FORBIDDEN, 'not you'); },
      PUT: () => { throw new Error('bug'); },
      POST: async () => { throw new CoapError(Code.CONFLICT, 'later'); },
      DELETE: async () => ({ code: Code.DELETED }),
    });
    const cli = w.endpoint('cli');
    const go = (method: 'GET' | 'PUT' | 'POST' | 'DELETE') => drive(w.clock, cli.request({ uri: 'coap://srv/e', method }));
    const r1 = await go('GET');
    assert.equal(r1.codeString, '4.03');
    assert.equal(r1.text(), 'not you');
    const r2 = await go('PUT');
    assert.equal(r2.codeString, '5.00');
    assert.equal(r2.text(), ''); // no internals leak
    assert.equal((await go('POST')).codeString, '4.09');
    assert.equal((await go('DELETE')).codeString, '2.02');
  });

  it('requireOscore: 4.01 "OSCORE required" to unprotected requests, the handler never runs', async () => {
    const w = simWorld();
    const srv = w.endpoint('srv');
    let calls = 0;
    srv.resource('/secret', { GET: () => ({ payload: String(++calls) }) }, { requireOscore: true });
    srv.resource('/open', { GET: () => ({ payload: 'ok' }) });
    const cli = w.endpoint('cli');
    const r = await drive(w.clock, cli.request({ uri: 'coap://srv/secret' }));
    assert.equal(r.codeString, '4.01');
    assert.equal(r.text(), 'OSCORE required');
    assert.equal(calls, 0);
    assert.equal((await drive(w.clock, cli.request({ uri: 'coap://srv/open' }))).text(), 'ok');
  });

  it('/.well-known/core lists resources in link format', async () => {
    const w = simWorld();
    const srv = w.endpoint('srv');
    srv.resource('/a', { GET: () => ({}) }, { linkAttributes: { rt: 'temp', ct: '0' } });
    srv.resource('/b/c', { GET: () => ({}) });
    const res = await drive(w.clock, w.endpoint('cli').request({ uri: 'coap://srv/.well-known/core' }));
    assert.equal(res.contentFormat, 40);
    assert.equal(res.text(), '</a>;rt="temp";ct=0,</b/c>');
  });

  it('§5.4.1 requests: unknown critical option → 4.02 (CON), ignored (NON); unknown elective options are fine', async () => {
    const w = simWorld();
    let calls = 0;
    w.endpoint('srv').resource('/x', { GET: () => ({ payload: String(++calls) }) });
    const r = raw(w);
    r.send({ type: MessageType.CON, code: Code.GET, messageId: 1, options: [...path('x'), { number: 2049, value: utf8Encode('?') }] });
    r.send({ type: MessageType.NON, code: Code.GET, messageId: 2, options: [...path('x'), { number: 2049, value: utf8Encode('?') }] });
    r.send({ type: MessageType.CON, code: Code.GET, messageId: 3, options: [...path('x'), { number: 2048, value: utf8Encode('?') }] });
    await w.clock.advanceAsync(10);
    assert.equal(calls, 1);
    assert.equal(r.inbox.length, 2);
    assert.equal(r.inbox[0].code, Code.BAD_OPTION);
    assert.equal(r.inbox[0].messageId, 1);
    assert.match(utf8Decode(r.inbox[0].payload), /2049/);
    assert.equal(r.inbox[1].code, Code.CONTENT);
  });

  it('§5.4.1 responses: unknown critical option → CON response rejected with RST, piggybacked/NON ignored; client never sees it', async () => {
    const w = simWorld();
    const cli = w.endpoint('cli', 5683, { params: { ackTimeout: 100, maxRetransmit: 1 } });
    const r = raw(w, 'srv', 5683);
    const bad = [{ number: 2049, value: utf8Encode('?') }];
    const p = cli.request({ uri: 'coap://srv/x' });
    const box: { outcome?: unknown } = {};
    p.then((v) => (box.outcome = v), (e) => (box.outcome = e));
    await w.clock.advanceAsync(5);
    const req = r.inbox[0];
    // piggybacked: ignored, so the client keeps retransmitting
    r.port.send(encodeMessage(createMessage({ type: MessageType.ACK, code: Code.CONTENT, messageId: req.messageId, token: req.token, options: bad })), 'cli', 5683);
    // separate CON: RST
    r.port.send(encodeMessage(createMessage({ type: MessageType.CON, code: Code.CONTENT, messageId: 500, token: req.token, options: bad })), 'cli', 5683);
    // separate NON: ignored
    r.port.send(encodeMessage(createMessage({ type: MessageType.NON, code: Code.CONTENT, messageId: 501, token: req.token, options: bad })), 'cli', 5683);
    await w.clock.advanceAsync(10);
    assert.equal(box.outcome, undefined);
    const fromCli = w.sent.filter((s) => s.from.startsWith('cli'));
    assert.deepEqual(fromCli.map((s) => [s.message.type, s.message.messageId]), [[MessageType.CON, req.messageId], [MessageType.RST, 500]]);
    await drive(w.clock, p).catch(() => {});
    assert.ok((box.outcome as unknown) instanceof TimeoutError);
  });

  it('URIs: IPv6 literals, default port, percent-decoding, queries; fragments rejected', () => {
    assert.deepEqual(parseCoapUri('coap://[::1]:61616/a%20b/c?x=1&y=%C3%A9'), { scheme: 'coap', host: '::1', port: 61616, path: ['a b', 'c'], query: ['x=1', 'y=é'] });
    assert.deepEqual(parseCoapUri('coap://Example.COM'), { scheme: 'coap', host: 'example.com', port: 5683, path: [], query: [] });
    assert.equal(parseCoapUri('coaps://h/').port, 5684);
    assert.throws(() => parseCoapUri('coap://h/x#frag'), /fragment/);
    assert.throws(() => parseCoapUri('http://h/x'), TypeError);
    const u = formatCoapUri('::1', 61616, ['a b', 'c/d', 'é'], ['x=1&2']);
    assert.equal(u, 'coap://[::1]:61616/a%20b/c%2Fd/%C3%A9?x=1%262');
    const back = parseCoapUri(u);
    assert.deepEqual([back.path, back.query], [['a b', 'c/d', 'é'], ['x=1&2']]);
    assert.equal(formatCoapUri('h', 5683, [], []), 'coap://h/');
    // percent-decoding: a "%" without two hex digits stays, raw non-ASCII and astral text too, bad UTF-8 escapes become U+FFFD
    assert.deepEqual(parseCoapUri('coap://h/%%41%4/%zz%2/😀%F0%9F%98%80é?%ff=%41%').path, ['%A%4', '%zz%2', '😀😀é']);
    assert.deepEqual(parseCoapUri('coap://h/?%ff=%41%').query, ['\ufffd=A%']);
  });

  it('URIs: percent-encoding as RFC 3986 §2.1/§3.3/§3.4 define it, byte by byte, for every ASCII char and beyond', () => {
    // Reference: UTF-8 bytes, kept when unreserved (§2.3) or a sub-delim / ":@" (and "/?" in a
    // query; "&" only in a path, it separates our query parameters), else %XX in uppercase.
    const unreserved = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~';
    const reference = (text: string, kept: string) => {
      let out = '';
      for (const b of utf8Encode(text)) out += b < 128 && (unreserved + kept).includes(String.fromCharCode(b)) ? String.fromCharCode(b) : '%' + b.toString(16).toUpperCase().padStart(2, '0');
      return out;
    };
    const samples = ['', 'plain', 'é', '€uro', '😀', 'a\ud800b', '\udc00', 'x\ud83d', '%41', 'a b&c=d/e?f#g'];
    for (let c = 0; c < 128; c++) samples.push(String.fromCharCode(c), 'a' + String.fromCharCode(c) + 'z');
    for (const text of samples) {
      const u = formatCoapUri('h', 5683, [text], [text]);
      assert.equal(u, 'coap://h/' + reference(text, "!$&'()*+,;=:@") + '?' + reference(text, "!$'()*+,;=:@/?"), JSON.stringify(text));
    }
  });

  it('a request by name carries Uri-Host; by IP literal it does not', () => {
    const w = simWorld();
    const cli = w.endpoint('cli');
    const byName = cli.buildRequest({ uri: 'coap://sensor.local/t' });
    assert.deepEqual(byName.message.options.map((o) => o.number), [Option.URI_HOST, Option.URI_PATH]);
    const byIp = cli.buildRequest({ uri: 'coap://127.0.0.1:1234/t?q' });
    assert.deepEqual(byIp.message.options.map((o) => o.number), [Option.URI_PATH, Option.URI_QUERY]);
    assert.deepEqual(byIp.peer, { address: '127.0.0.1', port: 1234 });
    assert.equal(byIp.uri, 'coap://127.0.0.1:1234/t?q');
    assert.equal(cli.buildRequest({ host: '::1', path: '/a/b', query: ['k=v'] }).uri, 'coap://[::1]/a/b?k=v');
  });
});
