/**
 * The OSCORE layer of the CoAP stack (RFC 8613 §8), between messaging (+ outer layers) and the
 * request layer (inner Block-wise, Observe, resources) — see the seam at the top of
 * composed-endpoint.ts. oscoreLayer() has both sides; oscoreServerLayer()/oscoreClientLayer() one
 * each, so a device app that only serves (or only asks) carries only that side.
 *
 * Server: a request with an OSCORE option is verified with the context its kid (and kid context)
 * selects; failures get the §8.2 unprotected error responses (4.02 / 4.01 / 4.00, Max-Age 0);
 * an unknown replay window (App. B.1.2) gets a protected 4.01 with Echo and our own Partial IV.
 * The layers above see the decrypted request and `exchange.oscore`; their responses and
 * notifications are protected on the way down. Requests without OSCORE pass through unchanged
 * (the resource policy `requireOscore` answers them 4.01).
 * Client: the context comes per request (`layerData.oscore`) or from `contextFor` (e.g. by URI);
 * responses are verified with the request's binding (§8.4). A protected 4.01 carrying Echo makes
 * the layer repeat the request once with that Echo (RFC 9175 §2.3, RFC 8613 App. B.1.2).
 * Duplicate requests never reach this layer: messaging answers them from its cache, so a
 * retransmitted CON does not trip the replay window.
 */
import type { Clock, RandomSource } from '../ports.js';
import type { Message } from './message.js';
import { cloneMessage, createMessage, getOption, hasOption, setOption } from './message.js';
import { Code } from './numbers.js';
import { Option } from './option-registry.js';
import { encodeUint, toHex, utf8Encode } from '../bytes.js';
import { BadOptionError, NotAProtectedMessage, ReplayErrorWithEcho } from '../errors.js';
import { firstUnknownCriticalOption } from './codec.js';
import { EchoIssuer, type EchoIssuerOptions, type EchoValues } from './echo.js';
import { protectRequest, protectResponse, type RequestBinding } from '../oscore/protect.js';
import { unprotectRequest, unprotectResponse, type ContextLookup, type EchoVerifier } from '../oscore/unprotect.js';
import { oscoreErrorResponse, protectEchoChallenge } from '../oscore/error-response.js';
import type { SecurityContext } from '../oscore/context.js';
import type { ClientTransport, OutgoingRequest, RequestHandle, ResponseSink, ServerExchange, ServerHandler, StackLayer } from './exchange.js';
import type { LayeredMessage } from './client.js';

export interface OscoreLayerOptions {
  /** Server: the context for a request's kid (+ kid context); see contextLookup() in src/oscore. */
  lookup?: ContextLookup;
  /**
   * Server, App. B.1.2: Echo values for requests arriving while a replay window is unknown.
   * Default: an EchoIssuer (random values, 10 s freshness, single use) when clock and random are given.
   */
  echo?: EchoVerifier;
  clock?: Clock;
  random?: RandomSource;
  echoOptions?: Partial<EchoIssuerOptions>;
  /** Client: the context for a request without `layerData.oscore` (undefined = send unprotected). */
  contextFor?: (request: OutgoingRequest) => SecurityContext | undefined;
  /** Client: repeat a request once when a protected 4.01 carries Echo (default true). */
  echoRetry?: boolean;
}

/** An EchoVerifier over coap-ext's Echo values (EchoIssuer, MacEchoIssuer), bound to the context (kid context ‖ recipient ID). */
export function echoVerifierFrom(issuer: EchoValues): EchoVerifier {
  const name = (c: SecurityContext) => 'oscore:' + toHex(c.idContext ?? new Uint8Array(0)) + ':' + toHex(c.recipientId);
  return { issue: (c) => issuer.issue(name(c)), verify: (c, echo) => issuer.verify(name(c), echo) };
}

/** The server side needs `lookup`; Echo (App. B.1.2) as in OscoreLayerOptions. */
export type OscoreServerLayerOptions = Pick<OscoreLayerOptions, 'echo' | 'clock' | 'random' | 'echoOptions'> & { lookup: ContextLookup };
export type OscoreClientLayerOptions = Pick<OscoreLayerOptions, 'contextFor' | 'echoRetry'>;

function defaultEcho(opts: OscoreLayerOptions): EchoVerifier | undefined {
  return opts.echo ?? (opts.clock && opts.random ? echoVerifierFrom(new EchoIssuer(opts.clock, opts.random, opts.echoOptions)) : undefined);
}

/** Both sides: a server side when `lookup` is given, and always a client side. */
export function oscoreLayer(opts: OscoreLayerOptions): StackLayer {
  const echo = defaultEcho(opts);
  return {
    name: 'oscore',
    server: opts.lookup ? serverLayer(opts.lookup, echo) : undefined,
    client: (lower) => clientTransport(lower, opts),
  };
}

/**
 * The server side alone, for an application that only serves: its bundle carries no request
 * protection or response verification. Requests it sends (if any) go out unprotected.
 */
