/**
 * Block-wise transfers, server side (RFC 7959 §2.3, §2.4, §2.9, §4).
 *
 * - sliceBlock2: cut the block a request asks for out of a complete response (Block2 option,
 *   Size2 on the first block, an ETag derived from the body when the resource gave none, so a
 *   client notices a representation that changed between blocks, §2.4).
 * - Block1Reassembly: collect the blocks of a request body in order, keyed by peer, method,
 *   Uri-Path/Uri-Query and Request-Tag (RFC 9175 §3.3); 2.31 Continue for each non-final block,
 *   4.08 for a block out of order (§2.9.2), 4.13 + Size1 when a body or all bodies together exceed
 *   the memory limit (§2.9.3), an expiry per transfer (Clock port) after which its memory is freed.
 *
 * SZX negotiation (§2.3, §2.4): a server preferring smaller blocks answers with its SZX; the client
 * continues from the same byte offset with the smaller size. Sizes are never raised mid-transfer.
 * These functions work on plain Messages, so they run above OSCORE (inner Block-wise, RFC 8613
 * §4.1.3.4.1) or below it (outer, for proxies) alike.
 */
import type { Clock, TimerHandle } from '../ports.js';
import { CoapError } from '../errors.js';
import { Code } from './numbers.js';
import { Option } from './option-registry.js';
import { cloneMessage, getOption, getOptions, getUintOption, hasOption, removeOption, setOption, setUintOption, type Message } from './message.js';
import { MAX_SZX, readBlock, szxToSize, writeBlock, type BlockValue } from './block.js';
import { requestTagKey } from './request-tag.js';
import { concatBytes, toHex, utf8Decode, utf8Encode } from '../bytes.js';

/**
 * The response for the block `request` asks for, cut from the complete response `full`.
 * Without a Block2 option in the request, a body that fits one block of `preferredSzx` is returned
 * unchanged. Throws CoapError 4.00 (SZX 7), 4.02 (a block number past the end) — our choice, as the
 * RFC names no code for it.
 */
export function sliceBlock2(request: Message, full: Message, preferredSzx: number = MAX_SZX): Message {
  const asked = readBlock(request, Option.BLOCK2);
  const body = full.payload;
  const wantsSize = hasOption(request, Option.SIZE2);
  if (!asked && body.length <= szxToSize(preferredSzx)) {
    if (!wantsSize) return full;
    const r = cloneMessage(full);
    setUintOption(r, Option.SIZE2, body.length);
    return r;
  }
  const szx = asked ? Math.min(asked.szx, preferredSzx) : preferredSzx;
  const size = szxToSize(szx);
  // The client's offset stays the same when we answer with a smaller size (§2.4): num scales up.
  const offset = asked ? asked.num * szxToSize(asked.szx) : 0;
  if (offset > 0 && offset >= body.length) throw new CoapError(Code.BAD_OPTION, 'Block2 number past the end of the representation');
  const end = Math.min(offset + size, body.length);
  const r = cloneMessage(full);
  r.payload = body.subarray(offset, end);
  writeBlock(r, Option.BLOCK2, { num: offset / size, more: end < body.length, szx });
  if (offset === 0 || wantsSize) setUintOption(r, Option.SIZE2, body.length);
  if (body.length > size && getOption(full, Option.ETAG) === undefined) setOption(r, Option.ETAG, bodyEtag(body));
  return r;
}

/**
 * A 4-byte entity tag of a body (FNV-1a 32). Same body, same tag; a changed body changes it
 * except with probability 2^-32, enough for a client to detect a representation that changed
 * between its block requests. Not a security mechanism.
 */
export function bodyEtag(body: Uint8Array): Uint8Array {
  let h = 0x811c9dc5;
  for (let i = 0; i < body.length; i++) h = Math.imul(h ^ body[i], 0x01000193) >>> 0;
  return new Uint8Array([h >>> 24, (h >>> 16) & 255, (h >>> 8) & 255, h & 255]);
}

