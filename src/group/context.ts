/**
 * The Group OSCORE Security Context (RFC 10021 §2): one Common Context (Group ID as ID Context,
 * Master Secret/Salt, algorithms, Common IV, Signature Encryption Key, the Group Manager's
 * credential), one Sender Context (own Sender ID, Sender Key, sequence number, credential and
 * private key) and a Recipient Context per member it hears from.
 *
 * Derivation (§2.1, as RFC 8613 §3.2.1 with `kdfInfo` of src/oscore/context.ts):
 *   Sender/Recipient Key: info [id, Gid, alg_group_enc, "Key", key length of alg_group_enc]
 *   Common IV:            info [h'', Gid, alg_group_enc, "IV", the larger of both nonce lengths]
 *   Signature Enc. Key:   info [h'', Gid, alg_group_enc, "SEKey", key length of alg_group_enc]
 * Each mode uses the first nonce-length bytes of the Common IV (§2.1.4).
 * Pairwise keys (§2.5.1), for pairwise mode with one member, from ECDH-SS between the two
 * members' authentication keys (Ed25519 keys converted to X25519, RFC 7748 §4.1):
 *   Pairwise Sender Key    = HKDF(salt = Sender Key,    IKM = own cred | peer cred | shared secret,
 *                                 info [own id,  Gid, alg_aead, "Key", key length of alg_aead])
 *   Pairwise Recipient Key = HKDF(salt = Recipient Key, IKM = peer cred | own cred | shared secret,
 *                                 info [peer id, Gid, alg_aead, "Key", key length of alg_aead])
 *
 * Bounds: recipient contexts exist only for configured members and are created on first sight;
 * an unknown kid allocates nothing (ContextUnavailable upstream). Replay windows are per member.
 * Persistence (App. B.1 per sender): the sequence number reserves through the ContextStore like a
 * pairwise context; members' windows are not stored, so after any restart through a store each
 * member's window is unknown until an Echo exchange proves a request fresh (App. B.1.2 per member).
 */
import { LoadError, UnsupportedAlgorithm } from '../errors.js';
import { equalBytes, toHex } from '../bytes.js';
import type { AeadAlgorithm, AeadKey } from '../crypto/aead.js';
import { findAlgorithm } from '../crypto/algorithms.js';
import { hkdfSha256 } from '../crypto/hkdf.js';
import type { AsymmetricCrypto, SignatureAlgorithm, SignatureAlgorithmId } from '../crypto/asymmetric.js';
import type { RandomSource } from '../ports.js';
import { kdfInfo } from '../oscore/context.js';
import { ReplayWindow, DEFAULT_REPLAY_WINDOW_SIZE, MAX_REPLAY_WINDOW_SIZE } from '../oscore/replay.js';
import { SenderSequence, openSenderState } from '../oscore/sequence.js';
import { MemoryContextStore, type ContextStore } from '../oscore/store.js';
import type { GroupAlgorithmIds } from './aad.js';

/** COSE ECDH-SS + HKDF-256 (RFC 9053 §6.3.1): the Pairwise Key Agreement Algorithm for both curves. */
export const ECDH_SS_HKDF_256 = -27;
/** Both ES256 (r||s) and EdDSA/Ed25519 signatures are 64 bytes. */
export const SIGNATURE_LENGTH = 64;
/** Upper bound on configured members: each costs a credential and, once heard from, keys and a window. */
export const MAX_GROUP_MEMBERS = 1024;

const DEFAULT_ALGORITHM = 10;
const EMPTY = new Uint8Array(0);

export interface GroupMember {
  senderId: Uint8Array;
  /** Its authentication credential as it enters the AAD and the pairwise IKM (CCS bytes). */
  credential: Uint8Array;
  /** The signature public key inside the credential (Ed25519 32 bytes, or a P-256 point). */
  publicKey: Uint8Array;
}

export interface GroupContextParams {
  /** Gid, the ID Context, sent as kid context in every request. */
  groupId: Uint8Array;
  masterSecret: Uint8Array;
  masterSalt?: Uint8Array;
  senderId: Uint8Array;
  /** Group Encryption Algorithm (group mode); default 10, AES-CCM-16-64-128. CCM id or algorithm object. */
  groupEncryptionAlgorithm?: number | AeadAlgorithm;
  /** AEAD Algorithm (pairwise mode); default 10. */
  aeadAlgorithm?: number | AeadAlgorithm;
  /** Signature Algorithm: -8 EdDSA (Ed25519) or -7 ES256 (P-256). */
  signatureAlgorithm: SignatureAlgorithmId;
  /** Own authentication credential (CCS bytes) and the private key of the key in it. */
  credential: Uint8Array;
  privateKey: Uint8Array;
  members: readonly GroupMember[];
  /** The Group Manager's credential for gm_cred; null/absent: no Group Manager. */
  gmCredential?: Uint8Array | null;
  replayWindowSize?: number;
}

