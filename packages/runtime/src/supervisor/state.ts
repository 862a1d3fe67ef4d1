import type { ExitReason } from '../messages.js';
import { Pid } from '../pid.js';
import type { ProcessContext } from '../types.js';
import { isNormalExit, loggerOf } from '../logger.js';
import { shutdownChild, shutdownChildren, startChildProcess, type Child, type FullSpec } from './children.js';
import type { SupFlags, Supervisor } from './types.js';
import { startWithState } from './escalation.js';
import { internals } from '../process-internals.js';
import type { SysTarget } from '../gen/sys-handler.js';
import { termKey } from '../terms.js';

/** A supervisor's state: its module, flags, children in start order, and recent restart times. */
export interface SupState {
  ctx: ProcessContext;
  module: Supervisor<unknown>;
  flags: Required<SupFlags>;
  /** Static children in start order (whichChildren lists them the other way round, as OTP does). */
  children: Child[];
  /** The children of a simpleOneForOne supervisor by pid (a child being restarted stays under its last pid), as OTP keys them. */
  dynamic: Map<Pid, Child>;
  /** The template of a simpleOneForOne supervisor. */
  template: FullSpec | null;
  restarts: number[];
  /** The args init got: a code change calls the new module's init with them again, as OTP does. */
  args: unknown;
  /** Child ids the last code change added (not yet started) and removed (still running), for syncChildren. */
  pending: { added: string[]; removed: string[] };
}

/** The name reports use for a supervisor: its registered name, or its pid (read from its record: a processInfo snapshot lists every child's link). */
export function supervisorName(state: SupState): string {
  return internals(state.ctx).name ?? String(state.ctx.self());
}

// The child as reports show it.
function offender(child: Child, pid?: unknown): Record<string, unknown> {
  return { id: child.spec.id, pid, restart: child.spec.restart, shutdown: child.spec.shutdown, type: child.spec.type };
}

/** Logs a supervisor report (startError, shutdownError, childTerminated…) naming the supervisor and the child. */
export function report(state: SupState, errorContext: string, reason: ExitReason, child?: Child, pid?: unknown): void {
  loggerOf(state.ctx.node).error(
    { kind: 'supervisor', supervisor: supervisorName(state), errorContext, reason, ...(child ? { offender: offender(child, pid) } : {}) },
    { pid: state.ctx.self(), module: state.module.name ?? 'supervisor' },
  );
}

/**
 * Starts a child (with `restored`, given that state before it handles a message); null on success or ignore, the
 * failure otherwise. A failure is reported as a `startError` unless `quiet`: as OTP's supervisor.erl, a start the
 * caller asked for (startChild, restartChild) answers its error to that caller and logs nothing.
 */
export async function startOne(state: SupState, child: Child, restored?: { state: unknown }, quiet = false): Promise<{ reason: unknown } | null> {
  try {
    const pid = restored ? await startWithState(state.ctx, restored.state, (ctx) => startChildProcess(ctx, child, state.module)) : await startChildProcess(state.ctx, child, state.module);
    if (pid !== 'ignore') refuseStarted(state, child, pid);
    child.pid = pid === 'ignore' ? undefined : pid;
    // As OTP, only static children get a progress report: a simpleOneForOne's may number millions.
    if (pid !== 'ignore' && state.template === null) loggerOf(state.ctx.node).info({ kind: 'progress', supervisor: supervisorName(state), started: offender(child, pid) }, { pid: state.ctx.self() });
    return null;
  } catch (reason) {
    child.pid = undefined;
    if (!quiet) report(state, 'startError', reason, child);
    return { reason };
  }
}

/**
 * Throws when the pid a start returned is one the supervisor already knows, against supervisor.erl's contract
 * ("the start function must create and link to the child process"): the supervisor itself, its parent or a
 * running sibling would be supervised twice and stopped by the wrong exit. A new child that unlinked itself
 * passes, as OTP's child_unlink case keeps it (terminateChild still stops it through its monitor).
 */
function refuseStarted(state: SupState, child: Child, pid: Pid): void {
  const self = internals(state.ctx);
  const what = `start of child '${child.spec.id}' returned`;
  const fix = "a start function must spawn and link a new process (ctx.spawnLink, or a behaviour's startLink)";
  if (self.pid.equals(pid)) throw new Error(`${what} the supervisor's own pid ${pid}: ${fix}`);
  if (pid.equals((self.sysTarget as SysTarget | null)?.parent)) throw new Error(`${what} ${pid}, the supervisor's parent: ${fix}`);
  if (state.dynamic.has(pid)) throw new Error(`${what} ${pid}, the pid of another running child of this supervisor: ${fix}`);
  const twin = state.children.find((c) => c !== child && pid.equals(c.pid));
  if (twin !== undefined) throw new Error(`${what} ${pid}, the pid of the running child '${twin.spec.id}': ${fix}`);
}

/** Stops every running child: dynamic ones all at once (as OTP), static ones last started first. */
export async function terminateChildren(state: SupState): Promise<void> {
  const dynamic = [...state.dynamic.values()].filter((c) => c.pid instanceof Pid);
  if (state.template !== null && dynamic.length > 0) {
    const reasons = await shutdownChildren(state.ctx, dynamic.map((c) => c.pid as Pid), state.template.shutdown);
    // As OTP's terminate_dynamic_children, one report per distinct unexpected reason, listing the children's pids.
    const byReason = new Map<unknown, { reason: ExitReason; pids: Pid[] }>();
    for (const child of dynamic) {
      const pid = child.pid as Pid;
      const reason = reasons.get(pid)!;
      if (unexpected(child, reason)) {
        const key = reason instanceof Error ? reason : termKey(reason);
        const entry = byReason.get(key) ?? byReason.set(key, { reason, pids: [] }).get(key)!;
        entry.pids.push(pid);
      }
      child.pid = undefined;
    }
    for (const { reason, pids } of byReason.values()) report(state, 'shutdownError', reason, dynamic[0], pids);
  }
  state.dynamic.clear();
  for (let i = state.children.length - 1; i >= 0; i--) {
    const child = state.children[i]!;
    if (child.pid instanceof Pid) await stopOne(state, child);
    if (child.pid === 'restarting') child.pid = undefined;
  }
}

/** Stops one child within its shutdown time, reporting an unexpected exit reason. */
export async function stopOne(state: SupState, child: Child): Promise<void> {
  const pid = child.pid as Pid;
  reportUnexpected(state, child, pid, await shutdownChild(state.ctx, pid, child.spec.shutdown));
  child.pid = undefined;
}

// Reports a child that a shutdown ended with another reason than the one it was sent. As OTP, a transient
// or temporary child may also end normal or {shutdown, _}; a permanent one doing so is a shutdown error.
function reportUnexpected(state: SupState, child: Child, pid: Pid, exitReason: ExitReason): void {
  if (unexpected(child, exitReason)) report(state, 'shutdownError', exitReason, child, pid);
}

// Whether a child a shutdown ended with `exitReason` is a shutdown error.
function unexpected(child: Child, exitReason: ExitReason): boolean {
  const expected = child.spec.shutdown === 'brutalKill' ? exitReason === 'killed' : exitReason === 'shutdown';
  const tolerated = child.spec.restart !== 'permanent' && isNormalExit(exitReason);
  return !expected && !tolerated && exitReason !== 'noproc';
}
