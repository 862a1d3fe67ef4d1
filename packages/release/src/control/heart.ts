// The heart, as Erlang's `-heart`: a small watchdog process (`bin/<name>.mjs heart`, started by
// `daemon --heart` or `-heart` in node.args) that runs the node as its child, restarts it when it dies
// or stops answering, backs off and gives up past a limit, and stops with it on `bin/<name> stop`.
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { HeartArgs } from '@otp-ts/runtime/tools';
import { sleep } from './client.js';

/** How the heart watches and restarts, resolved from node.args, then the environment, then the defaults. */
export interface HeartSettings {
  /** A node that answers no beat for this long is killed (SIGKILL) and restarted. */
  beatTimeoutMs: number;
  /** How often a running node is asked for its OS pid. */
  beatIntervalMs: number;
  /** How long a (re)started node may take to answer for the first time. */
  bootTimeoutMs: number;
  /** At most this many restarts within `maxSeconds`: one more and the heart gives up. */
  maxRestarts: number;
  maxSeconds: number;
}

/** The defaults: Erlang's HEART_BEAT_TIMEOUT of 60 s, and at most 5 restarts a minute. */
export const HEART_DEFAULTS = { beatTimeoutS: 60, maxRestarts: 5, maxSeconds: 60 } as const;

// A whole number from the environment (Erlang's HEART_BEAT_TIMEOUT and our HEART_MAX_*), or undefined when unset.
function fromEnv(env: Record<string, string | undefined>, key: string, min: number): number | undefined {
  const v = env[key];
  if (v === undefined || v === '') return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min) throw new Error(`${key}=${v} is not a whole number from ${min}: export e.g. ${key}=${Math.max(min, 5)}, or unset it`);
  return Number(v);
}

/** The heart's settings: node.args' `--heart-*` words first, then HEART_BEAT_TIMEOUT, HEART_MAX_RESTARTS and HEART_MAX_SECONDS, then HEART_DEFAULTS. */
export function heartSettings(args: HeartArgs | undefined, env: Record<string, string | undefined>): HeartSettings {
  const beatTimeoutS = args?.beatTimeoutS ?? fromEnv(env, 'HEART_BEAT_TIMEOUT', 1) ?? HEART_DEFAULTS.beatTimeoutS;
  const beatTimeoutMs = beatTimeoutS * 1000;
  return {
    beatTimeoutMs,
    beatIntervalMs: Math.min(1000, beatTimeoutMs / 4),
    bootTimeoutMs: Math.max(beatTimeoutMs, 30_000),
    maxRestarts: args?.maxRestarts ?? fromEnv(env, 'HEART_MAX_RESTARTS', 0) ?? HEART_DEFAULTS.maxRestarts,
    maxSeconds: args?.maxSeconds ?? fromEnv(env, 'HEART_MAX_SECONDS', 1) ?? HEART_DEFAULTS.maxSeconds,
  };
}

/**
 * What the heart does once the node died, given when it restarted it before: restart after a back-off
 * (none for the first restart in the window, then 250 ms doubling up to 5 s), or give up when the
 * window already holds `maxRestarts` restarts.
 */
export function nextRestart(restarts: readonly number[], now: number, s: Pick<HeartSettings, 'maxRestarts' | 'maxSeconds'>): { delayMs: number } | { giveUp: string } {
  const recent = restarts.filter((t) => now - t < s.maxSeconds * 1000).length;
  if (recent >= s.maxRestarts) return { giveUp: `${recent} restart${recent === 1 ? '' : 's'} in the last ${s.maxSeconds} s already (at most ${s.maxRestarts}: --heart-max-restarts, --heart-max-seconds)` };
  return { delayMs: recent === 0 ? 0 : Math.min(250 * 2 ** (recent - 1), 5000) };
}

/** What the heart tells the `daemon` command that started it about the first boot. */
export type HeartReport = { kind: 'up'; pid: number; vsn: string } | { kind: 'failed'; pid: number | undefined; exit: NodeExit };

/** How a node's OS process ended. */
export interface NodeExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
}

/** "exited with code 1", "was killed by SIGKILL". */
export function exitText(e: NodeExit): string {
  if (e.error) return `could not be started (${e.error.message})`;
  return e.signal ? `was killed by ${e.signal}` : `exited with code ${e.code}`;
}

/** Resolves when a child process has ended (or could not start). */
export function exitOf(child: ChildProcess): Promise<NodeExit> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
  });
}

/** What the heart needs of the world, so its loop is the policy alone. */
export interface HeartHost {
  settings: HeartSettings;
  /** The node's name, for the log. */
  node: string;
  /** Boots the permanent version of RELEASES.json as a child process. */
  spawnNode(): Promise<{ child: ChildProcess; vsn: string }>;
  /** The OS pid of the node answering under the release's name, or undefined when none answers within `timeoutMs`. */
  answer(timeoutMs: number): Promise<number | undefined>;
  log(line: string): void;
  report(r: HeartReport): void;
  /** Resolves when the heart is told to stop (`bin/<name> stop` sends it SIGTERM). */
  stopRequested: Promise<void>;
}

/** How long a stopping node may take before the heart kills it. */
const STOP_GRACE_MS = 55_000;