export interface GroupContextOptions {
  crypto: AsymmetricCrypto;
  random: RandomSource;
  /** Sender sequence number reservations (App. B.1.1); default: in memory. */
  store?: ContextStore;
}

/** What this endpoint keeps about one member it has heard from. */
export class GroupRecipient {
  readonly senderId: Uint8Array;
  readonly credential: Uint8Array;
  readonly publicKey: Uint8Array;
  /** Group mode Recipient Key (Group Encryption Algorithm). */
  readonly groupKey: AeadKey;
  readonly replayWindow: ReplayWindow;
  /** Raw Recipient Key: the salt of the Pairwise Recipient Key. */
  private readonly recipientKeyBytes: Uint8Array;
  private pairwise: { sender: AeadKey; recipient: AeadKey } | undefined;

  constructor(member: GroupMember, recipientKey: Uint8Array, groupKey: AeadKey, window: ReplayWindow) {
    this.senderId = member.senderId;
    this.credential = member.credential;
    this.publicKey = member.publicKey;
    this.recipientKeyBytes = recipientKey;
    this.groupKey = groupKey;
    this.replayWindow = window;
  }

  /** §2.5.1: the pairwise keys with this member, derived on first use (one ECDH) and kept. */
  pairwiseKeys(group: GroupContext): { sender: AeadKey; recipient: AeadKey } {
    if (!this.pairwise) this.pairwise = group.derivePairwiseKeys(this, this.recipientKeyBytes);
    return this.pairwise;
  }
}

function bytesParam(v: unknown, field: string, allowEmpty = true): Uint8Array {
  if (!(v instanceof Uint8Array)) throw new LoadError(field + ': must be a byte string (Uint8Array)');
  if (!allowEmpty && v.length === 0) throw new LoadError(field + ': must not be empty');
  return v;
}

function resolveAlgorithm(v: number | AeadAlgorithm | undefined, field: string): AeadAlgorithm {
  const a = v ?? DEFAULT_ALGORITHM;
  const alg = typeof a === 'number' ? findAlgorithm(a) : typeof a?.prepare === 'function' ? a : undefined;
  if (!alg) throw new LoadError(field + ': unsupported AEAD algorithm ' + String(a));
  return alg;
}

export class GroupContext {
  readonly groupId: Uint8Array;
  readonly senderId: Uint8Array;
  readonly groupEncryption: AeadAlgorithm;
  readonly aead: AeadAlgorithm;
  readonly signature: SignatureAlgorithm;
  readonly algorithmIds: GroupAlgorithmIds;
  /** The Common IV, as long as the longer of the two nonces. */
  readonly commonIv: Uint8Array;
  readonly credential: Uint8Array;
  readonly gmCredential: Uint8Array | null;
  readonly sequence: SenderSequence;
  readonly store: ContextStore;
  readonly replayWindowSize: number;
  /** True after a restart through a store: each member's window starts unknown (App. B.1.2). */
  readonly windowsStartUnknown: boolean;
  readonly crypto: AsymmetricCrypto;
  readonly random: RandomSource;
  /** Group mode Sender Key. */
  readonly senderKey: AeadKey;
  /** Signature Encryption Key (§2.1.6). */
  readonly signatureEncryptionKey: Uint8Array;

  private readonly masterSecret: Uint8Array;
  private readonly masterSalt: Uint8Array;
  private readonly privateKey: Uint8Array;
  private readonly senderKeyBytes: Uint8Array;
  private readonly members = new Map<string, GroupMember>();
  private readonly recipients = new Map<string, GroupRecipient>();
  private readonly ivs = new Map<number, Uint8Array>();

