/**
 * `oscore-xs keygen generate KEYFILE`: a new EDHOC key pair, like aiocoap-keygen. The private COSE
 * key goes into KEYFILE (CBOR {1: kty, -1: crv, -4: d}, created with mode 0600, never over an existing
 * file); the public credential, a KCCS {14: {8: {1: COSE_Key}}} (RFC 9528 §3.5.2, RFC 8747 cnf),
 * is printed in CBOR diagnostic notation for `own_cred` / `peer_cred` of a credentials file — and with
 * --json in aiocoap's JSON spelling ({"14": …, bytes as {"hex": …}}).
 * P-256 by default (cipher suites 2 and 3, and all aiocoap supports); X25519 or Ed25519 for suites
 * 0 and 1 (static DH or signature authentication).
 */
import { existsSync } from 'node:fs';
import { toHex, fromHex } from '../../../src/bytes.js';
import type { CborItem } from '../../../src/cbor/decode.js';
import { encodeCbor } from '../../../src/cbor/encode.js';
import { CRV_ED25519, CRV_P256, CRV_X25519, KTY_EC2, KTY_OKP, coseKeyMap } from '../../../src/cose/key.js';
import { nobleAsymmetricCrypto } from '../../../src/crypto/asymmetric-noble.js';
import { publicCoseKey } from '../../../src/credentials/edhoc-credentials.js';
import { nodeRandom } from '../ports.js';
import { writePrivateKeyFile } from '../edhoc-keys.js';
import { flagOpt, parseCommandArgs, stringOpt, UsageError, type CommandSpec } from './args.js';
import type { CliIo } from './io.js';
import { cborDiagnostic } from './pretty.js';

export const keygenSpec: CommandSpec = {
  name: 'keygen',
  usage: 'generate KEYFILE',
  summary: 'Make an EDHOC key pair: the private COSE key into KEYFILE (readable only by you), the public credential (KCCS) to stdout.',
  options: [
    { name: 'kid', value: 'HEX', help: 'key identifier (needed to send the credential by key ID, own_cred_style "by-key-id")' },
    { name: 'subject', value: 'TEXT', help: 'subject claim placed in the CCS' },
    { name: 'curve', value: 'CURVE', help: 'P-256 (default; suites 2, 3), X25519 or Ed25519 (suites 0, 1)' },
    { name: 'json', help: 'print the credential as JSON (aiocoap\'s {"hex": …} for bytes) instead of diagnostic notation' },
  ],
  details: [
    'examples:',
    '  oscore-xs keygen generate server.cosekey --kid 0a',
    '  oscore-xs keygen generate client.cosekey --kid 01 --json',
  ].join('\n'),
};

const CURVES: Record<string, { kty: number; crv: number }> = {
  'P-256': { kty: KTY_EC2, crv: CRV_P256 },
  X25519: { kty: KTY_OKP, crv: CRV_X25519 },
  Ed25519: { kty: KTY_OKP, crv: CRV_ED25519 },
};

/** A CBOR item in aiocoap's JSON spelling: integer keys as text, bytes as {"hex": …}. */
export function jsonOfItem(v: CborItem): unknown {
  if (v instanceof Uint8Array) return { hex: toHex(v) };
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), jsonOfItem(x)]));
  if (Array.isArray(v)) return v.map(jsonOfItem);
  return v;
}

export async function keygen(argv: string[], io: CliIo): Promise<number> {
  const p = parseCommandArgs(keygenSpec, argv, (text) => io.out(text));
  if (!p) return 0;
  if (p.positionals[0] !== 'generate' || p.positionals.length !== 2) throw new UsageError('expected: generate KEYFILE');
  const file = p.positionals[1];
  const curveName = stringOpt(p, 'curve') ?? 'P-256';
  const curve = CURVES[curveName];
  if (!curve) throw new UsageError('--curve: one of P-256, X25519, Ed25519');
  const kidHex = stringOpt(p, 'kid');
  if (kidHex !== undefined && !/^([0-9a-fA-F]{2})+$/.test(kidHex)) throw new UsageError('--kid: hexadecimal bytes, e.g. 0a');
  if (existsSync(file)) throw new UsageError('output file already exists: ' + file);
  const crypto = nobleAsymmetricCrypto;
  const d = curve.crv === CRV_P256 ? crypto.keyAgreement('P-256').generateKeyPair(nodeRandom).privateKey : curve.crv === CRV_X25519 ? crypto.keyAgreement('X25519').generateKeyPair(nodeRandom).privateKey : crypto.signature(-8).generateKeyPair(nodeRandom).privateKey;
  writePrivateKeyFile(file, { kty: curve.kty, crv: curve.crv, d });
  const key = { ...publicCoseKey(crypto, curve.kty, curve.crv, d), kid: kidHex === undefined ? undefined : fromHex(kidHex.toLowerCase()) };
  if (!key.kid) delete key.kid;
  // aiocoap's as_ccs: {14: {8: {1: COSE_Key}, 2: subject}}.
  const claims = new Map<number, CborItem>([[8, new Map<number, CborItem>([[1, coseKeyMap(key)]])]]);
  const subject = stringOpt(p, 'subject');
  if (subject !== undefined) claims.set(2, subject);
  const kccs = new Map<number, CborItem>([[14, claims]]);
  if (flagOpt(p, 'json')) io.out(JSON.stringify(jsonOfItem(kccs)) + '\n');
  else io.out(cborDiagnostic(encodeCbor(kccs)) + '\n');
  return 0;
}
