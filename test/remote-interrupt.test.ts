// End to end: Ctrl-C at a line of otp remote in a real terminal (util-linux's `script`) reaches the node and stops that
// line there, as Erlang's JCL `i` interrupts the shell's evaluator: its timers are cleared, its loop over awaits ends,
// and the session and the node go on. Before, Ctrl-C only stopped the waiting in the CLI: the line's interval kept
// ticking on the node until --eval-await-timeout ended the line (here an hour).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { bin } from './support/cli.ts';
import { run } from './support/run.ts';
import { peerNode } from './support/shell-session.ts';
import { waitFor } from './support/wait.ts';

const NODE = 'rintr@127.0.0.1';

test('Ctrl-C at otp remote stops the running line on the node (its interval and its await loop), the session goes on', { timeout: 300_000 }, async (t) => {
  if (spawnSync('script', ['--version'], { encoding: 'utf8' }).status !== 0) return t.skip('no script command (util-linux) to make a terminal');
  const peer = await peerNode(NODE, 'remote-interrupt');
  const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  const command = `exec ${quote(process.execPath)} ${quote(bin)} remote ${NODE} --eval-await-timeout 3600000`;
  const shell = spawn('script', ['-qec', command, '/dev/null'], { env: peer.env, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  shell.stdout.on('data', (c: Buffer) => (out += c.toString()));
  shell.stderr.on('data', (c: Buffer) => (out += c.toString()));
  shell.stdin.on('error', () => undefined);
  const exited = new Promise<number | null>((resolve) => shell.once('exit', (code) => resolve(code)));
  const probe = async (code: string): Promise<string> => (await run(process.execPath, [bin, 'rpc', NODE, 'otp', 'eval', JSON.stringify([code])], process.cwd(), peer.env)).stdout;
  try {
    await waitFor(`the prompt (${out})`, () => out.includes(`${NODE}> `), { ms: 120_000 });
    // An interval of the line's, and a loop over awaited timers that would run until the await bound.
    shell.stdin.write('globalThis.rintrTicks = 0; setInterval(() => globalThis.rintrTicks++, 1); for (;;) await new Promise((r) => setTimeout(r, 5))\r');
    await waitFor('the line to run on the node', async () => (await probe('globalThis.rintrTicks > 0')).includes('true'), { ms: 60_000, everyMs: 300 });
    shell.stdin.write('\x03');
    await waitFor(`Ctrl-C said (${out})`, () => out.includes('interrupted: the node was told to stop that line'), { ms: 60_000 });
    // Stopped on the node: the interval no longer ticks. A 1 ms interval set before a 50 ms timer fires first if it lives.
    const still = '(async () => { const a = globalThis.rintrTicks; await new Promise((r) => setTimeout(r, 50)); return globalThis.rintrTicks === a })()';
    await waitFor('the line stopped on the node', async () => (await probe(still)).includes('true'), { ms: 60_000, everyMs: 300 });
    // The session and the node go on.
    const from = out.length;
    shell.stdin.write('20 + 22\r');
    await waitFor(`the next line answered (${out})`, () => out.slice(from).includes('42'), { ms: 60_000 });
    assert.equal(peer.exitCode(), null);
    shell.stdin.write('q()\r');
    assert.equal(await exited, 0, out);
  } finally {
    shell.kill('SIGKILL');
    await peer.stop();
  }
});