  constructor(params: GroupContextParams, options: GroupContextOptions) {
    if (params === null || typeof params !== 'object') throw new LoadError('group context parameters missing');
    if (!options || !options.crypto || !options.random) throw new LoadError('group context: crypto and random are required');
    this.groupId = bytesParam(params.groupId, 'groupId').slice();
    this.masterSecret = bytesParam(params.masterSecret, 'masterSecret', false).slice();
    this.masterSalt = params.masterSalt === undefined ? EMPTY : bytesParam(params.masterSalt, 'masterSalt').slice();
    this.senderId = bytesParam(params.senderId, 'senderId').slice();
    this.groupEncryption = resolveAlgorithm(params.groupEncryptionAlgorithm, 'groupEncryptionAlgorithm');
    this.aead = resolveAlgorithm(params.aeadAlgorithm, 'aeadAlgorithm');
    if (params.signatureAlgorithm !== -7 && params.signatureAlgorithm !== -8) throw new LoadError('signatureAlgorithm: supported are -8 (EdDSA) and -7 (ES256), got ' + String(params.signatureAlgorithm));
    this.crypto = options.crypto;
    this.random = options.random;
    try {
      this.signature = options.crypto.signature(params.signatureAlgorithm);
    } catch (e) {
      throw new LoadError('signatureAlgorithm: ' + (e instanceof Error ? e.message : String(e)));
    }
    this.algorithmIds = { aead: this.aead.id, groupEncryption: this.groupEncryption.id, signature: params.signatureAlgorithm, pairwiseKeyAgreement: ECDH_SS_HKDF_256 };
    this.credential = bytesParam(params.credential, 'credential', false).slice();
    this.privateKey = bytesParam(params.privateKey, 'privateKey', false).slice();
    this.gmCredential = params.gmCredential == null ? null : bytesParam(params.gmCredential, 'gmCredential').slice();
    if (this.groupId.length > 255) throw new LoadError('groupId: longer than 255 bytes (kid context, RFC 8613 §6.1)');

    // §2.2: every Sender ID fits both nonces (nonce length − 6) and is unique in the group.
    const maxId = Math.min(this.groupEncryption.nonceLength, this.aead.nonceLength) - 6;
    if (this.senderId.length > maxId) throw new LoadError('senderId: ' + this.senderId.length + ' bytes, at most ' + maxId + ' (nonce length − 6)');
    if (!Array.isArray(params.members)) throw new LoadError('members: must be a list');
    if (params.members.length > MAX_GROUP_MEMBERS) throw new LoadError('members: ' + params.members.length + ' configured, at most ' + MAX_GROUP_MEMBERS);
    for (const [i, m] of params.members.entries()) {
      const id = bytesParam(m?.senderId, 'members[' + i + '].senderId');
      if (id.length > maxId) throw new LoadError('members[' + i + '].senderId: ' + id.length + ' bytes, at most ' + maxId);
      if (equalBytes(id, this.senderId)) throw new LoadError('members[' + i + '].senderId: equals own Sender ID');
      const key = toHex(id);
      if (this.members.has(key)) throw new LoadError('members[' + i + '].senderId: ' + key + ' listed twice');
      this.members.set(key, { senderId: id.slice(), credential: bytesParam(m.credential, 'members[' + i + '].credential', false).slice(), publicKey: bytesParam(m.publicKey, 'members[' + i + '].publicKey', false).slice() });
    }
    const w = params.replayWindowSize ?? DEFAULT_REPLAY_WINDOW_SIZE;
    if (!Number.isInteger(w) || w < 1 || w > MAX_REPLAY_WINDOW_SIZE) throw new LoadError('replayWindowSize: must be an integer 1..' + MAX_REPLAY_WINDOW_SIZE);
    this.replayWindowSize = w;

    const enc = this.groupEncryption;
    this.senderKeyBytes = this.derive(this.senderId, enc.id, 'Key', enc.keyLength);
    this.senderKey = enc.prepare(this.senderKeyBytes);
    this.commonIv = this.derive(EMPTY, enc.id, 'IV', Math.max(enc.nonceLength, this.aead.nonceLength));
    this.signatureEncryptionKey = this.derive(EMPTY, enc.id, 'SEKey', enc.keyLength);

    this.store = options.store ?? new MemoryContextStore();
    const loaded = openSenderState(this.store);
    this.sequence = loaded.sequence;
    // A fresh store says 'fresh'; anything that was used before cannot vouch for members' windows.
    this.windowsStartUnknown = loaded.window !== 'fresh';
  }

  private derive(id: Uint8Array, algId: number, type: string, length: number): Uint8Array {
    return groupKdf(this.masterSecret, this.masterSalt, this.groupId, id, algId, type, length);
  }

  /** §2.1.4: the first nonce-length bytes of the Common IV for `alg`. */
  ivFor(alg: AeadAlgorithm): Uint8Array {
    let iv = this.ivs.get(alg.nonceLength);
    if (!iv) {
      iv = this.commonIv.slice(0, alg.nonceLength);
      this.ivs.set(alg.nonceLength, iv);
    }
    return iv;
  }

  /** Is `kid` a configured member? (No allocation for strangers.) */
  isMember(kid: Uint8Array): boolean {
    return this.members.has(toHex(kid));
  }

  /** How many members have a Recipient Context (heard from). */
  get recipientCount(): number {
    return this.recipients.size;
  }

