// otp procs --window and otp top --interval (by reductions) measure growth on the node, which measures at most a
// minute: a longer window is refused at once, where the table used to name the window asked over a minute's figures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { providers, runCli } from '@otp-ts/cli';
import { captureIo, privatePortMapper } from './helpers.ts';

// The tool node of each command registers with this file's own port mapper, never one left on 4369.
privatePortMapper();

const run = async (...argv: string[]) => {
  const io = captureIo();
  const code = await runCli(argv, providers, { version: '0.0.0' }, io);
  return { code, err: io.err() };
};

test('a growth window longer than the 60000 ms a node measures is bad usage naming the limit, before any node is asked', async () => {
  const procs = await run('procs', 'nobody_here@127.0.0.1', '--cookie', 'c', '--by', 'reductions', '--window', '90000');
  assert.equal(procs.code, 2, procs.err);
  assert.equal(procs.err, 'otp: --window 90000 is longer than the 60000 ms a node measures growth over\ngive at most 60000\n');
  const top = await run('top', 'nobody_here@127.0.0.1', '--cookie', 'c', '--interval', '120000');
  assert.equal(top.code, 2, top.err);
  assert.match(top.err, /^otp: --interval 120000 is longer than the 60000 ms a node measures growth over\n/);
  // A window within the limit goes on to the node (here, none runs: a failure of the work, not of the flag).
  const fine = await run('procs', 'nobody_here@127.0.0.1', '--cookie', 'c', '--window', '60000');
  assert.equal(fine.code, 1, fine.err);
});
