/**
 * Block-wise transfers, client side (RFC 7959 §2.3–§2.5, §3, §4).
 *
 * requestBlockwise() sends one logical request through `sendOne` (one request/response exchange
 * of the layer below; it assigns token and message ID) and returns one logical response:
 * - a body larger than a block goes out as Block1 blocks (Size1 on the first, a Request-Tag
 *   from a RequestTagAllocator when given, RFC 9175 §3.3), following the SZX the server answers
 *   with in 2.31 (late negotiation, §2.3);
 * - a response with Block2 M=1 is completed by asking for the following blocks (§2.4), at the
 *   smaller of our and the server's size, checking that the blocks line up and that the ETag stays
 *   the same; a changed ETag restarts the download (a bounded number of times). A small first
 *   block carrying a preemptive Echo (a server's amplification mitigation, RFC 9175 §2.4) is
 *   asked for again with that Echo at our size, once.
 * collectBlock2() is the second half alone, used for large Observe notifications (§3.4 / RFC 7641).
 */
import { BlockwiseError } from '../errors.js';
import { Code, isRequestCode } from './numbers.js';
import { Option } from './option-registry.js';
import { cloneMessage, getOption, hasOption, removeOption, setOption, setUintOption, type Message } from './message.js';
import { MAX_SZX, readBlock, szxToSize, writeBlock } from './block.js';
import type { RequestTagAllocator } from './request-tag.js';
import { equalBytes, joinBytes } from '../bytes.js';

/** One request/response exchange at the layer below (messaging, or OSCORE under inner Block-wise). */
export type SendOne = (request: Message) => Promise<Message>;

export interface BlockwiseClientOptions {
  /** Largest block we send or ask for (SZX 0..6). */
  preferredSzx?: number;
  /** Largest response body we collect (BlockwiseError beyond). */
  maxBodyBytes?: number;
  /** How many times a download starts over when the ETag changes between blocks. */
  maxRestarts?: number;
  /** Request-Tags for concurrent Block1 operations; `operationKey` names peer + resource. */
  requestTags?: RequestTagAllocator;
  operationKey?: string;
  /** Answer a small first block's preemptive Echo by asking for block 0 again with it (default true). */
  followEcho?: boolean;
}

const DEFAULTS = { preferredSzx: MAX_SZX, maxBodyBytes: 1024 * 1024, maxRestarts: 2 };

export async function requestBlockwise(request: Message, sendOne: SendOne, options: BlockwiseClientOptions = {}): Promise<Message> {
  const szx = options.preferredSzx ?? DEFAULTS.preferredSzx;
  let first: Message;
  if (request.payload.length > szxToSize(szx)) {
    const tags = options.requestTags;
    const key = options.operationKey ?? '';
    const tag = tags?.acquire(key);
    try {
      first = await sendBlock1(request, sendOne, szx, tag);
    } finally {
      tags?.release(key, tag);
    }
  } else if (szx < MAX_SZX && (request.code === Code.GET || request.code === Code.FETCH) && !hasOption(request, Option.BLOCK2) && !hasOption(request, Option.OBSERVE)) {
    // Early negotiation (§2.4): ask for our smaller size from the first block on.
    const asked = cloneMessage(request);
    writeBlock(asked, Option.BLOCK2, { num: 0, more: false, szx });
    first = await sendOne(asked);
  } else {
    first = await sendOne(request);
  }
  return collectBlock2(request, first, sendOne, options);
}

/** Send `request.payload` in Block1 blocks; returns the final response (or an early non-2.31 answer). */
async function sendBlock1(request: Message, sendOne: SendOne, startSzx: number, tag: Uint8Array | undefined): Promise<Message> {
  const body = request.payload;
  let szx = startSzx;
  let offset = 0;
  for (;;) {
    const size = szxToSize(szx);
    const end = Math.min(offset + size, body.length);
    const more = end < body.length;
    const num = offset / size;
    const req = cloneMessage(request);
    req.payload = body.subarray(offset, end);
    writeBlock(req, Option.BLOCK1, { num, more, szx });
    if (offset === 0) setUintOption(req, Option.SIZE1, body.length);
    else removeOption(req, Option.SIZE1);
    if (tag !== undefined) setOption(req, Option.REQUEST_TAG, tag);
    const resp = await sendOne(req);
    if (!more) return resp;
    // Anything but 2.31 before the last block ends the operation (an error, or a server that
    // acted on the first block alone); the caller sees that response.
    if (resp.code !== Code.CONTINUE) return resp;
    const ack = readBlock(resp, Option.BLOCK1);
    if (!ack || ack.num !== num) throw new BlockwiseError('2.31 Continue does not acknowledge Block1 number ' + num);
    offset = end;
    // Late negotiation: continue at the same offset with the server's smaller size. Offsets so far
    // are multiples of the larger power of two, hence of the smaller one too.
    if (ack.szx < szx) szx = ack.szx;
  }
}

/**
 * Complete a response whose Block2 says more blocks follow; other responses come back unchanged.
 * `request` is the request that produced `first` (its payload/Block1 are not repeated).
 */
