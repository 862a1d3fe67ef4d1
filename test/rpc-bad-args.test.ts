// `otp rpc NODE MODULE FN ARGS` with ARGS that are not a JSON array: refused before any node is reached, in one line
// that names the argument, why JSON refused it and the fix. It printed over two lines, the fix on a line of its own,
// and a pasted multi-line argument spread the error over as many lines as it had.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { bin } from './support/cli.ts';

const rpc = (args: string): ReturnType<typeof spawnSync> =>
  spawnSync(process.execPath, [bin, 'rpc', 'nobody@127.0.0.1', 'otp', 'processCount', args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });

test('otp rpc refuses arguments that are not a JSON array in one line naming them and the fix, exit 2', () => {
  for (const [args, why] of [
    ['[1', /^otp: the arguments \[1 are not JSON \(.+\): give a JSON array, e\.g\. '\[1, "two"\]'$/],
    ['[1,\n 2', /^otp: the arguments \[1, 2 are not JSON \(.+\): give a JSON array/],
    ['[1,\n two]', /^otp: the arguments \[1, two\] are not JSON \(.+\): give a JSON array/],
    ['{"a": 1}', /^otp: the arguments must be a JSON array, got \{"a": 1\}: wrap them, e\.g\. '\[\{"a": 1\}\]'$/],
    ['1', /^otp: the arguments must be a JSON array, got 1: wrap them/],
  ] as const) {
    const r = rpc(args);
    assert.equal(r.status, 2, `${args}: ${String(r.stderr)}`);
    const lines = String(r.stderr).trimEnd().split('\n');
    assert.equal(lines.length, 1, `one line for ${JSON.stringify(args)}:\n${String(r.stderr)}`);
    assert.match(lines[0]!, why);
    assert.equal(String(r.stdout), '');
  }
});
