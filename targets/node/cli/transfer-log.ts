/**
 * `oscore-xs fileserver -v`: one line per completed transfer, not per block. A GET of a large file
 * is many Block2 request/response pairs (RFC 7959 §2.4) and an upload many Block1 blocks that the
 * Block-wise layer reassembles before the file server sees one request; this logs when the last
 * block of a response goes out (or the one response of a small transfer), with the size, the
 * number of blocks and the time since the first block.
 */
import { getOptions, getUintOption, type Message } from '../../../src/coap/message.js';
import { Option } from '../../../src/coap/option-registry.js';
import { readBlock, szxToSize } from '../../../src/coap/block.js';
import type { ServerExchange } from '../../../src/coap/exchange.js';
import { toHex, utf8Decode } from '../../../src/bytes.js';
import { codeToString } from '../../../src/coap/numbers.js';
import { formatBytes } from './body-io.js';

const METHOD_NAMES: Record<number, string> = { 1: 'GET', 2: 'POST', 3: 'PUT', 4: 'DELETE', 5: 'FETCH', 6: 'PATCH', 7: 'iPATCH' };
/** Transfers in progress remembered at once; the oldest is forgotten beyond (its line then lacks the time). */
const MAX_OPEN = 1024;

interface Open {
  started: number;
  size?: number;
}

export class TransferLog {
  private readonly open = new Map<string, Open>();

  constructor(
    private readonly write: (line: string) => void,
    /** The server's block size (SZX): how the Block-wise layer will cut a response larger than it. */
    private readonly szx: number,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** The exchange, its response recorded on the way out. */
  wrap(ex: ServerExchange): ServerExchange {
    return {
      request: ex.request,
      peer: ex.peer,
      oscore: ex.oscore,
      respond: (response) => {
        this.record(ex, response);
        ex.respond(response);
      },
      notify: (response, confirmable) => ex.notify(response, confirmable),
    };
  }

  private record(ex: ServerExchange, response: Message): void {
    const req = ex.request;
    const path = '/' + getOptions(req, Option.URI_PATH).map(utf8Decode).join('/');
    const key = ex.peer.address + '|' + ex.peer.port + ' ' + req.code + ' ' + path;
    let asked;
    try {
      asked = readBlock(req, Option.BLOCK2);
    } catch {
      asked = undefined;
    }
    // Where this response sits in the body: cut here already (a large file), or to be cut below.
    const own = readBlock(response, Option.BLOCK2);
    let offset: number, size: number | undefined, blockSize: number, last: boolean;
    if (own) {
      blockSize = szxToSize(own.szx);
      offset = own.num * blockSize;
      last = !own.more;
      // Size2 comes with the first block only (and on request); the last block tells it anyway.
      size = last ? offset + response.payload.length : getUintOption(response, Option.SIZE2);
    } else {
      blockSize = szxToSize(asked ? Math.min(asked.szx, this.szx) : this.szx);
      offset = asked ? asked.num * szxToSize(asked.szx) : 0;
      size = response.payload.length;
      last = offset + blockSize >= size;
    }
    let t = this.open.get(key);
    if (offset === 0) {
      t = { started: this.now(), size };
      this.open.delete(key);
    }
    if (!last) {
      // More blocks to come: remember the start (and the size, which only the first block may say).
      if (t && !this.open.has(key)) {
        if (this.open.size >= MAX_OPEN) this.open.delete(this.open.keys().next().value as string);
        this.open.set(key, t);
      }
      return;
    }
    this.open.delete(key);
    const total = size ?? t?.size ?? 0;
    const upload = req.payload.length;
    const blocks = Math.max(1, Math.ceil(total / blockSize));
    const parts = [(METHOD_NAMES[req.code] ?? String(req.code)) + ' ' + path + ' → ' + codeToString(response.code)];
    if (upload > 0) parts.push('received ' + formatBytes(upload));
    if (total > 0) parts.push('sent ' + formatBytes(total) + (blocks > 1 ? ' in ' + blocks + ' blocks' : ''));
    if (t && blocks > 1) parts.push(((this.now() - t.started) / 1000).toFixed(1) + ' s');
    const who = ex.peer.address + ':' + ex.peer.port + (ex.oscore ? ' with OSCORE (kid ' + toHex(ex.oscore.recipientId) + ')' : '');
    this.write(parts.join(', ') + ' — ' + who + '\n');
  }
}
