// A test's child process can leave the process group the runner kills at its file's end (setsid, a daemon's double
// fork), and a runner killed by SIGKILL kills nothing. Each worker therefore marks its environment: every process a
// test starts inherits the mark (a process that clears its environment too escapes, the one limit left). On Linux the
// runner finds the marked processes in /proc at a file's end and kills them, and a small watchdog process, started
// once per runner process, kills what still carries the runner's mark once the runner is gone, however it ended.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

/** The environment variable that holds the marks (space-separated) of the test runs a process belongs to. */
export const MARK_VAR = 'OTP_TEST_RUN_MARKS';

/** This runner process's mark: every test child process of every run in it carries it. */
export const PROCESS_MARK = `p${process.pid}-${randomBytes(6).toString('hex')}`;

const SCANS = process.platform === 'linux';

/** A new mark for one worker's processes. */
export const newMark = (): string => `w${randomBytes(8).toString('hex')}`;

/** `env`'s marks value with `marks` added (a nested run keeps the outer run's marks, so the outer run still finds its processes). */
export function withMarks(current: string | undefined, marks: readonly string[]): string {
  return [...(current ?? '').split(' ').filter((m) => m !== '' && !marks.includes(m)), ...marks].join(' ');
}

/** A marked process found: its pid, its process group, and its command line (shortened). */
export interface MarkedProcess {
  readonly pid: number;
  readonly pgid: number;
  readonly command: string;
}

/** The processes (this one aside) whose environment carries `mark` (Linux; none elsewhere). */
export function markedProcesses(mark: string): MarkedProcess[] {
  if (!SCANS) return [];
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const found: MarkedProcess[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const env = readFileSync(`/proc/${name}/environ`, 'latin1').split('\0');
      const marks = env.find((kv) => kv.startsWith(`${MARK_VAR}=`))?.slice(MARK_VAR.length + 1).split(' ') ?? [];
      if (!marks.includes(mark)) continue;
      // The fields after the command's closing parenthesis: state, ppid, pgrp.
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      const pgid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      const command = readFileSync(`/proc/${name}/cmdline`, 'latin1').split('\0').filter(Boolean).join(' ').slice(0, 120);
      found.push({ pid: Number(name), pgid, command });
    } catch {
      // Gone meanwhile, or another user's.
    }
  }
  return found;
}

/** Kills with SIGKILL the processes that carry `mark`; returns those killed. */
export function killMarked(mark: string): MarkedProcess[] {
  return markedProcesses(mark).filter((p) => {
    try {
      process.kill(p.pid, 'SIGKILL');
      return true;
    } catch {
      return false;
    }
  });
}

// The watchdog: it waits for the end of its stdin, which comes when the runner's process ends (even by SIGKILL), then
// kills every process that carries the mark it was given. In a process group of its own, a Ctrl-C does not end it first.
const WATCHDOG = `const fs = require('fs');
const [mark, name] = process.argv.slice(1);
const sweep = () => {
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\\d+$/.test(pid) || Number(pid) === process.pid) continue;
    try {
      const kv = fs.readFileSync('/proc/' + pid + '/environ', 'latin1').split('\\0').find((e) => e.startsWith(name + '='));
      if (kv && kv.slice(name.length + 1).split(' ').includes(mark)) process.kill(Number(pid), 'SIGKILL');
    } catch {}
  }
  process.exit(0);
};
process.stdin.on('end', sweep).on('error', sweep).on('data', () => {}).resume();`;

let watchdog: ChildProcess | undefined;

/** Starts this runner process's watchdog once (Linux): whatever carries PROCESS_MARK is killed after the runner's end, however it ends. */
export function startWatchdog(): void {
  if (!SCANS || watchdog !== undefined) return;
  try {
    watchdog = spawn(process.execPath, ['-e', WATCHDOG, PROCESS_MARK, MARK_VAR], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    watchdog.on('error', () => undefined);
    watchdog.stdin!.on('error', () => undefined);
    // Neither the watchdog nor its pipe keeps the runner alive.
    watchdog.unref();
    (watchdog.stdin as unknown as { unref?(): void }).unref?.();
  } catch {
    // No watchdog: the file-end sweeps still run.
  }
}

/**
 * Once a worker ended: kills the processes that carry its `mark`, and returns the warning naming those outside the
 * process `groups` its children led (the ones in them were killed with their group, and named, already), if any.
 */
export function killEscaped(file: string, mark: string, groups: ReadonlySet<number>): string | undefined {
  const named = killMarked(mark).filter((p) => !groups.has(p.pgid)).map((p) => `pid ${p.pid}: ${p.command}`);
  if (named.length === 0) return undefined;
  return `${file} left ${named.length} process(es) running outside the process groups the runner kills (${named.join('; ')}): killed, so none outlives the run; stop what a test starts, a daemon or a setsid'd process too`;
}
