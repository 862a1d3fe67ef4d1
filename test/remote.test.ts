// End to end through the built binary: otp ping, otp rpc and otp nodes against a real peer node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { EpmdServer } from '../packages/runtime/src/distribution/epmd-server.ts';

const bin = fileURLToPath(new URL('../packages/cli/bin/otp.js', import.meta.url));
const peerScript = fileURLToPath(new URL('../packages/runtime/test/fixtures/peer-node.ts', import.meta.url));

test('otp ping, rpc and nodes talk to a running node over distribution, with the cookie and the tool node named by --name/--sname', async () => {
  const epmd = new EpmdServer();
  const port = await epmd.listen(0);
  const env = { ...process.env, OTP_EPMD_PORT: String(port), OTP_COOKIE: 'secret' };
  const peer = spawn(process.execPath, [...process.execArgv, peerScript, 'peer@127.0.0.1', 'secret', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    await new Promise<void>((resolve, reject) => {
      peer.stdout!.on('data', (c: Buffer) => c.toString().includes('ready') && resolve());
      peer.once('exit', (code) => reject(new Error(`peer exited with ${code}`)));
    });
    // Asynchronous: the port mapper runs in this process and must keep answering while the CLI runs.
    const otp = (...args: string[]) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, [bin, ...args], { env, encoding: 'utf8', timeout: 20_000 }, (error, stdout, stderr) => {
          resolve({ status: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
        });
      });
    const ping = await otp('ping', 'peer@127.0.0.1');
    assert.equal(ping.stdout, 'pong\n', ping.stderr);
    assert.equal(ping.status, 0);
    const wrong = await otp('ping', 'peer@127.0.0.1', '--cookie', 'not-the-cookie');
    assert.equal(wrong.stdout, 'pang\n');
    assert.equal(wrong.status, 1);
    const sum = await otp('rpc', 'peer@127.0.0.1', 'math', 'add', '[2, 3]');
    assert.equal(sum.stdout.trim(), '5', sum.stderr);
    const name = await otp('rpc', 'peer@127.0.0.1', 'otp', 'name');
    assert.equal(name.stdout.trim(), '"peer@127.0.0.1"');
    const failed = await otp('rpc', 'peer@127.0.0.1', 'math', 'fail');
    assert.equal(failed.status, 1);
    assert.match(failed.stderr, /^otp: rpc to peer@127\.0\.0\.1 failed: nope/);
    const badArgs = await otp('rpc', 'peer@127.0.0.1', 'math', 'add', '{oops');
    assert.equal(badArgs.status, 2);
    assert.match(badArgs.stderr, /the arguments \{oops are not JSON/);
    const badName = await otp('ping', 'no-at-sign');
    assert.equal(badName.status, 2);
    assert.match(badName.stderr, /'no-at-sign' is not a node name/);
    // --sname / --name name the tool's own (hidden) node, as the node it talks to sees it.
    const seen = await otp('rpc', 'peer@127.0.0.1', 'otp', 'eval', '["ctx.node.nodes(\'hidden\')"]', '--sname', 'opsbox');
    assert.equal(seen.stdout.trim(), `"[ 'opsbox@127.0.0.1' ]"`, seen.stderr);
    const long = await otp('ping', 'peer@127.0.0.1', '--name', 'ops@127.0.0.1');
    assert.equal(long.stdout, 'pong\n', long.stderr);
    const badSname = await otp('ping', 'peer@127.0.0.1', '--sname', 'a@b');
    assert.equal(badSname.status, 2);
    assert.match(badSname.stderr, /^otp: --sname a@b is not a short node name/);
    const nodes = await otp('nodes');
    assert.match(nodes.stdout, /^peer at port \d+$/m);
  } finally {
    peer.kill('SIGKILL');
    await epmd.close();
  }
});

test('otp shell --name makes a node the other commands reach', async () => {
  const epmd = new EpmdServer();
  const port = await epmd.listen(0);
  const env = { ...process.env, OTP_EPMD_PORT: String(port), OTP_COOKIE: 'shell-secret' };
  const { cpSync, mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'otp-shell-node-'));
  cpSync(fileURLToPath(new URL('../examples/shop', import.meta.url)), dir, { recursive: true });
  const shell = spawn(process.execPath, [bin, 'shell', '--name', 'shopx'], { cwd: dir, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  shell.stdout.on('data', (c: Buffer) => (out += c.toString()));
  shell.stderr.on('data', (c: Buffer) => (out += c.toString()));
  try {
    for (let i = 0; i < 1500 && !/started shop/.test(out); i++) await new Promise((r) => setTimeout(r, 10));
    assert.match(out, /otp-ts shell \(shopx@127\.0\.0\.1\): started shop/);
    const answer = await new Promise<string>((resolve) => execFile(process.execPath, [bin, 'rpc', 'shopx@127.0.0.1', 'otp', 'name'], { env, encoding: 'utf8' }, (_e, stdout) => resolve(stdout)));
    assert.equal(answer.trim(), '"shopx@127.0.0.1"');
    shell.stdin.write('q()\n');
    assert.equal(await new Promise((r) => shell.once('exit', r)), 0, out);
  } finally {
    shell.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    await epmd.close();
  }
});
