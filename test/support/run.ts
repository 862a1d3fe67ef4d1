// Runs a command as a child process for the end-to-end tests, asynchronously: a load generator or a port
// mapper in the test's own process keeps running while the command does.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';

/** What a command printed (trimmed, and both streams together in `out`) and its exit status. */
export interface Ran {
  status: number | null;
  out: string;
  stdout: string;
  stderr: string;
}

/** Runs `cmd ARGS..` in `cwd` with `env`, `input` on its stdin; a command still running after 180 s is killed. */
export function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env, input?: string): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env });
    // A command that exits before reading its input (a refusal, a quick answer) closes the pipe: that is no failure of
    // the test (an EPIPE on the write would otherwise be thrown as an uncaught error).
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, out: stdout + stderr, stdout: stdout.trim(), stderr: stderr.trim() });
    });
  });
}

/** The stdout of a command that must succeed; a failure shows what it printed, under `what`. */
export async function ok(pending: Promise<Ran>, what: string): Promise<string> {
  const r = await pending;
  assert.equal(r.status, 0, `${what}: ${r.out}`);
  return r.stdout;
}
