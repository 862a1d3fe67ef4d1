// End to end: otp profile of a process or module the node does not have is bad input, exit 2 with one line, as the
// same names are in otp trace and otp info; a profile the node could not take (one already running) stays exit 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { otpWith } from './support/cli.ts';
import { waitFor } from './support/wait.ts';

const nodeScript = fileURLToPath(new URL('./fixtures/trace-node.ts', import.meta.url));

test('otp profile --name or --module naming nothing on the node exits 2 with one line, as otp trace and otp info do', { timeout: 300_000 }, async () => {
  const epmd = new EpmdServer();
  const port = await epmd.listen(0);
  const otp = otpWith({ ...process.env, OTP_EPMD_PORT: String(port), OTP_COOKIE: 'profile-input', NO_COLOR: '1' });
  const peer = spawn(process.execPath, [...process.execArgv, nodeScript, 'profin@127.0.0.1', 'profile-input', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let booted = '';
    peer.stdout.on('data', (c: Buffer) => (booted += c.toString()));
    await waitFor('the node to start', () => booted.includes('ready'), { ms: 120_000 });
    const byName = await otp('profile', 'profin@127.0.0.1', '--name', 'shoper', '--time', '1ms');
    assert.equal(byName.stderr, "otp: no process is registered as 'shoper' on profin@127.0.0.1 (closest: shopper)\n");
    assert.equal(byName.status, 2);
    const info = await otp('info', 'profin@127.0.0.1', 'shoper');
    assert.equal(info.status, byName.status, 'the same unknown name, the same exit code');
    const byModule = await otp('profile', 'profin@127.0.0.1', '--module', 'nothing', '--time', '1ms');
    assert.match(byModule.stderr, /^otp: no module nothing is loaded on profin@127\.0\.0\.1: give a module's name as the code server knows it/);
    assert.equal(byModule.status, 2);
  } finally {
    peer.kill('SIGKILL');
    await epmd.close();
  }
});
