/**
 * Security contexts and protected sample messages for the OSCORE fuzz targets and hostile-peer
 * tests (not a test file). The parameters are those of the OSCORE interop contexts (libcoap A/B).
 */
import { fromHex, toHex, utf8Encode } from '../../src/bytes.js';
import { createMessage, type Message } from '../../src/coap/message.js';
import { Code, MessageType } from '../../src/coap/numbers.js';
import { Option, oscoreClassOf } from '../../src/coap/option-registry.js';
import { SecurityContext, type SecurityContextParams } from '../../src/oscore/context.js';
import { MemoryContextStore, type ReplayState } from '../../src/oscore/store.js';
import { protectRequest, protectResponse, type RequestBinding } from '../../src/oscore/protect.js';
import { unprotectRequest, contextLookup, type ContextLookup, type EchoVerifier } from '../../src/oscore/unprotect.js';

export const MASTER_SECRET = fromHex('0102030405060708090a0b0c0d0e0f10');
export const MASTER_SALT = fromHex('9e7ca92223786340');

export function params(clientId: string, serverId: string, idContext?: string): { client: SecurityContextParams; server: SecurityContextParams } {
  const c = fromHex(clientId);
  const s = fromHex(serverId);
  const idc = idContext === undefined ? undefined : fromHex(idContext);
  return {
    client: { masterSecret: MASTER_SECRET, masterSalt: MASTER_SALT, senderId: c, recipientId: s, idContext: idc },
    server: { masterSecret: MASTER_SECRET, masterSalt: MASTER_SALT, senderId: s, recipientId: c, idContext: idc },
  };
}

export function contextPair(clientId: string, serverId: string, idContext?: string, serverWindow: ReplayState = 'fresh') {
  const p = params(clientId, serverId, idContext);
  return {
    client: new SecurityContext(p.client, { store: new MemoryContextStore() }),
    server: new SecurityContext(p.server, { store: new MemoryContextStore({ window: serverWindow }) }),
  };
}

/** Everything about a context that verification must leave alone on rejection. */
export function contextState(ctx: SecurityContext): string {
  const w = ctx.replayWindow.snapshot();
  return (w === 'unknown' ? 'unknown' : w.highest + ':' + toHex(w.mask)) + '|seq ' + ctx.sequence.next;
}

/** What OSCORE authenticates: code, Class E options (Observe compared separately), payload. */
export function innerView(m: Message): string {
  return m.code + '|' + m.options.filter((o) => oscoreClassOf(o.number) !== 'U' && o.number !== Option.OBSERVE).map((o) => o.number + '=' + toHex(o.value)).join(',') + '|' + toHex(m.payload);
}

export function plainRequest(path: string, extra: { observe?: boolean; echo?: Uint8Array; payload?: string; code?: number } = {}): Message {
  const m = createMessage({ type: MessageType.CON, code: extra.code ?? (extra.payload ? Code.PUT : Code.GET), messageId: 0x1234, token: fromHex('a1b2'), payload: extra.payload ? utf8Encode(extra.payload) : new Uint8Array(0) });
  m.options.push({ number: Option.URI_HOST, value: utf8Encode('device') });
  if (extra.observe) m.options.push({ number: Option.OBSERVE, value: new Uint8Array(0) });
  for (const seg of path.split('/').filter(Boolean)) m.options.push({ number: Option.URI_PATH, value: utf8Encode(seg) });
  if (extra.payload) m.options.push({ number: Option.CONTENT_FORMAT, value: new Uint8Array(0) });
  if (extra.echo) m.options.push({ number: Option.ECHO, value: extra.echo });
  m.options.sort((a, b) => a.number - b.number);
  return m;
}

/** An Echo verifier with one fixed value: enough to reach both App. B.1.2 paths. */
export const FIXED_ECHO = fromHex('ec40ec40ec40ec40');
export const fixedEcho: EchoVerifier = {
  issue: () => FIXED_ECHO.slice(),
  verify: (_c, echo) => toHex(echo) === toHex(FIXED_ECHO),
};

export interface RequestSample {
  label: string;
  message: Message;
  plain: Message;
  seq: number;
  /** Whether the unmodified message must verify (fresh) or be refused (replay / too old). */
  fresh: boolean;
}