export function oscoreServerLayer(opts: OscoreServerLayerOptions): StackLayer {
  return { name: 'oscore', server: serverLayer(opts.lookup, defaultEcho(opts)) };
}

/**
 * The client side alone, for an application that only sends requests: its bundle carries no
 * request verification, Echo issuer or §8.2 error responses. Protected requests it receives are
 * passed up unverified to the resources, where there are none (a client-only endpoint answers 4.04).
 */
export function oscoreClientLayer(opts: OscoreClientLayerOptions): StackLayer {
  return { name: 'oscore', client: (lower) => clientTransport(lower, opts) };
}

function serverLayer(lookup: ContextLookup, echo: EchoVerifier | undefined) {
  return (inner: ServerHandler): ServerHandler =>
    (ex) => {
      if (!hasOption(ex.request, Option.OSCORE)) return inner(ex);
      let verified: { message: Message; binding: RequestBinding; context: SecurityContext };
      try {
        verified = unprotectRequest(ex.request, lookup, { echo });
      } catch (e) {
        const mapped = oscoreErrorResponse(e);
        return ex.respond(
          mapped
            ? plainError(mapped.code, mapped.diagnostic, mapped.maxAge)
            : orServerError(() => {
                if (e instanceof ReplayErrorWithEcho) return protectEchoChallenge(e, createMessage({ code: Code.UNAUTHORIZED }));
                throw e;
              }),
        );
      }
      const { binding, context } = verified;
      const protect = (r: Message): Message => orServerError(() => protectResponse(r, binding));
      const exchange: ServerExchange = {
        request: verified.message,
        peer: ex.peer,
        oscore: { recipientId: context.recipientId, idContext: context.idContext },
        respond: (r) => ex.respond(protect(r)),
        notify: (r, con) => ex.notify(protect(r), con),
      };
      inner(exchange);
    };
}

/**
 * `make()`, or a bare 5.00 when it throws: an error no §8.2 answer covers, or a response that
 * cannot be protected (e.g. the sender sequence is exhausted: nothing can be protected any more).
 */
function orServerError(make: () => Message): Message {
  try {
    return make();
  } catch {
    return plainError(Code.INTERNAL_SERVER_ERROR, '');
  }
}

/** §8.2: unprotected error response with Outer Max-Age (0) so caches do not keep it. */
function plainError(code: number, diagnostic: string, maxAge?: number): Message {
  const m = createMessage({ code, payload: utf8Encode(diagnostic) });
  if (maxAge !== undefined) setOption(m, Option.MAX_AGE, encodeUint(maxAge));
  return m;
}

function clientTransport(lower: ClientTransport, opts: OscoreClientLayerOptions): ClientTransport {
  return {
    send(request: OutgoingRequest, sink: ResponseSink): RequestHandle {
      const data = (request.message as LayeredMessage).layerData;
      const context = (data?.oscore as SecurityContext | undefined) ?? opts.contextFor?.(request);
      if (!context) return lower.send(request, sink);
      let current: RequestHandle | undefined;
      let closed = false;
      let echoed = false;
      const attempt = (plain: Message) => {
        let binding: RequestBinding;
        let message: Message;
        try {
          ({ message, binding } = protectRequest(context, plain));
        } catch (e) {
          sink.error(e as Error);
          return;
        }
        let delivered = false;
        current = lower.send({ ...request, message }, {
          response: (m) => {
            if (closed) return;
            if (!hasOption(m, Option.OSCORE)) {
              // §8.4: an unprotected answer can only be an error (e.g. 4.01 "Security context not
              // found" from a server that lost our context); never let it pass as a success.
              if (m.code >> 5 === 2) sink.error(new NotAProtectedMessage('unprotected 2.xx response to an OSCORE request'));
              else sink.response(m);
              return;
            }
            let plainResponse: Message;
            try {
              plainResponse = unprotectResponse(m, binding).message;
            } catch (e) {
              // A bad or replayed notification after good ones is dropped, not fatal (§7.4.1).
              if (delivered && binding.observe) return;
              sink.error(e as Error);
              return;
            }
            // RFC 7252 §5.4.1 on the decrypted options: a response we cannot fully understand is rejected.
            const bad = firstUnknownCriticalOption(plainResponse);
            if (bad !== undefined) {
              sink.error(new BadOptionError(bad));
              return;
            }
            const echoValue = getOption(plainResponse, Option.ECHO);
            if (plainResponse.code === Code.UNAUTHORIZED && echoValue && !echoed && opts.echoRetry !== false) {
              echoed = true;
              const again = cloneMessage(plain);
              setOption(again, Option.ECHO, echoValue);
              current?.close();
              attempt(again);
              return;
            }
            delivered = true;
            sink.response(plainResponse);
          },
          error: (e) => {
            if (!closed) sink.error(e);
          },
        });
      };
      attempt(request.message);
      return {
        close() {
          closed = true;
          current?.close();
        },
      };
    },
  };
}
