/**
 * Block-wise (RFC 7959) as a StackLayer of the endpoint (see the layer seam in exchange.ts).
 * Placed among the inner layers it is inner Block-wise (RFC 8613 §4.1.3.4.1, on the plaintext
 * above OSCORE); among the outer layers, outer Block-wise (§4.1.3.4.2, for proxies). It works on
 * Messages alone, so the position is the only difference.
 *
 * Client: a request body larger than a block goes out with Block1 (and a Request-Tag when another
 * upload to the same resource is in flight, RFC 9175 §3.3); a response with more Block2 blocks is
 * completed before it is handed up, for every response of an Observe request too (§3.4 / RFC 7641).
 * Server: Block1 bodies are reassembled (Block1Reassembly) before the layer above sees them;
 * responses and notifications larger than a block are cut (sliceBlock2). A large response to a
 * method that must not run twice (POST, PUT, …) is kept for a while so later Block2 requests are
 * served from it instead of running the handler again (§2.6 leaves how to the server).
 * A response that already carries Block2 (cut smaller by the Echo layer's amplification
 * mitigation, RFC 7959 §7.2 / RFC 9175 §2.4) is passed on unchanged.
 */
import type { Clock } from '../ports.js';
import { CoapError } from '../errors.js';
import { Code } from './numbers.js';
import { Option } from './option-registry.js';
import { cloneMessage, getOptions, hasOption, type Message } from './message.js';
import { MAX_SZX, readBlock, szxToSize, writeBlock } from './block.js';
import { Block1Reassembly, block1ErrorResponse, type Block1Outcome, sliceBlock2, stripBlockOptions, type Block1Limits } from './blockwise.js';
import { requestBlockwise, collectBlock2, type BlockwiseClientOptions, type SendOne } from './blockwise-client.js';
import { RequestTagAllocator } from './request-tag.js';
import { peerKey, type ClientTransport, type OutgoingRequest, type RequestHandle, type ResponseSink, type ServerExchange, type ServerHandler, type StackLayer } from './exchange.js';
import { toHex, utf8Decode } from '../bytes.js';
import { errorResponse } from './server.js';

export interface BlockwiseLayerOptions {
  /** Largest block size we send, ask for, and serve (SZX 0..6; 6 = 1024 bytes). */
  preferredSzx?: number;
  /**
   * Client: largest response body collected in memory (default 1 MiB). Raise it here, or stream a
   * body of any size with a request's `bodySink` (which this limit does not apply to).
   */
  maxResponseBytes?: number;
  /** Server: Block1 reassembly limits. */
  block1?: Partial<Block1Limits>;
  /** Server: large responses of non-GET requests kept for later Block2 requests. */
  responseCacheEntries?: number;
  responseCacheMs?: number;
  /** Client: answer a server's preemptive Echo on a small first Block2 block (RFC 9175 §2.3; default true). */
  followEcho?: boolean;
}

const WHOLE: Block1Outcome = Object.freeze({ kind: 'whole' });

interface CachedResponse {
  response: Message;
  expires: number;
}

/**
 * True when requestBlockwise() would send `request` unchanged in one exchange: its body fits a
 * block and no early Block2 negotiation (§2.4) is due for our block size.
 */
function sentInOneBlock(request: Message, szx: number): boolean {
  if (request.payload.length > szxToSize(szx)) return false;
  if (szx === MAX_SZX) return true;
  return !(request.code === Code.GET || request.code === Code.FETCH) || hasOption(request, Option.BLOCK2);
}

export class BlockwiseLayer implements StackLayer {
  readonly name = 'block-wise';
  readonly reassembly: Block1Reassembly;
  readonly requestTags = new RequestTagAllocator();
  readonly szx: number;
  private readonly cache = new Map<string, CachedResponse>();

  constructor(private readonly clock: Clock, readonly opts: BlockwiseLayerOptions = {}) {
    this.szx = opts.preferredSzx ?? MAX_SZX;
    szxToSize(this.szx);
    this.reassembly = new Block1Reassembly(clock, { preferredSzx: this.szx, ...opts.block1 });
  }

  // ------------------------------------------------------------------ client

