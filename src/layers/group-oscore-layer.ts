/**
 * Group OSCORE in the CoAP stack (RFC 10021 §7, §8), beside the OSCORE layer of
 * src/coap/oscore-layer.ts and composed before it: a protected request whose kid context is the
 * Group ID of one of our groups is verified here, any other goes on to the next layer unchanged.
 *
 * Server: group-mode and pairwise requests are verified with the group (src/group); the layers
 * above see the decrypted request and `exchange.oscore` (the member's Sender ID, the Gid); their
 * responses are protected in the request's mode. A request that came to a group address
 * (`exchange.multicast`) gets no error answer (RFC 7252 §8.2; messaging also drops outer errors
 * and waits the Leisure), except the Echo challenge that lets a member prove freshness after a
 * restart (App. B.1.2 per member). Failures otherwise get the §8.2 unprotected error responses.
 * Client: the group comes per request (`layerData.group = { context, mode?, to? }`) or from
 * `groupFor`. Every answer is verified with the request's binding; to a multicast request each
 * member's answer goes up on its own (`layerData.groupMember` = its Sender ID) and one that does
 * not verify is dropped, not fatal — other members still answer. A request to one member is
 * repeated once with the Echo value of a protected 4.01 (App. B.1.2, the member restarted).
 */
import type { Clock, RandomSource } from '../ports.js';
import type { Message } from '../coap/message.js';
import { cloneMessage, createMessage, getOption, hasOption, setOption } from '../coap/message.js';
import { Code } from '../coap/numbers.js';
import { Option } from '../coap/option-registry.js';
import { encodeUint, equalBytes, toHex, utf8Encode } from '../bytes.js';
import { NotAProtectedMessage, ReplayErrorWithEcho } from '../errors.js';
import { EchoIssuer, type EchoIssuerOptions } from '../coap/echo.js';
import { oscoreErrorResponse } from '../oscore/error-response.js';
import type { ClientTransport, OutgoingRequest, RequestHandle, ResponseSink, ServerExchange, ServerHandler, StackLayer } from '../coap/exchange.js';
import type { LayeredMessage } from '../coap/client.js';
import { decodeGroupOscoreOption } from '../group/option.js';
import type { GroupContext } from '../group/context.js';
import { protectGroupRequest, protectGroupResponse, type GroupMode, type GroupRequestBinding } from '../group/protect.js';
import { unprotectGroupRequest, unprotectGroupResponse, type GroupEchoVerifier } from '../group/unprotect.js';

/** What a client request names: the group, the mode, and in pairwise mode the member addressed. */
export interface GroupRequestChoice {
  context: GroupContext;
  mode?: GroupMode;
  to?: Uint8Array;
}

export interface GroupOscoreLayerOptions {
  /** Server: the groups this endpoint is a member of. */
  groups?: readonly GroupContext[];
  /** Server, App. B.1.2 per member; default: an EchoIssuer when clock and random are given. */
  echo?: GroupEchoVerifier;
  clock?: Clock;
  random?: RandomSource;
  echoOptions?: Partial<EchoIssuerOptions>;
  /** Client: the group for a request without `layerData.group` (undefined: not a group request). */
  groupFor?: (request: OutgoingRequest) => GroupRequestChoice | undefined;
}

function defaultEcho(opts: GroupOscoreLayerOptions): GroupEchoVerifier | undefined {
  if (opts.echo) return opts.echo;
  if (!opts.clock || !opts.random) return undefined;
  const issuer = new EchoIssuer(opts.clock, opts.random, opts.echoOptions);
  const name = (g: GroupContext, senderId: Uint8Array) => 'group:' + toHex(g.groupId) + ':' + toHex(senderId);
  return { issue: (g, m) => issuer.issue(name(g, m.senderId)), verify: (g, m, e) => issuer.verify(name(g, m.senderId), e) };
}

export function groupOscoreLayer(opts: GroupOscoreLayerOptions): StackLayer {
  const groups = opts.groups ?? [];
  return {
    name: 'group-oscore',
    server: groups.length ? serverLayer(groups, defaultEcho(opts)) : undefined,
    client: (lower) => clientTransport(lower, opts),
  };
}

/** The group whose Gid is the request's kid context, or undefined (not ours: the next layer's). */
function groupOf(groups: readonly GroupContext[], request: Message): GroupContext | undefined {
  const value = getOption(request, Option.OSCORE);
  if (!value) return undefined;
  let kidContext: Uint8Array | undefined;
  try {
    kidContext = decodeGroupOscoreOption(value).kidContext;
  } catch {
    return undefined;
  }
  if (!kidContext) return undefined;
  for (const g of groups) if (equalBytes(g.groupId, kidContext)) return g;
  return undefined;
}

