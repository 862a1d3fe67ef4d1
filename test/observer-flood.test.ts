// End to end: the built `otp observer` under a flood of idle TCP connections to its HTTP port, with the file
// descriptors a stock Linux account gets (ulimit -n 1024): its page stays reachable and its live stream goes on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { createNode } from '@otp-ts/runtime';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { bin } from './support/cli.ts';
import { waitFor } from './support/wait.ts';

test('2000 idle connections to the observer (1024 file descriptors) leave its page reachable and an open live stream going; the observer stays up', { timeout: 180_000 }, async () => {
  const epmd = new EpmdServer();
  const env = { ...process.env, OTP_EPMD_PORT: String(await epmd.listen(0)), OTP_COOKIE: 'observer-flood-secret' };
  process.env.OTP_EPMD_PORT = env.OTP_EPMD_PORT;
  const node = createNode({ onCrash: () => {} });
  await node.startDistribution({ name: 'obs_flood@127.0.0.1', cookie: env.OTP_COOKIE, log: () => {} });
  const child = spawn('sh', ['-c', 'ulimit -n 1024 && exec "$0" "$@"', process.execPath, bin, 'observer', 'obs_flood@127.0.0.1', '--no-open'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const sockets: Socket[] = [];
  const live = new AbortController();
  try {
    const url = await waitFor('the observer to print its URL', () => /at (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(out)?.[1], { ms: 60_000 });
    const { port, searchParams } = new URL(url);
    // A page's live stream, open before the flood: it is answering a request, so it is never the one closed.
    const stream = await fetch(new URL(`/api/live?token=${searchParams.get('token')}`, url), { signal: live.signal });
    const reader = stream.body!.getReader();
    let events = '';
    const nextOverview = async () => {
      const seen = (events.match(/event: overview/g) ?? []).length;
      while ((events.match(/event: overview/g) ?? []).length === seen) events += new TextDecoder().decode((await reader.read()).value);
    };
    await nextOverview();
    for (let i = 0; i < 2000; i++) {
      const s = connect(Number(port), '127.0.0.1');
      s.on('error', () => {});
      sockets.push(s);
      if (i % 100 === 99) await new Promise((r) => setImmediate(r));
    }
    await waitFor('every idle connection to be accepted or refused', () => sockets.every((s) => !s.connecting || s.destroyed), { ms: 60_000 });
    // The page, asked after the flood, is served (not held until the 60 s header timeout, nor refused for want of descriptors).
    const page = await fetch(url, { signal: AbortSignal.timeout(20_000) });
    assert.equal(page.status, 200, `the page answered ${page.status}`);
    assert.match(await page.text(), /<html/i);
    await nextOverview();
    assert.equal(child.exitCode, null, `the observer stopped: ${out}`);
  } finally {
    live.abort();
    for (const s of sockets) s.destroy();
    child.kill('SIGKILL');
    node.shutdown();
    await epmd.close();
  }
});
