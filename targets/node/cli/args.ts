/**
 * Command-line arguments for the oscore-xs subcommands: Node's own `util.parseArgs` (strict:
 * `--name value`, `--name=value`, `-x value`, `-xVALUE`, grouped short flags, `--` ends options)
 * under a table of options per command, which also writes that command's one help text. Unknown
 * options and missing values are UsageErrors naming the option (exit code 2).
 */
import { parseArgs as nodeParseArgs } from 'node:util';

export interface OptionSpec {
  name: string;
  short?: string;
  /** Placeholder for the value (e.g. 'FILE'); absent for flags. */
  value?: string;
  help: string;
}

export interface CommandSpec {
  name: string;
  /** e.g. 'URI' or 'OUTDIR_CLIENT OUTDIR_SERVER'. */
  usage: string;
  summary: string;
  options: OptionSpec[];
  /** Free text after the option list (examples). */
  details?: string;
}

export interface ParsedArgs {
  positionals: string[];
  /** Flag → true, valued option → its last value. Keys are option names without dashes. */
  values: Map<string, string | true>;
  help: boolean;
}

/** Wrong usage: printed with the command's usage line, exit code 2. */
export class UsageError extends Error {}

type NodeOptions = Record<string, { type: 'string' | 'boolean'; short?: string }>;

function nodeOptions(spec: CommandSpec): NodeOptions {
  const options: NodeOptions = { help: { type: 'boolean', short: 'h' } };
  for (const o of spec.options) options[o.name] = { type: o.value === undefined ? 'boolean' : 'string', ...(o.short ? { short: o.short } : {}) };
  return options;
}

/**
 * What strict parsing refused, said our way: Node's messages vary between versions, so the
 * offending option is found again in a lenient pass over the same arguments (its tokens).
 */
function usageErrorFor(spec: CommandSpec, options: NodeOptions, argv: string[], e: Error): UsageError {
  const { tokens } = nodeParseArgs({ args: argv, options, strict: false, allowPositionals: true, tokens: true });
  for (const t of tokens) {
    if (t.kind !== 'option') continue;
    const opt = spec.options.find((o) => o.name === t.name);
    if (!opt && t.name !== 'help') return new UsageError('unknown option ' + t.rawName);
    if (!opt) continue;
    if (opt.value === undefined && t.value !== undefined) return new UsageError('--' + opt.name + ' takes no value');
    if (opt.value !== undefined && t.value === undefined) return new UsageError('--' + opt.name + ' needs a value (' + opt.value + ')');
    if (opt.value !== undefined && !t.inlineValue && t.value!.startsWith('-'))
      return new UsageError('--' + opt.name + ' needs a value (' + opt.value + '); for one starting with "-" write --' + opt.name + '=' + t.value);
  }
  return new UsageError(e.message.split('\n')[0]);
}

export function parseArgs(spec: CommandSpec, argv: string[]): ParsedArgs {
  const options = nodeOptions(spec);
  let parsed;
  try {
    parsed = nodeParseArgs({ args: argv, options, strict: true, allowPositionals: true });
  } catch (e) {
    throw usageErrorFor(spec, options, argv, e as Error);
  }
  const values = new Map<string, string | true>();
  for (const [name, v] of Object.entries(parsed.values)) if (name !== 'help' && v !== undefined && v !== false) values.set(name, v as string | true);
  return { positionals: parsed.positionals, values, help: parsed.values.help === true };
}

/**
 * parseArgs for a subcommand: with --help/-h it prints the help text to `out` and returns
 * undefined (the command then exits 0 without doing anything else).
 */
export function parseCommandArgs(spec: CommandSpec, argv: string[], out: (text: string) => void): ParsedArgs | undefined {
  const p = parseArgs(spec, argv);
  if (!p.help) return p;
  out(helpText(spec));
  return undefined;
}

export function helpText(spec: CommandSpec): string {
  const lines = ['usage: oscore-xs ' + spec.name + (spec.options.length ? ' [options]' : '') + (spec.usage ? ' ' + spec.usage : ''), '', spec.summary, ''];
  if (spec.options.length) {
    lines.push('options:');
    const left = spec.options.map((o) => (o.short ? '-' + o.short + ', ' : '    ') + '--' + o.name + (o.value ? ' ' + o.value : ''));
    const w = Math.max(...left.map((l) => l.length)) + 2;
    spec.options.forEach((o, i) => lines.push('  ' + left[i].padEnd(w) + o.help));
    lines.push('  ' + '-h, --help'.padEnd(w) + 'show this help');
  }
  if (spec.details) lines.push('', spec.details.trimEnd());
  return lines.join('\n') + '\n';
}

/** Typed getters over ParsedArgs. */
export function stringOpt(p: ParsedArgs, name: string): string | undefined {
  const v = p.values.get(name);
  return typeof v === 'string' ? v : undefined;
}

export function flagOpt(p: ParsedArgs, name: string): boolean {
  return p.values.get(name) === true;
}

export function intOpt(p: ParsedArgs, name: string, min: number, max: number): number | undefined {
  const v = stringOpt(p, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new UsageError('--' + name + ': expected an integer from ' + min + ' to ' + max);
  return Number(v);
}

/** HOST[:PORT], [v6]:PORT or a bare v6 address. */
export function parseHostPort(s: string, defaultPort: number): { host: string; port: number } {
  let host = s;
  let port = defaultPort;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (v6) {
    host = v6[1];
    if (v6[2]) port = Number(v6[2]);
  } else if (/^[^:]*:\d+$/.test(s)) {
    const i = s.lastIndexOf(':');
    host = s.slice(0, i);
    port = Number(s.slice(i + 1));
  }
  if (!host || port < 0 || port > 65535) throw new UsageError('bad address ' + s + ' (HOST[:PORT])');
  return { host, port };
}