function plainError(code: number, diagnostic: string, maxAge?: number): Message {
  const m = createMessage({ code, payload: utf8Encode(diagnostic) });
  if (maxAge !== undefined) setOption(m, Option.MAX_AGE, encodeUint(maxAge));
  return m;
}

const isError = (code: number) => code >> 5 >= 4;

function serverLayer(groups: readonly GroupContext[], echo: GroupEchoVerifier | undefined) {
  return (inner: ServerHandler): ServerHandler =>
    (ex) => {
      const group = groupOf(groups, ex.request);
      if (!group) return inner(ex);
      let verified: ReturnType<typeof unprotectGroupRequest>;
      try {
        verified = unprotectGroupRequest(group, ex.request, { echo });
      } catch (e) {
        if (e instanceof ReplayErrorWithEcho) {
          const challenge = createMessage({ code: Code.UNAUTHORIZED });
          setOption(challenge, Option.ECHO, e.echo);
          try {
            return ex.respond(protectGroupResponse(challenge, e.request as GroupRequestBinding, { partialIv: true }));
          } catch {
            return ex.respond(plainError(Code.INTERNAL_SERVER_ERROR, ''));
          }
        }
        const mapped = oscoreErrorResponse(e);
        return ex.respond(mapped ? plainError(mapped.code, mapped.diagnostic, mapped.maxAge) : plainError(Code.INTERNAL_SERVER_ERROR, ''));
      }
      const { binding, member } = verified;
      const protect = (r: Message): Message => {
        try {
          return protectGroupResponse(r, binding);
        } catch {
          return plainError(Code.INTERNAL_SERVER_ERROR, '');
        }
      };
      const exchange: ServerExchange = {
        request: verified.message,
        peer: ex.peer,
        multicast: ex.multicast,
        oscore: { recipientId: member.senderId, idContext: group.groupId },
        respond: (r) => {
          // RFC 7252 §8.2 / RFC 10021 §7.3: no error answers to a group request sent by multicast.
          if (ex.multicast && isError(r.code)) return;
          ex.respond(protect(r));
        },
        notify: (r, con) => ex.notify(protect(r), con),
      };
      inner(exchange);
    };
}

function clientTransport(lower: ClientTransport, opts: GroupOscoreLayerOptions): ClientTransport {
  return {
    send(request: OutgoingRequest, sink: ResponseSink): RequestHandle {
      const data = (request.message as LayeredMessage).layerData;
      const choice = (data?.group as GroupRequestChoice | undefined) ?? opts.groupFor?.(request);
      if (!choice) return lower.send(request, sink);
      const many = request.multicast === true;
      let closed = false;
      let echoed = false;
      let current: RequestHandle | undefined;
      const attempt = (plainRequest: Message) => {
        let protectedRequest: { message: Message; binding: GroupRequestBinding };
        try {
          protectedRequest = protectGroupRequest(choice.context, plainRequest, choice.mode ?? 'group', choice.to);
        } catch (e) {
          sink.error(e as Error);
          return;
        }
        const { message, binding } = protectedRequest;
        current = lower.send({ ...request, message }, {
          response: (m, from) => {
            if (closed) return;
            if (!hasOption(m, Option.OSCORE)) {
              // An unprotected answer can only be an error; to a multicast request it is ignored.
              if (many) return;
              if (!isError(m.code)) sink.error(new NotAProtectedMessage('unprotected ' + (m.code >> 5) + '.xx response to a Group OSCORE request'));
              else sink.response(m);
              return;
            }
            let verified: ReturnType<typeof unprotectGroupResponse>;
            try {
              verified = unprotectGroupResponse(m, binding);
            } catch (e) {
              if (!many) sink.error(e as Error);
              return;
            }
            const plain = verified.message as LayeredMessage;
            // App. B.1.2 per member: a protected 4.01 with Echo asks for the request again with it
            // (once, and only for a request to one member: a multicast one would ask them all again).
            const echo = getOption(plain, Option.ECHO);
            if (!many && !echoed && plain.code === Code.UNAUTHORIZED && echo) {
              echoed = true;
              const again = cloneMessage(plainRequest);
              setOption(again, Option.ECHO, echo);
              current?.close();
              attempt(again);
              return;
            }
            plain.layerData = { groupMember: verified.member.senderId, groupMode: verified.mode };
            if (many) sink.response(plain, from);
            else sink.response(plain);
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
