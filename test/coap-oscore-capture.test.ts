/**
 * Our server stack (messaging → OSCORE layer → resource) against real peer bytes: the protected
 * requests libcoap's client sent in the OSCORE interop run (test/fixtures/interop) are fed to our
 * endpoint as datagrams. Each must reach the resource with its inner request, and our protected
 * answer must verify with libcoap's *client* context (A, or C with ID Context). Sending the same
 * request again under a new message ID is a replay: 4.01, and the resource does not run again.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import capture from './fixtures/interop/libcoap-oscore-interop.jsonl';
import confA from './fixtures/interop/libcoap-contexts/a_client.conf';
import confB from './fixtures/interop/libcoap-contexts/b_server.conf';
import confC from './fixtures/interop/libcoap-contexts/c_client.conf';
import confD from './fixtures/interop/libcoap-contexts/d_server.conf';
import { parseCapture, parseLibcoapConf, libcoapContext } from './oscore-fixtures.js';
import { simWorld } from './coap-support.js';
import { oscoreLayer } from '../src/coap/oscore-layer.js';
import { contextLookup, decodeOscoreOption, aeadNonce, aeadAad, unprotectResponse, type RequestBinding } from '../src/oscore/index.js';
import { decodeMessage, encodeMessage } from '../src/coap/codec.js';
import { createMessage, getOption, getStringOptions, type Message } from '../src/coap/message.js';
import { Code, MessageType } from '../src/coap/numbers.js';
import { Option } from '../src/coap/option-registry.js';
import { utf8Decode, utf8Encode } from '../src/bytes.js';
import type { SecurityContext } from '../src/oscore/context.js';
import type { StackLayer } from '../src/coap/exchange.js';

const frames = parseCapture(capture);

/** The binding a client holds for a request it sent (§8), rebuilt from the wire. */
function clientBinding(ctx: SecurityContext, request: Message): RequestBinding {
  const o = decodeOscoreOption(getOption(request, Option.OSCORE)!);
  const piv = o.partialIv!;
  let seq = 0;
  for (const b of piv) seq = seq * 256 + b;
  return { context: ctx, kid: ctx.senderId, piv, seq, nonce: aeadNonce(ctx.commonIv, ctx.senderId, piv), aad: aeadAad(ctx.algorithm.id, ctx.senderId, piv), observe: false, notificationNumber: undefined };
}

for (const [name, clientConf, serverConf, port] of [['B (no ID Context)', confA, confB, 5683], ['D (ID Context)', confC, confD, 5685]] as const) {
  describe('libcoap client requests → our OSCORE server, context ' + name, () => {
    it('the first protected requests reach the resource and our answers verify with libcoap\'s client context', async () => {
      const requests = frames.filter((f) => f.dstPort === port && f.message.type === MessageType.CON && f.message.code >= 1 && f.message.code <= 31 && getOption(f.message, Option.OSCORE)).slice(0, 2);
      assert.equal(requests.length, 2);
      const w = simWorld();
      const server = libcoapContext(parseLibcoapConf(serverConf));
      const client = libcoapContext(parseLibcoapConf(clientConf));
      const seen: Message[] = [];
      // An inner layer that answers every verified request itself (whatever the test path).
      const probe: StackLayer = {
        name: 'probe',
        server: () => (ex) => {
          seen.push(ex.request);
          ex.respond(createMessage({ code: Code.CONTENT, payload: utf8Encode('Hello from oscore-xs: ' + getStringOptions(ex.request, Option.URI_PATH).join('/')) }));
        },
      };
      w.endpoint('srv', 5683, { oscore: oscoreLayer({ lookup: contextLookup([server]) }), inner: [probe], blockwise: false, observe: false });
      const peer = w.network.port('libcoap', 40000);
      const got: Message[] = [];
      peer.onReceive((d) => got.push(decodeMessage(d)));
      for (const f of requests) {
        peer.send(f.bytes, 'srv', 5683);
        await w.clock.advanceAsync(5);
      }
      assert.equal(seen.length, 2);
      assert.equal(got.length, requests.length);
      for (let i = 0; i < requests.length; i++) {
        const path = getStringOptions(seen[i], Option.URI_PATH).join('/');
        assert.match(path, /^oscore\//);
        assert.equal(got[i].messageId, requests[i].message.messageId);
        const plain = unprotectResponse(got[i], clientBinding(client, requests[i].message)).message;
        assert.equal(plain.code, Code.CONTENT);
        assert.equal(utf8Decode(plain.payload), 'Hello from oscore-xs: ' + path);
      }
      // Replay of the first request under a fresh message ID: 4.01 Replay detected, resource not run.
      peer.send(encodeMessage({ ...requests[0].message, messageId: (requests[0].message.messageId + 7) & 0xffff }), 'srv', 5683);
      await w.clock.advanceAsync(5);
      assert.equal(seen.length, 2);
      assert.equal(got.at(-1)!.code, Code.UNAUTHORIZED);
      assert.equal(utf8Decode(got.at(-1)!.payload), 'Replay detected');
    });
  });
}
