import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli, defineProvider, type AnyProvider, type ProviderState } from '@otp-ts/cli';
import { captureIo, tempDir, writeTree } from './helpers.ts';

const seen: unknown[] = [];
const greet = defineProvider({
  name: 'greet',
  description: 'Say hello.',
  deps: ['compile'],
  positionals: [
    { name: 'who', description: 'whom to greet', required: true },
    { name: 'paths', description: 'more names', variadic: true },
  ],
  options: [
    { name: 'times', alias: 't', type: 'number', description: 'how often', default: 1 },
    { name: 'reporter', type: 'string', description: 'how', choices: ['tty', 'json'], default: 'tty' },
    { name: 'loud', type: 'boolean', description: 'shout' },
  ],
  examples: [{ command: 'otp greet joe', description: 'greets joe' }],
  async run(args, io) {
    seen.push(args);
    io.stdout.write(`hello ${args.who}${args.loud ? '!' : ''}\n`);
    return args.who === 'fail' ? 1 : 0;
  },
});
const ran: string[] = [];
// greet runs after compile, which runs after fetch: the chain runs each once, dependencies first.
const compile = defineProvider({
  name: 'compile',
  description: 'Compile.',
  deps: ['fetch'],
  positionals: [],
  options: [
    { name: 'profile', type: 'string', description: 'which', default: 'dev' },
    { name: 'watch', type: 'boolean', description: 'keep going' },
  ],
  examples: [{ command: 'otp compile', description: 'compiles' }],
  async run(args) {
    ran.push(`compile ${args.profile} watch=${args.watch}`);
    return args.profile === 'broken' ? 1 : 0;
  },
});
const fetch = defineProvider({ name: 'fetch', description: 'Fetch.', deps: [], positionals: [], options: [], examples: [{ command: 'otp fetch', description: 'fetches' }], async run() { ran.push('fetch'); } });
const release = defineProvider({
  name: 'release',
  description: 'Release.',
  deps: [{ name: 'compile', args: (a) => ({ profile: a.profile }) }, 'fetch'],
  positionals: [],
  options: [{ name: 'profile', type: 'string', description: 'which', default: 'prod' }],
  examples: [{ command: 'otp release', description: 'releases' }],
  async run(args) {
    ran.push(`release ${args.profile}`);
  },
});
const providers: AnyProvider[] = [greet, compile, fetch, release];
const run = async (...argv: string[]) => {
  const io = captureIo();
  const code = await runCli(argv, providers, { version: '9.9.9' }, io);
  return { code, out: io.out(), err: io.err() };
};

test('a command runs with its arguments typed and defaulted from its tables', async () => {
  seen.length = 0;
  assert.deepEqual(await run('greet', 'joe', 'a', 'b', '-t', '3', '--loud'), { code: 0, out: 'hello joe!\n', err: '' });
  assert.deepEqual(seen, [{ who: 'joe', paths: ['a', 'b'], times: 3, reporter: 'tty', loud: true }]);
  assert.equal((await run('greet', 'fail')).code, 1);
});

test('--help and --version come from the tables and the package', async () => {
  const top = await run('--help');
  assert.equal(top.code, 0);
  assert.match(top.out, /otp greet <who> \[paths\.\.\]\s+Say hello\./);
  assert.match(top.out, /Examples:\n\s+otp greet joe\s+greets joe/);
  const cmd = await run('greet', '--help');
  assert.match(cmd.out, /^otp greet <who> \[paths\.\.\] \[options\]\n\nSay hello\.\n\nRuns after: compile\./);
  assert.match(cmd.out, /-t, --times\s+how often\s+\[number\] \[default: 1\]/);
  assert.match(cmd.out, /--reporter\s+how \(tty or json\)/);
  assert.deepEqual(await run('--version'), { code: 0, out: '9.9.9\n', err: '' });
});

