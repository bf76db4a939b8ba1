/**
 * Group OSCORE context directories on Node (format: src/credentials/group-config.ts, docs/cli.md):
 * open one as a GroupContext with its sender sequence persisted in `sequence.json` (App. B.1.1:
 * reservations written before use, in growing chunks like the pairwise context directories; the
 * exact number at a clean close), under the directory's `lock` while open; and write a consistent
 * set of N member directories (`oscore-xs context new-group`).
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { LoadError, StorageError } from '../../src/errors.js';
import { toHex, equalBytes } from '../../src/bytes.js';
import { parseGroupConfig, type GroupConfig } from '../../src/credentials/group-config.js';
import { parseSequenceFile, formatSequenceFile, freshSequenceState } from '../../src/credentials/sequence-file.js';
import type { ContextStore, ReplayState, ReplayWindowSnapshot } from '../../src/oscore/store.js';
import { GroupContext } from '../../src/group/context.js';
import { nobleAsymmetricCrypto } from '../../src/crypto/asymmetric-noble.js';
import { encodeCcs } from '../../src/cose/ccs.js';
import type { AsymmetricCrypto } from '../../src/crypto/asymmetric.js';
import type { RandomSource } from '../../src/ports.js';
import { ContextLock } from './context-lock.js';
import { nodeRandom } from './ports.js';

const CHUNK_START = 10;
const CHUNK_LIMIT = 10000;

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new LoadError(path + ': cannot read (' + (e as NodeJS.ErrnoException).code + ')');
  }
}

/** Read and check a group directory (nothing written, no lock). */
export function readGroupDirectory(dir: string): GroupConfig {
  const label = (name: string) => join(dir, name);
  const keyFile = label('private-key.json');
  try {
    // The private key file must be the owner's alone (as ssh insists for its keys).
    if ((statSync(keyFile).mode & 0o077) !== 0) throw new LoadError(keyFile + ': readable by others (chmod 600 it)');
  } catch (e) {
    if (e instanceof LoadError) throw e;
    throw new LoadError(keyFile + ': missing or unreadable (' + (e as NodeJS.ErrnoException).code + ')');
  }
  return parseGroupConfig(dir, {
    settings: { name: label('settings.json'), text: readOptional(label('settings.json')) },
    secret: { name: label('secret.json'), text: readOptional(label('secret.json')) },
    privateKey: { name: keyFile, text: readOptional(keyFile) },
  });
}

/** The sender sequence of a group directory (members' replay windows are not stored: see src/group/context.ts). */
class GroupSequenceFile implements ContextStore {
  private persistedNext: number;
  private chunk = CHUNK_START;
  private readonly startedFresh: boolean;

  constructor(private readonly dir: string, private lock: ContextLock | undefined) {
    const path = join(dir, 'sequence.json');
    const text = readOptional(path);
    const state = text === undefined ? freshSequenceState() : parseSequenceFile(path, text, 32);
    this.persistedNext = state.nextToSend;
    this.startedFresh = text === undefined;
  }

  load(): { nextSeq: number; window: ReplayState } {
    return { nextSeq: this.persistedNext, window: this.startedFresh ? 'fresh' : 'unknown' };
  }

  reserve(upTo: number): number {
    const limit = Math.max(upTo, this.persistedNext) + this.chunk;
    this.chunk = Math.min(this.chunk * 2, CHUNK_LIMIT);
    this.write(limit);
    this.persistedNext = limit;
    return limit;
  }

  close(nextSeq: number, _window: ReplayWindowSnapshot | 'unknown'): void {
    this.write(nextSeq);
    this.persistedNext = nextSeq;
    void this.lock?.release();
    this.lock = undefined;
  }

  private write(next: number): void {
    const tmp = join(this.dir, 'sequence.json.tmp');
    try {
      const fd = openSync(tmp, 'w', 0o600);
      try {
        writeSync(fd, formatSequenceFile({ nextToSend: next, received: 'unknown' }));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, join(this.dir, 'sequence.json'));
    } catch (e) {
      throw new StorageError(this.dir + ': cannot write sequence.json (' + (e as NodeJS.ErrnoException).code + ')');
    }
  }
}

export interface OpenGroupOptions {
  crypto?: AsymmetricCrypto;
  random?: RandomSource;
}