/**
 * A server with three contexts — plain (kid 01), with ID Context (kid 02), and one whose replay
 * window is unknown after an unclean stop (kid 03) — and protected requests to it: fresh ones,
 * replays, ones inside the window's holes, an Observe registration, Echo/no-Echo for kid 03.
 * The window of kid 01 holds 0..9 without 3 and 6, and 20.
 */
export function requestWorld() {
  const a = contextPair('01', '', undefined);
  const b = contextPair('02', '', '37cbf3210017a2d3');
  const c = contextPair('03', '', undefined, 'unknown');
  const lookup: ContextLookup = contextLookup([a.server, b.server, c.server]);
  const sent: { m: Message; plain: Message; seq: number }[] = [];
  for (let i = 0; i <= 26; i++) {
    const plain = plainRequest('sensors/t' + i, { observe: i === 26, payload: i % 4 === 1 ? 'v=' + i : undefined });
    const { message, binding } = protectRequest(a.client, plain);
    sent.push({ m: message, plain, seq: binding.seq });
  }
  for (const i of [0, 1, 2, 4, 5, 7, 8, 9, 20]) unprotectRequest(sent[i].m, lookup);
  const samples: RequestSample[] = [];
  for (const [i, fresh] of [[3, true], [6, true], [0, false], [20, false], [9, false], [25, true], [26, true]] as const)
    samples.push({ label: 'kid01 seq ' + i, message: sent[i].m, plain: sent[i].plain, seq: i, fresh });
  const withCtx = plainRequest('actuators/door', { payload: 'open', code: Code.POST });
  samples.push({ label: 'kid02 with kid context', message: protectRequest(b.client, withCtx).message, plain: withCtx, seq: 0, fresh: true });
  const noEcho = plainRequest('after/reboot');
  samples.push({ label: 'kid03 window unknown, no Echo', message: protectRequest(c.client, noEcho).message, plain: noEcho, seq: 0, fresh: false });
  const echoed = plainRequest('after/reboot', { echo: FIXED_ECHO });
  samples.push({ label: 'kid03 window unknown, Echo', message: protectRequest(c.client, echoed).message, plain: echoed, seq: 1, fresh: true });
  return { contexts: [a.server, b.server, c.server], lookup, samples, clients: [a.client, b.client, c.client] };
}

export interface ResponseSample {
  label: string;
  message: Message;
  plain: Message;
  binding: RequestBinding;
  /** notificationNumber to set on the binding before the attempt (replayed notifications). */
  notificationNumber: number | undefined;
  fresh: boolean;
}

/** Protected responses to our own requests: a plain 2.05, notifications, an old notification. */
export function responseWorld() {
  const a = contextPair('01', '');
  const lookup = contextLookup([a.server]);
  const plainReq = plainRequest('sensors/temp');
  const req = protectRequest(a.client, plainReq);
  const srv = unprotectRequest(req.message, lookup);
  const resp = createMessage({ type: MessageType.ACK, code: Code.CONTENT, messageId: 0x1234, token: fromHex('a1b2'), payload: utf8Encode('21.5 C') });
  resp.options.push({ number: Option.CONTENT_FORMAT, value: new Uint8Array(0) });
  const obsReq = protectRequest(a.client, plainRequest('sensors/temp', { observe: true }));
  const obsSrv = unprotectRequest(obsReq.message, lookup);
  const notification = (n: number, text: string) => {
    const m = createMessage({ type: MessageType.NON, code: Code.CONTENT, token: fromHex('a1b2'), payload: utf8Encode(text) });
    m.options.push({ number: Option.OBSERVE, value: new Uint8Array([n]) });
    return m;
  };
  const n1 = notification(1, 'first');
  const n2 = notification(2, 'second');
  const p1 = protectResponse(n1, obsSrv.binding);
  const p2 = protectResponse(n2, obsSrv.binding);
  const p2Seq = a.server.sequence.next - 1;
  const samples: ResponseSample[] = [
    { label: '2.05 without Partial IV', message: protectResponse(resp, srv.binding), plain: resp, binding: req.binding, notificationNumber: undefined, fresh: true },
    { label: 'first notification', message: p1, plain: n1, binding: obsReq.binding, notificationNumber: undefined, fresh: true },
    { label: 'notification after a newer one', message: p1, plain: n1, binding: obsReq.binding, notificationNumber: p2Seq, fresh: false },
    { label: 'newest notification', message: p2, plain: n2, binding: obsReq.binding, notificationNumber: p2Seq - 1, fresh: true },
  ];
  return { samples, client: a.client };
}
