/**
 * The server side of EDHOC in the CoAP stack (RFC 9528 App. A.2, RFC 9668 §3.3), around an
 * EdhocResponderService (edhoc-responder.ts):
 *
 * - `edhocResource(service)`: the POST handler of /.well-known/edhoc. It is an ordinary resource,
 *   so Block-wise and Echo (amplification mitigation) apply to it as to any request (A.2).
 * - `edhocCombinedLayer(service)`: a layer between messaging and OSCORE (an `outer` layer of the
 *   endpoint) for RFC 9668's combined request: it takes message_3 off the front of the payload of a
 *   request with the EDHOC option, completes the handshake of the kid (= C_R), and passes the plain
 *   OSCORE request up, which the OSCORE layer then verifies with the new context.
 * - `edhocLookup(service, others)`: the OSCORE layer's ContextLookup over both the EDHOC contexts and
 *   the application's other ones (one lookup for all, as any context).
 */
import type { Message } from '../coap/message.js';
import { createMessage, getOption, hasOption, removeOption, setUintOption } from '../coap/message.js';
import { Option } from '../coap/option-registry.js';
import { encodeUint, utf8Decode } from '../bytes.js';
import type { ResourceHandler, ResponseInit } from '../coap/server.js';
import type { ServerHandler, StackLayer } from '../coap/exchange.js';
import type { ContextLookup } from '../oscore/unprotect.js';
import { oscoreServerLayer, type OscoreServerLayerOptions } from '../coap/oscore-layer.js';
import { decodeOscoreOption } from '../oscore/option.js';
import type { EdhocAnswer, EdhocResponderService } from './edhoc-responder.js';
import { EdhocFramingError, errorCodeOf, parseEdhocRequest, splitCombinedPayload, unspecifiedErrorMessage, CF_EDHOC_CBOR_SEQ } from './edhoc-wire.js';

const BAD_REQUEST = 0x80;
const CHANGED = 0x44;

function toResponseInit(a: EdhocAnswer): ResponseInit {
  const options = [];
  if (a.maxAge !== undefined) options.push({ number: Option.MAX_AGE, value: encodeUint(a.maxAge) });
  if (a.echo) options.push({ number: Option.ECHO, value: a.echo });
  return { code: a.code, payload: a.payload, contentFormat: a.contentFormat, options };
}

/** POST /.well-known/edhoc (A.2.1): message_1 after `true`, message_3 (or an error) after C_R. */
export function edhocResource(service: EdhocResponderService): ResourceHandler {
  return (req) => {
    let parsed;
    try {
      parsed = parseEdhocRequest(req.payload);
    } catch (e) {
      return toResponseInit({ code: BAD_REQUEST, payload: unspecifiedErrorMessage((e as Error).message), contentFormat: CF_EDHOC_CBOR_SEQ });
    }
    const host = req.option(Option.URI_HOST);
    if (parsed.kind === 'message_1') return toResponseInit(service.message1(parsed.message, req.peer, req.option(Option.ECHO), host ? utf8Decode(host) : undefined));
    // §6: an error message from the Initiator (it starts with an integer, message_3 with a byte string) ends the session.
    if (errorCodeOf(parsed.message) !== undefined) {
      service.abort(parsed.connectionId);
      return { code: CHANGED };
    }
    const r = service.message3(parsed.connectionId, parsed.message, req.peer, false);
    // No message_4 (§5.5 makes it optional; the OSCORE response is the key confirmation).
    return 'answer' in r ? toResponseInit(r.answer) : { code: CHANGED };
  };
}

/** The ContextLookup of the OSCORE layer: the application's contexts first, then EDHOC's. */
export function edhocLookup(service: EdhocResponderService, others?: ContextLookup): ContextLookup {
  return (kid, kidContext) => others?.(kid, kidContext) ?? service.find(kid, kidContext);
}

function plainAnswer(a: EdhocAnswer): Message {
  const m = createMessage({ code: a.code, payload: a.payload });
  if (a.contentFormat !== undefined) setUintOption(m, Option.CONTENT_FORMAT, a.contentFormat);
  return m;
}

/** RFC 9668 §3.3.1 on the server: an `outer` layer of the endpoint (below OSCORE). */
export function edhocCombinedLayer(service: EdhocResponderService): StackLayer {
  return {
    name: 'edhoc-combined',
    server: (inner: ServerHandler): ServerHandler => (ex) => {
      if (!hasOption(ex.request, Option.EDHOC)) return inner(ex);
      const fail = (diagnostic: string) => ex.respond(plainAnswer({ code: BAD_REQUEST, payload: unspecifiedErrorMessage(diagnostic), contentFormat: CF_EDHOC_CBOR_SEQ }));
      // Step 1: the kid of the OSCORE option is C_R.
      const oscore = getOption(ex.request, Option.OSCORE);
      if (oscore === undefined) return fail('EDHOC option without OSCORE');
      let kid: Uint8Array | undefined;
      try {
        kid = decodeOscoreOption(oscore).kid;
      } catch {
        kid = undefined;
      }
      if (kid === undefined) return fail('combined request without kid');
      // Step 2: message_3 is the first CBOR item of the payload, the rest is the OSCORE payload.
      let split;
      try {
        split = splitCombinedPayload(ex.request.payload);
      } catch (e) {
        return fail(e instanceof EdhocFramingError ? e.message : 'malformed combined request');
      }
      // Steps 3–5: complete the handshake; on failure an EDHOC error and no OSCORE processing. A
      // client whose combined request was answered but the answer lost sends message_3 again with
      // its next request: the handshake is done, so the OSCORE part alone decides (it is
      // authenticated by the context message_3 made; message_3 itself is not processed twice).
      const done = !service.awaitsMessage3(kid) && service.find(kid, undefined) !== undefined;
      const r = done ? undefined : service.message3(kid, split.message3, ex.peer, true);
      if (r && 'answer' in r) return ex.respond(plainAnswer(r.answer));
      // Step 6: the OSCORE request as if sent alone.
      const request: Message = { ...ex.request, options: ex.request.options.slice(), payload: split.oscorePayload };
      removeOption(request, Option.EDHOC);
      inner({ request, peer: ex.peer, oscore: ex.oscore, respond: (m) => ex.respond(m), notify: (m, c) => ex.notify(m, c) });
    },
  };
}


/**
 * The OSCORE server layer with EDHOC: the combined request (RFC 9668) handled first, then OSCORE
 * verification with a lookup over the application's contexts and the EDHOC ones. Put it in the
 * endpoint's `oscore` slot, and `edhocResource(service)` at /.well-known/edhoc.
 */
export function edhocOscoreServerLayer(service: EdhocResponderService, opts: Omit<OscoreServerLayerOptions, 'lookup'> & { lookup?: ContextLookup }): StackLayer {
  const oscore = oscoreServerLayer({ ...opts, lookup: edhocLookup(service, opts.lookup) });
  const combined = edhocCombinedLayer(service);
  return { name: 'oscore', server: (inner) => combined.server!(oscore.server!(inner)) };
}