  readonly client = (lower: ClientTransport): ClientTransport => ({
    send: (req: OutgoingRequest, sink: ResponseSink): RequestHandle => {
      const op = new BlockOperation(lower, req, sink, this);
      if (!hasOption(req.message, Option.OBSERVE) && !req.bodySource && !req.bodySink && sentInOneBlock(req.message, this.szx)) {
        // Fast path, the common case: the request goes out as it is and a response without more
        // Block2 blocks comes back up synchronously — no promise chain per request. Only a
        // response that announces more blocks continues into collectBlock2 (same token, §2.4).
        let answered = false;
        op.whole = lower.send(req, {
          response: (m) => {
            if (op.closed || answered) return;
            answered = true;
            op.whole?.close();
            const b2 = readBlock(m, Option.BLOCK2);
            if (!b2 || !b2.more) return sink.response(m);
            if (m.token.length > 0) op.opToken = m.token.slice();
            op.deliver(collectBlock2(req.message, m, op.sendOne(true), op.options()));
          },
          error: (e) => {
            answered = true;
            op.fail(e);
          },
        });
        if (answered) op.whole.close(); // answered synchronously, before `op.whole` was assigned
        return op;
      }
      if (hasOption(req.message, Option.OBSERVE)) {
        // Observe: the lower exchange stays open for notifications; each is completed on its own.
        op.whole = lower.send(req, {
          response: (m) => op.deliver(collectBlock2(req.message, m, op.sendOne(false), op.options())),
          error: (e) => op.fail(e),
        });
        return op;
      }
      op.deliver(requestBlockwise(req.message, op.sendOne(true), op.options()));
      return op;
    },
  });

  // ------------------------------------------------------------------ server

  readonly server = (inner: ServerHandler): ServerHandler => (ex: ServerExchange) => {
    const req = ex.request;
    // Names the client (address, and the OSCORE context when there is one); built only when needed.
    const who = () => peerKey(ex.peer) + (ex.oscore ? ' kid:' + toHex(ex.oscore.recipientId) + ':' + toHex(ex.oscore.idContext ?? new Uint8Array(0)) : '');
    let asked;
    try {
      asked = readBlock(req, Option.BLOCK2);
    } catch (e) {
      if (e instanceof CoapError) return ex.respond(errorResponse(e.code, e.diagnostic));
      throw e;
    }
    // Names the response cache entry; built only when a large non-GET response is cached or looked up.
    const cacheKey = () => who() + ' ' + req.code + ' ' + getOptions(req, Option.URI_PATH).map(utf8Decode).join('/') + '?' + getOptions(req, Option.URI_QUERY).map(utf8Decode).join('&');
    if (asked && asked.num > 0 && req.code !== Code.GET && req.code !== Code.FETCH && !hasOption(req, Option.BLOCK1)) {
      const hit = this.cachedResponse(cacheKey());
      if (hit) return this.respondSliced(ex, req, hit);
    }
    // Without Block1 there is nothing to reassemble (receive() would answer 'whole' at once).
    const outcome: Block1Outcome = hasOption(req, Option.BLOCK1) ? this.reassembly.receive(who(), req) : WHOLE;
    if (outcome.kind === 'error') return ex.respond(block1ErrorResponse(outcome, req));
    if (outcome.kind === 'continue') {
      const r: Message = { type: req.type, code: Code.CONTINUE, messageId: 0, token: req.token, options: [], payload: new Uint8Array(0) };
      writeBlock(r, Option.BLOCK1, outcome.block1);
      return ex.respond(r);
    }
    let request = req;
    if (outcome.kind === 'complete') {
      request = stripBlockOptions(req);
      request.payload = outcome.body;
    }
    const derived: ServerExchange = {
      request,
      peer: ex.peer,
      oscore: ex.oscore,
      respond: (response) => {
        let r = response;
        if (outcome.kind === 'complete') {
          r = cloneMessage(response);
          writeBlock(r, Option.BLOCK1, outcome.block1);
        }
        if (req.code !== Code.GET && req.code !== Code.FETCH && r.payload.length > szxToSize(this.szx)) this.remember(cacheKey(), r);
        this.respondSliced(ex, req, r);
      },
      notify: (response, confirmable) => {
        // A notification larger than a block goes as its first block; the client fetches the rest (RFC 7959 §3.4).
        let r: Message;
        try {
          r = alreadyBlock(response) ? response : sliceBlock2(stripBlock2(req), response, this.szx);
        } catch (e) {
          return Promise.reject(e);
        }
        return ex.notify(r, confirmable);
      },
    };
    inner(derived);
  };

  private respondSliced(ex: ServerExchange, req: Message, full: Message): void {
    if (alreadyBlock(full)) return ex.respond(full);
    let r: Message;
    try {
      r = sliceBlock2(req, full, this.szx);
    } catch (e) {
      r = e instanceof CoapError ? errorResponse(e.code, e.diagnostic) : errorResponse(Code.INTERNAL_SERVER_ERROR, '');
    }
    ex.respond(r);
  }

