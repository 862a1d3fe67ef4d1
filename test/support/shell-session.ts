// One interactive shell (otp shell, otp remote, bin/<name> remote) driven as a child process: lines fed on its stdin,
// its output collected, waits on what it prints, and its exit. The shells' end-to-end tests share it.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait.ts';

/** A running shell: what it printed so far, its stdin, and its exit. */
export interface ShellSession {
  /** The child process. */
  readonly child: ChildProcessWithoutNullStreams;
  /** Everything it printed on stdout so far. */
  stdout(): string;
  /** Everything it printed on stderr so far. */
  stderr(): string;
  /** Writes `text` to its stdin as it is (a line needs its own newline). */
  write(text: string): void;
  /** Closes its stdin (the end of the input). */
  end(): void;
  /** Waits until its stdout (from offset `from`, default 0) matches `pattern`; throws naming `what` past `ms` or when it exits first. */
  waitOut(what: string, pattern: RegExp | string, { from, ms }?: { from?: number; ms?: number }): Promise<void>;
  /** Resolves to its exit code and signal once it exited. */
  readonly exited: Promise<[number | null, NodeJS.Signals | null]>;
  /** Sends it `signal` (if still running). */
  kill(signal?: NodeJS.Signals): void;
}

/** Starts `cmd ARGS..` (a shell) in `cwd` with `env`, its stdin a pipe. */
export function shellSession(cmd: string, args: string[], { cwd = process.cwd(), env = process.env }: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): ShellSession {
  const child = spawn(cmd, args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let done = false;
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  // stdin closed by the shell (it left) is not the test's error.
  child.stdin.on('error', () => undefined);
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once('close', (code, signal) => {
      done = true;
      resolve([code, signal]);
    }),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    write: (text) => void child.stdin.write(text),
    end: () => void child.stdin.end(),
    waitOut: async (what, pattern, { from = 0, ms = 120_000 } = {}) => {
      const seen = (): boolean => (typeof pattern === 'string' ? out.slice(from).includes(pattern) : pattern.test(out.slice(from)));
      await waitFor(`${what} (stdout: ${JSON.stringify(out.slice(-300))}, stderr: ${JSON.stringify(err.slice(-300))})`, () => seen() || done, { ms });
      if (!seen()) throw new Error(`${what}: the shell exited first (stdout: ${JSON.stringify(out.slice(-300))}, stderr: ${JSON.stringify(err.slice(-300))})`);
    },
    exited,
    kill: (signal = 'SIGKILL') => void (child.exitCode === null && child.signalCode === null && child.kill(signal)),
  };
}

/** A node for the remote shells to reach: a real OS process (test/fixtures/trace-node.ts) registered with a port mapper of its own. */
export interface PeerNode {
  /** The environment a tool needs to reach it: the port mapper and the cookie. */
  readonly env: NodeJS.ProcessEnv;
  /** Its OS process's exit code, null while it runs. */
  exitCode(): number | null;
  /** What it wrote on its stdout so far. */
  stdout(): string;
  /** Kills it and closes its port mapper. */
  stop(): Promise<void>;
}

const nodeScript = fileURLToPath(new URL('../fixtures/trace-node.ts', import.meta.url));

/** Starts the fixture node `name` (e.g. 'rsh@127.0.0.1') with `cookie` and waits until it is ready. */
export async function peerNode(name: string, cookie: string): Promise<PeerNode> {
  const epmd = new EpmdServer();
  const port = await epmd.listen(0);
  const peer = spawn(process.execPath, [...process.execArgv, nodeScript, name, cookie, String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = async (): Promise<void> => {
    peer.kill('SIGKILL');
    await epmd.close();
  };
  let booted = '';
  try {
    peer.stdout.on('data', (c: Buffer) => (booted += c.toString()));
    await waitFor(`the node ${name} to start`, () => booted.includes('ready') || peer.exitCode !== null, { ms: 120_000 });
    if (!booted.includes('ready')) throw new Error(`the node ${name} exited before it was ready`);
  } catch (error) {
    await stop();
    throw error;
  }
  return { env: { ...process.env, OTP_EPMD_PORT: String(port), OTP_COOKIE: cookie, NO_COLOR: '1' }, exitCode: () => peer.exitCode, stdout: () => booted, stop };
}
