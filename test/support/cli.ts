// Helpers the end-to-end tests share to drive the built `otp` binary as a child process.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitUntil } from './wait.ts';

/** The built binary. */
export const bin = fileURLToPath(new URL('../../packages/cli/bin/otp.js', import.meta.url));

/** What one run of the binary printed, and its exit status. */
export type Run = { status: number | null; stdout: string; stderr: string };

/**
 * Runs `otp ARGS..` with `env`, asynchronously: a port mapper in the test's own process must keep
 * answering while the command runs.
 */
export const otpWith =
  (env: NodeJS.ProcessEnv) =>
  (...args: string[]): Promise<Run> =>
    new Promise((resolve) => {
      // A generous deadline (a V8 heap snapshot or a node start can take minutes on a loaded machine); a command
      // killed by it says so in stderr, instead of showing as a bare exit 1 with nothing written.
      const ms = 300_000;
      execFile(process.execPath, [bin, ...args], { env, encoding: 'utf8', timeout: ms, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
        const e = error as { killed?: boolean; signal?: string | null } | null;
        const why = !e?.signal ? '' : e.killed ? `\n[test] otp ${args.join(' ')} was killed after the test's ${ms} ms deadline` : `\n[test] otp ${args.join(' ')} ended by ${e.signal}`;
        resolve({ status: error ? ((error as { code?: number | null }).code ?? 1) : 0, stdout, stderr: stderr + why });
      });
    });

/** A running `otp shell` on a copy of examples/shop. */
export interface ShellNode {
  /** The project copy it runs in. */
  readonly dir: string;
  /** Everything it printed so far. */
  out(): string;
  /** Types `line` and waits until what it prints afterwards matches `answer` and the prompt is back (failing the test otherwise). */
  say(line: string, answer: RegExp): Promise<void>;
  /** Ends it with q() and resolves to its exit code. */
  quit(): Promise<unknown>;
  /** Kills it (if still running) and removes its project copy. */
  stop(): void;
}

/**
 * Starts `otp shell ARGS..` in a copy of examples/shop (changed by `prepare` first, if given) and waits
 * until the shop application started.
 */
export async function startShellNode(args: string[], env: NodeJS.ProcessEnv = process.env, prepare?: (dir: string) => void): Promise<ShellNode> {
  const dir = mkdtempSync(join(tmpdir(), 'otp-shell-node-'));
  cpSync(fileURLToPath(new URL('../../examples/shop', import.meta.url)), dir, { recursive: true });
  prepare?.(dir);
  const shell: ChildProcessWithoutNullStreams = spawn(process.execPath, [bin, 'shell', ...args], { cwd: dir, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  shell.stdout.on('data', (c: Buffer) => (out += c.toString()));
  shell.stderr.on('data', (c: Buffer) => (out += c.toString()));
  await waitUntil(() => /started shop/.test(out) || shell.exitCode !== null, { ms: 120_000 });
  return {
    dir,
    out: () => out,
    say: async (line, answer) => {
      const mark = out.length;
      shell.stdin.write(`${line}\n`);
      // The answer, then the next prompt: whatever the line prints later (a promise's value) is not left to the next line.
      await waitUntil(() => (answer.test(out.slice(mark)) && out.endsWith('otp> ')) || shell.exitCode !== null, { ms: 60_000 });
      assert.match(out.slice(mark), answer, `${line} → ${out.slice(mark)}`);
    },
    quit: () => {
      shell.stdin.write('q()\n');
      return new Promise((r) => shell.once('exit', r));
    },
    stop: () => {
      shell.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
