// A flag given twice (`otp profile NODE --time 1s --time 2s`, or once by its alias and once by name) is not an
// error: the last one wins, as in yargs and getopt-style tools, so a line can override what a shell alias or
// a script put before it. Each kind of option, on both the quick path and yargs's. A release's start script
// refuses a repeated flag instead (once-flags.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommandLine, type ProgramSpec } from '../../src/command/adapter.ts';

const program: ProgramSpec = {
  name: 'tool',
  tagline: 'a program with repeatable flags',
  epilogue: 'exit codes: 0, 1, 2',
  globalOptions: [{ name: 'cookie', type: 'string', value: 'C', description: 'cookie' }],
  commands: [
    {
      name: 'profile',
      description: 'profile a node',
      positionals: [{ name: 'node', description: 'the node', required: true }],
      options: [
        { name: 'time', type: 'string', value: 'DURATION', default: '10s', description: 'how long' },
        { name: 'top', alias: 'n', type: 'number', value: 'N', default: 15, description: 'how many' },
        { name: 'mode', type: 'string', choices: ['fast', 'full'], description: 'mode' },
        { name: 'pid', type: 'array', value: 'P', description: 'pids' },
        { name: 'cookie', type: 'string', value: 'C', description: 'cookie' },
      ],
      examples: [{ command: 'tool profile a@h', description: 'profile' }],
    },
  ],
};

async function args(argv: string[], p: ProgramSpec = program): Promise<Record<string, unknown>> {
  const line = await parseCommandLine(argv, p, 100);
  assert.ok(!('help' in line), `${argv.join(' ')} parsed as a help request`);
  return line.args;
}

test('a string flag given twice takes the last value, spaced or with =', async () => {
  assert.equal((await args(['profile', 'a@h', '--time', '1s', '--time', '2s'])).time, '2s');
  assert.equal((await args(['profile', 'a@h', '--time=1s', '--time=2s'])).time, '2s');
  assert.equal((await args(['profile', 'a@h', '--time=1s', '--time', '300ms'])).time, '300ms');
  assert.equal((await args(['profile', 'a@h', '--cookie', 'x', '--cookie', 'y'])).cookie, 'y');
});

test('a number flag given twice, by name or by alias, takes the last value', async () => {
  assert.equal((await args(['profile', 'a@h', '--top', '2', '--top', '3'])).top, 3);
  assert.equal((await args(['profile', 'a@h', '-n', '2', '--top', '3'])).top, 3);
  assert.equal((await args(['profile', 'a@h', '--top=-3', '--top', '4'])).top, 4);
});

test('the last value is the one checked: a bad one is refused by name, a bad first one is overridden', async () => {
  assert.equal((await args(['profile', 'a@h', '--mode', 'slow', '--mode', 'fast'])).mode, 'fast');
  await assert.rejects(args(['profile', 'a@h', '--mode', 'fast', '--mode', 'slow']), (e: Error & { exitCode?: number }) => {
    assert.match(e.message, /--mode must be fast or full, got 'slow'/);
    assert.equal(e.exitCode, 2);
    return true;
  });
  await assert.rejects(args(['profile', 'a@h', '--top', '2', '--top', 'x']), /--top must be a number, got 'x'/);
});

test('an array flag still collects every use', async () => {
  assert.deepEqual((await args(['profile', 'a@h', '--pid', '<0.1.0>', '--pid', '<0.2.0>'])).pid, ['<0.1.0>', '<0.2.0>']);
});

// A value left out, or one that starts with - typed after a space: the refusal names the option by its long name
// (not yargs's `--n` for -n), says the next word was read as a flag and how to give it, and points at the command's help.
async function refusal(argv: string[]): Promise<{ message: string; hint?: string; exitCode?: number }> {
  try {
    await parseCommandLine(argv, program, 100);
  } catch (error) {
    return error as { message: string; hint?: string; exitCode?: number };
  }
  assert.fail(`${argv.join(' ')} was accepted`);
}

test('a flag with no value is named by its long name, with what it takes, and the hint names the command', async () => {
  const e = await refusal(['profile', 'a@h', '-n']);
  assert.equal(e.message, '--top needs a value (--top N)');
  assert.equal(e.exitCode, 2);
  assert.match(e.hint ?? '', /tool profile --help/);
});

test('a value that looks like a flag: the refusal says it was read as one and how to give it', async () => {
  const e = await refusal(['profile', 'a@h', '--cookie', '-abc']);
  assert.match(e.message, /^--cookie needs a value \(--cookie C\): '-abc' is read as a flag \(write --cookie=-abc/);
  assert.match(e.hint ?? '', /tool profile --help/);
  assert.equal((await args(['profile', 'a@h', '--cookie=-abc'])).cookie, '-abc');
  assert.equal((await args(['profile', 'a@h', '--top', '-3'])).top, -3);
});
