// End to end: the built `otp` binary reaches a node whose distribution runs over TLS only (a real OS
// process with a private port mapper), with --proto tls and certificates from flags or the environment;
// without them, or with a wrong cookie or bad flags, it fails with one line saying why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { makePki } from './support/pki.ts';
import { otpWith, startShellNode } from './support/cli.ts';

const nodeScript = fileURLToPath(new URL('./fixtures/tls-node.ts', import.meta.url));
const NODE = 'secure@127.0.0.1';

// The environment of the test run, without connection settings that would change what the commands do.
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const k of ['OTP_PROTO', 'OTP_SSL_CERT', 'OTP_SSL_KEY', 'OTP_SSL_CA']) delete env[k];
  return env;
}

test('otp ping, rpc and procs reach a TLS-only node with --proto tls; without it, with a wrong cookie or bad flags: one line', { timeout: 120_000 }, async () => {
  const pki = makePki({ ca: ['secure', 'tool'] });
  const epmd = new EpmdServer();
  const port = await epmd.listen(0);
  const env = cleanEnv({ OTP_EPMD_PORT: String(port), OTP_COOKIE: 'tls-secret' });
  const otp = otpWith(env);
  const files = pki.tls('secure');
  const peer = spawn(process.execPath, [...process.execArgv, nodeScript, NODE, 'tls-secret', String(port), files.cert, files.key, files.ca], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      peer.stdout!.on('data', (c: Buffer) => (out += c.toString()).includes('ready') && resolve());
      peer.stderr!.on('data', (c: Buffer) => (out += c.toString()));
      peer.once('exit', (code) => reject(new Error(`the TLS node exited with ${code}: ${out}`)));
    });
    const tls = pki.flags('tool');

    const [ping, rpc, procs] = await Promise.all([otp('ping', NODE, ...tls), otp('rpc', NODE, 'otp', 'processCount', ...tls), otp('procs', NODE, '--json', ...tls)]);
    assert.deepEqual([ping.status, ping.stdout, ping.stderr], [0, 'pong\n', '']);
    assert.equal(rpc.status, 0, rpc.stderr);
    assert.ok(Number(rpc.stdout) > 0, rpc.stdout);
    assert.equal(procs.status, 0, procs.stderr);
    assert.ok(procs.stdout.trim().split('\n').some((l) => (JSON.parse(l) as { name?: string }).name === 'keeper'), procs.stdout);

    const viaEnv = await otpWith({ ...env, OTP_PROTO: 'tls', OTP_SSL_CERT: pki.tls('tool').cert, OTP_SSL_KEY: pki.tls('tool').key, OTP_SSL_CA: pki.tls('tool').ca })('ping', NODE);
    assert.deepEqual([viaEnv.status, viaEnv.stdout, viaEnv.stderr], [0, 'pong\n', '']);

    // Plain tools: pang with the reason for ping, exit 2 with the same one line for the others.
    const plainLine = `otp: ${NODE} refused the connection: it speaks TLS and this tool does not (add --proto tls with --ssl-cert, --ssl-key and --ssl-ca, or OTP_PROTO=tls and OTP_SSL_*)\n`;
    const [plainPing, plainRpc, plainProcs] = await Promise.all([otp('ping', NODE), otp('rpc', NODE, 'otp', 'processCount'), otp('procs', NODE)]);
    assert.deepEqual([plainPing.status, plainPing.stdout, plainPing.stderr], [1, 'pang\n', plainLine]);
    assert.deepEqual([plainRpc.status, plainRpc.stdout, plainRpc.stderr], [2, '', plainLine]);
    assert.deepEqual([plainProcs.status, plainProcs.stdout, plainProcs.stderr], [2, '', plainLine]);

    const cookieLine = `otp: ${NODE} refused the connection: wrong cookie (give the node's cookie with --cookie or OTP_COOKIE)\n`;
    const [wrongPing, wrongProcs] = await Promise.all([otp('ping', NODE, '--cookie', 'wrong', ...tls), otp('procs', NODE, '--cookie', 'wrong', ...tls)]);
    assert.deepEqual([wrongPing.status, wrongPing.stdout, wrongPing.stderr], [1, 'pang\n', cookieLine]);
    assert.deepEqual([wrongProcs.status, wrongProcs.stderr], [2, cookieLine]);

    const t = pki.tls('tool');
    const missing = join(pki.dir, 'missing.pem');
    const usage = await Promise.all([
      otp('procs', NODE, '--proto', 'tls', '--ssl-cert', t.cert),
      otp('ping', NODE, '--ssl-cert', t.cert, '--ssl-key', t.key, '--ssl-ca', t.ca),
      otp('rpc', NODE, 'otp', 'name', '--proto', 'quic'),
      otp('ping', NODE, '--proto', 'tls', '--ssl-cert', t.cert, '--ssl-key', t.key, '--ssl-ca', missing),
      otpWith({ ...env, OTP_PROTO: 'tls' })('procs', NODE),
    ]);
    assert.deepEqual(
      usage.map((r) => [r.status, r.stderr]),
      [
        [2, "otp: --proto tls needs --ssl-key FILE and --ssl-ca FILE (or OTP_SSL_KEY and OTP_SSL_CA): this node's certificate and key, signed by the cluster's CA, and that CA\n"],
        [2, 'otp: --ssl-cert, --ssl-key and --ssl-ca take effect only with --proto tls: add it\n'],
        [2, 'otp: --proto quic is not a protocol: use --proto tls (or tcp, the default)\n'],
        [2, `otp: --ssl-ca ${missing}: no such file\n`],
        [2, "otp: --proto tls needs --ssl-cert FILE, --ssl-key FILE and --ssl-ca FILE (or OTP_SSL_CERT, OTP_SSL_KEY and OTP_SSL_CA): this node's certificate and key, signed by the cluster's CA, and that CA\n"],
      ],
    );
  } finally {
    peer.kill('SIGKILL');
    await epmd.close();
    pki.remove();
  }
});

test('otp shell --name with --proto tls starts a node that tools reach over TLS only', { timeout: 60_000 }, async () => {
  const pki = makePki({ ca: ['shell', 'tool'] });
  const epmd = new EpmdServer();
  const port = await epmd.listen(0);
  const env = cleanEnv({ OTP_EPMD_PORT: String(port), OTP_COOKIE: 'shell-secret' });
  const otp = otpWith(env);
  const shell = await startShellNode(['--name', 'shopt', ...pki.flags('shell')], env);
  try {
    assert.match(shell.out(), /otp-ts shell \(shopt@127\.0\.0\.1\): started shop/);
    const [secure, plain] = await Promise.all([otp('rpc', 'shopt@127.0.0.1', 'otp', 'name', ...pki.flags('tool')), otp('rpc', 'shopt@127.0.0.1', 'otp', 'name')]);
    assert.deepEqual([secure.status, secure.stdout.trim()], [0, '"shopt@127.0.0.1"'], secure.stderr);
    assert.equal(plain.status, 2);
    assert.match(plain.stderr, /^otp: shopt@127\.0\.0\.1 refused the connection: it speaks TLS and this tool does not \(add --proto tls/);
    assert.equal(await shell.quit(), 0, shell.out());
  } finally {
    shell.stop();
    await epmd.close();
    pki.remove();
  }
});
