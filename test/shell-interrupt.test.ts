// `otp shell` stops a line, not itself: a piped line looping synchronously is stopped by --eval-timeout (as otp
// remote bounds its lines); Ctrl-C (a real SIGINT) stops the running line, looping or awaiting, and the shell goes
// on; two at an empty prompt quit with the applications stopped. Before, the loop hung the shell for ever and
// Ctrl-C killed the process with the applications never stopped. A SIGINT reaching a piped shell ends it, exit 130, as
// it ends a piped otp remote; before, the piped shell went on (and exited 0 at a second SIGINT).
// The project is generated inside the repository's _build/ so it resolves the workspace's packages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bin } from './support/cli.ts';
import { privatePortMapper } from './support/epmd.ts';
import { run } from './support/run.ts';
import { shellSession } from './support/shell-session.ts';
import { replaceOrFail, waitFor } from './support/wait.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const NAME = 'intsh';
const epmdPort = await privatePortMapper();

// Sends a piped shell SIGINT, again each second while it runs (see the first use), for at most two minutes: how it exited, or 'still running'.
async function signalUntilEnded(shell: ReturnType<typeof shellSession>): Promise<[number | null, NodeJS.Signals | null] | 'still running'> {
  let ended: [number | null, NodeJS.Signals | null] | undefined;
  void shell.exited.then((e) => (ended = e));
  try {
    await waitFor('the piped shell to end at SIGINT', () => ended !== undefined || shell.kill('SIGINT'), { ms: 120_000, everyMs: 1000 });
  } catch {
    return 'still running';
  }
  return ended!;
}

