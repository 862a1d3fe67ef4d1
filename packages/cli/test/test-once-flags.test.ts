// `otp test` and `otp profile` refuse a single-valued flag given twice (exit 2, naming it) before anything runs:
// a CI machine given `--shard 1/2 --shard 2/2` would otherwise run shard 2 alone and read green for both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { providers, runCli } from '@otp-ts/cli';
import { captureIo } from './helpers.ts';

for (const [argv, flag] of [
  [['test', '--shard', '1/2', '--shard', '2/2'], 'shard'],
  [['test', '--retry', '2', '--retry=0'], 'retry'],
  [['test', '-j', '2', '--jobs', '3'], 'jobs'],
  [['test', '--seed', '1', '--seed', '2'], 'seed'],
  [['test', '--grep', 'a', '--grep', 'b'], 'grep'],
  [['test', '--timeout', '100', '--timeout', '200'], 'timeout'],
  [['test', '--numtests', '5', '--numtests', '6'], 'numtests'],
  [['test', '--seed', '1', '--path', '0:1', '--path', '0:2'], 'path'],
  [['test', '--cover', '--cover-threshold', '80', '--cover-threshold', '90'], 'cover-threshold'],
  [['test', '--bail', '--no-bail'], 'bail'],
  [['test', '--shuffle', '--shuffle'], 'shuffle'],
  [['test', '--rerun-failed', '--rerun-failed=false'], 'rerun-failed'],
  [['test', '--watch', '--no-watch'], 'watch'],
  [['test', '-w', '--no-watch'], 'watch'],
  [['test', '--watch=false', '-w'], 'watch'],
  [['test', '-w', '-w'], 'watch'],
  [['test', '-ww'], 'watch'],
  [['profile', 'a@127.0.0.1', '--time', '1s', '--time', '5m'], 'time'],
  [['profile', 'a@127.0.0.1', '--top', '3', '-n', '4'], 'top'],
] as const) {
  test(`otp ${argv.join(' ')} is refused (exit 2) naming --${flag}`, async () => {
    const io = captureIo();
    const code = await runCli([...argv], providers, { version: '0.0.0' }, io);
    assert.match(io.err(), new RegExp(`^otp: --${flag} was given 2 times .*: give it once`));
    assert.match(io.err(), /\nRun `otp (test|profile) --help` for usage\.\n$/);
    assert.equal(code, 2);
  });
}

test('a switch given once through its short alias, a short alias after `--`, or -j2 (the value joined) is not refused', async () => {
  for (const argv of [['test', '-w', '--reporter', 'json', 'x.test.ts'], ['test', '-j2', 'x.test.ts'], ['test', '--no-watch', 'x.test.ts', '--', '-w']]) {
    const io = captureIo();
    await runCli([...argv], providers, { version: '0.0.0' }, io);
    assert.doesNotMatch(io.err(), /was given|unknown option/, argv.join(' '));
  }
});

test('otp test still takes a list flag repeated: --reporter json --reporter junit is not refused as given twice', async () => {
  const io = captureIo();
  await runCli(['test', '--reporter', 'json', '--reporter', 'junit', '--case', 'a', '--case', 'b'], providers, { version: '0.0.0' }, io);
  assert.doesNotMatch(io.err(), /was given 2 times/);
});