/** Lock and open a group directory as a GroupContext (its own key checked against its credential). */
export async function openGroupDirectory(dir: string, opts: OpenGroupOptions = {}): Promise<{ config: GroupConfig; context: GroupContext }> {
  const config = readGroupDirectory(dir);
  const crypto = opts.crypto ?? nobleAsymmetricCrypto;
  let own: Uint8Array;
  try {
    own = crypto.signature(config.signatureAlgorithm).publicKeyOf(config.privateKey);
  } catch (e) {
    throw new LoadError(join(dir, 'private-key.json') + ': private-key_hex: not a key for the group\'s signature algorithm');
  }
  if (!equalBytes(own, config.publicKey)) throw new LoadError(join(dir, 'private-key.json') + ': private-key_hex: does not match the key in settings.json credential_hex');
  const lock = await ContextLock.acquire(join(dir, 'lock'), dir);
  try {
    const store = new GroupSequenceFile(dir, lock);
    const context = new GroupContext(
      {
        groupId: config.groupId,
        masterSecret: config.masterSecret,
        masterSalt: config.masterSalt,
        senderId: config.senderId,
        groupEncryptionAlgorithm: config.groupEncryptionAlgorithm,
        aeadAlgorithm: config.aeadAlgorithm,
        signatureAlgorithm: config.signatureAlgorithm,
        credential: config.credential,
        privateKey: config.privateKey,
        members: config.members,
        gmCredential: config.gmCredential,
        replayWindowSize: config.window,
      },
      { crypto, random: opts.random ?? nodeRandom, store },
    );
    return { config, context };
  } catch (e) {
    await lock.release();
    throw e;
  }
}

export interface NewGroupOptions {
  signature?: 'EdDSA' | 'ES256';
  groupId?: Uint8Array;
  multicastAddress?: string;
  crypto?: AsymmetricCrypto;
  random?: RandomSource;
}

/**
 * Write one directory per member (Sender IDs 01, 02, … in the order given): the same Gid, secret,
 * salt and algorithms; each its own key pair, its CCS in everyone's member list, its private key
 * in a 0600 file. The directories must not exist or be empty.
 */
export function writeNewGroup(dirs: readonly string[], opts: NewGroupOptions = {}): void {
  if (dirs.length < 2) throw new RangeError('a group needs at least two members');
  if (dirs.length > 255) throw new RangeError('at most 255 members (one-byte Sender IDs)');
  const crypto = opts.crypto ?? nobleAsymmetricCrypto;
  const random = opts.random ?? nodeRandom;
  const signature = opts.signature ?? 'EdDSA';
  const alg = crypto.signature(signature === 'EdDSA' ? -8 : -7);
  const members = dirs.map((dir, i) => {
    const kp = alg.generateKeyPair(random);
    const key = signature === 'EdDSA' ? { kty: 1 as const, crv: 6, x: kp.publicKey } : { kty: 2 as const, crv: 1, x: kp.publicKey.slice(1, 33), y: kp.publicKey.slice(33) };
    return { dir, senderId: toHex(Uint8Array.of(i + 1)), credential: toHex(encodeCcs(key, 'member ' + (i + 1))), privateKey: toHex(kp.privateKey) };
  });
  const secret = JSON.stringify({ secret_hex: toHex(randomBytes(32)), salt_hex: toHex(randomBytes(8)) }) + '\n';
  const groupId = toHex(opts.groupId ?? randomBytes(4));
  for (const m of members) {
    mkdirSync(m.dir, { recursive: true });
    const settings: Record<string, unknown> = {
      'group-id_hex': groupId,
      'sender-id_hex': m.senderId,
      'signature-algorithm': signature,
      'group-encryption-algorithm': 'AES-CCM-16-64-128',
      algorithm: 'AES-CCM-16-64-128',
      'credential_hex': m.credential,
      members: members.filter((o) => o !== m).map((o) => ({ 'sender-id_hex': o.senderId, 'credential_hex': o.credential })),
      'multicast-address': opts.multicastAddress ?? '224.0.1.187',
    };
    writeFileSync(join(m.dir, 'settings.json'), JSON.stringify(settings, null, 1) + '\n');
    writeFileSync(join(m.dir, 'secret.json'), secret, { mode: 0o600 });
    writeFileSync(join(m.dir, 'private-key.json'), JSON.stringify({ 'private-key_hex': m.privateKey }) + '\n', { mode: 0o600 });
  }
}
