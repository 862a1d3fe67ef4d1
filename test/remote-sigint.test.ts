// End to end: a piped otp remote that a real SIGINT reaches while a line is awaited ends with exit 130 (as a shell
// reports SIGINT) and one line on stderr, the node running on and answering the next shell. Before, the signal
// killed the process outright: no exit code of its own, and its session was never ended on the node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { bin } from './support/cli.ts';
import { run } from './support/run.ts';
import { waitFor } from './support/wait.ts';

const nodeScript = fileURLToPath(new URL('./fixtures/trace-node.ts', import.meta.url));

test('a piped otp remote killed by SIGINT while a line awaits exits 130, the node untouched', { timeout: 300_000 }, async () => {
  const epmd = new EpmdServer();
  const port = await epmd.listen(0);
  const env = { ...process.env, OTP_EPMD_PORT: String(port), OTP_COOKIE: 'remote-sigint', NO_COLOR: '1' };
  const peer = spawn(process.execPath, [...process.execArgv, nodeScript, 'rsigint@127.0.0.1', 'remote-sigint', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let remote: ReturnType<typeof spawn> | undefined;
  try {
    let booted = '';
    peer.stdout.on('data', (c: Buffer) => (booted += c.toString()));
    await waitFor('the node to start', () => booted.includes('ready'), { ms: 120_000 });
    remote = spawn(process.execPath, [bin, 'remote', 'rsigint@127.0.0.1'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    remote.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    remote.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<[number | null, string | null]>((resolve) => remote!.once('exit', (code, signal) => resolve([code, signal])));
    remote.stdin!.write("globalThis.sigintSeen = 0; 20 + 22\n");
    await waitFor('the first line answered', () => out.includes('42'), { ms: 120_000 });
    // The line marks the node once it runs, then awaits for ever.
    remote.stdin!.write('globalThis.sigintSeen = 1; await new Promise(() => {})\n');
    const probe = async (): Promise<string> => (await run(process.execPath, [bin, 'rpc', 'rsigint@127.0.0.1', 'otp', 'eval', '["globalThis.sigintSeen"]'], process.cwd(), env)).stdout;
    await waitFor('the awaiting line to run', async () => (await probe()).includes('1'), { ms: 60_000, everyMs: 300 });
    remote.kill('SIGINT');
    assert.deepEqual(await exited, [130, null], out + err);
    assert.equal(out, '42\n', out + err);
    assert.match(err, /^otp: interrupted \(SIGINT\): the remote shell ends; rsigint@127\.0\.0\.1 runs on\n$/, err);
    // The node runs on, and answers another shell.
    assert.equal(peer.exitCode, null);
    const next = await run(process.execPath, [bin, 'remote', 'rsigint@127.0.0.1'], process.cwd(), env, '2 + 2\n');
    assert.equal(next.stdout, '4', next.out);
  } finally {
    remote?.kill('SIGKILL');
    peer.kill('SIGKILL');
    await epmd.close();
  }
});
