// A file that starts like a dump but is 100 MiB of one string used to be read and parsed whole (about 280 MB for
// `otp crashdump`), and a file larger than any dump a node writes was read whole too: each is refused with one
// sentence, exit 2, before it is read whole. The CLI runs with a 64 MB heap here, which the whole read exceeds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync, rmSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { bin } from './support/cli.ts';
import { tempDir } from './support/files.ts';
import { run } from './support/run.ts';

test('otp crashdump refuses a dump of one 100 MiB string and a file over 256 MiB, in a 64 MB heap, with one sentence and exit 2', async () => {
  const dir = tempDir('otp-crashdump-huge-');
  try {
    const oneString = join(dir, 'one-string.dump');
    const fd = openSync(oneString, 'w');
    const chunk = Buffer.alloc(1024 * 1024, 'x');
    writeSync(fd, '{"otpCrashDump":1,"reason":"');
    for (let i = 0; i < 100; i++) writeSync(fd, chunk);
    writeSync(fd, '"}');
    closeSync(fd);
    const a = await run(process.execPath, ['--max-old-space-size=64', bin, 'crashdump', oneString], dir);
    assert.equal(a.status, 2, a.out);
    assert.match(a.stderr, /one-string\.dump holds a text of more than 1\.0 MB \(from byte 27\), longer than any a node writes in a crash dump .*so it is not a dump a node wrote: give the otp_crash\.dump/);
    assert.equal(a.stderr.split('\n').length, 1, a.stderr);
    rmSync(oneString);

    // Sparse: 300 MiB that take no disk.
    const huge = join(dir, 'huge.dump');
    writeFileSync(huge, '{"otpCrashDump":1}');
    truncateSync(huge, 300 * 1024 * 1024);
    const b = await run(process.execPath, ['--max-old-space-size=64', bin, 'crashdump', huge], dir);
    assert.equal(b.status, 2, b.out);
    assert.match(b.stderr, /huge\.dump is 300\.0 MB, more than the 256\.0 MB a node writes as a crash dump at most \(--crash-dump-bytes is capped there\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// A pipe with no writer used to block otp crashdump's open for ever (a hung CLI, killed here by the deadline).
test('otp crashdump refuses a pipe at once, exit 2, instead of waiting for ever for a writer', { skip: spawnSync('mkfifo', ['--version']).status !== 0 && 'no mkfifo here' }, () => {
  const dir = tempDir('otp-crashdump-fifo-');
  try {
    const fifo = join(dir, 'otp_crash.dump');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    const r = spawnSync(process.execPath, [bin, 'crashdump', fifo], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 2, `${String(r.signal)} ${r.stderr}`);
    assert.match(r.stderr, /otp_crash\.dump is a pipe, not a crash dump file: give the otp_crash\.dump a node wrote .*\(copy a dump from a pipe to a file first\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
