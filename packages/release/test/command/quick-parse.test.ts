// The adapter reads the common command line from the tables without loading yargs (bin/<name> ping runs often and
// yargs was most of the start script's start-up); wherever that quick path answers, it must answer what yargs and
// the tables answer, arguments and refusals alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseWithYargs, quickParse, type CommandLine, type ProgramSpec } from '../../src/command/adapter.ts';
import type { CommandSpec } from '../../src/command/spec.ts';
import { scriptProgram, scriptTables } from '../../src/control/commands.ts';

const script = scriptProgram('kiosk', Object.values(scriptTables) as readonly CommandSpec[]);

// A program shaped like otp's: a version, global options with aliases, arrays, choices, defaults, numbers.
const toolLike: ProgramSpec = {
  name: 'tool',
  tagline: 'a program with every kind of option',
  epilogue: 'exit codes: 0, 1, 2',
  version: '1.2.3',
  globalOptions: [
    { name: 'quiet', alias: 'q', type: 'boolean', description: 'say less' },
    { name: 'dir', type: 'string', value: 'DIR', description: 'where' },
  ],
  commands: [
    {
      name: 'test',
      description: 'run tests',
      positionals: [{ name: 'paths', description: 'files', variadic: true }],
      options: [
        { name: 'reporter', type: 'array', choices: ['tty', 'junit'], description: 'how' },
        { name: 'numtests', type: 'number', default: 100, description: 'runs' },
        { name: 'seed', type: 'number', description: 'seed' },
        { name: 'mode', type: 'string', choices: ['fast', 'full'], description: 'mode' },
        { name: 'watch', alias: 'w', type: 'boolean', default: false, description: 'watch' },
      ],
      examples: [{ command: 'tool test', description: 'run them' }],
    },
    {
      name: 'new',
      description: 'make a project',
      positionals: [
        { name: 'template', description: 'kind', required: true, choices: ['app', 'lib'] },
        { name: 'name', description: 'its name', required: true },
      ],
      options: [{ name: 'force', type: 'boolean', description: 'overwrite' }],
      examples: [{ command: 'tool new app shop', description: 'an app' }],
    },
  ],
};

// What a parse came to, comparable across the two paths: the command and its arguments, the help, or the refusal.
async function outcome(parse: () => Promise<CommandLine> | CommandLine | undefined): Promise<unknown> {
  try {
    const line = await parse();
    if (line === undefined) return undefined;
    return 'help' in line ? { help: line.help } : { command: line.command.name, args: line.args };
  } catch (error) {
    const e = error as { message: string; code?: string; hint?: string; exitCode?: number };
    return { refused: e.message, code: e.code, hint: e.hint, exitCode: e.exitCode };
  }
}

test("the start script's everyday command lines take the quick path, to what yargs and the tables give", async () => {
  const lines = [
    ['ping'],
    ['pid'],
    ['stop'],
    ['versions'],
    ['heart'],
    ['daemon'],
    ['daemon', '--heart'],
    ['foreground', '--vsn', '0.1.0'],
    ['foreground', '--vsn=0.1.0'],
    ['eval', 'processes().length'],
    ['eval', 'processes()', '.length', '--eval-timeout', '500'],
    ['rpc', 'otp', 'processCount'],
    ['rpc', 'otp', 'processCount', '[1, "two"]'],
    ['upgrade', '0.2.0', '--probe-ms', '100'],
    ['downgrade', '0.1.0'],
    ['unpack', 'releases/kiosk-0.2.0.tar.gz'],
    ['remote', '--eval-timeout', '500', '--eval-await-timeout=9000'],
  ];
  for (const argv of lines) {
    const quick = await outcome(() => quickParse(argv, script));
    assert.notEqual(quick, undefined, `${argv.join(' ')} should not need yargs`);
    assert.deepEqual(quick, await outcome(() => parseWithYargs(argv, script)), argv.join(' '));
  }
});

