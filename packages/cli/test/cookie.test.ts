import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveCookie, OtpError } from '@otp-ts/cli';
import { tempDir } from './helpers.ts';

const fails = (body: () => unknown, message: string, hint?: string) =>
  assert.throws(body, (e: unknown) => {
    assert.ok(e instanceof OtpError);
    assert.equal(e.code, 'badCookie');
    assert.equal(e.message, message);
    if (hint !== undefined) assert.equal(e.hint, hint);
    assert.equal(e.exitCode, 2);
    return true;
  });

test('--cookie wins over OTP_COOKIE, which wins over the file', () => {
  const home = tempDir();
  assert.deepEqual(resolveCookie({ flag: 'abc', env: { OTP_COOKIE: 'env' }, home }), { cookie: 'abc', source: 'flag' });
  assert.deepEqual(resolveCookie({ env: { OTP_COOKIE: 'env' }, home }), { cookie: 'env', source: 'env' });
});

test('the cookie file is created on first use with mode 0600 and 128 random bits (32 hex digits), then reused', () => {
  const home = tempDir();
  const first = resolveCookie({ env: {}, home });
  const file = join(home, '.otp-ts.cookie');
  assert.equal(first.source, 'created');
  assert.equal(first.file, file);
  assert.match(first.cookie, /^[0-9a-f]{32}$/, '128 random bits');
  if (process.platform !== 'win32') assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(readFileSync(file, 'utf8'), first.cookie);
  assert.deepEqual(resolveCookie({ env: {}, home }), { cookie: first.cookie, source: 'file', file });
  assert.notEqual(resolveCookie({ env: {}, home: tempDir() }).cookie, first.cookie);
});

test('a cookie file others can read is refused with the chmod that fixes it', { skip: process.platform === 'win32' }, () => {
  const home = tempDir();
  const file = join(home, '.otp-ts.cookie');
  writeFileSync(file, 'SECRET');
  chmodSync(file, 0o644);
  fails(() => resolveCookie({ env: {}, home }), `the cookie file ${file} can be read by other users (mode 0644)`, `Run \`chmod 600 ${file}\`.`);
  chmodSync(file, 0o600);
  assert.equal(resolveCookie({ env: {}, home }).cookie, 'SECRET');
});

test('an empty cookie file, --cookie or OTP_COOKIE is a clear error', () => {
  const home = tempDir();
  const file = join(home, '.otp-ts.cookie');
  writeFileSync(file, ' \n', { mode: 0o600 });
  fails(() => resolveCookie({ env: {}, home }), `the cookie file ${file} is empty`, "Write the nodes' shared secret into it, or delete it to have a new one created.");
  fails(() => resolveCookie({ flag: '', env: {}, home }), '--cookie is empty: give the secret the nodes share, or leave the flag out to use OTP_COOKIE or ~/.otp-ts.cookie');
  fails(() => resolveCookie({ env: { OTP_COOKIE: '' }, home }), 'OTP_COOKIE is set but empty: set it to the secret the nodes share, or unset it to use ~/.otp-ts.cookie');
});

test('a home folder that cannot be written to is named', () => {
  const home = join(tempDir(), 'missing');
  fails(() => resolveCookie({ env: {}, home }), `cannot create the cookie file ${join(home, '.otp-ts.cookie')}: ENOENT: no such file or directory, open '${join(home, '.otp-ts.cookie')}'`, 'Pass --cookie or set OTP_COOKIE instead.');
});

test("inside a project: config/node.args's cookie, else the cookie of the built release of the target node, before the file; never after OTP_COOKIE", () => {
  const home = tempDir();
  const root = tempDir();
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'ck', otp: { mod: 'ck/ck_app' } }));
  const release = (profile: string, name: string, vsn: string, args: string) => {
    const dir = join(root, '_build', profile, 'rel', name, 'releases', vsn);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'node.args'), args);
  };
  const cookieOf = (target: string, env: Record<string, string> = {}) => resolveCookie({ env, home, project: { cwd: join(root, 'src'), target } });
  mkdirSync(join(root, 'src'));
  release('prod', 'ck', '0.1.0', '--setcookie release_cookie\n--name ck@127.0.0.1\n');
  release('prod', 'other', '0.1.0', '--setcookie other_cookie\n--sname other\n');
  // The file it came from, which a wrong-cookie refusal names.
  const args = (name: string): string => join(root, '_build', 'prod', 'rel', name, 'releases', '0.1.0', 'node.args');
  assert.deepEqual(cookieOf('ck@127.0.0.1'), { cookie: 'release_cookie', source: 'project', file: args('ck') });
  assert.deepEqual(cookieOf('other@127.0.0.1'), { cookie: 'other_cookie', source: 'project', file: args('other') }, '--sname other is other@127.0.0.1');
  assert.equal(cookieOf('ck@10.0.0.9').source, 'created', 'a node of no release of the project: ~/.otp-ts.cookie');
  assert.deepEqual(cookieOf('ck@127.0.0.1', { OTP_COOKIE: 'env' }), { cookie: 'env', source: 'env' });
  mkdirSync(join(root, 'config'));
  writeFileSync(join(root, 'config', 'node.args'), '--setcookie ${OTP_COOKIE}\n');
  assert.equal(cookieOf('ck@127.0.0.1').cookie, 'release_cookie', 'a ${VAR} cookie is not one to use');
  writeFileSync(join(root, 'config', 'node.args'), '--setcookie configured\n');
  assert.deepEqual(cookieOf('ck@127.0.0.1'), { cookie: 'configured', source: 'project', file: join(root, 'config', 'node.args') });
  assert.equal(resolveCookie({ env: {}, home, project: { cwd: home, target: 'ck@127.0.0.1' } }).source, 'file', 'outside the project: the file');
});

test('a cookie file that cannot be read (a folder in its place) is named with the fix, not a bare system error', () => {
  const home = tempDir();
  const file = join(home, '.otp-ts.cookie');
  const hint = `Make it a file your user can read (owned by you, chmod 600), or remove it to have a new one created; or pass --cookie or set OTP_COOKIE.`;
  mkdirSync(file, { mode: 0o700 });
  fails(() => resolveCookie({ env: {}, home }), `cannot read the cookie file ${file} (EISDIR)`, hint);
  // A folder others may read (mkdir's usual 0755) is a folder all the same: chmod 600 would not make it a cookie file.
  chmodSync(file, 0o755);
  fails(() => resolveCookie({ env: {}, home, platform: 'linux' }), `cannot read the cookie file ${file} (EISDIR)`, hint);
});

test('a cookie file is read as OTP reads ~/.erlang.cookie: the line break and spaces at its end are not part of the cookie, a line break or control character inside it is refused', () => {
  const home = tempDir();
  const file = join(home, '.otp-ts.cookie');
  writeFileSync(file, 'abc123 \r\n', { mode: 0o600 });
  assert.equal(resolveCookie({ env: {}, home }).cookie, 'abc123');
  writeFileSync(file, 'abc\nxyz\n', { mode: 0o600 });
  fails(() => resolveCookie({ env: {}, home }), `the cookie file ${file} holds a line break or control character inside the cookie`, 'Write the cookie on one line, or delete the file to have a new one created.');
});
