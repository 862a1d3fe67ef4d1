// One `bin/<name> daemon` at a time per release root: run/<name>.starting holds the OS pid of the daemon
// command starting the node. A second one waits for the first's outcome, then finds the node running and
// says so, rather than boot a node of its own that loses the race for the name (its crash dump, its lines
// mixed into the shared log).
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alive, program, root, ScriptError, sleep } from './client.js';

// The OS pid in the lock when it names a live start-script process (a stale file's pid reused by another program does not count).
function holder(file: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(file, 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid || !alive(pid)) return undefined;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(program) ? pid : undefined;
  } catch {
    return pid;
  }
}

// Written aside, then linked into place: the lock never exists without its pid (a reader never sees it empty).
function tryTake(file: string): boolean {
  const mine = `${file}.${process.pid}`;
  writeFileSync(mine, `${process.pid}\n`);
  try {
    linkSync(mine, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    rmSync(mine, { force: true });
  }
}

/**
 * Takes run/<name>.starting, waiting up to `waitMs` while another daemon command holds it (a dead holder's
 * file is taken over); returns its release. Past the wait, refuses (exit 1) naming the other command.
 */
export async function takeStartLock(name: string, waitMs: number): Promise<() => void> {
  mkdirSync(join(root, 'run'), { recursive: true });
  const file = join(root, 'run', `${name}.starting`);
  const deadline = Date.now() + waitMs;
  let other: number | undefined;
  while (!tryTake(file)) {
    other = holder(file);
    if (other === undefined) rmSync(file, { force: true });
    else if (Date.now() >= deadline) throw new ScriptError(`another bin/${name} daemon (os pid ${other}) is still starting the node: wait for it to end, then run bin/${name} ping`);
    else await sleep(100);
  }
  return () => {
    try {
      if (Number(readFileSync(file, 'utf8').trim()) === process.pid) rmSync(file, { force: true });
    } catch {
      // gone already
    }
  };
}
