import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { OtpError, isOtpError, renderError, formatLocation } from '@otp-ts/cli';
import { captureIo } from './helpers.ts';

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
