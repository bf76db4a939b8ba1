/**
 * A Group OSCORE context directory (RFC 10021 §2), in the spirit of aiocoap's context directories
 * (aiocoap has no file format for groups; it builds SimpleGroupContext in code):
 *
 *   settings.json     {"group-id_hex", "sender-id_hex", "signature-algorithm": "EdDSA" | "ES256",
 *                      "group-encryption-algorithm", "algorithm" (pairwise AEAD; both default
 *                      AES-CCM-16-64-128), "credential_hex" (own CCS), "members": [{"sender-id_hex",
 *                      "credential_hex"}, …], optional "group-manager-credential_hex",
 *                      "multicast-address" (default 224.0.1.187), "window"}
 *   secret.json       {"secret_hex", "salt_hex"}            (the group's Master Secret and Salt)
 *   private-key.json  {"private-key_hex"}                    (own private key; the loader insists
 *                                                            on a file only its owner can read)
 *   sequence.json     {"next-to-send": N}                    (written by the Node store, App. B.1.1)
 *
 * Platform-free: the caller reads the files and hands their text here. Members' credentials are
 * CCS (RFC 8392, with a cnf COSE_Key) decoded by src/cose; their key must suit the signature
 * algorithm (OKP Ed25519 for EdDSA, EC2 P-256 for ES256). Errors are LoadErrors naming file and key.
 */
import { LoadError, OscoreXsError } from '../errors.js';
import { fromHex, toHex } from '../bytes.js';
import { decodeCcs } from '../cose/ccs.js';
import { publicKeyBytes, CRV_ED25519, CRV_P256, KTY_EC2, KTY_OKP } from '../cose/key.js';
import { parseJsonObject } from './context-config.js';
import { CCM_ALGORITHMS } from './context-config.js';

export const DEFAULT_MULTICAST_ADDRESS = '224.0.1.187';
export const SIGNATURE_ALGORITHMS: Readonly<Record<string, -7 | -8>> = { EdDSA: -8, ES256: -7 };

export interface GroupConfigMember {
  senderId: Uint8Array;
  credential: Uint8Array;
  publicKey: Uint8Array;
}

export interface GroupConfig {
  groupId: Uint8Array;
  senderId: Uint8Array;
  masterSecret: Uint8Array;
  masterSalt: Uint8Array;
  signatureAlgorithm: -7 | -8;
  groupEncryptionAlgorithm: number;
  aeadAlgorithm: number;
  credential: Uint8Array;
  /** The public key inside the own credential (checked against the private key by the loader). */
  publicKey: Uint8Array;
  privateKey: Uint8Array;
  members: GroupConfigMember[];
  gmCredential: Uint8Array | null;
  multicastAddress: string;
  window: number;
}

export interface GroupConfigFiles {
  settings: { name: string; text: string | undefined };
  secret: { name: string; text: string | undefined };
  privateKey: { name: string; text: string | undefined };
}

function hexField(file: string, obj: Record<string, unknown>, key: string, required: true): Uint8Array;
function hexField(file: string, obj: Record<string, unknown>, key: string, required: false): Uint8Array | undefined;
function hexField(file: string, obj: Record<string, unknown>, key: string, required: boolean): Uint8Array | undefined {
  const v = obj[key];
  if (v === undefined || v === null) {
    if (required) throw new LoadError(file + ': ' + key + ': missing');
    return undefined;
  }
  if (typeof v !== 'string' || v.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(v)) throw new LoadError(file + ': ' + key + ': not hex');
  return fromHex(v);
}

function algorithmField(file: string, obj: Record<string, unknown>, key: string): number {
  const v = obj[key];
  if (v === undefined) return CCM_ALGORITHMS['AES-CCM-16-64-128'].id;
  if (typeof v !== 'string' || !Object.prototype.hasOwnProperty.call(CCM_ALGORITHMS, v)) throw new LoadError(file + ': ' + key + ': unknown or unsupported algorithm ' + JSON.stringify(v) + ' (AES-CCM-* names)');
  return CCM_ALGORITHMS[v].id;
}

