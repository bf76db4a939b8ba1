/**
 * The security contexts of the OSCORE interop test specification (core-wg "OSCORE test spec",
 * as libcoap's oscore_testcases.sh runs it; test/fixtures/interop/libcoap-contexts/): Master Secret
 * 0102…10, Master Salt 9e7ca92223786340, AES-CCM-16-64-128, HKDF-SHA-256, replay window 32.
 *
 *   A client ↔ B server   sender "" / recipient 01 (B: the reverse)
 *   C client ↔ D server   as A/B, with ID Context 37cbf3210017a2d3
 *   E client              sender 010101: the server knows no such kid (→ 4.01)
 *   F client              A with a broken Sender Key: the server cannot decrypt (→ 4.00)
 *   G client              A with a broken Recipient Key: the client cannot decrypt the response
 *
 * Each can live in an aiocoap-format context directory (settings.json + secret.json), so the
 * sequence numbers and replay windows persist between runs (`--state DIR`).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromHex, toHex } from '../../../src/bytes.js';
import { deriveKeys, SecurityContext, type DerivedKeys, type SecurityContextParams } from '../../../src/oscore/context.js';
import { MemoryContextStore, type ContextStore, type ReplayState } from '../../../src/oscore/store.js';
import { ContextDirectory } from '../context-dir.js';

export type PlugtestRole = 'a' | 'b' | 'c' | 'd' | 'e' | 'f' | 'g';

const SECRET = '0102030405060708090a0b0c0d0e0f10';
const SALT = '9e7ca92223786340';
const ID_CONTEXT = '37cbf3210017a2d3';

const ROLES: Record<PlugtestRole, { sender: string; recipient: string; idContext?: string; broken?: 'sender' | 'recipient' }> = {
  a: { sender: '', recipient: '01' },
  b: { sender: '01', recipient: '' },
  c: { sender: '', recipient: '01', idContext: ID_CONTEXT },
  d: { sender: '01', recipient: '', idContext: ID_CONTEXT },
  e: { sender: '010101', recipient: '01' },
  f: { sender: '', recipient: '01', broken: 'sender' },
  g: { sender: '', recipient: '01', broken: 'recipient' },
};

export function plugtestParams(role: PlugtestRole): SecurityContextParams {
  const r = ROLES[role];
  return {
    masterSecret: fromHex(SECRET),
    masterSalt: fromHex(SALT),
    senderId: fromHex(r.sender),
    recipientId: fromHex(r.recipient),
    idContext: r.idContext === undefined ? undefined : fromHex(r.idContext),
    algorithm: 10,
    hkdf: 'SHA-256',
    replayWindowSize: 32,
  };
}

/** Keys of a role; F and G get one key flipped (as libcoap's break_sender_key / break_recipient_key). */
export function plugtestKeys(role: PlugtestRole): DerivedKeys | undefined {
  const broken = ROLES[role].broken;
  if (!broken) return undefined;
  const keys = deriveKeys(plugtestParams(role));
  const k = broken === 'sender' ? keys.senderKey : keys.recipientKey;
  k[0] ^= 0xff;
  return keys;
}

/** The aiocoap-format files of a role (what `--state DIR` holds, one directory per role). */
export function writePlugtestContextDir(dir: string, role: PlugtestRole): void {
  const r = ROLES[role];
  mkdirSync(dir, { recursive: true });
  const settings: Record<string, string> = { algorithm: 'AES-CCM-16-64-128', 'sender-id_hex': r.sender, 'recipient-id_hex': r.recipient };
  if (r.idContext) settings['id-context_hex'] = r.idContext;
  writeFileSync(join(dir, 'settings.json'), JSON.stringify(settings, null, 2) + '\n', { flag: 'wx' });
  writeFileSync(join(dir, 'secret.json'), JSON.stringify({ secret_hex: SECRET, salt_hex: SALT }, null, 2) + '\n', { flag: 'wx', mode: 0o600 });
}

export interface PlugtestContext {
  role: PlugtestRole;
  context: SecurityContext;
  dir?: ContextDirectory;
}

/**
 * A role's context: from `stateDir/<role>/` (created with the spec's values when missing), or in
 * memory with `initialWindow` when there is no state directory.
 */
export async function openPlugtestContext(role: PlugtestRole, stateDir: string | undefined, initialWindow: ReplayState = 'fresh'): Promise<PlugtestContext> {
  let store: ContextStore;
  let dir: ContextDirectory | undefined;
  if (stateDir) {
    const path = join(stateDir, role);
    if (!existsSync(join(path, 'settings.json'))) writePlugtestContextDir(path, role);
    dir = await ContextDirectory.open(path);
    const cfg = dir.config;
    const want = plugtestParams(role);
    // A state directory for another setup must not be used with these keys by accident.
    if (toHex(cfg.senderId) !== toHex(want.senderId) || toHex(cfg.recipientId) !== toHex(want.recipientId) || toHex(cfg.masterSecret) !== SECRET) {
      await dir.release();
      throw new Error(path + ': not the interop context ' + role.toUpperCase());
    }
    store = dir;
  } else {
    store = new MemoryContextStore({ window: initialWindow, reserveStep: 1 });
  }
  try {
    return { role, dir, context: new SecurityContext(plugtestParams(role), { store, keys: plugtestKeys(role) }) };
  } catch (e) {
    await dir?.release();
    throw e;
  }
}

export async function closePlugtestContext(c: PlugtestContext): Promise<void> {
  try {
    c.context.close();
  } catch {
    // keep closing the others; the directory keeps its reservation
  }
  await c.dir?.released();
  await c.dir?.release();
}
