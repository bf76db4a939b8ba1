/**
 * The `oscore-xs` command: one bin, subcommands, `--help` on each.
 *
 *   oscore-xs client URI …             one request (or --observe), like aiocoap-client
 *   oscore-xs fileserver DIR …         serve a directory, like aiocoap-fileserver
 *   oscore-xs context new …            provision a pair of contexts (aiocoap directories, or one and a device image)
 *   oscore-xs keygen generate KEYFILE  an EDHOC key pair, like aiocoap-keygen
 *   oscore-xs context new-group DIR…   provision a Group OSCORE context directory per member
 *   oscore-xs plugtest-server …        the OSCORE interop test server (roles B, D, no-OSCORE)
 *   oscore-xs plugtest-client HOST …   the client side of the 18 interop tests
 *
 * Exit codes: 0 success, 1 failure (error response, load error, failed tests), 2 usage error.
 */
import { OscoreXsError } from '../../../src/errors.js';
import { UsageError } from './args.js';
import type { CliIo } from './io.js';
import { contextNew, contextNewSpec } from './context-new.js';

type Command = (argv: string[], io: CliIo) => Promise<number>;

/** Subcommands load lazily, so `context new` does not pay for the CoAP stack. */
const COMMANDS: Record<string, { summary: string; run: () => Promise<Command> }> = {
  client: { summary: 'send one request (or observe), print the response', run: async () => (await import('./client.js')).client },
  fileserver: { summary: 'serve a directory over CoAP (OSCORE with --credentials)', run: async () => (await import('./fileserver.js')).fileserver },
  context: { summary: 'context new: a matching pair of contexts (directories, or a directory and a device image); context new-group: one per group member', run: async () => contextCommand },
  keygen: { summary: 'keygen generate KEYFILE: an EDHOC key pair (private key file, public credential printed)', run: async () => (await import('./keygen.js')).keygen },
  'plugtest-server': { summary: 'OSCORE interop test server (core-wg test spec, as libcoap runs it)', run: async () => (await import('./plugtest-server.js')).plugtestServer },
  'plugtest-client': { summary: 'run the 18 OSCORE interop tests against a server', run: async () => (await import('./plugtest-client.js')).plugtestClient },
};

async function contextCommand(argv: string[], io: CliIo): Promise<number> {
  if (argv[0] === 'new') return contextNew(argv.slice(1), io);
  if (argv[0] === 'new-group') return (await import('./context-new-group.js')).contextNewGroup(argv.slice(1), io);
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h') {
    io.out('usage: oscore-xs context new [options] OUTDIR_CLIENT OUTDIR_SERVER\n       oscore-xs context new-group [options] OUTDIR OUTDIR [OUTDIR…]\n\n' + contextNewSpec.summary + '\n(oscore-xs context new --help, context new-group --help for the options)\n');
    return argv.length === 0 ? 2 : 0;
  }
  throw new UsageError('unknown context subcommand "' + argv[0] + '" (try: context new, context new-group)');
}

function overview(): string {
  const lines = ['usage: oscore-xs COMMAND [options] …', '', 'OSCORE (RFC 8613) and CoAP tools, compatible with aiocoap credentials and context directories.', '', 'commands:'];
  for (const [name, c] of Object.entries(COMMANDS)) lines.push('  ' + name.padEnd(17) + c.summary);
  lines.push('', 'oscore-xs COMMAND --help shows the options of a command.');
  return lines.join('\n') + '\n';
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(overview());
    return name === undefined ? 2 : 0;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    io.err('oscore-xs: unknown command "' + name + '"\n\n' + overview());
    return 2;
  }
  try {
    return await (await cmd.run())(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err('oscore-xs ' + name + ': ' + e.message + ' (see oscore-xs ' + name + ' --help)\n');
      return 2;
    }
    if (e instanceof OscoreXsError) {
      io.err('oscore-xs ' + name + ': ' + e.message + '\n');
      return 1;
    }
    throw e;
  }
}
