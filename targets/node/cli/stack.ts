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
  const oscore = o
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
}

/** A server: the OSCORE contexts of the credentials file (server-contexts.ts); requests find theirs by kid. */
export async function openServerStack(opts: Omit<StackOptions, 'oscore'> & { credentials?: string }): Promise<ServerStack> {
  let contexts: ServerContexts | undefined;
  if (opts.credentials) {
    contexts = await ServerContexts.load(opts.credentials, { warn: (t) => opts.io.err(t) });
    if (contexts.size === 0) {
      await contexts.close();
      throw new LoadError(opts.credentials + ': names no OSCORE context');
    }
  }
  let stack: Stack;
  try {
    stack = await openStack({ ...opts, oscore: contexts ? { server: contexts.lookup } : undefined });
  } catch (e) {
    await contexts?.close();
    throw e;
  }
  return {
    ...stack,
    contexts,
    close: async () => {
      await stack.close();
      await contexts?.close();
    },
  };
}