  /** The member's Recipient Context, created (and kept) on first use; undefined for an unknown kid. */
  recipient(kid: Uint8Array): GroupRecipient | undefined {
    const r = this.candidateRecipient(kid);
    if (r) this.keep(r);
    return r;
  }

  /** The member's kept Recipient Context, or undefined (never creates one). */
  knownRecipient(kid: Uint8Array): GroupRecipient | undefined {
    return this.recipients.get(toHex(kid));
  }

  /**
   * The kept Recipient Context, or a new one not yet kept: a receiver keeps it (`keep`) only once
   * a message from the member verified, so a refused message changes no state.
   */
  candidateRecipient(kid: Uint8Array): GroupRecipient | undefined {
    const key = toHex(kid);
    const existing = this.recipients.get(key);
    if (existing) return existing;
    const member = this.members.get(key);
    if (!member) return undefined;
    const enc = this.groupEncryption;
    const recipientKey = this.derive(member.senderId, enc.id, 'Key', enc.keyLength);
    return new GroupRecipient(member, recipientKey, enc.prepare(recipientKey), new ReplayWindow(this.replayWindowSize, this.windowsStartUnknown ? 'unknown' : 'fresh'));
  }

  /** Keep a Recipient Context from candidateRecipient. */
  keep(r: GroupRecipient): void {
    const key = toHex(r.senderId);
    if (!this.recipients.has(key) && this.members.has(key)) this.recipients.set(key, r);
  }

  /** ECDH-SS between own key and the member's (§2.5.1), Ed25519 keys mapped to X25519. */
  sharedSecretWith(member: GroupMember): Uint8Array {
    if (this.signature.id === -7) return this.crypto.keyAgreement('P-256').sharedSecret(this.privateKey, member.publicKey);
    const c = this.crypto;
    if (!c.edwardsToMontgomeryPrivate || !c.edwardsToMontgomeryPublic) throw new UnsupportedAlgorithm('pairwise mode with Ed25519 needs the Edwards-to-Montgomery conversion');
    return c.keyAgreement('X25519').sharedSecret(c.edwardsToMontgomeryPrivate(this.privateKey), c.edwardsToMontgomeryPublic(member.publicKey));
  }

  /** §2.5.1: Pairwise Sender and Recipient Key with `member` (whose raw Recipient Key is given). */
  derivePairwiseKeys(member: GroupMember, recipientKey: Uint8Array): { sender: AeadKey; recipient: AeadKey } {
    const shared = this.sharedSecretWith(member);
    const alg = this.aead;
    const sender = pairwiseKey(this.senderKeyBytes, this.credential, member.credential, shared, this.senderId, this.groupId, alg);
    const recipient = pairwiseKey(recipientKey, member.credential, this.credential, shared, member.senderId, this.groupId, alg);
    shared.fill(0);
    return { sender: alg.prepare(sender), recipient: alg.prepare(recipient) };
  }

  /** Sign with the own private key (the countersignature of group mode). */
  sign(message: Uint8Array): Uint8Array {
    return this.signature.sign(this.privateKey, message, this.random);
  }

  /** Clean shutdown: the exact sequence number; members' windows are not kept (see the header). */
  close(): void {
    this.store.close(this.sequence.next, 'unknown');
  }
}

/** §2.1 / RFC 8613 §3.2.1: HKDF(Master Salt, Master Secret, [id, Gid, alg, type, L], L), `alg` as §2.1 picks it. */
export function groupKdf(masterSecret: Uint8Array, masterSalt: Uint8Array, groupId: Uint8Array, id: Uint8Array, algId: number, type: string, length: number): Uint8Array {
  return hkdfSha256(masterSecret, masterSalt, kdfInfo(id, groupId, algId, type, length), length);
}

/**
 * §2.5.1: one pairwise key — HKDF(salt = the group-mode key of `id`, IKM = the credential of `id`'s
 * holder | the other's credential | ECDH shared secret, info [id, Gid, alg_aead, "Key", L]).
 */
export function pairwiseKey(groupKeyOfId: Uint8Array, credentialOfId: Uint8Array, otherCredential: Uint8Array, sharedSecret: Uint8Array, id: Uint8Array, groupId: Uint8Array, aead: AeadAlgorithm): Uint8Array {
  return hkdfSha256(concat3(credentialOfId, otherCredential, sharedSecret), groupKeyOfId, kdfInfo(id, groupId, aead.id, 'Key', aead.keyLength), aead.keyLength);
}

function concat3(a: Uint8Array, b: Uint8Array, c: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length + c.length);
  out.set(a, 0);
  out.set(b, a.length);
  out.set(c, a.length + b.length);
  return out;
}
