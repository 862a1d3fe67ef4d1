import { readFileSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';

// A signal a test sends to its own process would reach the runner's (every test file shares it, each in a worker
// thread): SIGTERM would stop the whole run as if CI cancelled it, SIGKILL lose every report. It throws in the test
// instead, which fails alone; signal 0 (is the process alive?) still answers.
// The same holds for the runner's process group (-pid, or its group's id: a kill(0) too), every process (-1) and the
// process that started the runner (its parent: the shell, npm or CI's agent), whether the test calls process.kill
// or runs a `kill` command in a child process (execSync(`kill -TERM ${process.ppid}`), a shell's `kill $PPID`).

const advice = 'test a signal handler in a child process of its own';

/** Makes process.kill, and the child_process functions that would run a `kill` of the runner, throw in this worker. */
export function guardSignals(): void {
  const group = processGroup();
  const kill = process.kill.bind(process);
  process.kill = (pid: number, signal?: string | number): true => {
    const whom = signal === 0 || signal === '0' ? undefined : reaches(Number(pid), group);
    if (whom !== undefined) throw new Error(`process.kill(${String(pid)}, ${JSON.stringify(signal ?? 'SIGTERM')}) in a test would signal ${whom}: ${advice}`);
    return kill(pid, signal);
  };
  guardChildProcesses(group);
}

// What of the runner's a signal to `pid` would reach, if anything.
function reaches(pid: number, group: number | undefined): string | undefined {
  if (pid === process.pid || pid === 0) return "the test runner's own process, which every test file shares (each runs in a worker thread)";
  if (pid === -1) return "every process this user may signal, the test runner's among them";
  if (pid === -process.pid || (group !== undefined && pid === -group)) return "the test runner's process group, the runner among them";
  if (pid === process.ppid || pid === -process.ppid) return 'the process that started the test runner (its parent)';
  return undefined;
}

// The process group this process is in (Linux: the fifth field of /proc/self/stat), if it can be read.
function processGroup(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const group = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
    return Number.isInteger(group) && group > 0 ? group : undefined;
  } catch {
    return undefined;
  }
}

type Spawner = (...args: unknown[]) => unknown;
const SPAWNERS = ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync'] as const;

// The child_process functions of this worker (each worker has its own copy of the module) check their command first.
function guardChildProcesses(group: number | undefined): void {
  const childProcess = createRequire(import.meta.url)('node:child_process') as Record<string, Spawner>;
  for (const name of SPAWNERS) {
    const original = childProcess[name]!;
    childProcess[name] = function guarded(this: unknown, ...args: unknown[]): unknown {
      const words = commandWords(args);
      const whom = killTarget(words, group);
      if (whom !== undefined) throw new Error(`${name}(${JSON.stringify(words.join(' '))}) in a test would signal ${whom}: ${advice}`);
      return original.apply(this, args);
    };
  }
  syncBuiltinESMExports();
}

// The words of a command: a shell line (exec, or spawn with shell: true) split on blanks, or the file and its arguments.
function commandWords(args: unknown[]): string[] {
  const [file, rest] = args;
  if (typeof file !== 'string') return [];
  const argv = Array.isArray(rest) ? rest.map(String) : [];
  return [file, ...argv].flatMap((w) => w.split(/\s+|(?=[;&|()])|(?<=[;&|()])/)).filter((w) => w !== '');
}

/** Whom of the runner's a `kill` among `words` would signal: the runner, its group, its parent (a shell's $PPID is the runner). */
function killTarget(words: readonly string[], group: number | undefined): string | undefined {
  for (let i = 0; i < words.length; i++) {
    if (!/(^|\/)kill$/.test(words[i]!.replace(/^['"]|['"]$/g, ''))) continue;
    let probe = false;
    for (let j = i + 1; j < words.length && !/^[;&|()]/.test(words[j]!); j++) {
      const w = words[j]!.replace(/^['"]|['"]$/g, '');
      if (w === '-s' || w === '-n') probe ||= words[++j] === '0';
      else if (w === '-0') probe = true;
      else if (/^-[A-Za-z]/.test(w) || /^-\d+$/.test(w) && j === i + 1 && words[j + 1] !== undefined) continue;
      else if (!probe) {
        const pid = /^-?\$\{?PPID\}?$/.test(w) ? (w.startsWith('-') ? -process.pid : process.pid) : Number(w);
        // A child's kill 0 signals its own process group: the runner's, unless the child was started detached.
        const whom = pid === 0 ? reaches(-process.pid, group) : Number.isInteger(pid) ? reaches(pid, group) : undefined;
        if (whom !== undefined) return whom;
      }
    }
  }
  return undefined;
}
