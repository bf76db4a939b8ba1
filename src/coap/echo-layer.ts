/**
 * Echo (RFC 9175 §2) as a StackLayer of the endpoint.
 *
 * Server: requests the `requireFresh` predicate selects (e.g. unsafe methods on an actuator) are
 * answered 4.01 + Echo unless they carry a fresh Echo value issued to the same client (§2.3).
 *
 * Amplification mitigation (RFC 9175 §2.4 item 3 and §2.6, updating RFC 7252 §11.3): a response
 * to a request that is not OSCORE-authenticated (`exchange.oscore` unset), from an address not
 * yet verified, is kept within `amplificationFactor` × the request's size (3 by default):
 * - a response that fits is sent as it is;
 * - a larger response is cut to the largest Block2 block (RFC 7959 §2.4, at least SZX 0 = 16
 *   bytes) that fits, as RFC 7959 §7.2 suggests: every block costs the client a new small
 *   request, so a client that does Block-wise but not Echo (node-coap) still gets the whole
 *   representation, and the amplification stays bounded for every request. Size2 is left out
 *   unless asked for. The first block of a GET/FETCH response also carries a preemptive Echo
 *   (RFC 9175 §2.3) when it still fits: a client that echoes it verifies its address and gets
 *   full-size responses afterwards (our Block-wise client asks for block 0 again at its own
 *   size). For other methods (POST, PUT, …) the full response is kept a while and its later
 *   blocks served from it, so the handler does not run twice (RFC 7959 §2.6);
 * - anything else (a response without a body to cut, or not even a 16-byte block fits) is
 *   replaced by 4.01 + Echo, as RFC 9175 §2.4 recommends. Notifications (RFC 7641) cannot be
 *   replaced: they go as their 16-byte first block at worst.
 * A request with a fresh Echo marks its address verified for `verifiedForMs`.
 * The Endpoint turns this on by default (endpoint.ts); `amplificationFactor: 0` switches it off,
 * `smallBlocks: false` answers 4.01 + Echo instead of small blocks.
 *
 * Client: a 4.01 carrying Echo is answered by repeating the request once with that Echo (§2.3);
 * Observe registrations pass through unchanged.
 */
import type { Clock, RandomSource } from '../ports.js';
import { Code } from './numbers.js';
import { Option } from './option-registry.js';
import { getOption, getOptions, hasOption, removeOption, setOption, type Message } from './message.js';
import { utf8Decode } from '../bytes.js';
import { encodedOptionsLength } from './codec.js';
import { MAX_SZX, readBlock } from './block.js';
import { sliceBlock2 } from './blockwise.js';
import { EchoIssuer, echoChallenge, needsAmplificationEcho, requestWithEcho, type EchoIssuerOptions, type EchoValues } from './echo.js';
import { peerKey, type ClientTransport, type OutgoingRequest, type RequestHandle, type ResponseSink, type ServerExchange, type ServerHandler, type StackLayer } from './exchange.js';

export interface EchoLayerOptions {
  /** Apply the server policies below (default true); false leaves only the client's Echo repeat. */
  server?: boolean;
  /** Repeat requests answered 4.01 + Echo (default true; false when an OSCORE layer below does it). */
  client?: boolean;
  /** The Echo values: options of a (random-value) EchoIssuer, or an instance, e.g. a MacEchoIssuer (echo-mac.ts). */
  issuer?: Partial<EchoIssuerOptions> | EchoValues;
  /** Requests that must prove freshness before the resource sees them. */
  requireFresh?: (exchange: ServerExchange) => boolean;
  /** §2.4: largest response/request size ratio for unverified, unauthenticated clients (default 3); 0 disables. */
  amplificationFactor?: number;
  /** §2.4 / RFC 7959 §7.2: a too-large GET/FETCH response goes as a small Block2 block (default true) instead of 4.01 + Echo. */
  smallBlocks?: boolean;
  /** After a fresh Echo, the client's address counts as verified this long (default 60 s). */
  verifiedForMs?: number;
  /** Verified addresses remembered at most (oldest forgotten first). */
  maxVerified?: number;
}

/** Unsafe-method responses kept for their later blocks (oldest forgotten first). */
const KEPT_RESPONSES = 8;

/**
 * Header + token + options + payload: what the message occupies in a datagram. A response
 * template has no token yet (messaging copies the request's): pass the request's token length.
 */
