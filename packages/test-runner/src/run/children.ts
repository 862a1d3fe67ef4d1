// OS processes a test file's code starts (child_process.spawn, exec, fork, ...) must not outlive the file: one left
// running would keep running after the run, and with the run's stdout inherited it holds a CI step's pipe open.
import { ChildProcess, type SpawnOptions } from 'node:child_process';
import { basename } from 'node:path';
import { MARK_VAR } from './escaped.js';

/** What the worker tells the main thread of a child process: started (with its command) or exited, and then whether its process group still runs. */
export interface ChildEvent {
  readonly type: 'child';
  readonly osPid: number;
  readonly alive: boolean;
  readonly command?: string;
  /** On its exit: processes it started still run in its process group (a shell's background job, a grandchild). */
  readonly lingering?: boolean;
}

// On POSIX each child starts a process group of its own (its pid is the group's id), so what it starts in turn (a shell's
// commands, a tool's helpers) is killed with it: killing the child alone would leave those running after the run.
const GROUPS = process.platform !== 'win32';

// The children started from this worker and not exited yet, with their command.
const running = new Map<ChildProcess, string>();
// The process groups whose leader (the child) exited while other processes of the group still ran, by the leader's pid.
// Only those are kept: an empty group's id may be taken by an unrelated process once the pid is reused.
const lingering = new Map<number, string>();

/** Whether the process group `pgid` still has a process (POSIX). */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    // EPERM: a process of the group runs as another user, still there.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Kills a child and, on POSIX, its process group with SIGKILL (the group alone once `leader` exited: its pid may be reused); true when anything was there to kill. */
export function killTree(pid: number, leader = true): boolean {
  let killed = false;
  for (const target of [...(GROUPS ? [-pid] : []), ...(leader ? [pid] : [])]) {
    try {
      process.kill(target, 'SIGKILL');
      killed = true;
    } catch {
      // Already gone.
    }
  }
  return killed;
}
// Set on a peer node's ChildProcess (a registered symbol, so every copy of this module agrees): peers are stopped silently.
const PEER = Symbol.for('otp-ts.test-runner.peer');

/** Marks a child process as a peer node, which the end of its file stops without a warning. */
export function markPeer(child: ChildProcess): void {
  (child as unknown as Record<symbol, boolean>)[PEER] = true;
}

/** How long the worker waits for the exit of the children it killed at the end of its file. */
export const REAP_DEADLINE_MS = 5_000;

// A spawn's environment with the worker's `marks` (also when the test passed an environment of its own), or without them.
function marked(options: SpawnOptions & { envPairs?: string[] }, marks: string | undefined): object {
  if (options.envPairs === undefined) return options;
  const envPairs = options.envPairs.filter((kv) => !kv.startsWith(`${MARK_VAR}=`));
  return { ...options, envPairs: marks ? [...envPairs, `${MARK_VAR}=${marks}`] : envPairs };
}

/** In the worker: every child process started from here is announced, and its exit too; each carries `marks` in its environment. */
export function trackChildren(post: (event: ChildEvent) => void, marks?: string): void {
  // Every spawn, exec, execFile and fork goes through this (undocumented, stable since Node 0.x) method of ChildProcess.
  const proto = ChildProcess.prototype as unknown as { spawn(this: ChildProcess, options: SpawnOptions): unknown };
  const spawn = proto.spawn;
  proto.spawn = function trackedSpawn(this: ChildProcess, options: SpawnOptions & { file?: string; args?: string[]; envPairs?: string[] }) {
    // esbuild's service (the runner's compiler, which peers use) is the runner's own, not the test's.
    const tracked = !basename(options.file ?? '').startsWith('esbuild');
    const withMarks = marked(options, tracked ? marks : undefined);
    const returned = spawn.call(this, tracked && GROUPS ? { ...withMarks, detached: true } : withMarks);
    const pid = this.pid;
    if (pid !== undefined && tracked) {
      const command = (options.args ?? [options.file ?? '?']).join(' ').slice(0, 120);
      running.set(this, command);
      post({ type: 'child', osPid: pid, alive: true, command });
      this.once('exit', () => {
        running.delete(this);
        const left = GROUPS && groupAlive(pid);
        if (left) lingering.set(pid, command);
        post({ type: 'child', osPid: pid, alive: false, ...(left && { lingering: true }) });
      });
    }
    return returned;
  };
}

