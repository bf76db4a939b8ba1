/**
 * The performance workload of bench/perf.bench.ts (issue 10), shared by the Node and XS sides:
 * one complete OSCORE-protected exchange through two whole CoAP endpoints (RFC 7252 messaging,
 * RFC 8613 §8.1–8.4 in the OSCORE layer, inner layers, router): client protect request → codec →
 * server decode → unprotect → resource → protect response → codec → client unprotect.
 *
 * The endpoints talk through a queued loopback port pair (no copies, no loss) and a clock whose
 * timers are a Map entry, as cheap as a native timer: what is measured is our stack, not a
 * simulator. Everything runs synchronously, so one call of `exchange()` is one metered unit.
 * The same module builds the pieces the stage split meters on their own: the datagram codec,
 * the OSCORE calls, AAD/nonce, the four bare CCM operations and one AES block.
 */
import type { Clock, DatagramPort, TimerHandle } from '../src/ports.js';
import { fromHex } from '../src/bytes.js';
import { Prng } from '../src/sim/prng.js';
import { Endpoint } from '../src/coap/endpoint.js';
import { oscoreLayer } from '../src/coap/oscore-layer.js';
import { createMessage, type Message } from '../src/coap/message.js';
import { Code } from '../src/coap/numbers.js';
import { Option } from '../src/coap/option-registry.js';
import { decodeMessage, encodeMessage } from '../src/coap/codec.js';
import { SecurityContext } from '../src/oscore/context.js';
import { MemoryContextStore } from '../src/oscore/store.js';
import { protectRequest, protectResponse, composePlaintext } from '../src/oscore/protect.js';
import { unprotectRequest, unprotectResponse, contextLookup } from '../src/oscore/unprotect.js';
import { splitOptions } from '../src/oscore/classes.js';
import { aeadNonce } from '../src/oscore/nonce.js';
import { aeadAad } from '../src/oscore/aad.js';
import { encodePartialIv } from '../src/oscore/option.js';
import { defaultAesBlockCipherFactory } from '../src/crypto/aes.js';
import { withJsModes } from '../src/crypto/aes-modes.js';
import type { AesBlockCipherFactory } from '../src/ports.js';

/** RFC 8613 App. C.1 master secret and salt; client Sender ID h'', server Sender ID h'01'. */
export const PARAMS = { masterSecret: fromHex('0102030405060708090a0b0c0d0e0f10'), masterSalt: fromHex('9e7ca92223786340'), senderId: fromHex(''), recipientId: fromHex('01') };

export const PAYLOAD = /* @__PURE__ */ (() => {
  const p = new Uint8Array(64);
  for (let i = 0; i < 64; i++) p[i] = (i * 7 + 3) & 0xff;
  return p;
})();

/** Timers as Map entries; `advance` fires what is due (retransmissions never are in a clean run). */
export class MapClock implements Clock {
  time = 0;
  private next = 1;
  readonly timers = new Map<number, { due: number; fn: () => void }>();
  now(): number {
    return this.time;
  }
  setTimer(ms: number, fn: () => void): TimerHandle {
    const id = this.next++;
    this.timers.set(id, { due: this.time + ms, fn });
    return id;
  }
  clearTimer(handle: TimerHandle): void {
    this.timers.delete(handle as number);
  }
  advance(ms: number): void {
    this.time += ms;
    for (const [id, t] of this.timers) {
      if (t.due <= this.time) {
        this.timers.delete(id);
        t.fn();
      }
    }
  }
}

interface Datagram {
  to: LoopPort;
  data: Uint8Array;
  from: string;
  port: number;
}

/** One end of the loopback: `send` queues, `LoopNet.pump` delivers in order. */
class LoopPort implements DatagramPort {
  handler?: (data: Uint8Array, address: string, port: number) => void;
  constructor(private readonly net: LoopNet, readonly address: string, readonly localPort: number) {}
  send(data: Uint8Array, address: string, port: number): void {
    const to = this.net.ports.get(address + '|' + port);
    if (to) this.net.queue.push({ to, data, from: this.address, port: this.localPort });
  }
  onReceive(handler: (data: Uint8Array, address: string, port: number) => void): void {
    this.handler = handler;
  }
  close(): void {}
}

export class LoopNet {
  readonly ports = new Map<string, LoopPort>();
  readonly queue: Datagram[] = [];
  /** The last datagrams delivered (for the codec stage). */
  readonly seen: Uint8Array[] = [];
  port(address: string, port: number): DatagramPort {
    const p = new LoopPort(this, address, port);
    this.ports.set(address + '|' + port, p);
    return p;
  }
  pump(record = false): void {
    for (let i = 0; i < this.queue.length; i++) {
      const d = this.queue[i];
      if (record) this.seen.push(d.data);
      d.to.handler?.(d.data, d.from, d.port);
    }
    this.queue.length = 0;
  }
}

const SERVER = '10.0.0.2';

