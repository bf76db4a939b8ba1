/**
 * The CoAP stack the CLI commands run on: a Node UDP endpoint with the layers of ARCHITECTURE.md —
 * messaging, OSCORE (when credentials name contexts), inner Block-wise (RFC 7959), Observe
 * (RFC 7641) — and OSCORE security contexts opened from aiocoap context directories, closed
 * cleanly (exact sequence number and replay window written back) when the command ends.
 */
import { Endpoint } from '../../../src/coap/endpoint.js';
import type { OutgoingRequest, ServerHandler, StackLayer } from '../../../src/coap/exchange.js';
import type { TransmissionParameters } from '../../../src/coap/server-messaging.js';
import { BlockwiseLayer, type BlockwiseLayerOptions } from '../../../src/coap/blockwise-layer.js';
import { ObserveLayer } from '../../../src/coap/observe-layer.js';
import { SecurityContext } from '../../../src/oscore/context.js';
import { LoadError } from '../../../src/errors.js';
import { UdpPort } from '../udp.js';
import { nodeClock, nodeRandom } from '../ports.js';
import { ContextDirectory, securityContextParams } from '../context-dir.js';
import { ServerContexts, type OpenContext } from '../server-contexts.js';
import type { CliIo } from './io.js';
import { oscoreLayer } from '../../../src/coap/oscore-layer.js';
import { contextLookup, type ContextLookup, type EchoVerifier } from '../../../src/oscore/unprotect.js';
import { Router } from '../../../src/coap/server.js';
import { Option } from '../../../src/coap/option-registry.js';
import { getOptions } from '../../../src/coap/message.js';
import { EchoIssuer } from '../../../src/coap/echo.js';
import { utf8Decode } from '../../../src/bytes.js';
import { nobleAsymmetricCrypto } from '../../../src/crypto/asymmetric-noble.js';
import { EdhocResponderService } from '../../../src/layers/edhoc-responder.js';
import { edhocOscoreServerLayer, edhocResource } from '../../../src/layers/edhoc-server.js';
import { CredentialsFile } from '../credentials.js';
import { ResponderCredentials } from '../edhoc-credentials.js';

export type { OpenContext };

/** Build SecurityContexts over opened directories; warns about unknown keys in them. */
export function contextsFromDirs(dirs: { label: string; dir: ContextDirectory }[], io: CliIo): OpenContext[] {
  return dirs.map(({ label, dir }) => {
    for (const k of dir.config.unknownKeys) io.err('warning: ' + k + ': unknown key, ignored\n');
    try {
      return { label, dir, context: new SecurityContext(securityContextParams(dir.config), { store: dir }) };
    } catch (e) {
      // The core names the parameter; say which directory it came from.
      if (e instanceof LoadError) throw new LoadError(dir.label + ': ' + e.message);
      throw e;
    }
  });
}

/** Clean shutdown of contexts: each writes its exact state, then its lock is released. */
export async function closeContexts(contexts: OpenContext[]): Promise<void> {
  for (const c of contexts) {
    try {
      c.context.close();
    } catch {
      // Closing must go on for the others; the directory keeps its reservation and "unknown".
    }
    await c.dir?.released();
    await c.dir?.release();
  }
}

export interface StackOptions {
  host?: string;
  port?: number;
  /** Group addresses to join and the multicast interface (RFC 7252 §8; see UdpPortOptions). */
  groups?: string[];
  multicastInterface?: string;
  /** Messaging parameters (e.g. the multicast Leisure). */
  params?: Partial<TransmissionParameters>;
  io: CliIo;
  /** Layers between messaging and OSCORE (e.g. the no-OSCORE server's 4.02 for the OSCORE option). */
  outer?: StackLayer[];
  /** Server layers placed between Block-wise and Observe (e.g. the fileserver's observe marker). */
  markers?: StackLayer[];
  /** The handler at the top of the server stack (instead of the router), if any. */
  top?: ServerHandler;
  /** Block-wise limits other than the library's defaults (e.g. the file server's --max-upload). */
  blockwise?: BlockwiseLayerOptions;
  /** OSCORE: contexts a request may be protected with (server, by kid: a list or a lookup), and the client's choice per request. */
  oscore?: { server?: SecurityContext[] | ContextLookup; contextFor?: (request: OutgoingRequest) => SecurityContext | undefined; echo?: EchoVerifier };
  /** A complete layer for the OSCORE slot instead of the one built from `oscore` (EDHOC's, src/layers). */
  oscoreLayer?: StackLayer;
}

export interface Stack {
  endpoint: Endpoint;
  udp: UdpPort;
  blockwise: BlockwiseLayer;
  observe: ObserveLayer;
  close(): Promise<void>;
}