/** The signature public key in a CCS, checked against the group's algorithm. */
export function credentialPublicKey(where: string, credential: Uint8Array, signatureAlgorithm: -7 | -8): Uint8Array {
  let key;
  try {
    key = decodeCcs(credential).key;
  } catch (e) {
    throw new LoadError(where + ': not a CCS with a COSE_Key (' + (e instanceof OscoreXsError || e instanceof Error ? e.message : String(e)) + ')');
  }
  const fits = signatureAlgorithm === -8 ? key.kty === KTY_OKP && key.crv === CRV_ED25519 : key.kty === KTY_EC2 && key.crv === CRV_P256 && key.y !== undefined;
  if (!fits) throw new LoadError(where + ': key is not ' + (signatureAlgorithm === -8 ? 'an Ed25519 (OKP) key' : 'a P-256 (EC2) key with x and y') + ' as the group\'s signature algorithm needs');
  return publicKeyBytes(key, 'signature');
}

/** Parse and check the three files of a group context directory. */
export function parseGroupConfig(dirLabel: string, files: GroupConfigFiles): GroupConfig {
  for (const f of [files.settings, files.secret, files.privateKey]) if (f.text === undefined) throw new LoadError(dirLabel + ': ' + f.name + ' missing');
  const s = parseJsonObject(files.settings.name, files.settings.text!);
  const sec = parseJsonObject(files.secret.name, files.secret.text!);
  const pk = parseJsonObject(files.privateKey.name, files.privateKey.text!);
  const sf = files.settings.name;
  const sigName = s['signature-algorithm'] ?? 'EdDSA';
  if (typeof sigName !== 'string' || !Object.prototype.hasOwnProperty.call(SIGNATURE_ALGORITHMS, sigName)) throw new LoadError(sf + ': signature-algorithm: expected "EdDSA" or "ES256"');
  const signatureAlgorithm = SIGNATURE_ALGORITHMS[sigName];
  const groupId = hexField(sf, s, 'group-id_hex', true);
  if (groupId.length > 255) throw new LoadError(sf + ': group-id_hex: longer than 255 bytes');
  const senderId = hexField(sf, s, 'sender-id_hex', true);
  const credential = hexField(sf, s, 'credential_hex', true);
  const publicKey = credentialPublicKey(sf + ': credential_hex', credential, signatureAlgorithm);
  const list = s.members;
  if (!Array.isArray(list) || list.length === 0) throw new LoadError(sf + ': members: expected a non-empty list of {"sender-id_hex", "credential_hex"}');
  const seen = new Set<string>([toHex(senderId)]);
  const members = list.map((m, i) => {
    const where = sf + ': members[' + i + ']';
    if (m === null || typeof m !== 'object' || Array.isArray(m)) throw new LoadError(where + ': expected an object');
    const o = m as Record<string, unknown>;
    const id = hexField(where, o, 'sender-id_hex', true);
    if (seen.has(toHex(id))) throw new LoadError(where + ': sender-id_hex: ' + toHex(id) + ' is used twice in the group (own or another member)');
    seen.add(toHex(id));
    const cred = hexField(where, o, 'credential_hex', true);
    return { senderId: id, credential: cred, publicKey: credentialPublicKey(where + ': credential_hex', cred, signatureAlgorithm) };
  });
  const multicast = s['multicast-address'] ?? DEFAULT_MULTICAST_ADDRESS;
  if (typeof multicast !== 'string' || multicast === '') throw new LoadError(sf + ': multicast-address: expected an IP address');
  const window = s.window ?? 32;
  if (typeof window !== 'number' || !Number.isInteger(window) || window < 1 || window > 4096) throw new LoadError(sf + ': window: expected an integer from 1 to 4096');
  const masterSecret = hexField(files.secret.name, sec, 'secret_hex', true);
  if (masterSecret.length === 0) throw new LoadError(files.secret.name + ': secret_hex: empty');
  return {
    groupId,
    senderId,
    masterSecret,
    masterSalt: hexField(files.secret.name, sec, 'salt_hex', false) ?? new Uint8Array(0),
    signatureAlgorithm,
    groupEncryptionAlgorithm: algorithmField(sf, s, 'group-encryption-algorithm'),
    aeadAlgorithm: algorithmField(sf, s, 'algorithm'),
    credential,
    publicKey,
    privateKey: hexField(files.privateKey.name, pk, 'private-key_hex', true),
    members,
    gmCredential: hexField(sf, s, 'group-manager-credential_hex', false) ?? null,
    multicastAddress: multicast,
    window,
  };
}
