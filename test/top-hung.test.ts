// End to end: `otp top` in a real terminal (util-linux's `script`) on a node that stops answering (its OS process
// stopped with SIGSTOP, as a blocked event loop looks from outside): within seconds the screen says so and since
// when, instead of showing the last frame as live; once the node answers again, frames come again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { bin } from './support/cli.ts';
import { waitFor } from './support/wait.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

test('otp top on a node that stops answering says so within seconds (since when), and draws frames again once it answers', { timeout: 300_000 }, async (t) => {
  if (spawnSync('script', ['--version'], { encoding: 'utf8' }).status !== 0) return t.skip('no script command (util-linux) to make a terminal');
  const epmd = new EpmdServer();
  const port = await epmd.listen(0);
  const env = { ...process.env, OTP_EPMD_PORT: String(port), OTP_COOKIE: 'top-hung-secret', NO_COLOR: '1' };
  const script = `import { createNode } from '@otp-ts/runtime';
const node = createNode({ onCrash: () => {} });
await node.startDistribution({ name: 'toph@127.0.0.1', cookie: 'top-hung-secret', log: () => {} });
console.log('ready');
setInterval(() => {}, 1000);`;
  const peer = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
  let top: ReturnType<typeof spawn> | undefined;
  try {
    let booted = '';
    peer.stdout.on('data', (c: Buffer) => (booted += c.toString()));
    await waitFor('the node to start', () => booted.includes('ready'), { ms: 120_000 });
    const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    top = spawn('script', ['-qec', `exec ${quote(process.execPath)} ${quote(bin)} top toph@127.0.0.1 --sort memory --interval 500 --name tophwatcher@127.0.0.1`, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    top.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    top.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    await waitFor('a first frame', () => out.includes('every 500 ms; q quits'), { ms: 120_000, everyMs: 100 });
    peer.kill('SIGSTOP');
    const stoppedAt = out.length;
    // Well within the rpc's 30 s.
    await waitFor('the screen to say the node does not answer', () => out.slice(stoppedAt).includes('has not answered for'), { ms: 15_000, everyMs: 100 });
    assert.match(out.slice(stoppedAt), /toph@127\.0\.0\.1 has not answered for \d+ s \(since \d\d:\d\d:\d\d UTC\): its event loop may be blocked, or it is cut off; the figures above are from before; q quits/);
    peer.kill('SIGCONT');
    const resumedAt = out.length;
    await waitFor('a frame once the node answers again', () => out.slice(resumedAt).includes('every 500 ms; q quits'), { ms: 60_000, everyMs: 100 });
    const exited = new Promise<number | null>((resolve) => top!.once('exit', (code) => resolve(code)));
    let code: number | null | undefined;
    void exited.then((c) => (code = c));
    await waitFor('otp top to quit on q', () => {
      if (code === undefined) top!.stdin!.write('q');
      return code !== undefined;
    }, { ms: 60_000, everyMs: 250 });
    assert.equal(code, 0, out.slice(-500));
  } finally {
    top?.kill('SIGKILL');
    peer.kill('SIGCONT');
    peer.kill('SIGKILL');
    await epmd.close();
  }
});