export interface Block1Limits {
  /** Largest request body accepted (4.13 with Size1 = this beyond it). */
  maxBodyBytes: number;
  /** Bytes held by all unfinished transfers together. */
  maxTotalBytes: number;
  /** Unfinished transfers at once (5.03 beyond). */
  maxTransfers: number;
  /** A transfer without a new block for this long is dropped and its memory freed. */
  expiryMs: number;
  /** Largest block size this server takes; larger blocks are accepted once and answered with this SZX. */
  preferredSzx: number;
}

export const DEFAULT_BLOCK1_LIMITS: Block1Limits = Object.freeze({
  maxBodyBytes: 64 * 1024,
  maxTotalBytes: 256 * 1024,
  maxTransfers: 16,
  // RFC 7252 EXCHANGE_LIFETIME is 247 s; a client between blocks is normally much faster.
  expiryMs: 60_000,
  preferredSzx: MAX_SZX,
});

/** What the server does with a request after Block1 processing. */
export type Block1Outcome =
  /** No Block1 option: hand the request to the resource as it is. */
  | { kind: 'whole' }
  /** A non-final block was stored: answer 2.31 Continue carrying `block1`. */
  | { kind: 'continue'; block1: BlockValue }
  /** The body is complete: hand `body` to the resource; its response carries `block1`. */
  | { kind: 'complete'; body: Uint8Array; block1: BlockValue }
  /** Answer with this error (4.00, 4.08, 4.13 with Size1, 5.03). */
  | { kind: 'error'; code: number; diagnostic: string; size1?: number };

interface Transfer {
  key: string;
  chunks: Uint8Array[];
  received: number;
  deadline: number;
}

/**
 * Reassembly of Block1 request bodies with bounded memory. `peer` is whatever identifies the
 * client endpoint (address and port, or an OSCORE kid when it runs inside OSCORE).
 */
export class Block1Reassembly {
  private readonly transfers = new Map<string, Transfer>();
  private bytes = 0;
  private timer: TimerHandle | undefined;
  private timerAt = Infinity;
  readonly limits: Block1Limits;

  constructor(private readonly clock: Clock, limits: Partial<Block1Limits> = {}) {
    this.limits = { ...DEFAULT_BLOCK1_LIMITS, ...limits };
  }

  /** Bytes held by unfinished transfers. */
  get bytesInUse(): number {
    return this.bytes;
  }

  get transferCount(): number {
    return this.transfers.size;
  }

  /** The key a block is matched on (RFC 7959 §2.3 with RFC 9175 §3.3). */
  static keyOf(peer: string, request: Message): string {
    const path = getOptions(request, Option.URI_PATH).map(utf8Decode).join('/');
    const query = getOptions(request, Option.URI_QUERY).map(utf8Decode).join('&');
    const host = getOption(request, Option.URI_HOST);
    return peer + ' ' + request.code + ' ' + (host ? toHex(host) : '') + ' /' + path + '?' + query + ' ' + requestTagKey(request);
  }

