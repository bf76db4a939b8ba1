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
 *
 * Bodies larger than memory (firmware images, large files): a `bodySource` is read block by block
 * for Block1 instead of `request.payload`, and a `bodySink` takes a successful response's body
 * block by block as it arrives instead of it being collected — then `maxBodyBytes` does not apply
 * (the caller decides where the bytes go), and a representation that changes mid-transfer is an
 * error rather than a restart (bytes already handed out cannot be taken back).
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

/** A request body read block by block (Block1, RFC 7959 §2.5): `read` returns exactly `length` bytes at `offset`. */
export interface BodySource {
  readonly size: number;
  read(offset: number, length: number): Uint8Array;
}

/**
 * Takes a successful (2.xx) response's body block by block, in order, as it arrives (Block2,
 * RFC 7959 §2.4); `head` is the first response (Content-Format, ETag, Size2 when the server sent
 * it). A promise it returns is awaited before the next block is asked for (back-pressure).
 */
export interface BodySink {
  write(block: Uint8Array, offset: number, head: Message): void | Promise<void>;
}

/** Uint8Array as a BodySource. */
export function bytesSource(body: Uint8Array): BodySource {
  return { size: body.length, read: (offset, length) => body.subarray(offset, offset + length) };
}

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
  /** Read the request body from here instead of `request.payload`. */
  bodySource?: BodySource;
  /** Hand a successful response's body to this sink block by block; the returned response then has an empty payload. */
  bodySink?: BodySink;
}

const DEFAULTS = Object.freeze({ preferredSzx: MAX_SZX, maxBodyBytes: 1024 * 1024, maxRestarts: 2 });

export async function requestBlockwise(request: Message, sendOne: SendOne, options: BlockwiseClientOptions = {}): Promise<Message> {
  const szx = options.preferredSzx ?? DEFAULTS.preferredSzx;
  const source = options.bodySource;
  if (source) {
    // The body is read from the source: the message itself carries none (a small one is read whole).
    request = cloneMessage(request);
    request.payload = source.size <= szxToSize(szx) ? source.read(0, source.size) : new Uint8Array(0);
  }
  let first: Message;
  if ((source ? source.size : request.payload.length) > szxToSize(szx)) {
    const tags = options.requestTags;
    const key = options.operationKey ?? '';
    const tag = tags?.acquire(key);
    try {
      first = await sendBlock1(request, source ?? bytesSource(request.payload), sendOne, szx, tag);
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

/** Send the body in Block1 blocks; returns the final response (or an early non-2.31 answer). */
async function sendBlock1(request: Message, body: BodySource, sendOne: SendOne, startSzx: number, tag: Uint8Array | undefined): Promise<Message> {
  let szx = startSzx;
  let offset = 0;
  for (;;) {
    const size = szxToSize(szx);
    const end = Math.min(offset + size, body.size);
    const more = end < body.size;
    const num = offset / size;
    const req = cloneMessage(request);
    req.payload = body.read(offset, end - offset);
    writeBlock(req, Option.BLOCK1, { num, more, szx });
    if (offset === 0) setUintOption(req, Option.SIZE1, body.size);
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
  // Only a success is streamed: an error's diagnostic payload stays with the response.
  const sink = first.code >> 5 === 2 ? options.bodySink : undefined;
  let head = first;
  let b2 = readBlock(head, Option.BLOCK2);
  if (!b2 || !b2.more) return sink ? streamWhole(first, sink) : first;
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
      return sink ? streamWhole(one, sink) : one;
    }
    if (rb.num !== 0) throw new BlockwiseError('restarted Block2 response is not block 0');
    head = resp;
    b2 = rb;
  }
  for (;;) {
    const parts: Uint8Array[] = [head.payload];
    let received = head.payload.length;
    if (received !== szxToSize(b2.szx)) throw new BlockwiseError('non-final Block2 block shorter than its size');
    if (sink) {
      parts.length = 0;
      await sink.write(head.payload, 0, head);
    }
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
      if (sink) await sink.write(resp.payload, received, head);
      received += resp.payload.length;
      // A streamed body lives in the sink: no size limit, nothing kept here.
      if (!sink) {
        if (received > maxBody) throw new BlockwiseError('response body larger than ' + maxBody + ' bytes');
        parts.push(resp.payload);
      }
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
    // Bytes handed to a sink cannot be taken back: a changed representation ends the transfer.
    if (sink || restarts-- <= 0) throw new BlockwiseError('representation changed during the Block2 transfer');
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

/** A one-piece success with a sink: its payload goes to the sink too, so the caller has one path. */
async function streamWhole(m: Message, sink: BodySink): Promise<Message> {
  if (m.payload.length > 0) await sink.write(m.payload, 0, m);
  const r = cloneMessage(m);
  r.payload = new Uint8Array(0);
  return r;
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