/**
 * In the worker, once its file's tests ended: kills the child processes its code left running and waits (up to
 * `deadlineMs`) for their exit, which reaps them, so none stays a zombie of the runner's process; returns the warning
 * naming them (peer nodes are stopped silently, as documented), if any.
 */
export async function reapLeftChildren(file: string, deadlineMs = REAP_DEADLINE_MS): Promise<string | undefined> {
  const left = [...running];
  // Groups whose leader exited: what still runs in them is killed too (nothing of ours to wait for: init reaps them).
  const groups = [...lingering].filter(([pgid]) => killTree(pgid, false)).map(([pgid, command]) => groupLeft(pgid, command));
  lingering.clear();
  if (left.length === 0) return leftWarning(file, groups);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, deadlineMs);
  });
  const exited = left.map(([child]) => new Promise<void>((resolve) => {
    if (!running.has(child)) return resolve();
    child.once('exit', () => resolve());
    if (child.pid === undefined || !killTree(child.pid)) {
      try {
        child.kill('SIGKILL');
      } catch {
        // Already gone: its exit event is on its way.
      }
    }
  }));
  await Promise.race([Promise.all(exited), deadline]);
  clearTimeout(timer);
  lingering.clear();
  const named = left.filter(([child]) => !(child as unknown as Record<symbol, boolean>)[PEER]).map(([child, command]) => `pid ${child.pid}: ${command}`);
  return leftWarning(file, [...named, ...groups]);
}

// A process group that outlived its leader, named in the warning.
const groupLeft = (pgid: number, command: string): string => `process group ${pgid}, started by ${command}, which exited first`;

/**
 * In the main thread, once a file's worker ended: kills the child processes its code left running, with their process
 * groups, and the `groups` that outlived their leader (peer nodes are stopped silently, as documented), and returns the
 * warning naming them, if any. A worker that finished has reaped its own already (reapLeftChildren); this catches those
 * of a worker that was terminated or crashed, which cannot.
 */
export function killLeftChildren(file: string, children: ReadonlyMap<number, string>, peers: ReadonlySet<number>, groups: ReadonlyMap<number, string> = new Map()): string | undefined {
  const killed: string[] = [];
  for (const [pid, command] of children) if (killTree(pid) && !peers.has(pid)) killed.push(`pid ${pid}: ${command}`);
  for (const [pgid, command] of groups) if (!children.has(pgid) && killTree(pgid, false)) killed.push(groupLeft(pgid, command));
  return leftWarning(file, killed);
}

// In the main thread, the children (and groups left) of every running worker: in process groups of their own, a terminal's
// Ctrl-C no longer reaches them, so a runner that exits before their file ends (a second Ctrl-C) kills them on its way out.
const guarded = new Set<{ readonly children: ReadonlyMap<number, string>; readonly groups: ReadonlyMap<number, string> }>();
const killGuarded = (): void => {
  for (const g of guarded) {
    for (const pid of g.children.keys()) killTree(pid);
    for (const pgid of g.groups.keys()) if (!g.children.has(pgid)) killTree(pgid, false);
  }
};

/** In the main thread, while a worker runs: its live `children` and `groups` left are killed if the runner's process exits first; returns the function that stops guarding them. */
export function guardOnExit(children: ReadonlyMap<number, string>, groups: ReadonlyMap<number, string>): () => void {
  const entry = { children, groups };
  if (guarded.size === 0) process.on('exit', killGuarded);
  guarded.add(entry);
  return () => {
    guarded.delete(entry);
    if (guarded.size === 0) process.off('exit', killGuarded);
  };
}

function leftWarning(file: string, killed: readonly string[]): string | undefined {
  if (killed.length === 0) return undefined;
  return `${file} left ${killed.length} child process(es) running after its tests (${killed.join('; ')}): killed, so none outlives the run or holds its output open; stop what a test starts (child.kill() in the test or its cleanup)`;
}
