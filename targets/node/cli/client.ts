/**
 * `oscore-xs client URI`: one CoAP request (RFC 7252), protected with OSCORE (RFC 8613) when the
 * credentials file has an entry for the URI — like aiocoap-client. Block-wise is transparent
 * (RFC 7959); `--observe` prints every notification until Ctrl-C (RFC 7641).
 *
 * The response body goes to stdout or `-o FILE` block by block as it arrives, so bodies of any size
 * pass in flat memory (body-io.ts); `--payload @FILE` is read block by block too. A non-2.xx code
 * and its diagnostic payload go to stderr with exit code 1, as aiocoap-client does; so do timeouts
 * ("timeout: …"). Credentials that match but cannot be used are an error, never plaintext.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { parseCoapUri, DEFAULT_PORT } from '../../../src/coap/uri.js';
import { Option } from '../../../src/coap/option-registry.js';
import { observeRequest } from '../../../src/coap/observe-layer.js';
import { getOptions, getUintOption, type CoapOption, type Message } from '../../../src/coap/message.js';
import { codeToString } from '../../../src/coap/numbers.js';
import { toHex, utf8Encode } from '../../../src/bytes.js';
import type { RequestInit } from '../../../src/coap/endpoint.js';
import type { OutgoingRequest } from '../../../src/coap/exchange.js';
import type { BodySink, BodySource } from '../../../src/coap/blockwise-client.js';
import { CancelledError, TimeoutError } from '../../../src/errors.js';
import { nobleAsymmetricCrypto } from '../../../src/crypto/asymmetric-noble.js';
import { edhocClientLayer, type InitiatorIdentity } from '../../../src/layers/edhoc-client.js';
import { nodeRandom } from '../ports.js';
import { initiatorIdentity } from '../edhoc-credentials.js';
import { nodeClock } from '../ports.js';
import { CredentialsFile } from '../credentials.js';
import { flagOpt, intOpt, parseCommandArgs, stringOpt, UsageError, type CommandSpec, type ParsedArgs } from './args.js';
import type { CliIo } from './io.js';
import { closeContexts, contextsFromDirs, openStack, type OpenContext } from './stack.js';
import { prettyPayload } from './pretty.js';
import { bodyOutput, fileSource, Progress, type BodyOutput } from './body-io.js';
import type { Endpoint } from '../../../src/coap/endpoint.js';

export const clientSpec: CommandSpec = {
  name: 'client',
  usage: 'URI',
  summary: 'Send one CoAP request (OSCORE-protected when the credentials file says so) and print the response.',
  options: [
    { name: 'credentials', value: 'FILE', help: 'aiocoap credentials file (URI patterns → OSCORE context directories or EDHOC credentials)' },
    { name: 'method', short: 'm', value: 'METHOD', help: 'GET (default), POST, PUT, DELETE, FETCH, PATCH, iPATCH' },
    { name: 'payload', value: 'TEXT|@FILE', help: 'request payload: text, or @ and a file name' },
    { name: 'content-format', value: 'N', help: 'Content-Format of the payload (number, or text/plain, application/json, …)' },
    { name: 'accept', value: 'N', help: 'Accept option (number or media type)' },
    { name: 'observe', help: 'register as observer and print each notification until Ctrl-C' },
    { name: 'non', help: 'send a Non-confirmable request' },
    { name: 'output', short: 'o', value: 'FILE', help: 'write the response body to FILE (any size, block by block) instead of stdout' },
    { name: 'timeout', value: 'SECONDS', help: 'give up when nothing arrives for this long (default: CoAP EXCHANGE_LIFETIME, 247 s)' },
    { name: 'pretty', help: 'show link-format, JSON and CBOR readably (default on a terminal)' },
    { name: 'raw', help: 'print the payload exactly as received (default when not on a terminal)' },
    { name: 'quiet', short: 'q', help: 'print only the payload, byte for byte: no notes, progress or error-response text (the exit code tells)' },
    { name: 'verbose', short: 'v', help: 'show the request, the response code and options (and EDHOC handshake steps with the derived IDs, never keys) on stderr' },
    { name: 'group', value: 'DIR', help: 'Group OSCORE context directory (oscore-xs context new-group): to a group address, collect every member\'s answer' },
    { name: 'wait', value: 'SECONDS', help: 'with --group to a group address: how long to collect answers (default 6)' },
    { name: 'pairwise', value: 'ID', help: 'with --group to one member\'s address: pairwise mode with that member (hex Sender ID)' },
    { name: 'multicast-interface', value: 'ADDR', help: 'interface address for sending to a group (e.g. 127.0.0.1)' },
  ],
  details: [
    'examples:',
    '  oscore-xs client coap://localhost/hello.txt --credentials client1.json',
    '  oscore-xs client coap://[::1]/file.txt -m PUT --payload @local.txt --content-format 0',
    '  oscore-xs client coap://localhost/firmware.bin -o firmware.bin',
    '  oscore-xs client coap://localhost/time --observe',
  ].join('\n'),
};

const MEDIA_TYPES: Record<string, number> = {
  'text/plain': 0, 'application/link-format': 40, 'application/xml': 41, 'application/octet-stream': 42,
  'application/exi': 47, 'application/json': 50, 'application/cbor': 60,
};
const CODE_NAMES: Record<string, string> = {
  '2.01': 'Created', '2.02': 'Deleted', '2.03': 'Valid', '2.04': 'Changed', '2.05': 'Content', '2.31': 'Continue',
  '4.00': 'Bad Request', '4.01': 'Unauthorized', '4.02': 'Bad Option', '4.03': 'Forbidden', '4.04': 'Not Found',
  '4.05': 'Method Not Allowed', '4.06': 'Not Acceptable', '4.08': 'Request Entity Incomplete', '4.09': 'Conflict',
  '4.12': 'Precondition Failed', '4.13': 'Request Entity Too Large', '4.15': 'Unsupported Content-Format',
  '5.00': 'Internal Server Error', '5.01': 'Not Implemented', '5.02': 'Bad Gateway', '5.03': 'Service Unavailable',
  '5.04': 'Gateway Timeout', '5.05': 'Proxying Not Supported',
};
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'FETCH', 'PATCH', 'iPATCH'];
const TEXTUAL = [0, 40, 41, 50];

function formatNumber(p: ParsedArgs, name: string): number | undefined {
  const v = stringOpt(p, name);
  if (v === undefined) return undefined;
  if (v in MEDIA_TYPES) return MEDIA_TYPES[v];
  return intOpt(p, name, 0, 65535);
}

export function codeText(code: number): string {
  const s = codeToString(code);
  return s + (CODE_NAMES[s] ? ' ' + CODE_NAMES[s] : '');
}

/** The request URI as aiocoap matches credentials against it: default port dropped, path at least "/". */
export function canonicalUri(uri: string): string {
  const u = parseCoapUri(uri);
  const host = u.host.includes(':') ? '[' + u.host + ']' : u.host;
  const port = u.port === (u.scheme === 'coaps' ? 5684 : DEFAULT_PORT) ? '' : ':' + u.port;
  return u.scheme + '://' + host + port + '/' + u.path.join('/') + (u.query.length ? '?' + u.query.join('&') : '');
}

