import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { resolveNodeConnection, nodeConnectionOptions, OtpError, COOKIE_FILE, type NodeConnectionFlags } from '@otp-ts/cli';
import { tempDir, writeTree } from './helpers.ts';

// A home with a cookie file and a folder of (fake) PEM files: the resolver only checks that they exist.
function setup(): { home: string; dir: string; files: { cert: string; key: string; ca: string } } {
  const home = tempDir();
  writeTree(home, { 'tls/tool.pem': 'cert', 'tls/tool.key': 'key', 'tls/ca.pem': 'ca' });
  const dir = join(home, 'tls');
  return { home, dir, files: { cert: join(dir, 'tool.pem'), key: join(dir, 'tool.key'), ca: join(dir, 'ca.pem') } };
}

const tlsFlags = (f: { cert: string; key: string; ca: string }): NodeConnectionFlags => ({ proto: 'tls', 'ssl-cert': f.cert, 'ssl-key': f.key, 'ssl-ca': f.ca });

const fails = (body: () => unknown, message: string) =>
  assert.throws(body, (e: unknown) => {
    assert.ok(e instanceof OtpError, String(e));
    assert.equal(e.code, 'usage');
    assert.equal(e.message, message);
    assert.equal(e.hint, undefined, 'one line: no hint');
    assert.equal(e.exitCode, 2);
    return true;
  });

test('the table declares --cookie, --proto and the three --ssl-* options with a value each', () => {
  assert.deepEqual(
    nodeConnectionOptions.map((o) => [o.name, o.type, o.value]),
    [
      ['cookie', 'string', 'C'],
      ['proto', 'string', 'PROTO'],
      ['ssl-cert', 'string', 'FILE'],
      ['ssl-key', 'string', 'FILE'],
      ['ssl-ca', 'string', 'FILE'],
    ],
  );
});

test('plain TCP by default: the cookie alone, resolved as resolveCookie does', () => {
  const { home } = setup();
  assert.deepEqual(resolveNodeConnection({ cookie: 'abc' }, { env: { OTP_COOKIE: 'env' }, home, cwd: home }), { cookie: 'abc', cookieFrom: '--cookie' });
  assert.deepEqual(resolveNodeConnection({}, { env: { OTP_COOKIE: 'env' }, home, cwd: home }), { cookie: 'env', cookieFrom: 'OTP_COOKIE' });
  assert.deepEqual(resolveNodeConnection({ proto: 'tcp' }, { env: { OTP_COOKIE: 'env', OTP_PROTO: '' }, home, cwd: home }), { cookie: 'env', cookieFrom: 'OTP_COOKIE' });
  assert.throws(() => resolveNodeConnection({ cookie: ' ' }, { env: {}, home, cwd: home }), (e: unknown) => e instanceof OtpError && e.code === 'badCookie');
});

test('--proto tls with the three files gives their absolute paths; relative ones are resolved against cwd', () => {
  const { home, dir, files } = setup();
  assert.deepEqual(resolveNodeConnection({ cookie: 'c', ...tlsFlags(files) }, { env: {}, home, cwd: home }), { cookie: 'c', cookieFrom: '--cookie', tls: files });
  const relative = { proto: 'tls', 'ssl-cert': 'tool.pem', 'ssl-key': 'tool.key', 'ssl-ca': 'ca.pem' };
  assert.deepEqual(resolveNodeConnection({ cookie: 'c', ...relative }, { env: {}, home, cwd: dir }).tls, files);
});

test('OTP_PROTO and OTP_SSL_* stand in for the flags, and a flag wins over its variable', () => {
  const { home, dir, files } = setup();
  const env = { OTP_COOKIE: 'c', OTP_PROTO: 'tls', OTP_SSL_CERT: files.cert, OTP_SSL_KEY: files.key, OTP_SSL_CA: files.ca };
  assert.deepEqual(resolveNodeConnection({}, { env, home, cwd: home }), { cookie: 'c', cookieFrom: 'OTP_COOKIE', tls: files });
  mkdirSync(join(dir, 'other'));
  writeTree(dir, { 'other/ca.pem': 'ca' });
  assert.equal(resolveNodeConnection({ 'ssl-ca': join(dir, 'other', 'ca.pem') }, { env, home, cwd: home }).tls?.ca, join(dir, 'other', 'ca.pem'));
  // --proto tcp on the command line beats OTP_PROTO=tls, and then the files of the environment do not fit.
  fails(() => resolveNodeConnection({ proto: 'tcp' }, { env, home, cwd: home }), 'OTP_SSL_CERT, OTP_SSL_KEY and OTP_SSL_CA take effect only with --proto tls: add it');
});

