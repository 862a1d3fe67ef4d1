// End to end through the built binary: otp ping, otp rpc and otp nodes against a real peer node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { otpWith, startShellNode } from './support/cli.ts';

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
    const otp = otpWith(env);
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
  const shell = await startShellNode(['--name', 'shopx'], env);
  try {
    assert.match(shell.out(), /otp-ts shell \(shopx@127\.0\.0\.1\): started shop/);
    const answer = await otpWith(env)('rpc', 'shopx@127.0.0.1', 'otp', 'name');
    assert.equal(answer.stdout.trim(), '"shopx@127.0.0.1"', answer.stderr);
    assert.equal(await shell.quit(), 0, shell.out());
  } finally {
    shell.stop();
    await epmd.close();
  }
});
