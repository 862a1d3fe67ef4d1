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
      post({ type: 'child', osPid: pid, alive: true, command: (options.args ?? [options.file ?? '?']).join(' ').slice(0, 120) });
      this.once('exit', () => post({ type: 'child', osPid: pid, alive: false }));
    }
    return returned;
  };
}

/**
 * In the main thread, once a file's worker ended: kills the child processes its code left running (peer nodes are
 * stopped silently, as documented) and returns the warning naming them, if any.
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
  if (killed.length === 0) return undefined;
  return `${file} left ${killed.length} child process(es) running after its tests (${killed.join('; ')}): killed, so none outlives the run or holds its output open; stop what a test starts (child.kill() in the test or its cleanup)`;
}