test('otp alone prints the same help as otp --help and exits 0, as rebar3 does', async () => {
  assert.deepEqual(await run(), await run('--help'));
  assert.equal((await run()).code, 0);
});

const usage = async (argv: string[], line: string, command = '') => {
  const r = await run(...argv);
  assert.equal(r.code, 2, argv.join(' '));
  assert.equal(r.err, `otp: ${line}\nRun \`otp${command} --help\` for usage.\n`);
  assert.equal(r.out, '');
};

test('every usage error is one line plus where to find help, with the closest valid word', async () => {
  await usage(['gret'], "unknown command 'gret' (did you mean 'greet'?)");
  await usage(['zzzzzz'], "unknown command 'zzzzzz'");
  // A misspelt command's help is that unknown command, not the whole help with exit 0.
  await usage(['gret', '--help'], "unknown command 'gret' (did you mean 'greet'?)");
  await usage(['gret', '-h'], "unknown command 'gret' (did you mean 'greet'?)");
  await usage(['--bogus'], "unknown option '--bogus' for otp");
  await usage(['greet', 'joe', '--lod'], "unknown option '--lod' for otp greet (did you mean '--loud'?)", ' greet');
  await usage(['greet', 'joe', '-x'], "unknown option '-x'", ' greet');
  // One dash before a word (Erlang's -name): refused whole, not read as -v (the version, exit 0) and other letters.
  await usage(['greet', 'joe', '-verbose'], "unknown option '-verbose' for otp greet (did you mean '--verbose'?)", ' greet');
  await usage(['greet', 'joe', '-loud'], "unknown option '-loud' for otp greet (did you mean '--loud'?)", ' greet');
  await usage(['-version'], "unknown option '-version' for otp (did you mean '--version'?)");
  await usage(['greet', '--who', 'joe'], "'--who' is not an option of otp greet: <who> is an argument, in the place the usage shows: otp greet <who> [paths..]", ' greet');
  // A misspelt argument name given as a flag is told the same, and a flag in other capitals gets its option.
  await usage(['greet', '--hwo', 'joe'], "'--hwo' is not an option of otp greet: <who> is an argument, in the place the usage shows: otp greet <who> [paths..]", ' greet');
  await usage(['greet', 'joe', '--LOUD'], "unknown option '--LOUD' for otp greet (did you mean '--loud'?)", ' greet');
  await usage(['greet'], 'missing <who> (whom to greet): otp greet <who> [paths..]', ' greet');
  await usage(['greet', 'joe', '--times', 'many'], "--times must be a number, got 'many'", ' greet');
  await usage(['greet', 'joe', '--reporter', 'jsn'], "--reporter must be tty or json, got 'jsn' (did you mean 'json'?)", ' greet');
  await usage(['greet', 'joe', '--reporter'], '--reporter needs a value', ' greet');
});

test('--no-flag negates a boolean; -- ends the options; --quiet and --verbose reach the command', async () => {
  seen.length = 0;
  assert.equal((await run('greet', 'joe', '--no-loud')).out, 'hello joe\n');
  assert.equal((await run('greet', 'joe', '--quiet')).code, 0);
  assert.equal((await run('greet', '--verbose', 'joe')).code, 0);
  seen.length = 0;
  const ended = await run('greet', 'joe', '--', '--loud', '-x', '--bogus');
  assert.deepEqual(ended, { code: 0, out: 'hello joe\n', err: '' }, 'after --, --loud is no flag and -x, --bogus are no unknown options');
  assert.deepEqual(seen, [{ who: 'joe', paths: ['--loud', '-x', '--bogus'], times: 1, reporter: 'tty' }]);
  assert.equal((await run('greet', 'joe', '--', '--quiet')).code, 0);
});

