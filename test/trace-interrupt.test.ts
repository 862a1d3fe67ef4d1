// End to end: ending `otp trace` from outside — Ctrl-C when the traced node does not answer (hung, or the
// network gone), and the SIGTERM a supervisor or a CI job sends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { privatePortMapper } from './support/epmd.ts';
import { waitFor } from './support/wait.ts';
import { bin } from './support/cli.ts';

const nodeScript = fileURLToPath(new URL('./fixtures/trace-node.ts', import.meta.url));

interface Traced {
  peer: ChildProcess;
  client: ChildProcess;
  /** The client's stdout and stderr so far. */
  out(): string;
  /** The client's exit code once it exited. */
  code(): number | null | undefined;
}

// A node calling shop/cart.add over and over, and `otp trace` of it that has shown a call; both killed after `body`.
async function withTrace(name: string, body: (t: Traced) => Promise<void>): Promise<void> {
  const port = await privatePortMapper();
  const env = { ...process.env, OTP_EPMD_PORT: String(port), OTP_COOKIE: `${name}-secret` };
  const peer = spawn(process.execPath, [...process.execArgv, nodeScript, `${name}@127.0.0.1`, `${name}-secret`, String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let peerOut = '';
  peer.stdout.on('data', (c: Buffer) => (peerOut += c.toString()));
  peer.stderr.on('data', (c: Buffer) => (peerOut += c.toString()));
  let client: ChildProcess | undefined;
  try {
    await waitFor('the traced node', () => /ready/.test(peerOut), { ms: 120_000 }).catch((e: Error) => assert.fail(`${e.message}: ${peerOut}`));
    client = spawn(process.execPath, [bin, 'trace', `${name}@127.0.0.1`, 'shop/cart.add', '--limit', '100000', '--time', '600000'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    client.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    client.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    let code: number | null | undefined;
    client.once('exit', (c) => (code = c));
    await waitFor('a traced call', () => /call shop\/cart\.add/.test(out) || code !== undefined, { ms: 120_000 }).catch((e: Error) => assert.fail(`${e.message}: ${out}`));
    assert.match(out, /call shop\/cart\.add/);
    await body({ peer, client, out: () => out, code: () => code });
  } finally {
    client?.kill('SIGKILL');
    peer.kill('SIGKILL');
  }
}

test('Ctrl-C on a trace of a hung node says it is stopping and leaves within seconds, exit 1, instead of a silent minute', async () => {
  await withTrace('hung', async ({ peer, client, out, code }) => {
    peer.kill('SIGSTOP');
    client.kill('SIGINT');
    // The client's own tick would see the node gone only after about a minute: the wait is bounded well below it.
    await waitFor('otp trace leaving after Ctrl-C', () => code() !== undefined, { ms: 30_000 }).catch((e: Error) => assert.fail(`${e.message}: ${out().slice(-300)}`));
    assert.equal(code(), 1, out());
    assert.match(out(), /^stopping the trace on hung@127\.0\.0\.1 \(Ctrl-C again leaves at once\)$/m);
    assert.match(out(), /^otp: hung@127\.0\.0\.1 did not confirm the end of the trace within 5 s \(is it hung\?\): leaving; the node ends the session when it sees this client go$/m);
  });
});

test('SIGTERM on a trace (a supervisor or CI job ending it) stops the session on the node and prints its summary, exit 0, as Ctrl-C does', async () => {
  await withTrace('termed', async ({ client, out, code }) => {
    client.kill('SIGTERM');
    await waitFor('otp trace leaving after SIGTERM', () => code() !== undefined, { ms: 30_000 }).catch((e: Error) => assert.fail(`${e.message}: ${out().slice(-300)}`));
    assert.equal(code(), 0, out().slice(-500));
    assert.match(out(), /^stopping the trace on termed@127\.0\.0\.1 \(SIGTERM again leaves at once\)$/m);
    assert.match(out(), /^trace ended: stopped \(\d+ events?\); the node keeps no pattern of this session$/m);
  });
});
