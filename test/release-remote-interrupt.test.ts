// End to end: Ctrl-C at a line of a release's bin/<name> remote in a real terminal (util-linux's `script`) stops that
// line on the node, as it does at otp remote (test/remote-interrupt.test.ts): its interval no longer ticks, the
// session answers the next line, q() leaves with exit 0, and the node runs on.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { ok } from './support/run.ts';
import { privatePortMapper } from './support/epmd.ts';
import { releaseProject } from './support/release-project.ts';
import { waitFor } from './support/wait.ts';

const project = releaseProject('relremintr');
// Registered before the port mapper's own hook, so the node is stopped while its port mapper still answers.
after(() => project.remove());
await privatePortMapper();

before(async () => {
  await project.create();
  await ok(project.otp(['release']), 'otp release');
  await ok(project.run(['daemon']), 'daemon');
});

// The value of CODE on the node, through bin/<name> eval.
const probe = async (code: string): Promise<string> => (await project.run(['eval', code])).stdout;

test('Ctrl-C at bin/<name> remote stops the running line on the node, the session and the node go on', { timeout: 300_000 }, async (t) => {
  if (spawnSync('script', ['--version'], { encoding: 'utf8' }).status !== 0) return t.skip('no script command (util-linux) to make a terminal');
  const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  const shell = spawn('script', ['-qec', `exec ${quote(project.script)} remote`, '/dev/null'], { cwd: project.rel, env: { ...project.env, NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  shell.stdout.on('data', (c: Buffer) => (out += c.toString()));
  shell.stderr.on('data', (c: Buffer) => (out += c.toString()));
  shell.stdin.on('error', () => undefined);
  const exited = new Promise<number | null>((resolve) => shell.once('exit', (code) => resolve(code)));
  try {
    await waitFor(`the prompt (${out})`, () => /relremintr@[\w.-]+> /.test(out), { ms: 120_000 });
    shell.stdin.write('globalThis.rintrTicks = 0; setInterval(() => globalThis.rintrTicks++, 1); for (;;) await new Promise((r) => setTimeout(r, 5))\r');
    await waitFor('the line to run on the node', async () => (await probe('globalThis.rintrTicks > 0')).includes('true'), { ms: 60_000, everyMs: 300 });
    shell.stdin.write('\x03');
    await waitFor(`Ctrl-C said (${out})`, () => out.includes('interrupted: the node was told to stop that line'), { ms: 60_000 });
    // Stopped on the node: a 1 ms interval set before a 50 ms timer would tick before it if it lived.
    const still = '(async () => { const a = globalThis.rintrTicks; await new Promise((r) => setTimeout(r, 50)); return globalThis.rintrTicks === a })()';
    await waitFor('the line stopped on the node', async () => (await probe(still)).includes('true'), { ms: 60_000, everyMs: 300 });
    const from = out.length;
    shell.stdin.write('20 + 22\r');
    await waitFor(`the next line answered (${out})`, () => out.slice(from).includes('42'), { ms: 60_000 });
    shell.stdin.write('q()\r');
    assert.equal(await exited, 0, out);
    assert.equal((await project.run(['ping'])).status, 0, 'the node runs on');
  } finally {
    shell.kill('SIGKILL');
  }
});
