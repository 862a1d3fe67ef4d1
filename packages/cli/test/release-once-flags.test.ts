// `otp release` refuses any flag given twice (exit 2, naming it) before anything is compiled: a release built
// with the last of two --upgrade-from or --profile values would not be the one the operator meant.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { providers, runCli } from '@otp-ts/cli';
import { captureIo } from './helpers.ts';

for (const [argv, flag] of [
  [['release', '--upgrade-from', '0.1.0', '--upgrade-from', '0.2.0'], 'upgrade-from'],
  [['release', '--name', 'a', '-n', 'b'], 'name'],
  [['release', '--profile=prod', '--profile=test'], 'profile'],
  [['release', '--tar', '--no-tar'], 'tar'],
] as const) {
  test(`otp ${argv.join(' ')} is refused (exit 2) naming --${flag}`, async () => {
    const io = captureIo();
    const code = await runCli([...argv], providers, { version: '0.0.0' }, io);
    assert.match(io.err(), new RegExp(`--${flag} was given 2 times .*: give it once`));
    assert.equal(code, 2);
  });
}
