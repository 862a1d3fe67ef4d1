import type { ProcessContext, ProcessLabel } from '../types.js';
import type { Pid } from '../pid.js';
import type { ProcessImpl } from '../process.js';
import { replyTo } from './call.js';
import { isSystemMessage, type SystemMessage, type SystemRequest } from './messages.js';

/** Counters kept while sys statistics are on. */
export interface Statistics {
  /** When statistics were switched on (ms since the epoch). */
  startTime: number;
  /** Reductions of the process when they were switched on, and now. */
  reductionsAtStart: number;
  reductions: number;
  messagesIn: number;
  messagesOut: number;
}

/** What sys.getStatus reports about a behaviour process. */
export interface SysStatus {
  pid: Pid;
  behaviour: string;
  module: string;
  status: 'running' | 'suspended';
  parent: Pid | null;
  /** The state as the module's formatStatus shapes it. */
  state: unknown;
}

/** The part of a behaviour loop the sys protocol reads and changes. */
export interface SysTarget {
  readonly behaviour: string;
  readonly moduleName: string;
  readonly parent: Pid | null;
  suspended: boolean;
  statistics: Statistics | null;
  trace: boolean;
  getState(): unknown;
  setState(state: unknown): void;
  formattedState(): unknown;
  /** Stops the process: runs its terminate callback and exits with `reason`. */
  terminate(reason: unknown, message: unknown): Promise<never>;
  /** Swaps the callback module without migrating the state; absent if unsupported. */
  setModule?(module: unknown): void;
  /** Migrates `change.state` and moves to `change.to`; throws to refuse, leaving module and state as they were. */
  changeCode(change: CodeChange): Promise<void>;
  /** The callback module(s) and state as they are now, by reference, for `restore`. */
  snapshot(): unknown;
  /** Puts back what `snapshot` returned (an upgrade's rollback). */
  restore(snapshot: unknown): void;
}

/** One code change as a behaviour loop applies it. */
export interface CodeChange {
  /** The callback module to run from now on (undefined: keep the current one). */
  to: unknown;
  /** The callback module `to` replaces, in a process running several (gen_event); undefined: by name. */
  from?: unknown;
  /** Whose codeChange migrates the state (a downgrade: the version being left); default `to`'s. */
  via?: unknown;
  oldVsn: unknown;
  extra: unknown;
  /** The state to migrate, in getState's shape: a copy during an upgrade, so the original stays untouched. */
  state: unknown;
}

// What a suspend for an upgrade saves: the loop's snapshot and the process label (which names the callback module).
interface Saved {
  target: unknown;
  label: ProcessLabel | null;
}

/** True while `ctx` waits suspended by sys: its loop reads only system messages (costs nothing to keep, unlike a set of processes). */
export function isSysSuspended(ctx: ProcessContext): boolean {
  return (ctx as ProcessImpl).matcher === isSystemMessage;
}

// Behaviours running several callback modules at once (gen_event's handlers), which a process label cannot name.
const hosts = new WeakMap<ProcessContext, () => readonly object[]>();

/** Internal: a behaviour running several callback modules lists them here, so an upgrade finds its process. */
export function listCallbackModules(ctx: ProcessContext, list: () => readonly object[]): void {
  hosts.set(ctx, list);
}

/** The callback modules a process registered with listCallbackModules, if it did. */
export function callbackModulesOf(ctx: ProcessContext): readonly object[] | undefined {
  return hosts.get(ctx)?.();
}

/** A sys request failed inside the target; the client rethrows the cause. */
export class SysFailure {
  constructor(readonly error: unknown) {}
}

/**
 * Handles one system message for a behaviour loop (OTP's sys:handle_system_msg). Synchronous requests
 * (suspend, resume, getState, ...) are answered at once and return undefined, so a loop pays no promise
 * for them (an upgrade of many processes sends two each); changeCode and terminate return a promise.
 */
export function handleSystemMessage(ctx: ProcessContext, msg: SystemMessage, target: SysTarget): Promise<void> | undefined {
  const req = msg.request;
  if (req.type === 'terminate') return target.terminate(req.reason, msg);
  if (req.type === 'changeCode') return changeCode(ctx, msg, target);
  let answer: unknown;
  try {
    answer = answerOf(ctx, req, target);
  } catch (error) {
    answer = new SysFailure(error);
  }
  replyTo(msg.from, answer);
  return undefined;
}

// Migrates the state through codeChange (a downgrade: through the version being left, then swaps to the older module).
async function changeCode(ctx: ProcessContext, msg: SystemMessage, target: SysTarget): Promise<void> {
  const req = msg.request as Extract<SystemRequest, { type: 'changeCode' }>;
  let answer: unknown = 'ok';
  try {
    if (!target.suspended) throw new Error(`${ctx.self()} must be suspended (sys.suspend) before changeCode`);
    const state = 'state' in req ? req.state : target.getState();
    await target.changeCode({ to: req.module, from: req.replaces, via: req.migrateWith, oldVsn: req.oldVsn, extra: req.extra, state });
  } catch (error) {
    answer = new SysFailure(error);
  }
  replyTo(msg.from, answer);
}

// The answer to a request that needs no waiting; throws to answer a SysFailure.
function answerOf(ctx: ProcessContext, req: SystemRequest, target: SysTarget): unknown {
  switch (req.type) {
    case 'getState':
      return target.getState();
    case 'replaceState':
      target.setState(req.fn(target.getState()));
      return target.getState();
    case 'getStatus':
      return {
        pid: ctx.self(),
        behaviour: target.behaviour,
        module: target.moduleName,
        status: target.suspended ? 'suspended' : 'running',
        parent: target.parent,
        state: target.formattedState(),
      } satisfies SysStatus;
    case 'suspend':
      target.suspended = true;
      // An upgrade suspends and saves what a rollback puts back in one round trip.
      return req.withState ? { state: target.getState(), snapshot: { target: target.snapshot(), label: (ctx as ProcessImpl).label } satisfies Saved } : 'ok';
    case 'resume':
      target.suspended = false;
      return 'ok';
    case 'restore': {
      const saved = req.snapshot as Saved;
      target.restore(saved.target);
      (ctx as ProcessImpl).label = saved.label;
      return 'ok';
    }
    case 'statistics':
      if (req.flag === true) {
        const r = ctx.processInfo(ctx.self())?.reductions ?? 0;
        target.statistics = { startTime: Date.now(), reductionsAtStart: r, reductions: r, messagesIn: 0, messagesOut: 0 };
      } else if (req.flag === false) target.statistics = null;
      if (target.statistics) target.statistics.reductions = ctx.processInfo(ctx.self())?.reductions ?? 0;
      return target.statistics ? { ...target.statistics } : null;
    case 'trace':
      target.trace = req.flag;
      return 'ok';
    case 'setModule':
      if (!target.setModule) throw new Error(`${target.behaviour} cannot swap its module without codeChange`);
      target.setModule(req.module);
      return 'ok';
    default:
      throw new Error(`unknown system request ${JSON.stringify(req)}`);
  }
}
