// End to end: `otp top` in a real terminal (a pseudo-terminal made by util-linux's `script`) that is small:
// every frame fits the terminal, so the node's figures at its top are never scrolled away; q quits with 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { bin, startShellNode } from './support/cli.ts';

test('otp top in a 6-line, 50-column terminal draws frames that fit it, its header first', { timeout: 300_000 }, async (t) => {
  if (spawnSync('script', ['--version'], { encoding: 'utf8' }).status !== 0) return t.skip('no script command (util-linux) to make a terminal');
  const epmd = new EpmdServer();
  const env = { ...process.env, OTP_EPMD_PORT: String(await epmd.listen(0)), OTP_COOKIE: 'top-terminal-secret', NO_COLOR: '1' };
  const shell = await startShellNode(['--name', 'top_small'], env);
  try {
    assert.match(shell.out(), /started shop/, shell.out());
    const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    const command = `stty rows 6 cols 50; exec ${quote(process.execPath)} ${quote(bin)} top top_small@127.0.0.1 --interval 200`;
    const top = spawn('script', ['-qec', command, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    top.stdout.on('data', (c: Buffer) => (out += c.toString()));
    top.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => top.once('exit', (code) => resolve(code)));
    const frames = () => out.split('\x1b[H\x1b[2J').slice(1, -1);
    for (const end = Date.now() + 120_000; frames().length < 2 && Date.now() < end && top.exitCode === null; ) await new Promise((r) => setTimeout(r, 100));
    top.stdin.write('q');
    assert.equal(await exited, 0, out);
    assert.ok(frames().length >= 2, `two frames drawn: ${JSON.stringify(out)}`);
    for (const frame of frames()) {
      const lines = frame.replace(/\r\n/g, '\n').replace(/\n$/, '').split('\n');
      assert.ok(lines.length <= 5, `a frame of ${lines.length} lines scrolls a 6-line terminal: ${JSON.stringify(frame)}`);
      assert.ok(lines.every((l) => l.length <= 50), `a line wider than 50 columns wraps: ${JSON.stringify(frame)}`);
      assert.match(lines[0]!, /^top_small@127\.0\.0\.1 {2}up \d+ s/, 'the node and its figures come first');
      assert.match(lines[2]!, /^PID\s+NAME/);
      assert.match(lines[lines.length - 1]!, /^\(sorted by reductions over 200 ms; q quits\)$/);
    }
  } finally {
    shell.stop();
    await epmd.close();
  }
});
