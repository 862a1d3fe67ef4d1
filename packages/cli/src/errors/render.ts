import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { isOtpError, type Location } from './otp-error.js';
import type { Io } from '../cli/io.js';
import { colours } from '@otp-ts/runtime/tools';

/** Formats a location as `file:line:column`, leaving out what is unknown. */
export function formatLocation(location: Location): string {
  return [location.file, location.line, location.line !== undefined ? location.column : undefined].filter((p) => p !== undefined).join(':');
}

/** Writes a crash report for an unexpected error and returns its path. */
export function writeCrashReport(error: unknown, argv: readonly string[], dir = tmpdir()): string {
  const folder = mkdtempSync(join(dir, 'otp-crash-'));
  const file = join(folder, 'crash-report.txt');
  const body = [
    `otp crash report, ${new Date().toISOString()}`,
    `command: otp ${argv.join(' ')}`,
    `node: ${process.version} ${process.platform} ${process.arch}`,
    `cwd: ${process.cwd()}`,
    '',
    inspect(error, { depth: 8 }),
    '',
  ].join('\n');
  writeFileSync(file, body);
  return file;
}

/** The one place errors reach the user: `otp: <message>` (+ location and hint) on stderr; returns the exit code. */
export function renderError(error: unknown, io: Io, argv: readonly string[] = []): 1 | 2 {
  if (isOtpError(error)) {
    const lines = [colours(io.stderr, io.env).red(`otp: ${error.message}`)];
    if (error.location) lines.push(`  at ${formatLocation(error.location)}`);
    if (error.hint) lines.push(error.hint);
    if (io.verbosity === 'verbose' && error.cause !== undefined) lines.push(`  cause: ${inspect(error.cause, { depth: 4 })}`);
    io.stderr.write(lines.join('\n') + '\n');
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : inspect(error, { depth: 4 });
  const stack = error instanceof Error && error.stack ? error.stack : message;
  let where: string;
  try {
    where = `a crash report was written to ${writeCrashReport(error, argv, io.crashDir)}`;
  } catch (writeError) {
    where = `no crash report could be written (${(writeError as Error).message})`;
  }
  io.stderr.write(`${colours(io.stderr, io.env).red(`otp: internal error: ${message}`)}\n${stack}\n${where}; please attach it to a bug report.\n`);
  return 1;
}
