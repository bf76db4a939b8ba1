// Many client contexts in one server credentials file, in aiocoap's format (one context directory
// each, `:cN` entries), written into a temp dir; and the matching client-side parameters.
// Used by test/cli-many-contexts.node.test.ts and bench/contexts.bench.ts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromHex, toHex, utf8Encode } from '../src/bytes.js';
import type { SecurityContextParams } from '../src/oscore/context.js';

/** Server's Sender ID (the clients' Recipient ID). */
export const SERVER_ID = 'srv';

/** Client i's Sender ID: 3 bytes, so ten thousands fit and none is a prefix of another. */
export const clientId = (i: number): Uint8Array => fromHex((i + 1).toString(16).padStart(6, '0'));

const secretOf = (i: number): Uint8Array => fromHex('0102030405060708090a0b0c' + (i + 1).toString(16).padStart(8, '0'));
const SALT = fromHex('9e7ca92223786340');

export interface ManyContexts {
  /** The server's credentials file (`:c0` … `:cN-1`, basedir `server/cI/`). */
  credentials: string;
  /** Directory of server context i. */
  serverDir(i: number): string;
  /** Parameters of client i's context for the server. */
  client(i: number): SecurityContextParams;
}

export function writeManyContexts(root: string, n: number): ManyContexts {
  const creds: Record<string, { oscore: { basedir: string } }> = {};
  for (let i = 0; i < n; i++) {
    const dir = join(root, 'server', 'c' + i);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'settings.json'), JSON.stringify({ 'sender-id_ascii': SERVER_ID, 'recipient-id_hex': toHex(clientId(i)) }));
    writeFileSync(join(dir, 'secret.json'), JSON.stringify({ secret_hex: toHex(secretOf(i)), salt_hex: toHex(SALT) }));
    creds[':c' + i] = { oscore: { basedir: 'server/c' + i + '/' } };
  }
  const credentials = join(root, 'server.json');
  writeFileSync(credentials, JSON.stringify(creds));
  return {
    credentials,
    serverDir: (i) => join(root, 'server', 'c' + i),
    client: (i) => ({ masterSecret: secretOf(i), masterSalt: SALT, senderId: clientId(i), recipientId: utf8Encode(SERVER_ID) }),
  };
}
