/**
 * Human-readable payloads for `oscore-xs client --pretty` (on by default on a terminal, as
 * aiocoap-client does): link-format one link per line (RFC 6690), JSON indented, CBOR in diagnostic
 * notation (RFC 8949 §8). Anything that does not parse is shown as it is. Pure code, no I/O.
 */
import { toHex, utf8Decode } from '../../../src/bytes.js';

/** Split link-format at top-level commas (not inside <…> or quoted strings). */
export function prettyLinkFormat(text: string): string {
  const out: string[] = [];
  let cur = '';
  let inAngle = false;
  let inQuote = false;
  for (const ch of text) {
    if (ch === '"' && !inAngle) inQuote = !inQuote;
    else if (ch === '<' && !inQuote) inAngle = true;
    else if (ch === '>' && !inQuote) inAngle = false;
    if (ch === ',' && !inAngle && !inQuote) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.join('\n');
}

class CborReader {
  pos = 0;
  constructor(private readonly b: Uint8Array) {}

  private byte(): number {
    if (this.pos >= this.b.length) throw new Error('truncated');
    return this.b[this.pos++];
  }

  private arg(info: number): number | bigint {
    if (info < 24) return info;
    const n = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : -1;
    if (n < 0) throw new Error('bad additional info ' + info);
    let v = 0n;
    for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(this.byte());
    return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }

  private bytes(n: number): Uint8Array {
    if (this.pos + n > this.b.length) throw new Error('truncated');
    return this.b.subarray(this.pos, (this.pos += n));
  }

  /** One data item in diagnostic notation. */
  item(depth = 0): string {
    if (depth > 64) throw new Error('nested too deeply');
    const ib = this.byte();
    const major = ib >> 5;
    const info = ib & 31;
    if (info === 31 && (major === 2 || major === 3 || major === 4 || major === 5)) return this.indefinite(major, depth);
    if (major === 7) return this.simple(info);
    const a = this.arg(info);
    const n = Number(a);
    switch (major) {
      case 0:
        return String(a);
      case 1:
        return typeof a === 'bigint' ? String(-1n - a) : String(-1 - a);
      case 2:
        return "h'" + toHex(this.bytes(n)) + "'";
      case 3:
        return JSON.stringify(utf8Decode(this.bytes(n)));
      case 4: {
        const items: string[] = [];
        for (let i = 0; i < n; i++) items.push(this.item(depth + 1));
        return '[' + items.join(', ') + ']';
      }
      case 5: {
        const items: string[] = [];
        for (let i = 0; i < n; i++) items.push(this.item(depth + 1) + ': ' + this.item(depth + 1));
        return '{' + items.join(', ') + '}';
      }
      default:
        return String(a) + '(' + this.item(depth + 1) + ')';
    }
  }

  private indefinite(major: number, depth: number): string {
    const items: string[] = [];
    for (;;) {
      if (this.b[this.pos] === 0xff) {
        this.pos++;
        break;
      }
      items.push(major === 5 ? this.item(depth + 1) + ': ' + this.item(depth + 1) : this.item(depth + 1));
    }
    if (major === 2 || major === 3) return '(_ ' + items.join(', ') + ')';
    return major === 4 ? '[_ ' + items.join(', ') + ']' : '{_ ' + items.join(', ') + '}';
  }

  private simple(info: number): string {
    if (info === 20) return 'false';
    if (info === 21) return 'true';
    if (info === 22) return 'null';
    if (info === 23) return 'undefined';
    if (info < 24) return 'simple(' + info + ')';
    if (info === 24) return 'simple(' + this.byte() + ')';
    const n = info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : -1;
    if (n < 0) throw new Error('bad simple value');
    const raw = this.bytes(n);
    const dv = new DataView(raw.buffer, raw.byteOffset, n);
    const v = n === 2 ? half(dv.getUint16(0)) : n === 4 ? dv.getFloat32(0) : dv.getFloat64(0);
    if (Number.isNaN(v)) return 'NaN';
    if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
    return Number.isInteger(v) ? v.toFixed(1) : String(v);
  }
}

/** IEEE 754 half precision (RFC 8949 Appendix D). */
function half(h: number): number {
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  const v = exp === 0 ? mant * 2 ** -24 : exp !== 31 ? (mant + 1024) * 2 ** (exp - 25) : mant === 0 ? Infinity : NaN;
  return h & 0x8000 ? -v : v;
}

/** CBOR → diagnostic notation, one line per top-level item; throws on malformed input. */
export function cborDiagnostic(b: Uint8Array): string {
  const r = new CborReader(b);
  const out: string[] = [];
  while (r.pos < b.length) out.push(r.item());
  return out.join('\n');
}

/** The payload as shown by --pretty for its Content-Format, or undefined to show it raw. */
export function prettyPayload(payload: Uint8Array, contentFormat: number | undefined): string | undefined {
  try {
    if (contentFormat === 40) return prettyLinkFormat(utf8Decode(payload));
    if (contentFormat === 50) return JSON.stringify(JSON.parse(utf8Decode(payload)), null, 2);
    if (contentFormat === 60) return cborDiagnostic(payload);
  } catch {
    return undefined;
  }
  return undefined;
}
