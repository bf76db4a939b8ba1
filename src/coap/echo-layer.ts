/**
 * Echo (RFC 9175 §2) as a StackLayer of the endpoint.
 *
 * Server: requests the `requireFresh` predicate selects (e.g. unsafe methods on an actuator) are
 * answered 4.01 + Echo unless they carry a fresh Echo value issued to the same client (§2.3).
 * Amplification mitigation (§2.4): a response to a request that is not OSCORE-authenticated and
 * whose size would exceed `amplificationFactor` × the request's size is replaced by 4.01 + Echo
 * until the client has shown, by echoing, that it receives at its claimed address.
 * Client: a 4.01 carrying Echo is answered by repeating the request once with that Echo (§2.3);
 * Observe registrations pass through unchanged.
 */
import type { Clock, RandomSource } from '../ports.js';
import { Option } from './option-registry.js';
import { getOption, hasOption, type Message } from './message.js';
import { encodedOptionsLength } from './codec.js';
import { EchoIssuer, echoChallenge, needsAmplificationEcho, requestWithEcho, type EchoIssuerOptions } from './echo.js';
import { peerKey, type ClientTransport, type OutgoingRequest, type RequestHandle, type ResponseSink, type ServerExchange, type ServerHandler, type StackLayer } from './exchange.js';

export interface EchoLayerOptions {
  /** Apply the server policies below (default true); false leaves only the client's Echo repeat. */
  server?: boolean;
  /** Repeat requests answered 4.01 + Echo (default true; false when an OSCORE layer below does it). */
  client?: boolean;
  issuer?: Partial<EchoIssuerOptions>;
  /** Requests that must prove freshness before the resource sees them. */
  requireFresh?: (exchange: ServerExchange) => boolean;
  /** §2.4: largest response/request size ratio for unverified, unauthenticated clients; 0 disables. */
  amplificationFactor?: number;
  /** After a fresh Echo, the client's address counts as verified this long (default 60 s). */
  verifiedForMs?: number;
  /** Verified addresses remembered at most (oldest forgotten first). */
  maxVerified?: number;
}

/** Header + token + options + payload: what the message occupies in a datagram. */
function wireSize(m: Message): number {
  return 4 + m.token.length + encodedOptionsLength(m.options, m.payload);
}

export class EchoLayer implements StackLayer {
  readonly name = 'echo';
  readonly issuer: EchoIssuer;
  /** Address → until when it counts as verified (§2.4), in insertion order for eviction. */
  private readonly verified = new Map<string, number>();

  constructor(private readonly clock: Clock, random: RandomSource, private readonly opts: EchoLayerOptions = {}) {
    this.issuer = new EchoIssuer(clock, random, opts.issuer);
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

  readonly server?: (inner: ServerHandler) => ServerHandler;

  private readonly serve = (inner: ServerHandler): ServerHandler => (ex: ServerExchange) => {
    const who = peerKey(ex.peer);
    const echo = getOption(ex.request, Option.ECHO);
    // Checked (and, single-use, consumed) once per request, before the resource runs.
    const fresh = echo !== undefined && this.issuer.verify(who, echo);
    if (fresh) this.markVerified(who);
    if (!fresh && this.opts.requireFresh?.(ex)) return ex.respond(echoChallenge(ex.request, this.issuer.issue(who)));
    const factor = this.opts.amplificationFactor ?? 3;
    // Block2 continuations of a verified client pass: its address was shown to be its own.
    if (factor <= 0 || fresh || ex.oscore || this.isVerified(who)) return inner(ex);
    const requestSize = wireSize(ex.request);
    inner({
      request: ex.request,
      peer: ex.peer,
      oscore: ex.oscore,
      notify: (r, con) => ex.notify(r, con),
      respond: (r) => {
        if (needsAmplificationEcho(requestSize, wireSize(r), false, factor)) ex.respond(echoChallenge(ex.request, this.issuer.issue(who)));
        else ex.respond(r);
      },
    });
  };

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