/** `bytes`: the body's length when it was streamed rather than held in `m.payload`. */
function describe(m: Message, bytes = m.payload.length): string {
  const parts = [codeText(m.code)];
  const cf = getUintOption(m, Option.CONTENT_FORMAT);
  if (cf !== undefined) parts.push('Content-Format ' + cf);
  for (const e of getOptions(m, Option.ETAG)) parts.push('ETag ' + toHex(e));
  const obs = getUintOption(m, Option.OBSERVE);
  if (obs !== undefined) parts.push('Observe ' + obs);
  const age = getUintOption(m, Option.MAX_AGE);
  if (age !== undefined) parts.push('Max-Age ' + age);
  parts.push(bytes + ' bytes');
  return parts.join(', ');
}

/** A 4.xx/5.xx response: its code and diagnostic payload on stderr (nothing with --quiet); exit code 1. */
function showError(m: Message, io: CliIo, quiet: boolean): number {
  if (!quiet) io.err(codeText(m.code) + (m.payload.length ? ': ' + new TextDecoder().decode(m.payload) : '') + '\n');
  return 1;
}

/** Print a notification: payload to stdout (text gets a final newline), errors to stderr. Returns the exit code. */
function show(m: Message, io: CliIo, verbose: boolean, pretty: boolean, quiet: boolean): number {
  if (verbose) io.err('← ' + describe(m) + '\n');
  if (m.code >> 5 !== 2) return showError(m, io, quiet);
  const cf = getUintOption(m, Option.CONTENT_FORMAT);
  if (m.payload.length === 0) return 0;
  const text = pretty ? prettyPayload(m.payload, cf) : undefined;
  if (text !== undefined) {
    io.out(text + '\n');
    return 0;
  }
  io.out(m.payload);
  if ((cf === undefined || TEXTUAL.includes(cf)) && m.payload[m.payload.length - 1] !== 0x0a) io.out('\n');
  return 0;
}

