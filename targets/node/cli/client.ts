/**
 * `oscore-xs client URI`: one CoAP request (RFC 7252), protected with OSCORE (RFC 8613) when the
 * credentials file has an entry for the URI — like aiocoap-client. Block-wise is transparent
 * (RFC 7959); `--observe` prints every notification until Ctrl-C (RFC 7641).
 *
 * The response payload goes to stdout; a non-2.xx code and its diagnostic payload go to stderr with
 * exit code 1. Credentials that match but cannot be used are an error, never plaintext.
 */
import { readFileSync } from 'node:fs';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { parseCoapUri, DEFAULT_PORT } from '../../../src/coap/uri.js';
import { Option } from '../../../src/coap/option-registry.js';
import { observeRequest } from '../../../src/coap/observe-layer.js';
import { getOptions, getUintOption, type CoapOption, type Message } from '../../../src/coap/message.js';
import { codeToString } from '../../../src/coap/numbers.js';
import { toHex, utf8Encode } from '../../../src/bytes.js';
import type { RequestInit } from '../../../src/coap/endpoint.js';
import { CancelledError } from '../../../src/errors.js';
import { nodeClock } from '../ports.js';
import { CredentialsFile } from '../credentials.js';
import { flagOpt, intOpt, parseCommandArgs, stringOpt, UsageError, type CommandSpec, type ParsedArgs } from './args.js';
import type { CliIo } from './io.js';
import { closeContexts, contextsFromDirs, openStack, type OpenContext } from './stack.js';
import { prettyPayload } from './pretty.js';

export const clientSpec: CommandSpec = {
  name: 'client',
  usage: 'URI',
  summary: 'Send one CoAP request (OSCORE-protected when the credentials file says so) and print the response.',
  options: [
    { name: 'credentials', value: 'FILE', help: 'aiocoap credentials file (URI patterns → OSCORE context directories)' },
    { name: 'method', short: 'm', value: 'METHOD', help: 'GET (default), POST, PUT, DELETE, FETCH, PATCH, iPATCH' },
    { name: 'payload', value: 'TEXT|@FILE', help: 'request payload: text, or @ and a file name' },
    { name: 'content-format', value: 'N', help: 'Content-Format of the payload (number, or text/plain, application/json, …)' },
    { name: 'accept', value: 'N', help: 'Accept option (number or media type)' },
    { name: 'observe', help: 'register as observer and print each notification until Ctrl-C' },
    { name: 'non', help: 'send a Non-confirmable request' },
    { name: 'timeout', value: 'SECONDS', help: 'give up after this long (default: CoAP EXCHANGE_LIFETIME, 247 s)' },
    { name: 'pretty', help: 'show link-format, JSON and CBOR readably (default on a terminal)' },
    { name: 'raw', help: 'print the payload exactly as received (default when not on a terminal)' },
    { name: 'verbose', short: 'v', help: 'show the request, the response code and options on stderr' },
  ],
  details: [
    'examples:',
    '  oscore-xs client coap://localhost/hello.txt --credentials client1.json',
    '  oscore-xs client coap://[::1]/file.txt -m PUT --payload @local.txt --content-format 0',
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

function describe(m: Message): string {
  const parts = [codeText(m.code)];
  const cf = getUintOption(m, Option.CONTENT_FORMAT);
  if (cf !== undefined) parts.push('Content-Format ' + cf);
  for (const e of getOptions(m, Option.ETAG)) parts.push('ETag ' + toHex(e));
  const obs = getUintOption(m, Option.OBSERVE);
  if (obs !== undefined) parts.push('Observe ' + obs);
  const age = getUintOption(m, Option.MAX_AGE);
  if (age !== undefined) parts.push('Max-Age ' + age);
  parts.push(m.payload.length + ' bytes');
  return parts.join(', ');
}

/** Print a response: payload to stdout (text gets a final newline), errors to stderr. Returns the exit code. */
function show(m: Message, io: CliIo, verbose: boolean, pretty: boolean): number {
  if (verbose) io.err('← ' + describe(m) + '\n');
  if (m.code >> 5 !== 2) {
    io.err(codeText(m.code) + (m.payload.length ? ': ' + new TextDecoder().decode(m.payload) : '') + '\n');
    return 1;
  }
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
  let payload: Uint8Array | undefined;
  const pv = stringOpt(p, 'payload');
  if (pv !== undefined) {
    if (pv.startsWith('@')) {
      try {
        payload = new Uint8Array(readFileSync(pv.slice(1)));
      } catch (e) {
        throw new UsageError('--payload: cannot read ' + pv.slice(1) + ' (' + (e as NodeJS.ErrnoException).code + ')');
      }
    } else payload = utf8Encode(pv);
  }
  const timeoutS = intOpt(p, 'timeout', 1, 86400);
  const contentFormat = formatNumber(p, 'content-format');
  const accept = formatNumber(p, 'accept');
  const verbose = flagOpt(p, 'verbose');
  const pretty = flagOpt(p, 'pretty') || (io.isTty === true && !flagOpt(p, 'raw'));

  // Credentials first: a matching entry that cannot be used stops here, before anything is sent.
  let contexts: OpenContext[] = [];
  const credPath = stringOpt(p, 'credentials');
  if (credPath) {
    const creds = CredentialsFile.read(credPath);
    const match = creds.map.forUri(canonicalUri(uri));
    if (match) {
      const dir = await creds.open(match);
      try {
        contexts = contextsFromDirs([{ label: match.basedir, dir }], io);
      } catch (e) {
        await dir.release();
        throw e;
      }
    } else io.err('note: no entry of ' + credPath + ' matches ' + canonicalUri(uri) + ': sending unprotected\n');
  }
  const ctx = contexts[0]?.context;
  // Messaging matches responses by address: resolve names first; Uri-Host keeps the name (as aiocoap sends it).
  let address = target.host;
  const extra: CoapOption[] = [];
  if (isIP(address) === 0) {
    try {
      address = (await lookup(target.host)).address;
    } catch {
      await closeContexts(contexts);
      io.err('cannot resolve ' + target.host + '\n');
      return 1;
    }
    extra.push({ number: Option.URI_HOST, value: utf8Encode(target.host) });
  }
  const stack = await openStack({ io, oscore: ctx ? { contextFor: () => ctx } : undefined });
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
    timeout: timeoutS === undefined ? undefined : timeoutS * 1000,
    signal: io.signal,
  };
  if (verbose) io.err('→ ' + method + ' ' + uri + (ctx ? ' with OSCORE (' + contexts[0].label + ', sender ID ' + toHex(ctx.senderId) + ')' : '') + '\n');
  try {
    if (flagOpt(p, 'observe')) {
      const stream = observeRequest(stack.endpoint.transport, stack.endpoint.buildRequest(init), nodeClock, (m) => m);
      io.signal.addEventListener('abort', () => void stream.cancel(), { once: true });
      let code = 0;
      for await (const m of stream) {
        code = show(m, io, verbose, pretty);
        if (code !== 0) break;
      }
      return code;
    }
    const response = await stack.endpoint.request(init);
    return show(response.message, io, verbose, pretty);
  } catch (e) {
    if (e instanceof CancelledError) return 130;
    io.err((e as Error).name + ': ' + (e as Error).message + '\n');
    return 1;
  } finally {
    await stack.close();
    await closeContexts(contexts);
  }
}
