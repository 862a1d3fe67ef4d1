import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OtpError, isOtpError, renderError, formatLocation } from '@otp-ts/cli';
import { captureIo, tempDir } from './helpers.ts';

test("one error base: the CLI's OtpError is the one a release's start script throws", async () => {
  assert.equal(OtpError, (await import('@otp-ts/release')).OtpError);
});

test('usage and input errors exit 2; failures of the work exit 1', () => {
  for (const code of ['usage', 'badName', 'exists', 'noProject', 'badConfig', 'badCookie'] as const) assert.equal(new OtpError(code, 'x').exitCode, 2, code);
  for (const code of ['failed', 'badTemplate'] as const) assert.equal(new OtpError(code, 'x').exitCode, 1, code);
});

test('an OtpError is one line on stderr, then its location and its hint', () => {
  const io = captureIo();
  const error = new OtpError('badConfig', "otp.config.ts: 'test.jobs' must be a whole number above 0, got 0", { location: { file: '/p/otp.config.ts', line: 3, column: 9 }, hint: 'See docs/cli.md.' });
  assert.equal(renderError(error, io), 2);
  assert.equal(io.err(), "otp: otp.config.ts: 'test.jobs' must be a whole number above 0, got 0\n  at /p/otp.config.ts:3:9\nSee docs/cli.md.\n");
  assert.equal(io.out(), '');
});

test('--verbose adds the cause', () => {
  const io = captureIo({ verbosity: 'verbose' });
  renderError(new OtpError('failed', 'it broke', { cause: new Error('deep') }), io);
  assert.match(io.err(), /^otp: it broke\n {2}cause: Error: deep\n/);
});

test('an unknown error prints its stack and where its crash report was written', () => {
  const io = captureIo();
  assert.equal(renderError(new TypeError('x is not a function'), io, ['new', 'app', 'shop']), 1);
  const err = io.err();
  assert.match(err, /^otp: internal error: x is not a function\nTypeError: x is not a function\n {4}at /);
  const report = /a crash report was written to (.+crash-report\.txt); please attach it to a bug report\.\n$/.exec(err);
  assert.ok(report, err);
  const body = readFileSync(report[1]!, 'utf8');
  assert.match(body, /command: otp new app shop/);
  assert.match(body, /TypeError: x is not a function/);
});

test('a thrown non-error is shown safely, never as [object Object]', () => {
  const io = captureIo();
  renderError({ reason: 'weird' }, io);
  assert.match(io.err(), /^otp: internal error: \{ reason: 'weird' \}\n/);
});

test('locations leave out what is unknown; isOtpError tells errors apart', () => {
  assert.equal(formatLocation({ file: 'a.ts' }), 'a.ts');
  assert.equal(formatLocation({ file: 'a.ts', line: 2 }), 'a.ts:2');
  assert.equal(formatLocation({ file: 'a.ts', column: 4 }), 'a.ts');
  assert.ok(isOtpError(new OtpError('usage', 'x')));
  assert.ok(!isOtpError(new Error('x')));
});

test('what the file system refuses is one line naming the path and the fix, exit 1, with no crash report', () => {
  const cwd = tempDir();
  writeFileSync(join(cwd, '_build'), 'a file where otp needs a folder');
  mkdirSync(join(cwd, 'out'));
  const thrown = (f: () => void): unknown => {
    try {
      f();
    } catch (error) {
      return error;
    }
    throw new Error('no error');
  };
  const cases: Array<[unknown, string]> = [
    [thrown(() => mkdirSync(join(cwd, '_build', 'dev', 'lib'), { recursive: true })), 'otp: cannot create the folder _build/dev/lib: _build is a file where a folder is needed: move or remove it (ENOTDIR)\n'],
    [thrown(() => writeFileSync(join(cwd, 'out'), 'x')), 'otp: cannot write out: a folder is in the way where a file goes: move or remove it (EISDIR)\n'],
  ];
  for (const [error, line] of cases) {
    const io = captureIo({ cwd, crashDir: cwd });
    assert.equal(renderError(error, io), 1);
    assert.equal(io.err(), line);
  }
  assert.deepEqual(readdirSync(cwd).sort(), ['_build', 'out'], 'no crash report');
});
