/**
 * Reads RFC 9529's traces (test/fixtures/edhoc/rfc9529-traces.txt, the RFC's text) into values:
 * every `~~~~` block is a label ("TH_2 (Raw Value) (32 bytes)", possibly after a description line)
 * and hex bytes, found by the trace ("sec-trace-1", "sec-trace-2"), subsection ("message_2") and label.
 */
import traces from './fixtures/edhoc/rfc9529-traces.txt';
import { fromHex } from '../src/bytes.js';

interface Block {
  trace: string;
  section: string;
  label: string;
  hex: string;
}

const HEX_LINE = /^([0-9a-f]{2})( [0-9a-f]{2})*$/i;

function parse(text: string): Block[] {
  const out: Block[] = [];
  let trace = '';
  let section = '';
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const t = /^# .*\{#([\w-]+)\}/.exec(line);
    if (t) {
      trace = t[1];
      section = '';
      continue;
    }
    const s = /^##+ (.*?)(\s*\{#.*\})?\s*$/.exec(line);
    if (s) {
      section = s[1];
      continue;
    }
    if (line !== '~~~~~~~~') continue;
    const label: string[] = [];
    let hex = '';
    for (i++; i < lines.length && lines[i] !== '~~~~~~~~'; i++) {
      const l = lines[i].trim();
      if (HEX_LINE.test(l)) hex += l.replace(/ /g, '').toLowerCase();
      else if (!hex) label.push(l);
    }
    out.push({ trace, section, label: label.join(' '), hex });
  }
  return out;
}

const BLOCKS = parse(traces);

/** The bytes of the one block in `trace`/`section` whose label starts with `label`. */
export function traceValue(trace: 1 | 2 | 'invalid', section: string, label: string): Uint8Array {
  const id = trace === 'invalid' ? 'sec-trace-invalid' : 'sec-trace-' + trace;
  const found = BLOCKS.filter((b) => b.trace === id && b.section === section && b.label.toLowerCase().startsWith(label.toLowerCase()));
  if (found.length !== 1) throw new Error('RFC 9529 fixture: ' + found.length + ' blocks for ' + id + ' / ' + section + ' / ' + label);
  return fromHex(found[0].hex);
}

export function traceHex(trace: 1 | 2 | 'invalid', section: string, label: string): string {
  const b = traceValue(trace, section, label);
  let s = '';
  for (const x of b) s += (x < 16 ? '0' : '') + x.toString(16);
  return s;
}

/** All blocks of a section, in order (for the invalid traces). */
export function traceBlocks(trace: 1 | 2 | 'invalid', section: string): { label: string; bytes: Uint8Array }[] {
  const id = trace === 'invalid' ? 'sec-trace-invalid' : 'sec-trace-' + trace;
  return BLOCKS.filter((b) => b.trace === id && b.section === section).map((b) => ({ label: b.label, bytes: fromHex(b.hex) }));
}