/** Two endpoints with OSCORE over the loopback; `exchange()` runs one protected GET to completion. */
export function makeExchange(aes?: AesBlockCipherFactory) {
  const clock = new MapClock();
  const net = new LoopNet();
  // Reservations far ahead, as a flash store with a large chunk would: the core is measured.
  const clientCtx = new SecurityContext(PARAMS, { store: new MemoryContextStore({ reserveStep: 1 << 30 }), aes });
  const serverCtx = new SecurityContext({ ...PARAMS, senderId: PARAMS.recipientId, recipientId: PARAMS.senderId }, { store: new MemoryContextStore({ reserveStep: 1 << 30 }), aes });
  const server = new Endpoint({ port: net.port(SERVER, 5683), clock, random: new Prng(1), oscore: oscoreLayer({ lookup: contextLookup([serverCtx]) }) });
  server.resource('/sensors/temperature', { GET: () => ({ payload: PAYLOAD, contentFormat: 0 }) }, { requireOscore: true });
  const client = new Endpoint({ port: net.port('10.0.0.1', 5683), clock, random: new Prng(2), oscore: oscoreLayer({ contextFor: () => clientCtx }) });
  const init = { host: SERVER, path: 'sensors/temperature', payload: PAYLOAD };
  const got: { last?: Message } = {};
  const sink = { response: (m: Message) => (got.last = m), error: (e: Error) => { throw e; } };
  const exchange = (record = false): void => {
    got.last = undefined;
    const handle = client.send(init, sink);
    net.pump(record); // request → server → piggybacked response → client
    handle.close();
    clock.advance(1); // time moves on (dedup entries age as they would)
    const m = got.last as Message | undefined; // set by the sink during pump()
    if (!m || m.code !== Code.CONTENT || m.payload.length !== 64) throw new Error('exchange failed: ' + (m ? m.code + ' ' + m.payload.length : 'no response (not synchronous?)'));
  };
  return { exchange, clock, net, client, server, clientCtx, serverCtx, init };
}

/**
 * The pieces of one exchange measured on their own, on the same messages and bytes: the plain
 * request the client's endpoint builds and the response the router builds.
 */
export function makeStages(aes?: AesBlockCipherFactory) {
  const x = makeExchange(aes);
  x.exchange(true); // capture the two datagrams
  const [requestBytes, responseBytes] = x.net.seen;
  const plainRequest = x.client.buildRequest(x.init).message;
  plainRequest.token = fromHex('a1b2c3d4');
  const plainResponse = createMessage({ code: Code.CONTENT, options: [{ number: Option.CONTENT_FORMAT, value: new Uint8Array(0) }], payload: PAYLOAD });
  const lookup = contextLookup([x.serverCtx]);

  const codec = (): void => {
    encodeMessage(decodeMessage(requestBytes));
    encodeMessage(decodeMessage(responseBytes));
  };
  /** The four OSCORE calls of an exchange, exactly as the layer makes them. */
  const oscore = (): void => {
    const req = protectRequest(x.clientCtx, plainRequest);
    const srv = unprotectRequest(req.message, lookup);
    unprotectResponse(protectResponse(plainResponse, srv.binding), req.binding);
  };
  // Bare CCM on the same plaintexts, nonce and AAD: the floor of target 1.
  const req = protectRequest(x.clientCtx, plainRequest);
  const srv = unprotectRequest(req.message, lookup);
  const reqPlaintext = composePlaintext(plainRequest.code, splitOptions(plainRequest.options, true).inner, plainRequest.payload);
  const respPlaintext = composePlaintext(plainResponse.code, splitOptions(plainResponse.options, false).inner, plainResponse.payload);
  const { nonce, aad } = srv.binding;
  const bareCcm = (): void => {
    const c1 = x.clientCtx.senderKey.seal(nonce, aad, reqPlaintext);
    if (x.serverCtx.recipientKey.open(nonce, aad, c1) === null) throw new Error('open failed');
    const c2 = x.serverCtx.senderKey.seal(nonce, aad, respPlaintext);
    if (x.clientCtx.recipientKey.open(nonce, aad, c2) === null) throw new Error('open failed');
  };
  /** What an exchange computes besides the cipher: two nonces and two AADs (the response reuses the request's). */
  const piv = encodePartialIv(1000);
  const aadNonce = (): void => {
    aeadNonce(x.clientCtx.commonIv, x.clientCtx.senderId, piv);
    aeadAad(10, x.clientCtx.senderId, piv);
    aeadNonce(x.serverCtx.commonIv, x.serverCtx.recipientId, piv);
    aeadAad(10, x.clientCtx.senderId, piv);
  };
  return { ...x, codec, oscore, bareCcm, aadNonce, requestBytes, responseBytes, reqPlaintextLength: reqPlaintext.length, respPlaintextLength: respPlaintext.length, aadLength: aad.length };
}

/** AES blocks one exchange encrypts (counted through a wrapping factory on fresh contexts). */
export function countAesBlocks(): { exchange: number; bareCcm: number } {
  let blocks = 0;
  const counting: AesBlockCipherFactory = (key) => {
    const aes = defaultAesBlockCipherFactory(key);
    return withJsModes({ encryptBlock: (i, io, o, oo) => { blocks++; aes.encryptBlock(i, io, o, oo); } });
  };
  const s = makeStages(counting);
  blocks = 0;
  s.exchange();
  const exchange = blocks;
  blocks = 0;
  s.bareCcm();
  return { exchange, bareCcm: blocks };
}
