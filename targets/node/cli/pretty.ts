/**
 * Human-readable payloads for `oscore-xs client --pretty` (on by default on a terminal, as
 * aiocoap-client does): link-format one link per line (RFC 6690), JSON indented, CBOR in diagnostic
 * notation (RFC 8949 §8, printed by the cbor2 package — Node only). Anything that does not parse
 * is shown as it is. Pure code, no I/O.
 */
import { diagnose, DiagnosticSizes } from 'cbor2';
import { utf8Decode } from '../../../src/bytes.js';

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

/**
 * CBOR → diagnostic notation (RFC 8949 §8), by the cbor2 package's printer. Without encoding
 * indicators (`_1`, `_2`, …), as RFC 8949 Appendix A writes its examples: a reader wants the value;
 * indefinite lengths still show (`[_ …]`), as the RFC does. Throws on malformed input.
 */
export function cborDiagnostic(b: Uint8Array): string {
  return diagnose(b, { diagnosticSizes: DiagnosticSizes.NEVER });
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
