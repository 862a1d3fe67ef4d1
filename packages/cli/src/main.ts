import { runCli } from './cli/adapter.js';
import { processIo, type Io } from './cli/io.js';
import { packageInfo } from './cli/package-info.js';
import { providers } from './commands/index.js';

/** Runs the `otp` command with `argv` (without the node and script paths); resolves to the exit code. */
export async function main(argv: string[], io: Partial<Io> = {}): Promise<number> {
  return runCli(argv, providers, { version: packageInfo().version }, processIo(io));
}
