/**
 * `oscore-xs fileserver DIR`: serve a directory over CoAP like aiocoap-fileserver (file-tree.ts),
 * with OSCORE for the contexts of a credentials file (server side: every `:label` entry), Block2
 * for large files, and Observe on files (a changed file is sent to its observers).
 */
import { watchFile, unwatchFile } from 'node:fs';
import type { StackLayer, ServerHandler } from '../../../src/coap/exchange.js';
import { Option } from '../../../src/coap/option-registry.js';
import { getOptions } from '../../../src/coap/message.js';
import { Code } from '../../../src/coap/numbers.js';
import { errorResponse } from '../../../src/coap/server.js';
import { toHex, utf8Decode } from '../../../src/bytes.js';
import { flagOpt, intOpt, parseCommandArgs, parseHostPort, stringOpt, UsageError, type CommandSpec } from './args.js';
import { TransferLog } from './transfer-log.js';
import { MAX_SZX } from '../../../src/coap/block.js';
import { aborted, type CliIo } from './io.js';
import { FileTree } from './file-tree.js';
import { openServerStack } from './stack.js';
import { openGroupDirectory } from '../group-dir.js';
import { groupOscoreLayer } from '../../../src/layers/group-oscore-layer.js';
import { nodeClock, nodeRandom } from '../ports.js';

export const fileserverSpec: CommandSpec = {
  name: 'fileserver',
  usage: 'DIR',
  summary: 'Serve the files of DIR over CoAP (listings in link-format, ETag, Block2, Observe), like aiocoap-fileserver.',
  options: [
    { name: 'credentials', value: 'FILE', help: 'aiocoap credentials file; its OSCORE contexts (e.g. ":client1") may protect requests; edhoc-oscore entries enable EDHOC' },
    { name: 'bind', value: 'HOST[:PORT]', help: 'address to listen on (default: all addresses, port 5683)' },
    { name: 'require-oscore', help: 'answer unprotected requests with 4.01 Unauthorized' },
    { name: 'write', help: 'allow PUT (store a file) and DELETE (remove one)' },
    { name: 'poll-ms', value: 'MS', help: 'how often observed files are checked for changes (default 1000)' },
    { name: 'max-upload', value: 'BYTES', help: 'largest PUT body accepted (default 65536, the Block-wise layer\'s limit for servers)' },
    { name: 'verbose', short: 'v', help: 'log one line per completed transfer to stderr (not one per block), and EDHOC handshake steps with the derived IDs' },
    { name: 'group', value: 'DIR', help: 'Group OSCORE context directory: serve its members, join its multicast address (needs --bind with an IPv4 address)' },
    { name: 'multicast-interface', value: 'ADDR', help: 'interface address to join the group on (default: the --bind address)' },
    { name: 'leisure', value: 'MS', help: 'longest random delay before answering a multicast request (default 5000, RFC 7252 §8.2)' },
  ],
  details: [
    'examples:',
    '  oscore-xs fileserver ./public',
    '  oscore-xs fileserver ./public --credentials server.json --require-oscore --bind 127.0.0.1:5683',
  ].join('\n'),
};

/**
 * Marks a file observable before the Observe layer looks at the request, and watches it: the
 * Observe layer only registers observers of paths marked so (observe-layer.ts).
 */
function fileObserveMarker(tree: FileTree, requireOscore: boolean, onFile: (path: string, file: string) => void): StackLayer {
  return {
    name: 'file-observe-marker',
    server: (inner: ServerHandler): ServerHandler => (ex) => {
      // Only requests that will be served may make us watch a file.
      if (ex.request.code === Code.GET && (ex.oscore || !requireOscore) && getOptions(ex.request, Option.OBSERVE).length > 0) {
        const file = tree.observableFile(ex.request);
        if (file) onFile(getOptions(ex.request, Option.URI_PATH).map(utf8Decode).join('/'), file);
      }
      inner(ex);
    },
  };
}

export async function fileserver(argv: string[], io: CliIo): Promise<number> {
  const p = parseCommandArgs(fileserverSpec, argv, (text) => io.out(text));
  if (!p) return 0;
  if (p.positionals.length !== 1) throw new UsageError('expected one directory');
  const bindOpt = stringOpt(p, 'bind');
  const bind = bindOpt === undefined ? { host: '', port: 5683 } : parseHostPort(bindOpt, 5683);
  const pollMs = Number(stringOpt(p, 'poll-ms') ?? 1000);
  if (!(pollMs >= 50)) throw new UsageError('--poll-ms: at least 50');
  const maxUpload = intOpt(p, 'max-upload', 0, 2 ** 31 - 1);
  let tree: FileTree;
  try {
    tree = new FileTree(p.positionals[0], { write: flagOpt(p, 'write'), ...(maxUpload === undefined ? {} : { maxFileBytes: maxUpload }) });
  } catch {
    throw new UsageError(p.positionals[0] + ': not a readable directory');
  }
  const requireOscore = flagOpt(p, 'require-oscore');
  const log = flagOpt(p, 'verbose') ? new TransferLog((line) => io.err(line), MAX_SZX) : undefined;
  const watched = new Map<string, string>();
  const groupDir = stringOpt(p, 'group');
  const group = groupDir === undefined ? undefined : await openGroupDirectory(groupDir);
  const leisure = stringOpt(p, 'leisure') === undefined ? undefined : Number(stringOpt(p, 'leisure'));
  if (leisure !== undefined && !(leisure >= 0 && leisure <= 600000)) throw new UsageError('--leisure: milliseconds from 0 to 600000');
  const stack = await openServerStack({
    // The library's default Block1 limits stay for servers in general; --max-upload raises them here.
    blockwise: maxUpload === undefined ? undefined : { block1: { maxBodyBytes: maxUpload, maxTotalBytes: maxUpload } },
    host: bind.host || undefined,
    port: bind.port,
    groups: group ? [group.config.multicastAddress] : undefined,
    multicastInterface: stringOpt(p, 'multicast-interface') ?? (group ? bind.host || undefined : undefined),
    params: leisure === undefined ? undefined : { leisure },
    outer: group ? [groupOscoreLayer({ groups: [group.context], clock: nodeClock, random: nodeRandom })] : undefined,
    credentials: stringOpt(p, 'credentials'),
    verbose: flagOpt(p, 'verbose'),
    io,
    markers: [
      fileObserveMarker(tree, requireOscore, (path, file) => {
        if (watched.has(path)) return;
        watched.set(path, file);
        stack.observe.markObservable(path);
        watchFile(file, { interval: pollMs }, (cur, prev) => {
          if (cur.mtimeMs !== prev.mtimeMs || cur.size !== prev.size || cur.ino !== prev.ino) stack.observe.notify(path);
        });
      }),
    ],
    top: (request) => {
      const ex = log ? log.wrap(request) : request;
      if (requireOscore && !ex.oscore) return ex.respond(errorResponse(Code.UNAUTHORIZED, 'OSCORE required'));
      tree.handle(ex);
    },
  });
  io.err('serving ' + tree.root + ' on ' + (bind.host || '*') + ':' + stack.udp.localPort + (stack.contexts?.size ? ' with ' + stack.contexts.size + ' OSCORE context(s)' : '') + (stack.edhoc ? ' with EDHOC at /.well-known/edhoc' : '') + (group ? ' and group ' + toHex(group.config.groupId) + ' (member ' + toHex(group.config.senderId) + ', ' + group.config.multicastAddress + ')' : '') + '\n');
  await aborted(io.signal);
  for (const file of watched.values()) unwatchFile(file);
  await stack.close();
  group?.context.close();
  return 0;
}