type Watched = { kind: 'exit' | 'hung'; exit: NodeExit; up: boolean; silentMs: number };

// Beats a running child until it exits or answers no beat within the limit (then it is killed).
async function watch(host: HeartHost, child: ChildProcess, exited: Promise<NodeExit>, stopping: () => boolean, onUp: () => void): Promise<Watched> {
  const s = host.settings;
  let lastAnswer = Date.now();
  let up = false;
  const ended = exited.then((exit) => ({ exit }));
  for (;;) {
    const left = (up ? s.beatTimeoutMs : s.bootTimeoutMs) - (Date.now() - lastAnswer);
    if (left <= 0 && !stopping()) {
      child.kill('SIGKILL');
      return { kind: 'hung', exit: await exited, up, silentMs: Date.now() - lastAnswer };
    }
    const beat = await Promise.race([ended, host.answer(Math.max(left, 100)).then((pid) => ({ pid }))]);
    if ('exit' in beat) return { kind: 'exit', exit: beat.exit, up, silentMs: 0 };
    if (beat.pid !== undefined && beat.pid === child.pid) {
      lastAnswer = Date.now();
      if (!up) onUp();
      up = true;
    }
    const rest = await Promise.race([ended, sleep(up ? s.beatIntervalMs : 100)]);
    if (rest) return { kind: 'exit', exit: rest.exit, up, silentMs: 0 };
  }
}

/**
 * The heart's loop: boot the node, beat it, and on its death (or a hang) restart the permanent version
 * after the back-off, until told to stop, the node stops by itself (exit code 0: an orderly stop), or
 * the restart limit is reached. Resolves to the heart's exit code. A node that dies before it first
 * answers is a boot failure, not a crash: it is reported to the daemon command and not restarted.
 */
export async function runHeart(host: HeartHost): Promise<number> {
  const s = host.settings;
  let stopping = false;
  let current: ChildProcess | undefined;
  let wake = (): void => {};
  void host.stopRequested.then(() => {
    stopping = true;
    current?.kill('SIGTERM');
    setTimeout(() => current?.kill('SIGKILL'), STOP_GRACE_MS).unref();
    wake();
  });
  const restarts: number[] = [];
  let why: string | undefined;
  for (;;) {
    if (stopping) return 0;
    const { child, vsn } = await host.spawnNode();
    current = child;
    const exited = exitOf(child);
    if (stopping) child.kill('SIGTERM');
    const bornAt = Date.now();
    if (why !== undefined) host.log(`${why}; restart ${restarts.length} of at most ${s.maxRestarts} in ${s.maxSeconds} s: booting ${vsn} as os pid ${child.pid}`);
    const first = why === undefined;
    const onUp = (): void => (first ? host.report({ kind: 'up', pid: child.pid!, vsn }) : host.log(`${host.node} answers again as os pid ${child.pid}, ${Date.now() - bornAt} ms after its restart`));
    const w = await watch(host, child, exited, () => stopping, onUp);
    current = undefined;
    if (stopping) {
      host.log(`${host.node} (os pid ${child.pid}) ${exitText(w.exit)} on stop; the heart stops too`);
      return 0;
    }
    if (first && !w.up) {
      host.report({ kind: 'failed', pid: child.pid, exit: w.exit });
      host.log(`${host.node} (os pid ${child.pid ?? '–'}) ${w.kind === 'hung' ? `did not answer within ${s.bootTimeoutMs / 1000} s and was killed` : exitText(w.exit)} before it first answered: not restarted`);
      return 1;
    }
    if (w.kind === 'exit' && w.exit.code === 0) {
      host.log(`${host.node} (os pid ${child.pid}) stopped in order (exit code 0); the heart stops too`);
      return 0;
    }
    why = `${host.node} (os pid ${child.pid}) ${w.kind === 'hung' ? `answered no beat for ${(w.silentMs / 1000).toFixed(1)} s and was killed` : exitText(w.exit)}`;
    const next = nextRestart(restarts, Date.now(), s);
    if ('giveUp' in next) {
      host.log(`${why}; giving up: ${next.giveUp}`);
      return 1;
    }
    await Promise.race([sleep(next.delayMs), new Promise<void>((r) => (wake = r))]);
    restarts.push(Date.now());
  }
}

/** run/<name>.heart.pid: the heart's OS pid while it runs. */
export function heartPidFile(root: string, name: string): string {
  return join(root, 'run', `${name}.heart.pid`);
}

/**
 * The OS pid of this release's running heart, if one runs: the pid file names a live process, and on
 * Linux that process is this program's `heart` (a stale file's pid reused by another process is not).
 */
export function liveHeart(root: string, name: string, program: string): number | undefined {
  const file = heartPidFile(root, name);
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 1) return undefined;
  try {
    process.kill(pid, 0);
  } catch {
    return undefined;
  }
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.includes(program) && argv.includes('heart') ? pid : undefined;
  } catch {
    return existsSync('/proc/self') ? undefined : pid;
  }
}

/** Removes a pid file if it still names `pid` (a newer process may have written it since). */
export function removePidFile(file: string, pid: number | undefined): void {
  try {
    if (pid !== undefined && Number(readFileSync(file, 'utf8').trim()) === pid) rmSync(file, { force: true });
  } catch {
    // no file: nothing to remove
  }
}
