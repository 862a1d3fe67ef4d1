// OS processes a test file's code starts (child_process.spawn, exec, fork, ...) must not outlive the file: one left
// running would keep running after the run, and with the run's stdout inherited it holds a CI step's pipe open.
import { ChildProcess, type SpawnOptions } from 'node:child_process';
import { basename } from 'node:path';

/** What the worker tells the main thread of a child process: started (with its command) or exited. */
export interface ChildEvent {
  readonly type: 'child';
  readonly osPid: number;
  readonly alive: boolean;
  readonly command?: string;
}

// The children started from this worker and not exited yet, with their command.
const running = new Map<ChildProcess, string>();
// Set on a peer node's ChildProcess (a registered symbol, so every copy of this module agrees): peers are stopped silently.
const PEER = Symbol.for('otp-ts.test-runner.peer');

/** Marks a child process as a peer node, which the end of its file stops without a warning. */
export function markPeer(child: ChildProcess): void {
  (child as unknown as Record<symbol, boolean>)[PEER] = true;
}

/** How long the worker waits for the exit of the children it killed at the end of its file. */
export const REAP_DEADLINE_MS = 5_000;

/** In the worker: every child process started from here is announced, and its exit too. */
export function trackChildren(post: (event: ChildEvent) => void): void {
  // Every spawn, exec, execFile and fork goes through this (undocumented, stable since Node 0.x) method of ChildProcess.
  const proto = ChildProcess.prototype as unknown as { spawn(this: ChildProcess, options: SpawnOptions): unknown };
  const spawn = proto.spawn;
  proto.spawn = function trackedSpawn(this: ChildProcess, options: SpawnOptions & { file?: string; args?: string[] }) {
    const returned = spawn.call(this, options);
    const pid = this.pid;
    // esbuild's service (the runner's compiler, which peers use) is the runner's own, not the test's.
    if (pid !== undefined && !basename(options.file ?? '').startsWith('esbuild')) {
      const command = (options.args ?? [options.file ?? '?']).join(' ').slice(0, 120);
      running.set(this, command);
      post({ type: 'child', osPid: pid, alive: true, command });
      this.once('exit', () => {
        running.delete(this);
        post({ type: 'child', osPid: pid, alive: false });
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
  if (left.length === 0) return undefined;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, deadlineMs);
  });
  const exited = left.map(([child]) => new Promise<void>((resolve) => {
    if (!running.has(child)) return resolve();
    child.once('exit', () => resolve());
    try {
      child.kill('SIGKILL');
    } catch {
      // Already gone: its exit event is on its way.
    }
  }));
  await Promise.race([Promise.all(exited), deadline]);
  clearTimeout(timer);
  const named = left.filter(([child]) => !(child as unknown as Record<symbol, boolean>)[PEER]).map(([child, command]) => `pid ${child.pid}: ${command}`);
  return leftWarning(file, named);
}

/**
 * In the main thread, once a file's worker ended: kills the child processes its code left running (peer nodes are
 * stopped silently, as documented) and returns the warning naming them, if any. A worker that finished has reaped its
 * own already (reapLeftChildren); this catches those of a worker that was terminated, which cannot wait for them.
 */
export function killLeftChildren(file: string, children: ReadonlyMap<number, string>, peers: ReadonlySet<number>): string | undefined {
  const killed: string[] = [];
  for (const [pid, command] of children) {
    try {
      process.kill(pid, 'SIGKILL');
      if (!peers.has(pid)) killed.push(`pid ${pid}: ${command}`);
    } catch {
      // Already gone.
    }
  }
  return leftWarning(file, killed);
}

function leftWarning(file: string, killed: readonly string[]): string | undefined {
  if (killed.length === 0) return undefined;
  return `${file} left ${killed.length} child process(es) running after its tests (${killed.join('; ')}): killed, so none outlives the run or holds its output open; stop what a test starts (child.kill() in the test or its cleanup)`;
}
