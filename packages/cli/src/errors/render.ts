import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { inspect } from 'node:util';
import { isOtpError, OtpError, type Location } from './otp-error.js';
import type { Io } from '../cli/io.js';
import { colours, EnvironmentError } from '@otp-ts/runtime/tools';

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

// What the file system refused, and what the user can do about it: these are the machine's state, not defects of otp.
const FS_REASONS: Record<string, string> = {
  EACCES: 'permission denied: make it writable for this user, or run otp where it may write',
  EPERM: 'operation not permitted: make it writable for this user, or run otp where it may write',
  EROFS: 'the file system is read-only: run otp where it may write',
  ENOSPC: 'the disk is full: free some space and run the command again',
  EDQUOT: 'the disk quota is used up: free some space and run the command again',
  EISDIR: 'a folder is in the way where a file goes: move or remove it',
  ENAMETOOLONG: 'the path is too long: use a shorter folder',
  EMFILE: 'too many open files: raise the limit (ulimit -n) and run the command again',
};
const VERBS: Record<string, string> = { mkdir: 'create the folder', rename: 'move', copyfile: 'copy to', unlink: 'remove', rmdir: 'remove', rm: 'remove' };

// The file that stands where `path` needs a folder (ENOTDIR): the nearest ancestor that exists and is not a folder.
function blockingFile(path: string): string | undefined {
  for (let p = dirname(path); p !== dirname(p); p = dirname(p)) {
    try {
      return statSync(p).isDirectory() ? undefined : p;
    } catch {
      // not there: look higher
    }
  }
  return undefined;
}

/** A file-system error of the machine (permission, read-only, full disk, a file in the way) as one line naming the path and the fix; undefined for any other error. */
export function fileSystemError(error: unknown, cwd: string): OtpError | undefined {
  const e = error as NodeJS.ErrnoException & { dest?: string };
  if (!(error instanceof Error) || typeof e.code !== 'string' || typeof e.path !== 'string') return undefined;
  const path = e.syscall === 'rename' || e.syscall === 'copyfile' ? (e.dest ?? e.path) : e.path;
  const shown = (p: string): string => (relative(cwd, p).startsWith('..') ? p : relative(cwd, p) || '.');
  const blocker = e.code === 'ENOTDIR' ? blockingFile(path) : undefined;
  const reason = e.code === 'ENOTDIR' ? `${blocker ? shown(blocker) : 'a file on its path'} is a file where a folder is needed: move or remove it` : FS_REASONS[e.code];
  if (reason === undefined) return undefined;
  return new OtpError('failed', `cannot ${VERBS[e.syscall ?? ''] ?? 'write'} ${shown(path)}: ${reason} (${e.code})`, { cause: error });
}

/** A variable of the environment the runtime cannot use (e.g. OTP_EPMD_PORT=abc) as bad input (exit 2); undefined for any other error. */
export function environmentError(error: unknown): OtpError | undefined {
  return error instanceof EnvironmentError ? new OtpError('usage', error.message, { cause: error }) : undefined;
}

/** The one place errors reach the user: `otp: <message>` (+ location and hint) on stderr; returns the exit code. */
export function renderError(thrown: unknown, io: Io, argv: readonly string[] = []): 1 | 2 {
  const error = fileSystemError(thrown, io.cwd) ?? environmentError(thrown) ?? thrown;
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
