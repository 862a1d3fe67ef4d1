import { homedir, tmpdir } from 'node:os';

/** A stream the CLI writes to; `isTTY` decides between live progress and plain lines. */
export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
  /** A terminal's height in lines. */
  rows?: number;
}

/** How much the CLI says: errors only, the usual, or everything it does. */
export type Verbosity = 'quiet' | 'normal' | 'verbose';

/** Everything a command touches outside itself, injectable so tests never use the real terminal or home. */
export interface Io {
  stdout: Output;
  stderr: Output;
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  home: string;
  verbosity: Verbosity;
  /** Where crash reports go (the OS temp folder by default). */
  crashDir?: string;
}

/** The real process's io. */
export function processIo(overrides: Partial<Io> = {}): Io {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
    env: process.env,
    home: homedir(),
    verbosity: 'normal',
    crashDir: tmpdir(),
    ...overrides,
  };
}

/** Prints a line on stdout unless quiet. */
export function info(io: Io, line: string): void {
  if (io.verbosity !== 'quiet') io.stdout.write(line + '\n');
}

/** Prints a line on stdout only with --verbose. */
export function debug(io: Io, line: string): void {
  if (io.verbosity === 'verbose') io.stdout.write(line + '\n');
}