test('the rules of node.args, one sentence each: tls needs all three files, the files need tls, tls or tcp only', () => {
  const { home, files } = setup();
  const ctx = { env: { OTP_COOKIE: 'c' }, home, cwd: home };
  fails(() => resolveNodeConnection({ proto: 'tls', 'ssl-cert': files.cert }, ctx), "--proto tls needs --ssl-key FILE and --ssl-ca FILE (or OTP_SSL_KEY and OTP_SSL_CA): this node's certificate and key, signed by the cluster's CA, and that CA");
  fails(() => resolveNodeConnection({ proto: 'tls', 'ssl-cert': files.cert, 'ssl-key': files.key }, ctx), "--proto tls needs --ssl-ca FILE (or OTP_SSL_CA): this node's certificate and key, signed by the cluster's CA, and that CA");
  fails(() => resolveNodeConnection({ 'ssl-cert': files.cert }, ctx), '--ssl-cert takes effect only with --proto tls: add it');
  fails(() => resolveNodeConnection({ 'ssl-key': files.key, 'ssl-ca': files.ca }, ctx), '--ssl-key and --ssl-ca take effect only with --proto tls: add it');
  fails(() => resolveNodeConnection({ proto: 'quic' }, ctx), '--proto quic is not a protocol: use --proto tls (or tcp, the default)');
  fails(() => resolveNodeConnection({}, { ...ctx, env: { ...ctx.env, OTP_PROTO: 'TLS' } }), 'OTP_PROTO=TLS is not a protocol: use --proto tls (or tcp, the default)');
});

test('a certificate file that does not exist, or a folder, is named with the flag or variable that gave it', () => {
  const { home, dir, files } = setup();
  const ctx = { env: { OTP_COOKIE: 'c' }, home, cwd: home };
  fails(() => resolveNodeConnection({ ...tlsFlags(files), 'ssl-key': join(dir, 'nope.key') }, ctx), `--ssl-key ${join(dir, 'nope.key')}: no such file`);
  fails(() => resolveNodeConnection({ ...tlsFlags(files), 'ssl-ca': dir }, ctx), `--ssl-ca ${dir} is not a file: give a PEM file`);
  const env = { OTP_COOKIE: 'c', OTP_PROTO: 'tls', OTP_SSL_CERT: 'missing.pem', OTP_SSL_KEY: files.key, OTP_SSL_CA: files.ca };
  fails(() => resolveNodeConnection({}, { env, home, cwd: home }), 'OTP_SSL_CERT=missing.pem: no such file');
});

test('the TLS settings are checked before the cookie file is created', () => {
  const { home } = setup();
  fails(() => resolveNodeConnection({ proto: 'tls' }, { env: {}, home, cwd: home }), "--proto tls needs --ssl-cert FILE, --ssl-key FILE and --ssl-ca FILE (or OTP_SSL_CERT, OTP_SSL_KEY and OTP_SSL_CA): this node's certificate and key, signed by the cluster's CA, and that CA");
  assert.equal(existsSync(join(home, COOKIE_FILE)), false);
});

test("--name and --sname name the tool's own node; a bad one, or both, is one line", async () => {
  const { toolNodeName } = await import('@otp-ts/cli');
  assert.equal(toolNodeName({}), `otp_cli_${process.pid}@127.0.0.1`);
  assert.equal(toolNodeName({ sname: 'ops' }), 'ops@127.0.0.1');
  assert.equal(toolNodeName({ name: 'ops@10.0.0.9' }), 'ops@10.0.0.9');
  assert.equal(toolNodeName({ name: 'ops' }), 'ops@127.0.0.1', 'the host defaults as otp shell --name does');
  assert.equal(toolNodeName({ name: ['cart'] }), `otp_cli_${process.pid}@127.0.0.1`, "trace's --name picks processes, not the node");
  fails(() => toolNodeName({ sname: 'ops@h' }), '--sname ops@h is not a short node name: give letters, digits, _ . or - without @ (or use --name ops@h)');
  fails(() => toolNodeName({ name: 'o p@h' }), '--name o p@h is not a node name: use name@host, e.g. ops@10.0.0.9');
  fails(() => toolNodeName({ name: 'a@h', sname: 'b' }), '--name and --sname both name this node: give one of them');
});
