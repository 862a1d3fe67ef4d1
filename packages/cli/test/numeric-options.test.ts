// A number option of the node tools (otp profile, trace, top, procs, heap, crashdump) refuses a value below its
// least one, or a fraction where a count goes, at once (exit 2, the flag and the range named), before any node
// is reached: `otp profile NODE --top -3` was read as --top 1 and profiled for its whole --time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { providers, runCli } from '@otp-ts/cli';
import { captureIo } from './helpers.ts';

async function otp(...argv: string[]): Promise<{ code: number; err: string }> {
  const io = captureIo();
  const code = await runCli(argv, providers, { version: '0.0.0' }, io);
  return { code, err: io.err() };
}

const cases: Array<[string[], RegExp]> = [
  [['profile', 'nowhere@127.0.0.1', '--top', '-3'], /--top must be a whole number of at least 1, got '-3'/],
  [['profile', 'nowhere@127.0.0.1', '-n', '0'], /--top must be a whole number of at least 1, got '0'/],
  [['profile', 'nowhere@127.0.0.1', '--top=2.5'], /--top must be a whole number of at least 1, got '2.5'/],
  [['trace', 'nowhere@127.0.0.1', 'shop/s.f', '--limit', '-1'], /--limit must be a whole number .*1.*, got '-1'/],
  [['trace', 'nowhere@127.0.0.1', 'shop/s.f', '--time', '0'], /--time must be a whole number .*1.*, got '0'/],
  [['top', 'nowhere@127.0.0.1', '--top', '-3'], /--top must be a whole number of at least 1, got '-3'/],
  [['procs', 'nowhere@127.0.0.1', '--top', '-3'], /--top must be a whole number of at least 1, got '-3'/],
  [['heap', 'nowhere@127.0.0.1', '--top', '-3'], /--top must be a whole number .*1.*, got '-3'/],
  [['crashdump', 'otp_crash.dump', '--top', '-3'], /--top must be a whole number of at least 1, got '-3'/],
];

for (const [argv, message] of cases) {
  test(`otp ${argv.join(' ')} is refused (exit 2) naming the flag and its range`, async () => {
    const { code, err } = await otp(...argv);
    assert.match(err, message);
    assert.equal(code, 2);
  });
}
