/**
 * Command-line arguments for the oscore-xs subcommands: a small table-driven parser
 * (`--name value`, `--name=value`, `-x value`, flags, `--` ends options) with one help text per
 * command. Unknown options and missing values are errors (UsageError → exit code 2).
 */

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

export function parseArgs(spec: CommandSpec, argv: string[]): ParsedArgs {
  const values = new Map<string, string | true>();
  const positionals: string[] = [];
  let help = false;
  const byName = new Map(spec.options.map((o) => [o.name, o]));
  const byShort = new Map(spec.options.filter((o) => o.short).map((o) => [o.short!, o]));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a === '--help' || a === '-h') {
      help = true;
      continue;
    }
    let opt: OptionSpec | undefined;
    let inline: string | undefined;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      if (eq >= 0) inline = a.slice(eq + 1);
      opt = byName.get(name);
      if (!opt) throw new UsageError('unknown option --' + name);
    } else if (a.startsWith('-') && a.length > 1 && !/^-\d/.test(a)) {
      opt = byShort.get(a.slice(1));
      if (!opt) throw new UsageError('unknown option ' + a);
    } else {
      positionals.push(a);
      continue;
    }
    if (opt.value === undefined) {
      if (inline !== undefined) throw new UsageError('--' + opt.name + ' takes no value');
      values.set(opt.name, true);
    } else {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError('--' + opt.name + ' needs a value (' + opt.value + ')');
      values.set(opt.name, v);
    }
  }
  return { positionals, values, help };
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