test('a crash inside a command is rendered with a crash report, exit 1', async () => {
  const boom = defineProvider({ name: 'boom', description: 'Crash.', deps: [], positionals: [], options: [], examples: [{ command: 'otp boom', description: 'crashes' }], run: async () => { throw new Error('kaput'); } });
  const io = captureIo();
  assert.equal(await runCli(['boom'], [boom], { version: '1' }, io), 1);
  assert.match(io.err(), /^otp: internal error: kaput\n[\s\S]*a crash report was written to /);
});

test('otp help [command] is --help', async () => {
  assert.equal((await run('help')).out, (await run('--help')).out);
  assert.equal((await run('help', 'greet')).out, (await run('greet', '--help')).out);
  assert.match((await run('hlep')).err, /did you mean 'help'\?/);
});

test('a command runs after its dependencies, each once, dependencies first, with the arguments it hands them', async () => {
  ran.length = 0;
  assert.equal((await run('release')).code, 0);
  assert.deepEqual(ran, ['fetch', 'compile prod watch=false', 'release prod']);
  ran.length = 0;
  assert.equal((await run('greet', 'joe')).code, 0);
  assert.deepEqual(ran, ['fetch', 'compile dev watch=false'], "a dependency gets its own defaults when the dependent hands it nothing");
  ran.length = 0;
  assert.equal((await run('release', '--profile', 'broken')).code, 1, "a failing dependency's exit code ends the chain");
  assert.deepEqual(ran, ['fetch', 'compile broken watch=false']);
});

test('one state flows through the chain: the project and otp.config.ts are resolved once for every command', async () => {
  const root = writeTree(tempDir('otp-state-'), {
    'package.json': JSON.stringify({ name: 'stately', version: '0.1.0', type: 'module', otp: {} }),
    // Each import of the config bumps a counter: the count of loads.
    'otp.config.ts': 'globalThis.otpStateLoads = ((globalThis as { otpStateLoads?: number }).otpStateLoads ?? 0) + 1;\nexport default { test: { numtests: 3 } };\n',
  });
  const states: ProviderState[] = [];
  const configs: unknown[] = [];
  const step = (name: string, deps: string[]) =>
    defineProvider({ name, description: 'A step.', deps, positionals: [], options: [], examples: [{ command: `otp ${name}`, description: 'steps' }], async run(_args, _io, state) {
      states.push(state);
      configs.push((await state.config()).config);
    } });
  const io = captureIo({ cwd: root });
  assert.equal(await runCli(['last'], [step('first', []), step('last', ['first'])], { version: '1' }, io), 0, io.err());
  assert.equal(states.length, 2);
  assert.equal(states[0], states[1], 'the dependency and the command share one state');
  assert.equal(configs[0], configs[1], 'and one loaded config');
  assert.deepEqual(configs[0], { test: { numtests: 3 } });
  assert.equal((globalThis as { otpStateLoads?: number }).otpStateLoads, 1, 'otp.config.ts was imported once');
});

test('an array option takes one value a flag: the words after it stay positionals (otp test --reporter junit PATH)', async () => {
  const got: unknown[] = [];
  const pick = defineProvider({
    name: 'pick',
    description: 'Pick.',
    deps: [],
    positionals: [{ name: 'paths', description: 'paths', variadic: true }],
    options: [{ name: 'reporter', type: 'array', description: 'how', choices: ['tty', 'junit'] }, { name: 'pid', type: 'array', description: 'which' }],
    examples: [{ command: 'otp pick a', description: 'picks a' }],
    async run(args) {
      got.push(args);
    },
  });
  const io = captureIo();
  assert.equal(await runCli(['pick', '--reporter', 'junit', 'test/a.test.ts', '--pid', '<0.5.0>', 'b', '--pid', '<0.6.0>', '--reporter=tty'], [pick], { version: '9.9.9' }, io), 0, io.err());
  assert.deepEqual(got, [{ paths: ['test/a.test.ts', 'b'], reporter: ['junit', 'tty'], pid: ['<0.5.0>', '<0.6.0>'] }]);
});
