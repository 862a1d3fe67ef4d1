// End to end: otp remote whose node dies under it ends with one line and exit 1, as erl's remote shell ends,
// instead of answering '** nodedown' to each further line and exiting 0 as if the script had run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { bin } from './support/cli.ts';
import { waitFor } from './support/wait.ts';

const nodeScript = fileURLToPath(new URL('./fixtures/trace-node.ts', import.meta.url));

test('otp remote fed lines by a pipe: the node dying ends it with one line naming the node, exit 1; the lines after are not run', { timeout: 300_000 }, async () => {
  const epmd = new EpmdServer();
  const port = await epmd.listen(0);
  const env = { ...process.env, OTP_EPMD_PORT: String(port), OTP_COOKIE: 'remote-down', NO_COLOR: '1' };
  const peer = spawn(process.execPath, [...process.execArgv, nodeScript, 'rdown@127.0.0.1', 'remote-down', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let remote: ReturnType<typeof spawn> | undefined;
  try {
    let booted = '';
    peer.stdout.on('data', (c: Buffer) => (booted += c.toString()));
    await waitFor('the node to start', () => booted.includes('ready'), { ms: 120_000 });
    remote = spawn(process.execPath, [bin, 'remote', 'rdown@127.0.0.1'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    remote.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    remote.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((resolve) => remote!.once('exit', (code) => resolve(code)));
    remote.stdin!.write('20 + 22\n');
    await waitFor('the first line answered', () => out.includes('42'), { ms: 120_000 });
    const gone = new Promise((resolve) => peer.once('exit', resolve));
    peer.kill('SIGKILL');
    await gone;
    remote.stdin!.end('1 + 1\n2 + 2\n');
    assert.equal(await exited, 1, out + err);
    assert.equal(out, '42\n');
    assert.equal(err, 'otp: rdown@127.0.0.1 went down before it answered: its log or crash dump says why; the remote shell ends\n');
  } finally {
    remote?.kill('SIGKILL');
    peer.kill('SIGKILL');
    await epmd.close();
  }
});
