/**
 * Server-side resource routing (RFC 7252 §5.8 methods, §5.9 response codes): resources by
 * Uri-Path, handlers per method, 4.04 / 4.05, a per-resource policy (`requireOscore`: 4.01
 * "OSCORE required" for unprotected requests), /.well-known/core (RFC 6690), and the mapping of
 * handler results and thrown CoapErrors to responses. It is the top ServerHandler of the stack.
 */
import type { CoapOption, Message } from './message.js';
import { createMessage, getOption, getOptions, getUintOption, setUintOption } from './message.js';
import { Code } from './numbers.js';
import { Option } from './option-registry.js';
import { utf8Decode, utf8Encode } from '../bytes.js';
import { CoapError } from '../errors.js';
import { firstUnknownCriticalOption } from './codec.js';
import { splitPath } from './uri.js';
import type { OscoreRequestInfo, Peer, ServerExchange, ServerHandler } from './exchange.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'FETCH' | 'PATCH' | 'iPATCH';
export const METHOD_CODES: Readonly<Record<Method, number>> = Object.freeze({ GET: 1, POST: 2, PUT: 3, DELETE: 4, FETCH: 5, PATCH: 6, iPATCH: 7 });
const METHOD_NAMES: Readonly<Record<number, Method>> = Object.freeze<Record<number, Method>>({ 1: 'GET', 2: 'POST', 3: 'PUT', 4: 'DELETE', 5: 'FETCH', 6: 'PATCH', 7: 'iPATCH' });

export function methodCode(m: Method | number): number {
  if (typeof m === 'number') return m;
  const c = METHOD_CODES[m];
  if (c === undefined) throw new TypeError('unknown method ' + m);
  return c;
}

/** A request as a resource handler sees it. */
export class IncomingRequest {
  readonly method: Method | undefined;
  readonly path: string[];
  readonly query: string[];
  /** The request message (inside OSCORE: the decrypted inner request). */
  readonly message: Message;
  readonly code: number;
  readonly payload: Uint8Array;
  readonly peer: Peer;
  /** Set when the request arrived OSCORE-protected and verified. */
  readonly oscore: OscoreRequestInfo | undefined;
  constructor(readonly exchange: ServerExchange) {
    const m = (this.message = exchange.request);
    this.code = m.code;
    this.payload = m.payload;
    this.peer = exchange.peer;
    this.oscore = exchange.oscore;
    this.method = METHOD_NAMES[m.code];
    this.path = getOptions(m, Option.URI_PATH).map(utf8Decode);
    this.query = getOptions(m, Option.URI_QUERY).map(utf8Decode);
  }
  text(): string {
    return utf8Decode(this.payload);
  }
  option(number: number): Uint8Array | undefined {
    return getOption(this.message, number);
  }
  get contentFormat(): number | undefined {
    return getUintOption(this.message, Option.CONTENT_FORMAT);
  }
  get accept(): number | undefined {
    return getUintOption(this.message, Option.ACCEPT);
  }
}

/** What a handler returns: a code (default 2.05) and optional options/payload. */
export interface ResponseInit {
  code?: number;
  options?: CoapOption[];
  payload?: Uint8Array | string;
  contentFormat?: number;
}

/**
 * A handler returns the response, or `undefined` when it has answered through
 * `request.exchange.respond` itself (e.g. an Observe or Block-wise unit).
 */
export type ResourceHandler = (request: IncomingRequest) => ResponseInit | undefined | Promise<ResponseInit | undefined>;

export interface ResourcePolicy {
  /** Answer unprotected requests with 4.01 "OSCORE required". */
  requireOscore?: boolean;
  /** Clients may observe it (RFC 7641); the application calls `endpoint.notify(path)` on changes. */
  observable?: boolean;
  /** Attributes listed in /.well-known/core, e.g. { rt: 'temperature', ct: '0' }. */
  linkAttributes?: Record<string, string>;
}

interface Resource {
  path: string;
  handlers: Partial<Record<Method, ResourceHandler>>;
  policy: ResourcePolicy;
}

export function buildResponse(init: ResponseInit): Message {
  const payload = typeof init.payload === 'string' ? utf8Encode(init.payload) : init.payload ?? new Uint8Array(0);
  const m = createMessage({ code: init.code ?? Code.CONTENT, options: init.options, payload });
  if (init.contentFormat !== undefined) setUintOption(m, Option.CONTENT_FORMAT, init.contentFormat);
  return m;
}

export function errorResponse(code: number, diagnostic: string): Message {
  return createMessage({ code, payload: utf8Encode(diagnostic) });
}

export class Router {
  private readonly resources = new Map<string, Resource>();
  /** Serve /.well-known/core (RFC 6690) listing the resources. */
  wellKnownCore = true;

  resource(path: string, handlers: Partial<Record<Method, ResourceHandler>>, policy: ResourcePolicy = {}): void {
    const key = splitPath(path).join('/');
    this.resources.set(key, { path: key, handlers, policy });
  }

  remove(path: string): void {
    this.resources.delete(splitPath(path).join('/'));
  }

  /** The ServerHandler at the top of the stack. */
  readonly handle: ServerHandler = (exchange) => {
    const req = new IncomingRequest(exchange);
    // §5.4.1 for the options the resource sees (inside OSCORE: the decrypted ones).
    const bad = firstUnknownCriticalOption(exchange.request);
    if (bad !== undefined) return exchange.respond(errorResponse(Code.BAD_OPTION, 'Unknown critical option ' + bad));
    const key = req.path.join('/');
    if (key === '.well-known/core' && this.wellKnownCore && !this.resources.has(key)) {
      if (req.method !== 'GET') return exchange.respond(errorResponse(Code.METHOD_NOT_ALLOWED, ''));
      return exchange.respond(buildResponse({ payload: this.linkFormat(), contentFormat: 40 }));
    }
    const r = this.resources.get(key);
    if (!r) return exchange.respond(errorResponse(Code.NOT_FOUND, ''));
    if (r.policy.requireOscore && !exchange.oscore) return exchange.respond(errorResponse(Code.UNAUTHORIZED, 'OSCORE required'));
    const h = req.method && r.handlers[req.method];
    if (!h) return exchange.respond(errorResponse(Code.METHOD_NOT_ALLOWED, ''));
    let result: ResponseInit | undefined | Promise<ResponseInit | undefined>;
    try {
      result = h(req);
    } catch (e) {
      return exchange.respond(toErrorResponse(e));
    }
    if (result && typeof (result as Promise<unknown>).then === 'function') {
      (result as Promise<ResponseInit | undefined>).then(
        (init) => init && exchange.respond(buildResponse(init)),
        (e) => exchange.respond(toErrorResponse(e)),
      );
    } else if (result) exchange.respond(buildResponse(result as ResponseInit));
  };

  private linkFormat(): string {
    const links: string[] = [];
    for (const r of this.resources.values()) {
      let l = '</' + r.path + '>';
      for (const [k, v] of Object.entries(r.policy.linkAttributes ?? {})) l += ';' + k + '=' + (/^\d+$/.test(v) ? v : '"' + v + '"');
      links.push(l);
    }
    return links.join(',');
  }
}

function toErrorResponse(e: unknown): Message {
  if (e instanceof CoapError) return errorResponse(e.code, e.diagnostic);
  return errorResponse(Code.INTERNAL_SERVER_ERROR, '');
}
