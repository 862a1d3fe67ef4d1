// End to end through the built binary: otp ping, otp rpc and otp nodes against a real peer node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { otpWith, startShellNode } from './support/cli.ts';
import { run } from './support/run.ts';

const peerScript = fileURLToPath(new URL('../packages/runtime/test/fixtures/peer-node.ts', import.meta.url));
const control = fileURLToPath(new URL('../packages/release/dist/control.js', import.meta.url));

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

test('otp rpc of a module or function the node does not have is bad input (exit 2), a function that throws a failure of the work (exit 1)', async () => {
  const epmd = new EpmdServer();
  const port = await epmd.listen(0);
  const env = { ...process.env, OTP_EPMD_PORT: String(port), OTP_COOKIE: 'secret' };
  const peer = spawn(process.execPath, [...process.execArgv, peerScript, 'undef@127.0.0.1', 'secret', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const root = mkdtempSync(join(tmpdir(), 'otp-rpc-undef-'));
  mkdirSync(join(root, 'releases', '0.1.0'), { recursive: true });
  try {
    await new Promise<void>((resolve, reject) => {
      peer.stdout!.on('data', (c: Buffer) => c.toString().includes('ready') && resolve());
      peer.once('exit', (code) => reject(new Error(`peer exited with ${code}`)));
    });
    const otp = otpWith(env);
    const noModule = await otp('rpc', 'undef@127.0.0.1', 'nosuch', 'fn');
    assert.equal(noModule.status, 2, noModule.stderr);
    assert.match(noModule.stderr, /^otp: rpc to undef@127\.0\.0\.1 failed: no module named nosuch on undef@127\.0\.0\.1\n$/);
    const noFunction = await otp('rpc', 'undef@127.0.0.1', 'math', 'nofn');
    assert.equal(noFunction.status, 2, noFunction.stderr);
    assert.match(noFunction.stderr, /math has no function nofn/);
    // A function that exists and throws stays a failure of the work, even when its message reads like the above.
    const threw = await otp('rpc', 'undef@127.0.0.1', 'otp', 'eval', '["throw new Error(\'no module named x\')"]');
    assert.equal(threw.status, 1, threw.stderr);
    // A release's bin/<name> rpc tells them apart the same way (a release root whose node.args names the peer).
    writeFileSync(join(root, 'releases', 'RELEASES.json'), JSON.stringify({ name: 'undef', releases: [{ vsn: '0.1.0', status: 'permanent' }] }));
    writeFileSync(join(root, 'releases', '0.1.0', 'node.args'), '--name undef@127.0.0.1\n--setcookie secret\n');
    const script = (...args: string[]) => run(process.execPath, [control, ...args], root, { ...env, OTP_RELEASE_ROOT: root });
    const scriptNoModule = await script('rpc', 'nosuch', 'fn');
    assert.equal(scriptNoModule.status, 2, scriptNoModule.stderr);
    assert.match(scriptNoModule.stderr, /no module named nosuch/);
    assert.equal((await script('rpc', 'otp', 'eval', '["throw new Error(\'no\')"]')).status, 1);
  } finally {
    peer.kill('SIGKILL');
    await epmd.close();
    rmSync(root, { recursive: true, force: true });
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
