/**
 * A CoAP load generator that measures the server, not itself: the N requests are built (and
 * OSCORE-protected) before the clock starts, W are kept in flight over one connected UDP socket,
 * and the hot loop only reads the token from the raw bytes of each answer to match it (a 4-byte
 * token = the request's index) and sends the next request. Every answer is verified after the
 * clock stops (decoded, OSCORE-verified with the request's binding, code and payload checked), so
 * a server that answers fast but wrong is caught without slowing the loop. Its own ceiling is
 * what it reaches against a bare Node dgram echo server (bench/servers/echo-server.ts); report that
 * beside every figure so nobody measures the generator.
 *
 * Separate responses (an empty ACK, then the response as CON: libcoap's OSCORE path answers so)
 * are acknowledged in the loop, as a client must.
 *
 * Datagrams lost on loopback (full socket buffers) are sent again when nothing has been answered
 * for 200 ms; the count is reported (a CON duplicate is answered from the server's dedup cache).
 */
import { createSocket, type Socket } from 'node:dgram';
import { encodeMessage, decodeMessage } from '../src/coap/codec.js';
import { createMessage, type Message } from '../src/coap/message.js';
import { Code, MessageType } from '../src/coap/numbers.js';
import { Option } from '../src/coap/option-registry.js';
import { equalBytes, utf8Encode } from '../src/bytes.js';
import { SecurityContext, type SecurityContextParams } from '../src/oscore/context.js';
import { MemoryContextStore } from '../src/oscore/store.js';
import { protectRequest, type RequestBinding } from '../src/oscore/protect.js';
import { unprotectResponse } from '../src/oscore/unprotect.js';

export interface RequestStream {
  datagrams: Uint8Array[];
  /** Check answer i (after the clock); throws with the reason when it is wrong. */
  verify(i: number, answer: Uint8Array): void;
}

export interface LoadResult {
  n: number;
  ms: number;
  perSecond: number;
  resent: number;
}

function tokenOf(i: number): Uint8Array {
  return new Uint8Array([i >>> 24, (i >>> 16) & 255, (i >>> 8) & 255, i & 255]);
}

/**
 * Message IDs go on across streams (a server's dedup cache remembers an ID for EXCHANGE_LIFETIME,
 * RFC 7252 §4.5: a second stream reusing them would be answered from the cache).
 */
let nextMessageId = 1;

function getRequest(i: number, path: string[]): Message {
  nextMessageId = (nextMessageId + 1) & 0xffff;
  return createMessage({
    type: MessageType.CON,
    code: Code.GET,
    messageId: nextMessageId,
    token: tokenOf(i),
    options: path.map((p) => ({ number: Option.URI_PATH, value: utf8Encode(p) })),
  });
}

/**
 * N OSCORE-protected GETs of `path` with the client side of `params` (one context per generator
 * process; `firstSeq` moves on between runs so a server never sees a replay). Answers must be
 * protected 2.05 with exactly `expected` as payload.
 */
export function protectedGets(context: SecurityContext, n: number, path: string[], expected: Uint8Array): RequestStream {
  const bindings: RequestBinding[] = [];
  const datagrams: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const { message, binding } = protectRequest(context, getRequest(i, path));
    bindings.push(binding);
    datagrams.push(encodeMessage(message));
  }
  return {
    datagrams,
    verify(i, answer) {
      const m = decodeMessage(answer);
      if (!equalBytes(m.token, tokenOf(i))) throw new Error('answer ' + i + ': wrong token');
      if (!m.options.some((o) => o.number === Option.OSCORE)) throw new Error('answer ' + i + ': unprotected, code ' + m.code + ' ' + new TextDecoder().decode(m.payload));
      const plain = unprotectResponse(m, bindings[i]).message;
      if (plain.code !== Code.CONTENT) throw new Error('answer ' + i + ': code ' + plain.code);
      if (!equalBytes(plain.payload, expected)) throw new Error('answer ' + i + ': wrong payload');
    },
  };
}

/** N plain GETs of `path`; answers must be 2.05 with `expected` as payload. */
export function plainGets(n: number, path: string[], expected: Uint8Array): RequestStream {
  const datagrams: Uint8Array[] = [];
  for (let i = 0; i < n; i++) datagrams.push(encodeMessage(getRequest(i, path)));
  return {
    datagrams,
    verify(i, answer) {
      const m = decodeMessage(answer);
      if (!equalBytes(m.token, tokenOf(i))) throw new Error('answer ' + i + ': wrong token');
      if (m.code !== Code.CONTENT) throw new Error('answer ' + i + ': code ' + m.code);
      if (!equalBytes(m.payload, expected)) throw new Error('answer ' + i + ': wrong payload');
    },
  };
}

/** Against an echo server: the answer is the request itself. */
export function echoed(stream: RequestStream): RequestStream {
  return {
    datagrams: stream.datagrams,
    verify(i, answer) {
      if (!equalBytes(answer, stream.datagrams[i])) throw new Error('echo ' + i + ': bytes differ');
    },
  };
}

/** A client context for `params` whose sequence numbers never need a store write. */
export function clientContext(params: SecurityContextParams): SecurityContext {
  return new SecurityContext(params, { store: new MemoryContextStore({ reserveStep: 1 << 30 }) });
}

/** Send the stream to 127.0.0.1:port, `window` in flight; verify every answer after the clock. */
export async function runLoad(port: number, stream: RequestStream, window: number, timeoutMs = 30000): Promise<LoadResult> {
  const n = stream.datagrams.length;
  const answers: (Uint8Array | undefined)[] = new Array(n);
  const sock: Socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.connect(port, '127.0.0.1', () => resolve());
  });
  let next = 0;
  let done = 0;
  let resent = 0;
  const datagrams = stream.datagrams;
  const t0 = performance.now();
  let t1 = t0;
  try {
    await new Promise<void>((resolve, reject) => {
      sock.on('message', (msg: Buffer) => {
        // Hot loop: token from the raw bytes (header 4 bytes, TKL in the low nibble of byte 0).
        // A separate response comes as CON (type 0): acknowledge it (RFC 7252 §5.2.2), or the
        // server holds back the next ones (NSTART); an empty ACK before it has no token.
        if ((msg[0] & 0x30) === 0) sock.send(Uint8Array.of(0x60, 0, msg[2], msg[3]));
        if ((msg[0] & 15) !== 4 || msg.length < 8) return;
        const i = ((msg[4] << 24) | (msg[5] << 16) | (msg[6] << 8) | msg[7]) >>> 0;
        if (i >= n || answers[i] !== undefined) return;
        answers[i] = msg;
        done++;
        if (next < n) sock.send(datagrams[next++]);
        else if (done === n) {
          t1 = performance.now();
          resolve();
        }
      });
      let lastDone = -1;
      const watchdog = setInterval(() => {
        if (performance.now() - t0 > timeoutMs) {
          clearInterval(watchdog);
          reject(new Error('load: ' + done + ' of ' + n + ' answered in ' + timeoutMs + ' ms'));
          return;
        }
        if (done === n) return clearInterval(watchdog);
        if (done === lastDone) {
          for (let i = 0; i < next; i++) if (answers[i] === undefined) (resent++, sock.send(datagrams[i]));
        }
        lastDone = done;
      }, 200);
      const first = Math.min(window, n);
      for (; next < first; next++) sock.send(datagrams[next]);
      sock.once('close', () => clearInterval(watchdog));
    });
  } finally {
    sock.close();
  }
  for (let i = 0; i < n; i++) stream.verify(i, answers[i]!);
  const ms = t1 - t0;
  return { n, ms, perSecond: (n * 1000) / ms, resent };
}