export async function openStack(opts: StackOptions): Promise<Stack> {
  const udp = await UdpPort.open({ host: opts.host, port: opts.port, groups: opts.groups, multicastInterface: opts.multicastInterface });
  const blockwise = new BlockwiseLayer(nodeClock, opts.blockwise);
  const observe = new ObserveLayer(nodeClock);
  const inner: StackLayer[] = [blockwise, ...(opts.markers ?? []), observe];
  if (opts.top) {
    const top = opts.top;
    inner.push({ name: 'top', server: () => top });
  }
  const o = opts.oscore;
  const oscore = opts.oscoreLayer
    ? opts.oscoreLayer
    : o
    ? oscoreLayer({ lookup: serverLookup(o.server), contextFor: o.contextFor, echo: o.echo, clock: nodeClock, random: nodeRandom })
    : undefined;
  const endpoint = new Endpoint({ port: udp, clock: nodeClock, random: nodeRandom, params: opts.params, outer: opts.outer, oscore, inner });
  let closed = false;
  return {
    endpoint,
    udp,
    blockwise,
    observe,
    close: async () => {
      if (closed) return;
      closed = true;
      observe.clear();
      endpoint.close();
      udp.close();
    },
  };
}

function serverLookup(server: SecurityContext[] | ContextLookup | undefined): ContextLookup | undefined {
  if (typeof server === 'function') return server;
  return server?.length ? contextLookup(server) : undefined;
}

export interface ServerStack extends Stack {
  /** The credentials file's contexts (undefined without --credentials); each opens on first use. */
  contexts: ServerContexts | undefined;
  /** The EDHOC Responder, when the credentials file has `edhoc-oscore` entries. */
  edhoc?: EdhocResponderService;
}

/** The EDHOC Responder of a credentials file's `edhoc-oscore` entries (aiocoap: own credential per origin "coap://HOST/*", known peers). */
function edhocResponder(credentials: string, contexts: ServerContexts | undefined, io: CliIo, verbose: boolean): EdhocResponderService | undefined {
  const creds = CredentialsFile.read(credentials);
  const entries = creds.map.edhocEntries();
  if (entries.length === 0) return undefined;
  const rc = new ResponderCredentials(credentials, entries, nobleAsymmetricCrypto, nodeRandom);
  if (rc.size === 0) throw new LoadError(credentials + ': edhoc-oscore entries, but none with own_cred for an origin ("coap://HOST/*") that the server could present');
  return new EdhocResponderService({
    crypto: nobleAsymmetricCrypto,
    random: nodeRandom,
    clock: nodeClock,
    identity: ({ uriHost }) => rc.identityFor(uriHost === undefined ? undefined : 'coap://' + (uriHost.includes(':') ? '[' + uriHost + ']' : uriHost)),
    trust: rc.trust(),
    // In memory, as aiocoap keeps contexts from EDHOC: after a restart clients run a new handshake.
    establish: (params) => new SecurityContext(params),
    recipientIdInUse: (id) => contexts?.hasRecipientId(id) ?? false,
    echo: new EchoIssuer(nodeClock, nodeRandom),
    trace: verbose ? (line) => io.err(line + '\n') : undefined,
  });
}

/** POST /.well-known/edhoc (RFC 9528 App. A.2) in front of the application's top handler, above Block-wise and Echo. */
function withEdhocResource(top: ServerHandler, service: EdhocResponderService): ServerHandler {
  const router = new Router();
  router.wellKnownCore = false;
  router.resource('/.well-known/edhoc', { POST: edhocResource(service) });
  return (ex) => {
    const path = getOptions(ex.request, Option.URI_PATH);
    if (path.length === 2 && utf8Decode(path[0]) === '.well-known' && utf8Decode(path[1]) === 'edhoc') return router.handle(ex);
    top(ex);
  };
}

/** A server: the OSCORE contexts of the credentials file (server-contexts.ts); requests find theirs by kid. */
export async function openServerStack(opts: Omit<StackOptions, 'oscore'> & { credentials?: string; verbose?: boolean }): Promise<ServerStack> {
  let contexts: ServerContexts | undefined;
  let edhoc: EdhocResponderService | undefined;
  if (opts.credentials) {
    contexts = await ServerContexts.load(opts.credentials, { warn: (t) => opts.io.err(t) });
    try {
      edhoc = edhocResponder(opts.credentials, contexts, opts.io, opts.verbose === true);
    } catch (e) {
      await contexts.close();
      throw e;
    }
    if (contexts.size === 0 && !edhoc) {
      await contexts.close();
      throw new LoadError(opts.credentials + ': names no OSCORE context');
    }
  }
  let stack: Stack;
  const service = edhoc;
  try {
    stack = await openStack({
      ...opts,
      top: service && opts.top ? withEdhocResource(opts.top, service) : opts.top,
      oscore: contexts ? { server: contexts.lookup } : undefined,
      oscoreLayer: service ? edhocOscoreServerLayer(service, { lookup: contexts?.lookup, clock: nodeClock, random: nodeRandom }) : undefined,
    });
    if (service && !opts.top) stack.endpoint.resource('/.well-known/edhoc', { POST: edhocResource(service) });
  } catch (e) {
    await contexts?.close();
    throw e;
  }
  return {
    ...stack,
    contexts,
    edhoc,
    close: async () => {
      await stack.close();
      await contexts?.close();
    },
  };
}
