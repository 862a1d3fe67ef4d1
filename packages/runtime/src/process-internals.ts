import { PROCESS, type Pid, type Ref } from './pid.js';
import { ProcessImpl } from './process.js';
import type { Answer, LoopWake } from './process-record.js';
import type { Matcher, ProcessContext, ProcessLabel } from './types.js';

export { DETACHED, type Answer, type LoopWake } from './process-record.js';

/** A monitor as behaviours read it: which process holds it, on which, under which tag. */
export interface MonitorView {
  readonly ref: Ref;
  readonly watcher: ProcessInternals;
  readonly target: ProcessInternals;
}

/**
 * What the layers above the process primitives (behaviours, sys, the code server's suspend, group leaders)
 * may touch of a process record beyond its `ProcessContext`: the contract between them and `ProcessImpl`,
 * which implements it. Internal: not exported from the package's entries.
 */
export interface ProcessInternals extends ProcessContext {
  readonly pid: Pid;
  /** True once the process has exited. */
  readonly dead: boolean;
  /** Throws ProcessExitedError once the process is dead: a body resumed after its death runs no further. */
  check(): void;
  /** The registered name, if any. */
  readonly name: string | undefined;
  /** What processInfo reports as behaviour and module; a behaviour's upgrade and rollback write it. */
  label: ProcessLabel | null;
  /** What processInfo reports as the current function (gen/current.ts writes it); null: the spawned function. */
  currentFunction: string | null;
  /** The group leader (application/group-leader.ts). */
  groupLeader: Pid | null;
  /** The sys target of the behaviour loop the process runs, registered as the loop starts (gen/sys-handler.ts). */
  sysTarget: object | null;
  /** The process that started this one through a behaviour start, null for a plain spawn (gen/crash-info.ts). */
  starter: Pid | null;
  /** The tag of the call this process waits on: only its reply may enter the mailbox (gen/call.ts). */
  activeCall: Ref | null;
  /** The ids of the process's active aliases, null when none. */
  readonly aliases: ReadonlySet<number> | null;
  /** The matcher of the receive the process waits in (or the answer a call waits for), null when it accepts anything or waits in none. */
  readonly matcher: Matcher | Answer | null;
  /** Monitors the process holds or is the target of; null when none. */
  readonly mons: readonly MonitorView[] | null;
  /** How many messages wait in the mailbox. */
  readonly queueLength: number;
  /** Waits for a call's answer past the first `skip` waiting messages (they came before its ref): resolves to what `answer.settle` makes of it. */
  awaitAnswer(skip: number, answer: Answer, timeoutMs: number): Promise<unknown>;
  /** Waits for the scheduler's next turn without looking at the mailbox; resolves to TIMEOUT. */
  yieldTurn(): Promise<unknown>;
  /** Puts a message in the mailbox (a local reply, bypassing the send path). */
  deliver(message: unknown): void;
  /** Drops what a waiting process can do without (a behaviour's `'hibernate'` action). */
  hibernate(): void;
  /** The waiting messages, oldest first (a copy). */
  pendingMessages(limit?: number): unknown[];
  /** Parks a behaviour loop in a receive of anything without a promise, woken through `wake`; false when it must receive instead. */
  parkLoop(wake: LoopWake): boolean;
  /** Watches `body` as the process's body from now on: its end ends the process (a DETACHED result does not). */
  adopt(body: Promise<unknown>): void;
  /** Ends the process as its body's end would: `outcome` returned, or (`threw`) thrown. */
  end(outcome: unknown, threw: boolean): void;
}

/** The internals of the calling process: every `ProcessContext` the runtime hands out is its process record. */
export function internals(ctx: ProcessContext): ProcessInternals {
  return ctx as ProcessInternals;
}

/** The record of a local process from its pid, if the pid carries one (a pid decoded from elsewhere does not). */
export function internalsOf(pid: Pid): ProcessInternals | undefined {
  return pid[PROCESS] as ProcessInternals | undefined;
}

/** True when `x` is a process context (a process record), not some other value such as an exit reason. */
export function isProcessContext(x: unknown): x is ProcessContext {
  return x instanceof ProcessImpl;
}