test('otp shell: --eval-timeout stops a piped line that never awaits, a SIGINT ends a piped shell (exit 130), Ctrl-C stops a line and twice at the prompt quits', { timeout: 300_000 }, async (t) => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', `${NAME}-`));
  const env = { ...process.env, OTP_EPMD_PORT: String(epmdPort), OTP_COOKIE: 'intsh_cookie', NO_COLOR: '1' };
  try {
    const created = spawnSync(process.execPath, [bin, 'new', 'app', NAME, '--quiet'], { cwd: base, env, encoding: 'utf8' });
    assert.equal(created.status, 0, created.stderr);
    const dir = join(base, NAME);
    // The application says when it is stopped, so the test sees the shell stop it.
    const appFile = join(dir, 'src', `${NAME}_app.ts`);
    writeFileSync(appFile, replaceOrFail(readFileSync(appFile, 'utf8'), '  start:', "  stop: () => void process.stdout.write('intsh_app stopped\\n'),\n  start:"));

    const piped = await run(process.execPath, [bin, 'shell', '--eval-timeout', '300'], dir, env, 'function f() { throw new Error("intsh inner") }\nf()\nwhile (true) {}\n40 + 2\n');
    // Piped, the lines that failed (the thrown one, the stopped one) make the exit code 1.
    assert.equal(piped.status, 1, piped.out);
    assert.match(piped.stderr, /2 of 4 statements failed in the shell/, piped.out);
    assert.match(piped.out, /Uncaught(?: |:\n)Error: evaluation stopped after 300 ms of synchronous work[^\n]*--eval-timeout MS/, piped.out);
    assert.match(piped.out, /otp> 42\n/, `the line after the stopped one runs:\n${piped.out}`);
    // The bound's own script leaves no frame of the shell's in a line's error.
    assert.match(piped.out, /Uncaught Error: intsh inner\n\s+at f \(REPL\d+:1:\d+\)\n(?!\s+at )/, piped.out);
    assert.doesNotMatch(piped.out, /at (defaultEval|bound |evaluate|runStoppable|otp-shell-line)/, piped.out);
    assert.match(piped.out, /intsh_app stopped/, piped.out);

    // Piped, a SIGINT ends the shell as it ends a piped otp remote: the line stopped, the applications stopped, exit 130.
    const pipedShell = shellSession(process.execPath, [bin, 'shell'], { cwd: dir, env });
    try {
      pipedShell.write("process.stdout.write('intsh ' + 'piped\\n'); await new Promise(() => {})\n");
      await pipedShell.waitOut('the piped line to run', 'intsh piped');
      // node:vm's SIGINT watchdog drops a signal that lands between the end of a line's synchronous run and the
      // watchdog's stop (Node does not re-raise it): a user sends it again, as the terminal case below presses Ctrl-C again.
      // Bounded: a shell that goes on would hold this file's process for ever (its input stays open).
      const ended = await signalUntilEnded(pipedShell);
      assert.deepEqual(ended, [130, null], pipedShell.stdout() + pipedShell.stderr());
      assert.match(pipedShell.stderr(), /^otp: interrupted \(SIGINT\): the shell ends, its applications stopped\n$/, pipedShell.stderr());
      assert.match(pipedShell.stdout(), /intsh_app stopped/, pipedShell.stdout());
      // The stopped line's message is true of a piped shell: it ends, it does not go on.
      assert.doesNotMatch(pipedShell.stdout(), /the shell goes on/, pipedShell.stdout());
    } finally {
      pipedShell.kill();
    }

    // The same while a line runs synchronously: node:vm's watchdog takes the signal from the process's listener, and
    // the piped shell went on reading (hanging while its input stayed open).
    const busyShell = shellSession(process.execPath, [bin, 'shell', '--eval-timeout', '3600000'], { cwd: dir, env });
    try {
      busyShell.write("process.stdout.write('intsh ' + 'busy\\n'); { const t0 = Date.now(); while (Date.now() - t0 < 600_000) {} }\n");
      await busyShell.waitOut('the busy line to run', 'intsh busy');
      const ended = await signalUntilEnded(busyShell);
      assert.deepEqual(ended, [130, null], busyShell.stdout() + busyShell.stderr());
      assert.match(busyShell.stdout(), /intsh_app stopped/, busyShell.stdout());
      assert.doesNotMatch(busyShell.stdout(), /the shell goes on/, busyShell.stdout());
    } finally {
      busyShell.kill();
    }

    // At a terminal (util-linux's script), Ctrl-C stops a line and the shell goes on.
    if (spawnSync('script', ['--version'], { encoding: 'utf8' }).status !== 0) return t.skip('no script command (util-linux) to make a terminal');
    const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
    const shell = spawn('script', ['-qec', `exec ${quote(process.execPath)} ${quote(bin)} shell --eval-timeout 3600000`, '/dev/null'], { cwd: dir, env, stdio: ['pipe', 'pipe', 'pipe'] });
    shell.stdin.on('error', () => undefined);
    const ctrlC = (): void => void shell.stdin.write('\x03');
    let out = '';
    shell.stdout.on('data', (c: Buffer) => (out += c.toString()));
    shell.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => shell.on('close', resolve));
    try {
      const count = (re: RegExp): number => out.match(new RegExp(re.source, 'g'))?.length ?? 0;
      await waitFor(`the shell's banner (${out})`, () => /started intsh/.test(out), { ms: 120_000 });
      // A pipe's writes are synchronous: the line's word is out before its loop starts.
      shell.stdin.write("let spun = 0; process.stdout.write('intsh ' + 'looping\\n'); while (true) { spun++ }\n");
      await waitFor(`the loop to start (${out})`, () => out.includes('intsh looping'), { ms: 60_000 });
      // node:vm's SIGINT watchdog can miss a signal (a user presses Ctrl-C again): sent again while the loop runs.
      await waitFor(`the loop interrupted (${out})`, () => count(/interrupted by Ctrl-C/) === 1 || ctrlC(), { ms: 60_000, everyMs: 1000 });
      shell.stdin.write('spun > 0\n');
      await waitFor(`the shell goes on (${out})`, () => /\ntrue\r?\n/.test(out), { ms: 60_000 });
      // Said after a first await: the line waits then, its synchronous run over.
      shell.stdin.write("await null; process.stdout.write('intsh ' + 'awaiting\\n'); await new Promise(() => {}); 'nev' + 'er'\n");
      await waitFor(`the await line to run (${out})`, () => out.includes('intsh awaiting'), { ms: 60_000 });
      ctrlC();
      await waitFor(`the await interrupted (${out})`, () => count(/interrupted by Ctrl-C/) === 2, { ms: 60_000 });
      shell.stdin.write(`await call('${NAME}_server', { op: 'bump', key: 'k', by: 5 })\n`);
      await waitFor(`the application answers in a fresh process (${out})`, () => /\n5\r?\n/.test(out), { ms: 60_000 });
      ctrlC();
      await waitFor(`how to quit is said (${out})`, () => /To exit, press Ctrl-C again/.test(out), { ms: 60_000 });
      assert.equal(shell.exitCode, null, `one Ctrl-C at the prompt does not quit:\n${out}`);
      ctrlC();
      assert.equal(await exited, 0, out);
      assert.match(out, /intsh_app stopped/, `the applications are stopped:\n${out}`);
      assert.doesNotMatch(out, /never/, out);
    } finally {
      shell.kill('SIGKILL');
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
