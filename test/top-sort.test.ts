// End to end: `otp top --sort mailbox|memory` ranks by size, as etop and observer_cli do, so a stuck consumer
// whose mailbox stopped growing is found; `--sort reductions` ranks the work done over the interval.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { otpWith } from './support/cli.ts';

const peerScript = fileURLToPath(new URL('../packages/runtime/test/fixtures/peer-node.ts', import.meta.url));

test('otp top --sort mailbox shows the process holding the most messages first, not the one whose mailbox grew most in the interval', async () => {
  const epmd = new EpmdServer();
  const port = await epmd.listen(0);
  const otp = otpWith({ ...process.env, OTP_EPMD_PORT: String(port), OTP_COOKIE: 'top-sort' });
  const peer = spawn(process.execPath, [...process.execArgv, peerScript, 'topsort@127.0.0.1', 'top-sort', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    await new Promise<void>((resolve, reject) => {
      peer.stdout!.on('data', (c: Buffer) => c.toString().includes('ready') && resolve());
      peer.once('exit', (code) => reject(new Error(`peer exited with ${code}`)));
    });
    // A stuck consumer holding 5000 messages, and a slow one whose mailbox grows by a few messages a second.
    const setup = [
      'const stuck = node.spawn(async (c) => { await c.receive(() => false); }, { name: "stuck" });',
      'for (let i = 0; i < 5000; i++) node.send(stuck, i);',
      'const slow = node.spawn(async (c) => { await c.receive(() => false); }, { name: "trickle" });',
      'setInterval(() => node.send(slow, "tick"), 20);',
      'node.processCount',
    ].join(' ');
    const made = await otp('rpc', 'topsort@127.0.0.1', 'otp', 'eval', JSON.stringify([setup]));
    assert.equal(made.status, 0, made.stderr);
    const top = await otp('top', 'topsort@127.0.0.1', '--sort', 'mailbox', '-n', '2', '--interval', '500');
    assert.equal(top.status, 0, top.stderr);
    const rows = top.stdout.split('\n').filter((l) => l.startsWith('<'));
    assert.match(rows[0] ?? '', /^<0\.\d+\.0>\s+stuck\s.*\s5000\s/, top.stdout);
    assert.match(rows[1] ?? '', /\strickle\s/, top.stdout);
    assert.doesNotMatch(top.stdout, /MAILBOX \+500ms/);
  } finally {
    peer.kill('SIGKILL');
    await epmd.close();
  }
});