  private remember(key: string, response: Message): void {
    const max = this.opts.responseCacheEntries ?? 8;
    this.cache.delete(key);
    while (this.cache.size >= max) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(key, { response, expires: this.clock.now() + (this.opts.responseCacheMs ?? 60_000) });
  }

  private cachedResponse(key: string): Message | undefined {
    const e = this.cache.get(key);
    if (!e) return undefined;
    if (e.expires <= this.clock.now()) {
      this.cache.delete(key);
      return undefined;
    }
    return e.response;
  }

  /** Drop all server state (endpoint closing). */
  clear(): void {
    this.reassembly.clear();
    this.cache.clear();
  }
}

/**
 * A response that already is one Block2 block (cut by a layer above, e.g. the Echo layer's
 * amplification mitigation, or by the resource itself) goes out as it is.
 */
function alreadyBlock(m: Message): boolean {
  return hasOption(m, Option.BLOCK2);
}

function stripBlock2(m: Message): Message {
  if (!hasOption(m, Option.BLOCK2)) return m;
  const r = cloneMessage(m);
  r.options = r.options.filter((o) => o.number !== Option.BLOCK2);
  return r;
}

/**
 * One logical request of the client side: the lower exchanges it has open, the token its block
 * requests share, and whether the caller closed it. Its `close()` is the handle the caller gets.
 * Built once per request; the block machinery (a SendOne, the options) only when blocks are needed.
 */
class BlockOperation implements RequestHandle {
  closed = false;
  /** The lower exchange of the first (or only) request: fast path and Observe. */
  whole?: RequestHandle;
  /**
   * One token for all requests of an operation (RFC 7959 §2.4 allows either; peers such as
   * node-coap match Block1 blocks by token). Not for the block fetches of Observe
   * notifications: the observation still holds its token.
   */
  opToken?: Uint8Array;
  /** Lower exchanges of block requests still waiting for their response. */
  private open?: Set<RequestHandle>;

  constructor(private readonly lower: ClientTransport, private readonly req: OutgoingRequest, private readonly sink: ResponseSink, private readonly layer: { readonly szx: number; readonly requestTags: RequestTagAllocator; readonly opts: BlockwiseLayerOptions }) {}

  /** One request/response exchange below, as requestBlockwise()/collectBlock2() need it. */
  sendOne(reuseToken: boolean): SendOne {
    return (message) =>
      new Promise<Message>((resolve, reject) => {
        if (this.closed) return reject(new Error('request closed'));
        let settled = false;
        let h: RequestHandle | undefined;
        const done = () => {
          settled = true;
          if (h) {
            this.open?.delete(h);
            h.close();
          }
        };
        h = this.lower.send(
          { ...this.req, message, token: reuseToken ? this.opToken : undefined },
          {
            response: (m) => {
              if (settled) return;
              done();
              if (reuseToken && this.opToken === undefined && m.token.length > 0) this.opToken = m.token.slice();
              resolve(m);
            },
            error: (e) => {
              if (settled) return;
              done();
              reject(e);
            },
          },
        );
        if (settled) h.close();
        else (this.open ??= new Set()).add(h);
      });
  }

  options(): BlockwiseClientOptions {
    const req = this.req, o = this.layer.opts;
    return {
      preferredSzx: this.layer.szx,
      maxBodyBytes: o.maxResponseBytes,
      requestTags: this.layer.requestTags,
      followEcho: o.followEcho,
      bodySource: req.bodySource,
      bodySink: req.bodySink,
      // Names the resource for Request-Tag allocation; only a Block1 upload reads it.
      get operationKey() {
        return peerKey(req.peer) + ' ' + getOptions(req.message, Option.URI_PATH).map(utf8Decode).join('/');
      },
    };
  }

  /** Hand the completed response up, unless the caller closed the request meanwhile. */
  deliver(whole: Promise<Message>): void {
    whole.then((m) => {
      if (!this.closed) this.sink.response(m);
    }, (e) => this.fail(e));
  }

  fail(e: unknown): void {
    if (!this.closed) this.sink.error(e instanceof Error ? e : new Error(String(e)));
  }

  close(): void {
    this.closed = true;
    this.whole?.close();
    if (this.open) {
      for (const x of this.open) x.close();
      this.open.clear();
    }
  }
}
