// The subcommands' option parsing: Node's util.parseArgs under our option tables. What users of
// getopt-style tools expect works; everything wrong is a UsageError that names the option.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { helpText, parseArgs, UsageError, type CommandSpec } from '../targets/node/cli/args.js';

const spec: CommandSpec = {
  name: 'demo',
  usage: 'URI',
  summary: 'A demo command.',
  options: [
    { name: 'method', short: 'm', value: 'METHOD', help: 'request method' },
    { name: 'output', short: 'o', value: 'FILE', help: 'write the body here' },
    { name: 'observe', help: 'observe' },
    { name: 'verbose', short: 'v', help: 'more output' },
    { name: 'quiet', short: 'q', help: 'less output' },
  ],
};
const parse = (...argv: string[]) => {
  const p = parseArgs(spec, argv);
  return { positionals: p.positionals, values: Object.fromEntries(p.values), help: p.help };
};
const usage = (argv: string[], m: RegExp) => assert.throws(() => parseArgs(spec, argv), (e: unknown) => e instanceof UsageError && m.test((e as Error).message));

describe('command-line options (util.parseArgs)', () => {
  it('takes --name value, --name=value, -x value, -xVALUE, grouped flags, and -- before positionals', () => {
    assert.deepEqual(parse('coap://h/', '--method', 'PUT'), { positionals: ['coap://h/'], values: { method: 'PUT' }, help: false });
    assert.deepEqual(parse('--method=PUT', 'coap://h/').values, { method: 'PUT' });
    assert.deepEqual(parse('-m', 'PUT', 'u').values, { method: 'PUT' });
    assert.deepEqual(parse('-mPUT', 'u').values, { method: 'PUT' });
    assert.deepEqual(parse('-vq', 'u').values, { verbose: true, quiet: true });
    assert.deepEqual(parse('-vo', 'out.bin', 'u').values, { verbose: true, output: 'out.bin' });
    assert.deepEqual(parse('--observe', '--', '-not-an-option', '--nor-this').positionals, ['-not-an-option', '--nor-this']);
    assert.deepEqual(parse('--method=-odd', 'u').values, { method: '-odd' }, 'a value starting with "-" after =');
    assert.deepEqual(parse('-m', 'GET', '-m', 'PUT', 'u').values, { method: 'PUT' }, 'the last value wins');
    assert.equal(parse('-h').help, true);
    assert.equal(parse('u', '--help').help, true);
  });

  it('refuses unknown options, missing values, values for flags and ambiguous values, naming the option', () => {
    usage(['--bogus'], /^unknown option --bogus$/);
    usage(['-x', 'u'], /^unknown option -x$/);
    usage(['u', '--method'], /^--method needs a value \(METHOD\)$/);
    usage(['u', '-m'], /^--method needs a value \(METHOD\)$/);
    usage(['--observe=yes', 'u'], /^--observe takes no value$/);
    usage(['--method', '--observe', 'u'], /^--method needs a value \(METHOD\); for one starting with "-" write --method=--observe$/);
    usage(['-o', '-v', 'u'], /^--output needs a value \(FILE\)/);
  });

  it('one help text per command, from the same table', () => {
    const text = helpText(spec);
    assert.match(text, /^usage: oscore-xs demo \[options\] URI\n\nA demo command\.\n/);
    assert.match(text, /^ {2}-m, --method METHOD +request method$/m);
    assert.match(text, /^ {6}--observe +observe$/m);
    assert.match(text, /^ {2}-h, --help +show this help$/m);
  });
});
