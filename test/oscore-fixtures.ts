/**
 * Helpers for the OSCORE tests: read the interop captures (JSON lines of UDP payloads) and the
 * security contexts of libcoap (`name,type,value` .conf lines) and aiocoap (settings.json with
 * `_hex` / `_ascii` suffixes), as found in test/fixtures/interop.
 */
import { fromHex, utf8Encode } from '../src/bytes.js';
import { decodeMessage } from '../src/coap/codec.js';
import type { Message } from '../src/coap/message.js';
import { SecurityContext, checkParams, deriveKeys, kdfInfo, type SecurityContextParams } from '../src/oscore/context.js';
import { MemoryContextStore } from '../src/oscore/store.js';
import { hkdfSha256 } from '../src/crypto/hkdf.js';

export interface Frame {
  frame: number;
  srcPort: number;
  dstPort: number;
  bytes: Uint8Array;
  message: Message;
}

export function parseCapture(jsonl: string): Frame[] {
  return jsonl
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const o = JSON.parse(l) as { frame: number; src_port: number; dst_port: number; udp_payload_hex: string };
      const bytes = fromHex(o.udp_payload_hex);
      return { frame: o.frame, srcPort: o.src_port, dstPort: o.dst_port, bytes, message: decodeMessage(bytes) };
    });
}

export interface LibcoapConf {
  params: SecurityContextParams;
  breakSenderKey: boolean;
  breakRecipientKey: boolean;
  ssnFreq: number;
}

/** libcoap's oscore_conf text: `name,type,value`; hex/ascii values are quoted. */
export function parseLibcoapConf(text: string): LibcoapConf {
  const v: Record<string, string | number | boolean> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-z_0-9]+),(hex|ascii|integer|bool|text),(.*)$/.exec(line);
    if (!m) throw new Error('bad conf line: ' + line);
    const [, name, type, value] = m;
    if (type === 'hex' || type === 'ascii' || type === 'text') v[name] = value.replace(/^"|"$/g, '');
    else if (type === 'integer') v[name] = Number(value);
    else v[name] = value === 'true';
    if (type === 'ascii') v[name] = 'ascii:' + v[name];
  }
  const bytes = (name: string): Uint8Array | undefined => {
    const x = v[name];
    if (x === undefined) return undefined;
    const s = String(x);
    return s.startsWith('ascii:') ? utf8Encode(s.slice(6)) : fromHex(s);
  };
  if (v.hkdf_alg !== undefined && v.hkdf_alg !== -10) throw new Error('unexpected hkdf_alg ' + String(v.hkdf_alg));
  return {
    params: {
      masterSecret: bytes('master_secret')!,
      masterSalt: bytes('master_salt'),
      senderId: bytes('sender_id')!,
      recipientId: bytes('recipient_id')!,
      idContext: bytes('id_context'),
      algorithm: v.aead_alg as number | undefined,
      hkdf: 'SHA-256',
      replayWindowSize: v.replay_window as number | undefined,
    },
    breakSenderKey: v.break_sender_key === true,
    breakRecipientKey: v.break_recipient_key === true,
    ssnFreq: (v.ssn_freq as number | undefined) ?? 1,
  };
}

/**
 * A SecurityContext from a libcoap conf. libcoap's break_sender_key / break_recipient_key derive
 * that key with the HKDF info type "BAD" instead of "Key" (interop tests 13 and 14).
 */
export function libcoapContext(conf: LibcoapConf, store = new MemoryContextStore()): SecurityContext {
  const p = conf.params;
  const keys = deriveKeys(p);
  const alg = checkParams(p);
  const bad = (id: Uint8Array) => hkdfSha256(p.masterSecret, p.masterSalt ?? new Uint8Array(0), kdfInfo(id, p.idContext, alg.id, 'BAD', alg.keyLength), alg.keyLength);
  if (conf.breakSenderKey) keys.senderKey = bad(p.senderId);
  if (conf.breakRecipientKey) keys.recipientKey = bad(p.recipientId);
  return new SecurityContext(p, { store, keys });
}

/** aiocoap's settings.json (+ optional secret.json): `<field>_hex` or `<field>_ascii`. */
export function aiocoapParams(settings: Record<string, unknown>, secret: Record<string, unknown> = {}): SecurityContextParams {
  const all = { ...settings, ...secret };
  const bytes = (field: string): Uint8Array | undefined => {
    if (typeof all[field + '_hex'] === 'string') return fromHex(all[field + '_hex'] as string);
    if (typeof all[field + '_ascii'] === 'string') return utf8Encode(all[field + '_ascii'] as string);
    return undefined;
  };
  const alg = all.algorithm === undefined || all.algorithm === 'AES-CCM-16-64-128' ? 10 : undefined;
  if (alg === undefined) throw new Error('test helper handles only the default algorithm');
  return {
    masterSecret: bytes('secret')!,
    masterSalt: bytes('salt'),
    senderId: bytes('sender-id')!,
    recipientId: bytes('recipient-id')!,
    idContext: bytes('id-context'),
    algorithm: alg,
  };
}