function wireSize(m: Message, tokenLength = m.token.length): number {
  return 4 + tokenLength + encodedOptionsLength(m.options, m.payload);
}

export class EchoLayer implements StackLayer {
  readonly name = 'echo';
  readonly issuer: EchoValues;
  /** Address → until when it counts as verified (§2.4), in insertion order for eviction. */
  private readonly verified = new Map<string, number>();
  /** Full responses to unsafe requests that went out cut small, for their later blocks. */
  private readonly kept = new Map<string, { response: Message; until: number }>();

  constructor(private readonly clock: Clock, random: RandomSource, private readonly opts: EchoLayerOptions = {}) {
    const i = opts.issuer;
    this.issuer = i && 'issue' in i ? i : new EchoIssuer(clock, random, i);
    if (opts.server !== false) this.server = this.serve;
    if (opts.client !== false) this.client = this.repeat;
  }

  private isVerified(who: string): boolean {
    const until = this.verified.get(who);
    if (until === undefined) return false;
    if (until > this.clock.now()) return true;
    this.verified.delete(who);
    return false;
  }

  private markVerified(who: string): void {
    this.verified.delete(who);
    const max = this.opts.maxVerified ?? 64;
    while (this.verified.size >= max) this.verified.delete(this.verified.keys().next().value as string);
    this.verified.set(who, this.clock.now() + (this.opts.verifiedForMs ?? 60_000));
  }

  /** Drop server state (endpoint closing). */
  clear(): void {
    this.verified.clear();
    this.kept.clear();
  }

  readonly server?: (inner: ServerHandler) => ServerHandler;

  private readonly serve = (inner: ServerHandler): ServerHandler => (ex: ServerExchange) => {
    const who = peerKey(ex.peer);
    const echo = getOption(ex.request, Option.ECHO);
    // Checked (and, single-use, consumed) once per request, before the resource runs.
    const fresh = echo !== undefined && this.issuer.verify(who, echo);
    if (fresh) this.markVerified(who);
    if (!fresh && this.opts.requireFresh?.(ex)) return ex.respond(echoChallenge(ex.request, this.issuer.issue(who)));
    const factor = this.opts.amplificationFactor ?? 3;
    if (factor <= 0 || ex.oscore) return inner(ex);
    const request = ex.request;
    const verified = fresh || this.isVerified(who);
    const small = this.opts.smallBlocks !== false;
    const requestSize = wireSize(request);
    const limit = factor * requestSize;
    const unsafe = request.code !== Code.GET && request.code !== Code.FETCH;
    // A later block of an unsafe request's response we cut: from the kept response, without
    // running the handler again (RFC 7959 §2.6).
    const kept = unsafe && this.kept.size > 0 ? this.keptFor(request, who) : undefined;
    if (kept) return ex.respond(this.keptBlock(request, kept, verified ? Infinity : limit, who));
    // Block2 continuations of a verified client pass: its address was shown to be its own.
    if (verified) return inner(ex);
    inner({
      request,
      peer: ex.peer,
      oscore: ex.oscore,
      // A notification cannot be answered with 4.01: it goes as a small first block (the client
      // fetches the rest, RFC 7959 §3.4), 16 bytes at least.
      notify: (r, con) => ex.notify(wireSize(r, request.token.length) <= limit ? r : (this.smallBlock(request, r, limit, who, true) ?? r), con),
      respond: (r) => {
        if (!needsAmplificationEcho(requestSize, wireSize(r, request.token.length), false, factor)) return ex.respond(r);
        const cut = small ? this.smallBlock(request, r, limit, who, false) : undefined;
        if (cut && unsafe) this.keep(request, who, r);
        ex.respond(cut ?? echoChallenge(request, this.issuer.issue(who)));
      },
    });
  };

  private keptKey(request: Message, who: string): string {
    const path = getOptions(request, Option.URI_PATH).map(utf8Decode).join('/');
    const query = getOptions(request, Option.URI_QUERY).map(utf8Decode).join('&');
    return who + ' ' + request.code + ' ' + path + '?' + query;
  }

  private keep(request: Message, who: string, response: Message): void {
    const key = this.keptKey(request, who);
    this.kept.delete(key);
    while (this.kept.size >= KEPT_RESPONSES) this.kept.delete(this.kept.keys().next().value as string);
    this.kept.set(key, { response, until: this.clock.now() + (this.opts.verifiedForMs ?? 60_000) });
  }