test('help, refusals and anything yargs could read two ways are left to yargs', () => {
  const lines = [[], ['--help'], ['ping', '--help'], ['help', 'ping'], ['ping', '--bogus'], ['pnig'], ['eval'], ['eval', '1', 'help'], ['upgrade', '0.2.0', '--probe-ms', 'soon'], ['rpc', 'otp'], ['ping', 'extra'], ['daemon', '--no-heart'], ['daemon', '--heart', 'true'], ['daemon', '--heart', 'false'], ['eval', '--', '-1'], ['foreground', '--vsn']];
  for (const argv of lines) assert.equal(quickParse(argv, script), undefined, argv.join(' '));
  // yargs reads a boolean's `true` or `false` after it as its value: `tool test --watch false` runs every path.
  for (const argv of [['test', '--watch', 'false'], ['test', 'a', '--quiet', 'true', 'b']]) assert.equal(quickParse(argv, toolLike), undefined, argv.join(' '));
});

// Command lines made of the programs' own words, flags and values, right and wrong.
const words = (program: ProgramSpec) => {
  const flags = [...program.globalOptions, ...program.commands.flatMap((c) => c.options)].flatMap((o) => [`--${o.name}`, `--${o.name}=1`, `--no-${o.name}`, ...(o.alias ? [`-${o.alias}`] : [])]);
  const values = ['0.2.0', '5000', '007', '1e3', '0x10', '-5', '', 'help', 'version', 'true', 'tty', 'junit', 'tty,junit', 'fast', 'app', 'lib', 'x=1', 'a b', '[1, "two"]', 'otp', '--', '-h', '--help', '--bogus', '-x'];
  return fc.tuple(fc.constantFrom(...program.commands.map((c) => c.name), 'help', 'bogus'), fc.array(fc.constantFrom(...flags, ...values), { maxLength: 6 }));
};

// Command lines a user would type: a command, its positionals, and some of its options each with a value of its type.
const wellFormed = (program: ProgramSpec) =>
  fc.constantFrom(...program.commands).chain((command) => {
    const options = [...command.options, ...program.globalOptions].map((o) => {
      const values = o.choices ?? (o.type === 'number' ? ['5000', '007', '1e3'] : ['0.2.0', 'otp', 'a b', 'true']);
      if (o.type === 'boolean') return fc.constantFrom([`--${o.name}`], [`--${o.name}`, 'true'], [`--${o.name}`, 'false']);
      return fc.constantFrom(...values).chain((v) => fc.constantFrom([`--${o.name}`, v], [`--${o.name}=${v}`]));
    });
    const positionals = command.positionals.map((p) => fc.array(fc.constantFrom(...(p.choices ?? ['shop', 'src/a.test.ts', 'true'])), { minLength: p.required ? 1 : 0, maxLength: p.variadic ? 3 : 1 }));
    return fc.tuple(fc.constant(command.name), fc.tuple(...positionals), fc.subarray(options.length > 0 ? options : []).chain((picked) => fc.tuple(...picked)), fc.boolean());
  }).map(([name, positionals, options, flagsFirst]): [string, string[]] => [name, flagsFirst ? [...options.flat(), ...positionals.flat()] : [...positionals.flat(), ...options.flat()]]);

for (const [label, program] of [
  ['the start script', script],
  ["a program shaped like otp's", toolLike],
] as const) {
  test(`${label}: wherever the quick path answers, it answers what yargs and the tables answer`, async () => {
    let quick = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(words(program), wellFormed(program)), async ([command, rest]) => {
        const argv = [command, ...rest];
        const fast = await outcome(() => quickParse(argv, program));
        if (fast === undefined) return;
        quick++;
        assert.deepEqual(fast, await outcome(() => parseWithYargs(argv, program)), JSON.stringify(argv));
      }),
      { numRuns: 400 },
    );
    assert.ok(quick > 50, `only ${quick} of 400 lines took the quick path: the property checked too little`);
  });
}
