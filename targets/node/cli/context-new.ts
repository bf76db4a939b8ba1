/**
 * `oscore-xs context new`: provision a matching pair of security contexts (RFC 8613 §3.2, §12.3: a
 * fresh random Master Secret, and Master Salt, shared by both sides; the sender ID of one side is
 * the recipient ID of the other). The client side is an aiocoap-format context directory; the
 * server side another one, or — with `--device-image FILE` — the device's flash partition image
 * (device-image.ts), and nowhere else: a context is moved onto its device, never copied. Nothing
 * is overwritten. Prints the credentials-file entries that use the directories: a URI pattern for
 * the client, a `:label` for the server.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseContextConfig, KNOWN_ALGORITHMS, DEFAULT_ALGORITHM } from '../../../src/credentials/context-config.js';
import { LoadError } from '../../../src/errors.js';
import { equalBytes, fromHex, toHex } from '../../../src/bytes.js';
import { flagOpt, parseCommandArgs, stringOpt, UsageError, type CommandSpec, type ParsedArgs } from './args.js';
import type { CliIo } from './io.js';
import { deviceImageArgs, deviceImageInstructions, deviceImageOptions, imagePartition, prepareDeviceImage, writeDeviceImage } from './device-image.js';
import { oscoreContextEntry } from '../../../src/device-image/image.js';
import { securityContextParams } from '../context-dir.js';

export const contextNewSpec: CommandSpec = {
  name: 'context new',
  usage: 'OUTDIR_CLIENT OUTDIR_SERVER  |  --device-image FILE OUTDIR_CLIENT',
  summary: 'Write a matching pair of OSCORE security contexts with a fresh random secret and salt: two context directories (aiocoap format), or a client directory and a device flash image.',
  options: [
    { name: 'sender-id', value: 'HEX', help: "the client's Sender ID (the server's Recipient ID), hex; may be empty ('')" },
    { name: 'recipient-id', value: 'HEX', help: "the client's Recipient ID (the server's Sender ID), hex" },
    { name: 'ascii', help: 'read both IDs as ASCII text instead of hex (as aiocoap\'s _ascii keys)' },
    { name: 'id-context', value: 'HEX', help: 'an ID Context for both sides (default: none)' },
    { name: 'algorithm', value: 'NAME', help: 'AEAD algorithm (default ' + DEFAULT_ALGORITHM + '; any AES-CCM-* name, A128GCM, A192GCM, A256GCM, ChaCha20/Poly1305)' },
    { name: 'uri', value: 'PATTERN', help: "URI pattern for the client's credentials entry (default coap://localhost/*)" },
    { name: 'label', value: ':NAME', help: "label of the server's credentials entry (default :client)" },
    ...deviceImageOptions,
  ],
  details: [
    'example:',
    '  oscore-xs context new --sender-id 01 --recipient-id 02 client-ctx server-ctx',
    '  # then save the printed snippets as client.json and server.json and run',
    '  oscore-xs fileserver ./files --credentials server.json',
    '  oscore-xs client coap://localhost/ --credentials client.json',
    'a device (the device side goes into a flash partition image, written to the device once):',
    "  oscore-xs context new --sender-id 01 --recipient-id 02 --uri 'coap://192.168.1.50/*' --device-image dev.bin my-client",
  ].join('\n'),
};

function idBytes(p: ParsedArgs, name: string): Uint8Array {
  const v = stringOpt(p, name);
  if (v === undefined) throw new UsageError('--' + name + ' is required');
  if (flagOpt(p, 'ascii')) {
    if (!/^[\x00-\x7f]*$/.test(v)) throw new UsageError('--' + name + ': not ASCII');
    return Uint8Array.from(v, (c) => c.charCodeAt(0));
  }
  try {
    return fromHex(v);
  } catch {
    throw new UsageError('--' + name + ': not hex (use --ascii for text IDs)');
  }
}

/** Refuse anything that is there already: a context must never be overwritten (nonce reuse). */
function checkFree(dir: string): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw new LoadError(dir + ': exists and is not a directory; refusing to overwrite');
  if (readdirSync(dir).length > 0) throw new LoadError(dir + ': exists and is not empty; refusing to overwrite');
}

