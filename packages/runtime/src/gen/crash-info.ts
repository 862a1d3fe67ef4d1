import type { Pid } from '../pid.js';
import type { ProcessContext } from '../types.js';
import { internalsOf } from '../process-internals.js';

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

// The starters of each behaviour process, nearest first, as proc_lib's `$ancestors`: read by crash reports.
const ancestry = new WeakMap<ProcessContext, ReadonlyArray<Pid | string>>();

// As proc_lib, a crash report lists at most this many neighbours; it looks at no more than this many links for them.
const MAX_NEIGHBOURS = 15;
const MAX_LOOKS = 200;

/** The ancestors of a process: its starter (by registered name when it has one), then the starter's own, as OTP's `$ancestors`; [] for a plain process. */
export function ancestorsOf(ctx: ProcessContext): ReadonlyArray<Pid | string> {
  return ancestry.get(ctx) ?? [];
}

/** Records `child` as started by `starter` (proc_lib's spawn: `[Parent | Parent's ancestors]`). */
export function setAncestors(child: ProcessContext, starter: ProcessContext): void {
  const self = starter.self();
  ancestry.set(child, Object.freeze([starter.processInfo(self)?.registeredName ?? self, ...ancestorsOf(starter)]));
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
