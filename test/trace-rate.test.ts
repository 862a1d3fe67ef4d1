// End to end: a rate-limited trace of a function a real node calls tens of thousands of times a second ends
// itself on the node ('the rate limit was exceeded'), having sent no more than the rate allows, and leaves the
// node answering with nothing traced.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { privatePortMapper } from './support/epmd.ts';
import { waitFor } from './support/wait.ts';
import { otpWith } from './support/cli.ts';

const nodeScript = fileURLToPath(new URL('./fixtures/trace-node.ts', import.meta.url));

test('--rate on a function called at a high rate ends the trace on the node within the rate, and the node stays responsive', async () => {
  const port = await privatePortMapper();
  const env = { ...process.env, OTP_EPMD_PORT: String(port), OTP_COOKIE: 'rate-secret' };
  const otp = otpWith(env);
  const node = 'rated@127.0.0.1';
  const peer = spawn(process.execPath, [...process.execArgv, nodeScript, node, 'rate-secret', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  peer.stdout.on('data', (c: Buffer) => (out += c.toString()));
  peer.stderr.on('data', (c: Buffer) => (out += c.toString()));
  try {
    await waitFor('the traced node', () => /ready/.test(out), { ms: 120_000 });
    const r = await otp('trace', node, 'shop/cart.hot', '--rate', '500/1000', '--time', '120000', '--json');
    assert.equal(r.status, 0, r.stderr);
    const done = JSON.parse(r.stdout.trim().split('\n').pop()!) as { kind: string; reason: string; events: number };
    assert.equal(done.kind, 'done');
    assert.equal(done.reason, 'rate', r.stdout.slice(-300));
    // The event that crossed the rate is the last one counted: one window's worth and one more at most.
    assert.ok(done.events <= 501, `${done.events} events`);
    assert.equal(r.stdout.trim().split('\n').length - 1, done.events);
    const traced = await otp('rpc', node, 'otp_trace', 'traced');
    assert.equal(traced.status, 0, traced.stderr);
    assert.deepEqual(JSON.parse(traced.stdout), []);
  } finally {
    peer.kill('SIGKILL');
  }
});