  /** The kept response a Block2 request (block > 0, no Block1) continues, if any. */
  private keptFor(request: Message, who: string): Message | undefined {
    let asked;
    try {
      asked = readBlock(request, Option.BLOCK2);
    } catch {
      return undefined;
    }
    if (!asked || asked.num === 0 || hasOption(request, Option.BLOCK1)) return undefined;
    const key = this.keptKey(request, who);
    const e = this.kept.get(key);
    if (!e) return undefined;
    if (e.until > this.clock.now()) return e.response;
    this.kept.delete(key);
    return undefined;
  }

  private keptBlock(request: Message, kept: Message, limit: number, who: string): Message {
    try {
      return limit === Infinity ? sliceBlock2(request, kept) : (this.smallBlock(request, kept, limit, who, true) ?? echoChallenge(request, this.issuer.issue(who)));
    } catch {
      return echoChallenge(request, this.issuer.issue(who)); // a block past the end
    }
  }

  /**
   * The largest Block2 block of `full` whose response fits in `limit` bytes: with a preemptive
   * Echo on block 0 if one still fits, else without; undefined when the request cannot take Block2
   * or not even a 16-byte block fits (with `atLeast16`, that 16-byte block instead).
   */
  private smallBlock(request: Message, full: Message, limit: number, who: string, atLeast16: boolean): Message | undefined {
    if (hasOption(full, Option.BLOCK2)) return undefined;
    let asked;
    try {
      asked = readBlock(request, Option.BLOCK2);
    } catch {
      return undefined; // a malformed Block2: 4.01 + Echo now, the layers below answer it once verified
    }
    const offset = asked ? asked.num * (16 << asked.szx) : 0;
    if (offset > 0 && offset >= full.payload.length) return undefined;
    const largest = asked ? Math.min(asked.szx, MAX_SZX) : MAX_SZX;
    const cut = (szx: number): Message | undefined => {
      // Smaller sizes keep the client's offset (RFC 7959 §2.4): powers of two divide each other.
      const r = sliceBlock2(request, full, szx);
      if (r === full) return undefined; // fits one block of this size: cutting does not make it smaller
      // Size2 is optional unless asked for (RFC 7959 §4); the bytes go to the payload instead.
      if (!hasOption(request, Option.SIZE2)) removeOption(r, Option.SIZE2);
      return r;
    };
    // No Echo for unsafe methods: a client asking for block 0 again would run the handler again.
    if (offset === 0 && (request.code === Code.GET || request.code === Code.FETCH)) {
      // Sized with a stand-in of the value's length: a value is issued (and stored) only when sent.
      const standIn = new Uint8Array(this.issuer.valueLength);
      for (let szx = largest; szx >= 0; szx--) {
        const r = cut(szx);
        if (!r) continue;
        setOption(r, Option.ECHO, standIn);
        if (wireSize(r, request.token.length) > limit) continue;
        setOption(r, Option.ECHO, this.issuer.issue(who));
        return r;
      }
    }
    for (let szx = largest; szx >= 0; szx--) {
      const r = cut(szx);
      if (r && (wireSize(r, request.token.length) <= limit || (atLeast16 && szx === 0))) return r;
    }
    return undefined;
  }

  readonly client?: (lower: ClientTransport) => ClientTransport;

  private readonly repeat = (lower: ClientTransport): ClientTransport => ({
    send: (req: OutgoingRequest, sink: ResponseSink): RequestHandle => {
      if (hasOption(req.message, Option.OBSERVE)) return lower.send(req, sink);
      let closed = false;
      let current: RequestHandle | undefined;
      const sendOne = (message: Message) =>
        new Promise<Message>((resolve, reject) => {
          let settled = false;
          let h: RequestHandle | undefined = undefined;
          h = lower.send(
            { ...req, message },
            {
              response: (m) => {
                if (settled) return;
                settled = true;
                h?.close();
                resolve(m);
              },
              error: (e) => {
                if (settled) return;
                settled = true;
                reject(e);
              },
            },
          );
          if (settled) h.close();
          else current = h;
        });
      requestWithEcho(req.message, sendOne).then(
        (m) => !closed && sink.response(m),
        (e) => !closed && sink.error(e as Error),
      );
      return {
        close: () => {
          closed = true;
          current?.close();
        },
      };
    },
  });
}
