// Where the built-in port mapper writes its lines when a node started it (it is detached: no terminal, no parent to
// read its stderr): a file of its own, each line stamped with the time, kept to a bounded size.
import { closeSync, constants, fstatSync, openSync, renameSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** How large the port mapper's log file grows before it is moved to FILE.1 (the one before is dropped): 1 MiB. */
export const PORT_MAPPER_LOG_BYTES = 1024 * 1024;

/** The file the built-in port mapper on `port` logs to when a node starts it: OTP_EPMD_LOG, else otp-ts-port-mapper-PORT.log in the system's temporary directory. */
export function portMapperLogFile(port: number, env: NodeJS.ProcessEnv = process.env): string {
  const named = env.OTP_EPMD_LOG?.trim();
  return named ? named : join(tmpdir(), `otp-ts-port-mapper-${port}.log`);
}

// Opens `file` to append to, never through a symbolic link (a shared temporary directory), and only if this user owns it.
function openOwn(file: string): number {
  const fd = openSync(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0), 0o600);
  const uid = process.getuid?.();
  if (uid !== undefined && fstatSync(fd).uid !== uid) {
    closeSync(fd);
    throw new Error(`port mapper: cannot log to ${file}: another user owns it; set OTP_EPMD_LOG to a file of yours`);
  }
  return fd;
}

/**
 * A writer of lines to `file`, each prefixed with the time; past `maxBytes` the file is moved to `file`.1 and a new
 * one begun, so a port mapper under a long attack (its lines are bounded a second, not in all) cannot fill the disk.
 * Throws one sentence when the file cannot be opened.
 */
export function openPortMapperLog(file: string, maxBytes = PORT_MAPPER_LOG_BYTES): (line: string) => void {
  let fd: number;
  try {
    fd = openOwn(file);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code === undefined) throw error;
    throw new Error(`port mapper: cannot log to ${file} (${e.code}): set OTP_EPMD_LOG to a file it may write`, { cause: error });
  }
  let size = statSync(file).size;
  return (line: string) => {
    const bytes = Buffer.from(`${new Date().toISOString()} ${line}\n`, 'utf8');
    if (size > 0 && size + bytes.length > maxBytes) {
      try {
        renameSync(file, `${file}.1`);
        const next = openOwn(file);
        closeSync(fd);
        fd = next;
        size = 0;
      } catch {
        // Not moved (the directory became read-only): the file goes on growing rather than the line being lost.
      }
    }
    try {
      writeSync(fd, bytes);
      size += bytes.length;
    } catch {
      // A full disk: the line is lost, the port mapper serves on.
    }
  };
}