/**
 * One request with its body streamed both ways, under an idle timeout: the time since the last
 * block moved (sent or received), so a large transfer is not cut off while it progresses.
 */
function transfer(endpoint: Endpoint, out: OutgoingRequest, idleMs: number, signal: AbortSignal, body: { sink: BodySink; source?: BodySource }): Promise<Message> {
  return new Promise<Message>((resolve, reject) => {
    if (signal.aborted) return reject(new CancelledError('request aborted'));
    let done = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finish = () => {
      done = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      handle.close();
    };
    const onAbort = () => {
      if (done) return;
      finish();
      reject(new CancelledError('request aborted'));
    };
    const touch = () => {
      if (done) return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (done) return;
        finish();
        reject(new TimeoutError('nothing arrived for ' + idleMs / 1000 + ' s'));
      }, idleMs);
    };
    signal.addEventListener('abort', onAbort);
    // Every block that moves restarts the clock.
    const { sink, source } = body;
    out.bodySink = { write: (b, offset, head) => (touch(), sink.write(b, offset, head)) };
    if (source) out.bodySource = { size: source.size, read: (offset, length) => (touch(), source.read(offset, length)) };
    const handle = endpoint.transport.send(out, {
      response: (m) => {
        if (done) return;
        finish();
        resolve(m);
      },
      error: (e) => {
        if (done) return;
        finish();
        reject(e);
      },
    });
    touch();
  });
}

