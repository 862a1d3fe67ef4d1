// End to end: `otp trace NODE fn > trace.log` on a disk that fills up. The built `otp` binary, a real node in
// another OS process; /dev/full stands for the full disk (every write fails with ENOSPC).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { bin, otpWith } from './support/cli.ts';
import { waitFor } from './support/wait.ts';

const nodeScript = fileURLToPath(new URL('./fixtures/trace-node.ts', import.meta.url));

function exited(child: ChildProcess): Promise<{ status: number | null; stderr: string }> {
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.once('close', (status) => resolve({ status, stderr })));
}

test('otp trace whose output cannot be written says so in one sentence, exits 1, and the node ends the session', { skip: !existsSync('/dev/full') && 'no /dev/full here', timeout: 120_000 }, async () => {
  const epmd = new EpmdServer();
  const port = await epmd.listen(0);
  const env = { ...process.env, OTP_EPMD_PORT: String(port), OTP_COOKIE: 'full-secret' };
  const otp = otpWith(env);
  const peer = spawn(process.execPath, [...process.execArgv, nodeScript, 'full_disk@127.0.0.1', 'full-secret', String(port)], { stdio: ['ignore', 'pipe', 'ignore'] });
  const full = openSync('/dev/full', 'w');
  try {
    await new Promise<void>((resolve, reject) => {
      peer.stdout!.on('data', (c: Buffer) => /ready/.test(c.toString()) && resolve());
      peer.once('exit', (code) => reject(new Error(`the traced node exited with ${code}`)));
    });
    const child = spawn(process.execPath, [bin, 'trace', 'full_disk@127.0.0.1', 'shop/cart.add', '--limit', '1000', '--time', '60000'], { env, stdio: ['ignore', full, 'pipe'] });
    const { status, stderr } = await exited(child);
    assert.equal(status, 1, stderr);
    assert.match(stderr, /^otp: cannot write to standard output: ENOSPC: no space left on device; free space on its disk/m);
    assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
    await waitFor('the node to end the session', async () => JSON.parse((await otp('rpc', 'full_disk@127.0.0.1', 'otp_trace', 'sessions')).stdout).length === 0);
  } finally {
    closeSync(full);
    peer.kill('SIGKILL');
    await epmd.close();
  }
});