  receive(peer: string, request: Message): Block1Outcome {
    let b: BlockValue | undefined;
    try {
      b = readBlock(request, Option.BLOCK1);
    } catch (e) {
      if (e instanceof CoapError) return { kind: 'error', code: e.code, diagnostic: e.diagnostic };
      throw e;
    }
    if (!b) return { kind: 'whole' };
    this.expire();
    const L = this.limits;
    const size = szxToSize(b.szx);
    const payload = request.payload;
    if (b.more ? payload.length !== size : payload.length > size)
      return { kind: 'error', code: Code.BAD_REQUEST, diagnostic: 'Block1 payload does not match its block size' };
    const announced = getUintOption(request, Option.SIZE1);
    if (announced !== undefined && announced > L.maxBodyBytes) return this.tooLarge(undefined);
    const key = Block1Reassembly.keyOf(peer, request);
    const offset = b.num * size;
    const replySzx = Math.min(b.szx, L.preferredSzx);
    let t = this.transfers.get(key);
    if (offset === 0) {
      // A first block starts over, whatever was collected under this key (§2.5: the client restarted).
      if (t) this.drop(t);
      t = undefined;
      if (!b.more) {
        if (payload.length > L.maxBodyBytes) return this.tooLarge(undefined);
        return { kind: 'complete', body: payload.slice(), block1: { num: b.num, more: false, szx: b.szx } };
      }
      if (this.transfers.size >= L.maxTransfers)
        return { kind: 'error', code: Code.SERVICE_UNAVAILABLE, diagnostic: 'Too many block-wise transfers in progress' };
    } else if (!t || t.received !== offset) {
      return { kind: 'error', code: Code.REQUEST_ENTITY_INCOMPLETE, diagnostic: t ? 'Block1 out of order' : 'Block1 transfer unknown or expired' };
    }
    const held = t ? t.received : 0;
    if (held + payload.length > L.maxBodyBytes || this.bytes + payload.length > L.maxTotalBytes) return this.tooLarge(t);
    if (!t) {
      t = { key, chunks: [], received: 0, deadline: 0 };
      this.transfers.set(key, t);
    }
    t.chunks.push(payload.slice());
    t.received += payload.length;
    this.bytes += payload.length;
    if (b.more) {
      t.deadline = this.clock.now() + L.expiryMs;
      this.schedule(t.deadline);
      return { kind: 'continue', block1: { num: b.num, more: true, szx: replySzx } };
    }
    const body = concatBytes(...t.chunks);
    this.drop(t);
    return { kind: 'complete', body, block1: { num: b.num, more: false, szx: b.szx } };
  }

  /** Drop everything (endpoint closing). */
  clear(): void {
    for (const t of [...this.transfers.values()]) this.drop(t);
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  private tooLarge(t: Transfer | undefined): Block1Outcome {
    if (t) this.drop(t);
    // Size1: the largest body we could take now (§2.9.3), counting memory other transfers hold.
    const size1 = Math.max(0, Math.min(this.limits.maxBodyBytes, this.limits.maxTotalBytes - this.bytes));
    return { kind: 'error', code: Code.REQUEST_ENTITY_TOO_LARGE, diagnostic: 'Request body too large', size1 };
  }

  private drop(t: Transfer): void {
    if (this.transfers.get(t.key) !== t) return;
    this.transfers.delete(t.key);
    this.bytes -= t.received;
  }

  private expire(): void {
    const now = this.clock.now();
    for (const t of [...this.transfers.values()]) if (t.deadline <= now) this.drop(t);
  }

  /** One timer, for the earliest deadline, so memory is freed even when no further request comes. */
  private schedule(deadline: number): void {
    if (deadline >= this.timerAt) return;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timerAt = deadline;
    this.timer = this.clock.setTimer(Math.max(0, deadline - this.clock.now()), () => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.expire();
      let next = Infinity;
      for (const t of this.transfers.values()) next = Math.min(next, t.deadline);
      if (next !== Infinity) this.schedule(next);
    });
  }
}

/** Turn a Block1Outcome error into a response template (code, payload, Size1). */
export function block1ErrorResponse(outcome: Extract<Block1Outcome, { kind: 'error' }>, request: Message): Message {
  const r: Message = { type: request.type, code: outcome.code, messageId: 0, token: request.token, options: [], payload: utf8Encode(outcome.diagnostic) };
  if (outcome.size1 !== undefined) setUintOption(r, Option.SIZE1, outcome.size1);
  return r;
}

/** Remove the block-wise options of a request before the resource sees the reassembled body. */
export function stripBlockOptions(m: Message): Message {
  const r = cloneMessage(m);
  removeOption(r, Option.BLOCK1);
  removeOption(r, Option.SIZE1);
  return r;
}
