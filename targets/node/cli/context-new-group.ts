/**
 * `oscore-xs context new-group`: write a consistent set of Group OSCORE context directories, one
 * per member (format: src/credentials/group-config.ts, docs/cli.md): the same Group ID, fresh
 * random Master Secret and Salt, algorithms and multicast address; each member its own key pair,
 * Sender ID 01, 02, … in the order given, every other member's credential (CCS) in its list, its
 * private key in a file only its owner may read. Nothing is overwritten.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { fromHex } from '../../../src/bytes.js';
import { LoadError } from '../../../src/errors.js';
import { writeNewGroup } from '../group-dir.js';
import { parseCommandArgs, stringOpt, UsageError, type CommandSpec } from './args.js';
import type { CliIo } from './io.js';

export const contextNewGroupSpec: CommandSpec = {
  name: 'context new-group',
  usage: 'OUTDIR OUTDIR [OUTDIR…]',
  summary: 'Write one Group OSCORE context directory per member (Sender IDs 01, 02, … in order) with a fresh secret, salt and key pairs.',
  options: [
    { name: 'signature', value: 'ALG', help: 'EdDSA (Ed25519, default) or ES256 (P-256)' },
    { name: 'group-id', value: 'HEX', help: 'the Group ID (default: 4 random bytes)' },
    { name: 'multicast', value: 'ADDR', help: 'the group\'s IPv4 multicast address (default 224.0.1.187, "All CoAP Nodes")' },
  ],
  details: [
    'example:',
    '  oscore-xs context new-group client-g server1-g server2-g',
    '  oscore-xs fileserver ./files --bind 127.0.0.2 --group server1-g &',
    '  oscore-xs fileserver ./files --bind 127.0.0.3 --group server2-g &',
    '  oscore-xs client --group client-g --multicast-interface 127.0.0.1 coap://224.0.1.187/hello.txt',
  ].join('\n'),
};

function checkFree(dir: string): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw new LoadError(dir + ': exists and is not a directory; refusing to overwrite');
  if (readdirSync(dir).length > 0) throw new LoadError(dir + ': exists and is not empty; refusing to overwrite');
}

export async function contextNewGroup(argv: string[], io: CliIo): Promise<number> {
  const p = parseCommandArgs(contextNewGroupSpec, argv, (text) => io.out(text));
  if (!p) return 0;
  const dirs = p.positionals.map((d) => resolve(d));
  if (dirs.length < 2) throw new UsageError('expected at least two directories (one per member)');
  if (new Set(dirs).size !== dirs.length) throw new UsageError('the directories must differ');
  if (dirs.length > 255) throw new UsageError('at most 255 members');
  const signature = stringOpt(p, 'signature') ?? 'EdDSA';
  if (signature !== 'EdDSA' && signature !== 'ES256') throw new UsageError('--signature: EdDSA or ES256');
  const gid = stringOpt(p, 'group-id');
  let groupId: Uint8Array | undefined;
  if (gid !== undefined) {
    if (!/^([0-9a-fA-F]{2})+$/.test(gid)) throw new UsageError('--group-id: hex, at least one byte');
    groupId = fromHex(gid);
  }
  const multicast = stringOpt(p, 'multicast');
  if (multicast !== undefined && (isIP(multicast) !== 4 || Number(multicast.split('.')[0]) < 224 || Number(multicast.split('.')[0]) > 239)) throw new UsageError('--multicast: an IPv4 multicast address (224.0.0.0/4)');
  for (const d of dirs) checkFree(d);
  writeNewGroup(dirs, { signature, groupId, multicastAddress: multicast });
  io.out(dirs.map((d, i) => d + ': member ' + (i + 1).toString(16).padStart(2, '0')).join('\n') + '\n');
  return 0;
}
