// A command run in a real terminal (util-linux's `script`), as an operator types at it: what it printed, keys to
// send, its exit; and the walk both remote shells' Ctrl-C tests share.
import { spawn, spawnSync } from 'node:child_process';
import { waitFor } from './wait.ts';

/** A command running in a pseudo-terminal. */
export interface TerminalSession {
  /** Everything it printed so far (stdout and stderr as the terminal shows them). */
  out(): string;
  /** Types `text` (a line ends with '\r'; Ctrl-C is '\x03'). */
  type(text: string): void;
  /** Resolves to its exit code once it exited. */
  readonly exited: Promise<number | null>;
  kill(): void;
}

/** Whether this machine has `script` to make a terminal with. */
export function hasTerminal(): boolean {
  return spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
}

/** Runs `argv` in a pseudo-terminal. */
export function terminalSession(argv: readonly string[], { cwd, env }: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): TerminalSession {
  const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  const shell = spawn('script', ['-qec', `exec ${argv.map(quote).join(' ')}`, '/dev/null'], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  shell.stdout.on('data', (c: Buffer) => (out += c.toString()));
  shell.stderr.on('data', (c: Buffer) => (out += c.toString()));
  shell.stdin.on('error', () => undefined);
  const exited = new Promise<number | null>((resolve) => shell.once('exit', (code) => resolve(code)));
  return { out: () => out, type: (text) => void shell.stdin.write(text), exited, kill: () => void shell.kill('SIGKILL') };
}

/**
 * At a remote shell's prompt: a line with a 1 ms interval and a loop over awaited timers, then Ctrl-C. Checks, through
 * `probe` (the value of some code on the node, by another way in), that the line ran, that it stopped on the node (its
 * interval no longer ticks), that the session answers the next line and that q() leaves with exit 0.
 */
export async function interruptRemoteLine(term: TerminalSession, prompt: RegExp, probe: (code: string) => Promise<string>): Promise<void> {
  await waitFor(`the prompt (${term.out()})`, () => prompt.test(term.out()), { ms: 120_000 });
  term.type('globalThis.rintrTicks = 0; setInterval(() => globalThis.rintrTicks++, 1); for (;;) await new Promise((r) => setTimeout(r, 5))\r');
  await waitFor('the line to run on the node', async () => (await probe('globalThis.rintrTicks > 0')).includes('true'), { ms: 60_000, everyMs: 300 });
  term.type('\x03');
  await waitFor(`Ctrl-C said (${term.out()})`, () => term.out().includes('interrupted: the node was told to stop that line'), { ms: 60_000 });
  // Stopped on the node: a 1 ms interval set before a 50 ms timer would tick before it if it lived.
  const still = '(async () => { const a = globalThis.rintrTicks; await new Promise((r) => setTimeout(r, 50)); return globalThis.rintrTicks === a })()';
  await waitFor('the line stopped on the node', async () => (await probe(still)).includes('true'), { ms: 60_000, everyMs: 300 });
  const from = term.out().length;
  term.type('20 + 22\r');
  await waitFor(`the next line answered (${term.out()})`, () => term.out().slice(from).includes('42'), { ms: 60_000 });
  term.type('q()\r');
  if ((await term.exited) !== 0) throw new Error(`q() left the remote shell with another exit than 0:\n${term.out()}`);
}