export async function client(argv: string[], io: CliIo): Promise<number> {
  const p = parseCommandArgs(clientSpec, argv, (text) => io.out(text));
  if (!p) return 0;
  if (p.positionals.length !== 1) throw new UsageError('expected one URI');
  const uri = p.positionals[0];
  let target;
  try {
    target = parseCoapUri(uri);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (target.scheme !== 'coap') throw new UsageError('only coap:// URIs (no DTLS in this build)');
  const method = (stringOpt(p, 'method') ?? 'GET').toUpperCase().replace('IPATCH', 'iPATCH');
  if (!METHODS.includes(method)) throw new UsageError('unknown method ' + method);
  const timeoutS = intOpt(p, 'timeout', 1, 86400);
  const contentFormat = formatNumber(p, 'content-format');
  const accept = formatNumber(p, 'accept');
  const quiet = flagOpt(p, 'quiet');
  const verbose = flagOpt(p, 'verbose') && !quiet;
  const output = stringOpt(p, 'output');
  const observe = flagOpt(p, 'observe');
  if (output !== undefined && observe) throw new UsageError('--output cannot be used with --observe');
  const pretty = !quiet && output === undefined && (flagOpt(p, 'pretty') || (io.isTty === true && !flagOpt(p, 'raw')));
  // Notes and warnings, silenced by --quiet; failures of the command itself (timeouts, unusable
  // credentials) are still said in one line.
  const note: CliIo = quiet ? { ...io, err: () => {} } : io;
  // Progress only where a person watches: stderr on a terminal, and never with --quiet.
  const progress = io.errIsTty === true && !quiet ? new Progress((t) => io.err(t)) : undefined;

  let payload: Uint8Array | undefined;
  let source: ReturnType<typeof fileSource> | undefined;
  const pv = stringOpt(p, 'payload');
  if (pv !== undefined) {
    if (pv.startsWith('@')) source = fileSource(pv.slice(1), (end, size) => progress?.update('↑', end, size));
    else payload = utf8Encode(pv);
  }

  // Credentials first: a matching entry that cannot be used stops here, before anything is sent.
  let contexts: OpenContext[] = [];
  let edhoc: { pattern: string; identity: InitiatorIdentity } | undefined;
  const credPath = stringOpt(p, 'credentials');
  try {
    if (credPath) {
      const creds = CredentialsFile.read(credPath);
      const match = creds.map.forUri(canonicalUri(uri));
      if (match && 'edhoc' in match) {
        // EDHOC (RFC 9528) first, when the request is sent; the OSCORE context it yields lives in memory (as aiocoap's).
        edhoc = { pattern: match.pattern, identity: initiatorIdentity(credPath, match, nobleAsymmetricCrypto, nodeRandom) };
      } else if (match) {
        const dir = await creds.open(match);
        try {
          contexts = contextsFromDirs([{ label: match.basedir, dir }], note);
        } catch (e) {
          await dir.release();
          throw e;
        }
      } else note.err('note: no entry of ' + credPath + ' matches ' + canonicalUri(uri) + ': sending unprotected\n');
    }
  } catch (e) {
    source?.close();
    throw e;
  }
  const ctx = contexts[0]?.context;
  // Messaging matches responses by address: resolve names first; Uri-Host keeps the name (as aiocoap sends it).
  let address = target.host;
  const extra: CoapOption[] = [];
  if (isIP(address) === 0) {
    try {
      address = (await lookup(target.host)).address;
    } catch {
      source?.close();
      await closeContexts(contexts);
      io.err('cannot resolve ' + target.host + '\n');
      return 1;
    }
    extra.push({ number: Option.URI_HOST, value: utf8Encode(target.host) });
  }
  const init: RequestInit = {
    host: address,
    port: target.port,
    path: target.path,
    query: target.query,
    options: extra,
    method: method as RequestInit['method'],
    payload,
    contentFormat,
    accept,
    confirmable: !flagOpt(p, 'non'),
    signal: io.signal,
  };
  const groupDir = stringOpt(p, 'group');
  if (groupDir !== undefined) {
    if (ctx || edhoc) throw new UsageError('--group and an OSCORE context or EDHOC credentials from --credentials exclude each other');
    if (source) {
      source.close();
      throw new UsageError('--payload @FILE is not supported with --group (give the payload as text)');
    }
    const wait = stringOpt(p, 'wait') === undefined ? undefined : intOpt(p, 'wait', 1, 3600);
    const { groupClient } = await import('./group-client.js');
    return groupClient({ dir: groupDir, init, wait, pairwise: stringOpt(p, 'pairwise'), multicastInterface: stringOpt(p, 'multicast-interface'), io: note, verbose, show: (m) => show(m, io, verbose, pretty, quiet) });
  }
  const e = edhoc;
  const stack = await openStack({
    io: note,
    oscore: ctx ? { contextFor: () => ctx } : undefined,
    oscoreLayer: e ? edhocClientLayer({ crypto: nobleAsymmetricCrypto, random: nodeRandom, credentialsFor: () => ({ name: e.pattern, identity: e.identity }), trace: verbose ? (line) => io.err(line + '\n') : undefined }) : undefined,
  });
  if (verbose) io.err('→ ' + method + ' ' + uri + (ctx ? ' with OSCORE (' + contexts[0].label + ', sender ID ' + toHex(ctx.senderId) + ')' : e ? ' with EDHOC + OSCORE (' + e.pattern + ', method ' + e.identity.method + ', suite ' + e.identity.suites.join(',') + (e.identity.combined ? ', combined request' : '') + ')' : '') + '\n');
  const where = target.host + ':' + target.port;
  let body: BodyOutput | undefined;
  try {
    if (observe) {
      const stream = observeRequest(stack.endpoint.transport, stack.endpoint.buildRequest({ ...init, timeout: timeoutS === undefined ? undefined : timeoutS * 1000 }), nodeClock, (m) => m);
      io.signal.addEventListener('abort', () => void stream.cancel(), { once: true });
      let code = 0;
      for await (const m of stream) {
        code = show(m, io, verbose, pretty, quiet);
        if (code !== 0) break;
      }
      return code;
    }
    body = bodyOutput({
      file: output,
      out: (d) => io.out(d),
      pretty: pretty ? (b, head) => prettyPayload(b, getUintOption(head, Option.CONTENT_FORMAT)) : undefined,
      newlineAfterText: (head) => {
        if (quiet) return false; // exactly the payload's bytes
        const cf = getUintOption(head, Option.CONTENT_FORMAT);
        return cf === undefined || TEXTUAL.includes(cf);
      },
      progress,
    });
    // Bodies go block by block through the Block-wise layer (RFC 7959): nothing is held whole.
    const m = await transfer(stack.endpoint, stack.endpoint.buildRequest(init), (timeoutS ?? EXCHANGE_LIFETIME_S) * 1000, io.signal, { sink: body.sink, source });
    if (m.code >> 5 !== 2) {
      body.abort();
      if (verbose) io.err('← ' + describe(m) + '\n');
      return showError(m, io, quiet);
    }
    const bytes = body.finish();
    if (verbose) io.err('← ' + describe(m, bytes) + '\n');
    return 0;
  } catch (e) {
    body?.abort();
    if (e instanceof CancelledError) return 130;
    io.err(failureText(e as Error, where) + '\n');
    return 1;
  } finally {
    source?.close();
    await stack.close();
    await closeContexts(contexts);
  }
}

/** RFC 7252 §4.8.2: the longest a CON exchange may take; the default time without progress. */
const EXCHANGE_LIFETIME_S = 247;

/** What went wrong, said so that a timeout reads as one (as coap-client and aiocoap-client say it). */
function failureText(e: Error, where: string): string {
  if (e instanceof TimeoutError) return 'timeout: no response from ' + where + ' (' + e.message + ')';
  return e.name + ': ' + e.message;
}