export async function contextNew(argv: string[], io: CliIo): Promise<number> {
  const p = parseCommandArgs(contextNewSpec, argv, (text) => io.out(text));
  if (!p) return 0;
  const image = deviceImageArgs(p);
  if (image && p.positionals.length !== 1) throw new UsageError('with --device-image, expected only OUTDIR_CLIENT (the device side goes into the image)');
  if (!image && p.positionals.length !== 2) throw new UsageError('expected OUTDIR_CLIENT and OUTDIR_SERVER (or --device-image FILE OUTDIR_CLIENT)');
  const [clientDir, serverDir] = p.positionals.map((d) => resolve(d));
  if (clientDir === serverDir) throw new UsageError('the two directories must differ');
  const partition = image ? imagePartition(p) : undefined;
  const senderId = idBytes(p, 'sender-id');
  const recipientId = idBytes(p, 'recipient-id');
  if (equalBytes(senderId, recipientId)) throw new UsageError('sender and recipient ID must differ (equal IDs reuse nonces)');
  const algorithm = stringOpt(p, 'algorithm') ?? DEFAULT_ALGORITHM;
  if (!Object.prototype.hasOwnProperty.call(KNOWN_ALGORITHMS, algorithm)) throw new UsageError('--algorithm: unknown or unsupported "' + algorithm + '" (AES-CCM-* names, A128GCM, A192GCM, A256GCM, ChaCha20/Poly1305)');
  const idContextHex = stringOpt(p, 'id-context');
  const label = stringOpt(p, 'label') ?? ':client';
  if (!label.startsWith(':')) throw new UsageError('--label must start with ":"');
  const uri = stringOpt(p, 'uri') ?? 'coap://localhost/*';

  const secret = { secret_hex: toHex(randomBytes(32)), salt_hex: toHex(randomBytes(8)) };
  const idKeys = (s: Uint8Array, r: Uint8Array) => ({ 'sender-id_hex': toHex(s), 'recipient-id_hex': toHex(r) });
  const common: Record<string, string> = { algorithm };
  if (idContextHex !== undefined) {
    try {
      common['id-context_hex'] = toHex(fromHex(idContextHex));
    } catch {
      throw new UsageError('--id-context: not hex');
    }
  }
  const client = { dir: clientDir, settings: { ...idKeys(senderId, recipientId), ...common } };
  const server = { dir: serverDir ?? '(device image)', settings: { ...idKeys(recipientId, senderId), ...common } };
  // Validate exactly as loading will (ID lengths for the nonce, …) before writing anything.
  const configs = [client, server].map((s) =>
    parseContextConfig(s.dir, [
      { name: 'secret.json', text: JSON.stringify(secret) },
      { name: 'settings.json', text: JSON.stringify(s.settings) },
    ]),
  );
  const sides = image ? [client] : [client, server];
  for (const s of sides) checkFree(s.dir);
  // The device's side, built (and checked against FILE's contexts with --add) before anything is written.
  const imageBytes = image && partition ? prepareDeviceImage(image.file, image.add, partition, [oscoreContextEntry(image.name, securityContextParams(configs[1]))]) : undefined;
  for (const s of sides) {
    mkdirSync(s.dir, { recursive: true, mode: 0o700 });
    writeFileSync(s.dir + '/settings.json', JSON.stringify(s.settings, null, 2) + '\n', { flag: 'wx', mode: 0o644 });
    writeFileSync(s.dir + '/secret.json', JSON.stringify(secret, null, 2) + '\n', { flag: 'wx', mode: 0o600 });
  }
  const entry = (dir: string) => ({ oscore: { basedir: dir + '/' } });
  io.out('# client credentials (e.g. client.json):\n' + JSON.stringify({ [uri]: entry(clientDir) }, null, 2) + '\n');
  if (image && partition && imageBytes) {
    writeDeviceImage(image.file, image.add, imageBytes);
    io.out(deviceImageInstructions(image.file, partition, imageBytes));
    io.err('wrote ' + clientDir + ' (secret.json is readable only by you) and the device side into ' + image.file + ' only.\n');
    return 0;
  }
  io.out('# server credentials (e.g. server.json):\n' + JSON.stringify({ [label]: entry(serverDir) }, null, 2) + '\n');
  io.err('wrote ' + clientDir + ' and ' + serverDir + ' (secret.json is readable only by you). Never copy a context: move it.\n');
  return 0;
}
