// End to end: the built `otp observer` against clients that send requests and never read the answers (a slow-read
// attack, no token needed): each such connection is closed once its answers stop draining, so they cannot pile up
// and take the observer's file descriptors (and memory) from the page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { createNode } from '@otp-ts/runtime';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { bin } from './support/cli.ts';
import { waitFor } from './support/wait.ts';

const fds = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;

test('connections that send requests and never read the answers (no token) are closed once the answers stop draining: the observer does not keep their descriptors, and the page is served', { timeout: 180_000 }, async () => {
  const epmd = new EpmdServer();
  const env = { ...process.env, OTP_EPMD_PORT: String(await epmd.listen(0)), OTP_COOKIE: 'observer-slow-read-secret' };
  process.env.OTP_EPMD_PORT = env.OTP_EPMD_PORT;
  const node = createNode({ onCrash: () => {} });
  await node.startDistribution({ name: 'obs_slowread@127.0.0.1', cookie: env.OTP_COOKIE, log: () => {} });
  const child = spawn(process.execPath, [bin, 'observer', 'obs_slowread@127.0.0.1', '--no-open'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const sockets: Socket[] = [];
  try {
    const url = await waitFor('the observer to print its URL', () => /at (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(out)?.[1], { ms: 60_000 });
    const port = Number(new URL(url).port);
    assert.equal((await fetch(url)).status, 200);
    const before = fds(child.pid!);
    // Each attacker sends requests for a host the observer does not answer for (each answered by a 421 quoting it),
    // one at a time, a little apart (so few ever wait at once), and never reads: its answers fill the socket's buffers
    // on both sides, and the observer's writes stop draining.
    const request = Buffer.from(`GET /x HTTP/1.1\r\nHost: ${'h'.repeat(8000)}\r\n\r\n`);
    const attackers = 30;
    const attack = async () => {
      const s = connect(port, '127.0.0.1');
      s.on('error', () => {});
      s.setNoDelay(true);
      sockets.push(s);
      await new Promise((r) => s.once('connect', r));
      s.pause();
      // About 4 MB of answers: more than the buffers of a connection its client does not read.
      for (let k = 0; k < 500 && !s.destroyed; k++) {
        s.write(request);
        await new Promise((r) => setTimeout(r, 2));
      }
    };
    await Promise.all(Array.from({ length: attackers }, attack));
    await waitFor('every attacker to be connected', () => sockets.every((s) => !s.connecting), { ms: 30_000 });
    await waitFor('the attackers to be held by the observer', () => fds(child.pid!) >= before + attackers / 2, { ms: 30_000, everyMs: 100 });
    // Closed by the observer once nothing drained for a while: its descriptors go back to what they were.
    await waitFor(`the observer to close the connections that do not read (${fds(child.pid!)} descriptors, ${before} before)`, () => fds(child.pid!) <= before + 2, { ms: 40_000, everyMs: 250 });
    const page = await fetch(url, { signal: AbortSignal.timeout(20_000) });
    assert.equal(page.status, 200, `the page answered ${page.status}`);
    assert.equal(child.exitCode, null, `the observer stopped: ${out}`);
  } finally {
    for (const s of sockets) s.destroy();
    child.kill('SIGKILL');
    node.shutdown();
    await epmd.close();
  }
});
