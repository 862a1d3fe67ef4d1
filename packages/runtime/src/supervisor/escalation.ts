import type { OtpNode } from '../node.js';
import type { Pid } from '../pid.js';
import type { ProcessContext } from '../types.js';
import { From, SystemMessage } from '../gen/messages.js';

/** A failure about to escalate: a supervisor giving up on its restart intensity, or an application whose exit stops the node. */
export type Escalation =
  | {
      kind: 'supervisor';
      /** The supervisor and the name reports use for it. */
      supervisor: Pid;
      name: string;
      /** The child whose exit (or failed restart) went over the intensity, its last pid, and why. */
      child: string | undefined;
      pid: Pid | undefined;
      reason: unknown;
      /** Restarts within the period, counting this one, and the ms from the first of them to now. */
      restarts: number;
      withinMs: number;
    }
  | { kind: 'application'; app: string; reason: unknown };

/**
 * Consulted before a supervisor gives up or an application's exit stops the node. Returning true holds
 * the escalation: the supervisor keeps running with the child not restarted (until `ResumeRestarts`),
 * or the node keeps running without the application; the guard then owns the recovery.
 */
export type EscalationGuard = (escalation: Escalation) => boolean;

const guards = new WeakMap<OtpNode, EscalationGuard>();

/** Installs the node's escalation guard (the release handler does, while an upgrade is not yet permanent); null removes it. */
export function setEscalationGuard(node: OtpNode, guard: EscalationGuard | null): void {
  if (guard === null) guards.delete(node);
  else guards.set(node, guard);
}

/** Whether the node's guard holds this escalation (false when no guard is installed). */
export function escalationHeld(node: OtpNode, escalation: Escalation): boolean {
  const guard = guards.get(node);
  return guard !== undefined && guard(escalation);
}

/**
 * Tells a supervisor that held its escalation to restart the children it left down, its restart history
 * cleared. A child with an entry in `states` is started suspended and given that state before it
 * handles any message (a process that crashed after an upgrade comes back with its state from before).
 */
export class ResumeRestarts {
  constructor(readonly states: ReadonlyMap<string, unknown> = new Map()) {}
}

const noReply = (ctx: ProcessContext): From => new From(ctx.self(), ctx.makeRef());

/**
 * Runs a child's start with a context whose first spawn is suspended at once (its suspend is the first
 * message in its mailbox), then hands the started process `state` and resumes it: no message reaches the
 * process before its state is in place. Answers to these system messages are dropped (no call waits).
 */
export async function startWithState<T>(ctx: ProcessContext, state: unknown, start: (ctx: ProcessContext) => Promise<T>): Promise<T> {
  let first: Pid | undefined;
  const suspendFirst = (pid: Pid): void => {
    if (first !== undefined) return;
    first = pid;
    ctx.send(pid, new SystemMessage(noReply(ctx), { type: 'suspend' }));
  };
  const spawns: Partial<ProcessContext> = {
    spawn: (fn, options) => {
      const pid = ctx.spawn(fn, options);
      suspendFirst(pid);
      return pid;
    },
    spawnLink: (fn, options) => {
      const pid = ctx.spawnLink(fn, options);
      suspendFirst(pid);
      return pid;
    },
    spawnMonitor: (fn, options) => {
      const started = ctx.spawnMonitor(fn, options);
      suspendFirst(started[0]);
      return started;
    },
  };
  const wrapped = new Proxy(ctx, {
    get(target, key) {
      if (typeof key === 'string' && key in spawns) return spawns[key as keyof typeof spawns];
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  const result = await start(wrapped);
  if (first !== undefined && first.node === 0 && ctx.isAlive(first)) {
    if (result === first) ctx.send(first, new SystemMessage(noReply(ctx), { type: 'replaceState', fn: () => state }));
    ctx.send(first, new SystemMessage(noReply(ctx), { type: 'resume' }));
  }
  return result;
}