export async function collectBlock2(request: Message, first: Message, sendOne: SendOne, options: BlockwiseClientOptions = {}): Promise<Message> {
  const pref = options.preferredSzx ?? DEFAULTS.preferredSzx;
  const maxBody = options.maxBodyBytes ?? DEFAULTS.maxBodyBytes;
  let restarts = options.maxRestarts ?? DEFAULTS.maxRestarts;
  let head = first;
  let b2 = readBlock(head, Option.BLOCK2);
  if (!b2 || !b2.more) return first;
  if (b2.num !== 0) throw new BlockwiseError('first Block2 response is not block 0');
  const observe = getOption(first, Option.OBSERVE);
  const echo = getOption(first, Option.ECHO);
  if (echo !== undefined && options.followEcho !== false && b2.szx < pref && (request.code === Code.GET || request.code === Code.FETCH)) {
    // A server that has not verified our address cut its answer to a small block and sent a
    // preemptive Echo (RFC 7959 §7.2, RFC 9175 §2.3/§2.4): echoing it verifies the address, so
    // asking for block 0 again at our size fetches the rest in full-size blocks. Once only, and
    // only for safe methods: asking a POST again would run it again.
    const again = continuationRequest(request);
    writeBlock(again, Option.BLOCK2, { num: 0, more: false, szx: pref });
    setOption(again, Option.ECHO, echo);
    const resp = await sendOne(again);
    if (resp.code !== first.code) return resp; // an error (e.g. 4.04 now): the caller sees it
    const rb = readBlock(resp, Option.BLOCK2);
    if (!rb || !rb.more) {
      if (rb && rb.num !== 0) throw new BlockwiseError('restarted Block2 response is not block 0');
      const one = cloneMessage(resp);
      removeOption(one, Option.BLOCK2);
      removeOption(one, Option.SIZE2);
      if (observe !== undefined) setOption(one, Option.OBSERVE, observe);
      return one;
    }
    if (rb.num !== 0) throw new BlockwiseError('restarted Block2 response is not block 0');
    head = resp;
    b2 = rb;
  }
  for (;;) {
    const parts: Uint8Array[] = [head.payload];
    let received = head.payload.length;
    if (received !== szxToSize(b2.szx)) throw new BlockwiseError('non-final Block2 block shorter than its size');
    const etag = getOption(head, Option.ETAG);
    let szx = Math.min(pref, b2.szx);
    let changed = false;
    for (let more = true; more; ) {
      const next = continuationRequest(request);
      const size = szxToSize(szx);
      writeBlock(next, Option.BLOCK2, { num: received / size, more: false, szx });
      const resp = await sendOne(next);
      if (resp.code !== head.code) return resp; // an error (e.g. 4.04 now): the caller sees it
      const got = readBlock(resp, Option.BLOCK2);
      if (!got || got.num * szxToSize(got.szx) !== received) throw new BlockwiseError('Block2 response at an unexpected offset');
      const tag = getOption(resp, Option.ETAG);
      if ((etag === undefined) !== (tag === undefined) || (etag && tag && !equalBytes(etag, tag))) {
        changed = true;
        break;
      }
      if (got.more && resp.payload.length !== szxToSize(got.szx)) throw new BlockwiseError('non-final Block2 block shorter than its size');
      if (resp.payload.length > szxToSize(got.szx)) throw new BlockwiseError('Block2 block longer than its size');
      received += resp.payload.length;
      if (received > maxBody) throw new BlockwiseError('response body larger than ' + maxBody + ' bytes');
      parts.push(resp.payload);
      if (got.szx < szx) szx = got.szx;
      more = got.more;
    }
    if (!changed) {
      const whole = cloneMessage(head);
      removeOption(whole, Option.BLOCK2);
      removeOption(whole, Option.SIZE2);
      // A notification stays a notification even when its body came from a restarted download.
      if (observe !== undefined) setOption(whole, Option.OBSERVE, observe);
      whole.payload = joinBytes(parts);
      return whole;
    }
    if (restarts-- <= 0) throw new BlockwiseError('representation changed during the Block2 transfer');
    const again = continuationRequest(request);
    writeBlock(again, Option.BLOCK2, { num: 0, more: false, szx: Math.min(pref, b2.szx) });
    head = await sendOne(again);
    const nb = readBlock(head, Option.BLOCK2);
    if (!nb || !nb.more) {
      // It fits in one block now.
      if (observe === undefined) return head;
      const one = cloneMessage(head);
      setOption(one, Option.OBSERVE, observe);
      return one;
    }
    if (nb.num !== 0) throw new BlockwiseError('restarted Block2 response is not block 0');
    b2 = nb;
  }
}

/** The request for a later Block2 block: same method and options, no body, no Block1/Observe (§2.4, RFC 7641 §3.4). */
function continuationRequest(request: Message): Message {
  const r = cloneMessage(request);
  removeOption(r, Option.BLOCK1);
  removeOption(r, Option.SIZE1);
  removeOption(r, Option.OBSERVE);
  removeOption(r, Option.REQUEST_TAG);
  if (isRequestCode(r.code)) r.payload = new Uint8Array(0);
  return r;
}
