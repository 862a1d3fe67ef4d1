// End to end: `otp top` in a real terminal (util-linux's `script`) quits when q is pressed, even while the frame it
// waits for is not there yet (a ranking by growth waits its interval out on the node; a hung node answers late).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { bin, otpWith } from './support/cli.ts';
import { waitFor } from './support/wait.ts';

const nodeScript = fileURLToPath(new URL('./fixtures/trace-node.ts', import.meta.url));

test('q quits otp top at once while its first frame is still awaited (a 60 s growth window), exit 0, no frame drawn', { timeout: 300_000 }, async (t) => {
  if (spawnSync('script', ['--version'], { encoding: 'utf8' }).status !== 0) return t.skip('no script command (util-linux) to make a terminal');
  const epmd = new EpmdServer();
  const port = await epmd.listen(0);
  const env = { ...process.env, OTP_EPMD_PORT: String(port), OTP_COOKIE: 'top-quit-secret', NO_COLOR: '1' };
  const otp = otpWith(env);
  const peer = spawn(process.execPath, [...process.execArgv, nodeScript, 'topq@127.0.0.1', 'top-quit-secret', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let top: ReturnType<typeof spawn> | undefined;
  try {
    let booted = '';
    peer.stdout.on('data', (c: Buffer) => (booted += c.toString()));
    await waitFor('the node to start', () => booted.includes('ready'), { ms: 120_000 });
    const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    const command = `exec ${quote(process.execPath)} ${quote(bin)} top topq@127.0.0.1 --interval 60000 --name watcher@127.0.0.1`;
    top = spawn('script', ['-qec', command, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    top.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    top.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => top!.once('exit', (code) => resolve(code)));
    // Connected, and so in the live view: the node lists the tool's hidden node.
    const hidden = async () => (await otp('rpc', 'topq@127.0.0.1', 'otp', 'eval', '["node.nodes(\'hidden\').join()"]')).stdout;
    await waitFor('otp top to connect', async () => (await hidden()).includes('watcher@127.0.0.1'), { ms: 120_000, everyMs: 200 });
    // Pressed until it leaves: a key typed before the terminal went raw waits in its line buffer.
    let code: number | null | undefined;
    void exited.then((c) => (code = c));
    await waitFor('otp top to quit on q', () => {
      if (code === undefined) top!.stdin!.write('q');
      return code !== undefined;
    }, { ms: 120_000, everyMs: 250 });
    assert.equal(code, 0, out);
    assert.ok(!out.includes('\x1b[H\x1b[2J'), `no frame was drawn: q quit before the window ended: ${JSON.stringify(out)}`);
  } finally {
    top?.kill('SIGKILL');
    peer.kill('SIGKILL');
    await epmd.close();
  }
});
