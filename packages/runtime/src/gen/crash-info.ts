import type { Pid } from '../pid.js';
import type { ProcessContext } from '../types.js';
import { internals, internalsOf } from '../process-internals.js';

/** A process a crash report lists as linked to the crasher and not trapping exits (OTP's proc_lib `neighbour`). */
export interface Neighbour {
  pid: Pid;
  name: string | undefined;
  initialCall: string;
  currentFunction: string;
  ancestors: ReadonlyArray<Pid | string>;
  messageQueueLen: number;
  links: Pid[];
  trapExit: boolean;
  status: string;
  reductions: number;
}

// As proc_lib, a crash report lists at most this many neighbours; it looks at no more than this many links for them.
const MAX_NEIGHBOURS = 15;
const MAX_LOOKS = 200;
// The longest chain of starters a crash report follows (a chain of starts is as deep as a supervision tree).
const MAX_ANCESTORS = 64;

/**
 * The ancestors of a process: its starter (by registered name when it has one), then the starter's own, as OTP's
 * `$ancestors`; [] for a plain process. Read from each starter's record when the report is made: the chain stops at
 * a starter that has exited since (shown by its pid), where proc_lib, which copies the list at spawn, goes on.
 */
export function ancestorsOf(ctx: ProcessContext): ReadonlyArray<Pid | string> {
  const out: Array<Pid | string> = [];
  for (let pid = internals(ctx).starter; pid !== null && out.length < MAX_ANCESTORS; ) {
    const record = internalsOf(pid);
    out.push(record?.name ?? pid);
    pid = record === undefined ? null : record.starter;
  }
  return out;
}

/**
 * Records `child` as started by `starter` (proc_lib's spawn: `[Parent | Parent's ancestors]`). One field set: a list
 * or a WeakMap entry made per start would cost every gen_server start for a report most processes never make.
 */
export function setAncestors(child: ProcessContext, starter: ProcessContext): void {
  internals(child).starter = starter.self();
}

/**
 * The processes linked to `ctx` that do not trap exits, and theirs in turn, breadth first, at most 15, each with
 * what OTP's crash report shows of a neighbour (proc_lib's linked_info). Local processes only.
 */
export function neighboursOf(ctx: ProcessContext): Neighbour[] {
  const self = ctx.self();
  const seen = new Set<string>([self.toString()]);
  const out: Neighbour[] = [];
  const queue: Pid[] = [...(ctx.processInfo(self)?.links ?? [])];
  for (let at = 0; at < queue.length && at < MAX_LOOKS && out.length < MAX_NEIGHBOURS; at++) {
    const pid = queue[at]!;
    if (seen.has(pid.toString())) continue;
    seen.add(pid.toString());
    const info = ctx.processInfo(pid);
    if (info === undefined || info.trapExit) continue;
    const proc = internalsOf(pid);
    out.push({
      pid,
      name: info.registeredName,
      initialCall: info.initialCall,
      currentFunction: info.currentFunction,
      ancestors: proc === undefined ? [] : ancestorsOf(proc),
      messageQueueLen: info.messageQueueLen,
      links: info.links,
      trapExit: info.trapExit,
      status: info.status,
      reductions: info.reductions,
    });
    queue.push(...info.links);
  }
  return out;
}

/** What OTP's crash report tells of the crasher itself (proc_lib's crasher info), besides its ancestors. */
export interface CrasherInfo {
  initialCall: string;
  messageQueueLen: number;
  /** The oldest queued messages themselves, at most MAX_REPORTED_MESSAGES (`messageQueueLen` counts them all). */
  messages: unknown[];
  links: Pid[];
  trapExit: boolean;
  /** The crasher's status as it reports (`running`, as OTP's). */
  status: string;
  reductions: number;
}

// As proc_lib's report bounds its `messages` by the logger's depth: a crasher with a million queued messages reports
// the oldest few (references, not copies), so the report stays small.
const MAX_REPORTED_MESSAGES = 10;

/** The crasher's initial call, queue length, oldest messages, links, trap_exit flag, status and reductions when its crash report is made (OTP's crash report keys). */
export function crasherOf(ctx: ProcessContext): CrasherInfo {
  const info = ctx.processInfo(ctx.self());
  return {
    initialCall: info?.initialCall ?? '',
    messageQueueLen: info?.messageQueueLen ?? 0,
    messages: internals(ctx).pendingMessages(MAX_REPORTED_MESSAGES),
    links: info?.links ?? [],
    trapExit: info?.trapExit ?? false,
    status: info?.status ?? 'exiting',
    reductions: info?.reductions ?? 0,
  };
}
