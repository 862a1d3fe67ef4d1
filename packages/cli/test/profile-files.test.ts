// otp profile checks the files it will write before it profiles: a missing folder or a folder given as the
// file is a usage error at once, not a stack trace after the profile ran for its whole --time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { providers, runCli } from '@otp-ts/cli';
import { captureIo, privatePortMapper, tempDir } from './helpers.ts';

// The tool node of each command registers with this file's own port mapper, never one left on 4369.
privatePortMapper();

test('otp profile refuses a --cpuprofile or --html in a missing folder, or naming a folder, before it asks the node', async () => {
  const dir = tempDir('otp-profile-files-');
  mkdirSync(join(dir, 'a-folder'));
  const cases: Array<[string[], RegExp]> = [
    [['--cpuprofile', join(dir, 'nowhere', 'x.cpuprofile')], /^otp: --cpuprofile \S+x\.cpuprofile: the folder \S+nowhere does not exist: create it, or give a file in a folder that exists\n$/],
    [['--html', join(dir, 'a-folder')], /^otp: --html \S+a-folder is a folder: give a file in it, e\.g\. --html \S+flame\.html\n$/],
  ];
  for (const [flags, message] of cases) {
    const io = captureIo();
    // No node of this name runs: the check must come first for the command to say this.
    const code = await runCli(['profile', 'nobody_here@127.0.0.1', '--cookie', 'c', '--time', '1s', ...flags], providers, { version: '0.0.0' }, io);
    assert.equal(code, 2, io.err());
    assert.match(io.err(), message);
  }
});

test('otp profile --time takes a bare number as milliseconds, as otp trace --time MS does: 1000 is a second, 400000 is past the 5-minute limit', async () => {
  const second = captureIo();
  // A second is a valid time: what fails is reaching the node, not the flag.
  assert.equal(await runCli(['profile', 'nobody_here@127.0.0.1', '--cookie', 'c', '--time', '1000'], providers, { version: '0.0.0' }, second), 1, second.err());
  assert.doesNotMatch(second.err(), /--time/);
  const tooLong = captureIo();
  assert.equal(await runCli(['profile', 'nobody_here@127.0.0.1', '--cookie', 'c', '--time', '400000'], providers, { version: '0.0.0' }, tooLong), 2);
  assert.match(tooLong.err(), /^otp: --time 400000 is outside 1ms\.\.5m/);
});
