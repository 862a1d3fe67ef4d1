// What `processInfo` tells of a live process: a snapshot for the observer, the shell and the tools.
import type { Pid } from './pid.js';

/** Where a process is in its life: `runnable` when spawned and not started yet or woken and not run yet, `waiting` in a receive. */
export type ProcessStatus = 'running' | 'runnable' | 'waiting' | 'exiting';

/** A snapshot of one process, like `erlang:process_info/1`. */
export interface ProcessInfo {
  pid: Pid;
  status: ProcessStatus;
  /** Messages waiting in the mailbox. */
  messageQueueLen: number;
  links: Pid[];
  /** Processes (or names) this process monitors. */
  monitors: Array<Pid | string>;
  /** Processes monitoring this one. */
  monitoredBy: Pid[];
  registeredName: string | undefined;
  trapExit: boolean;
  /** Work done: messages received, messages sent and runtime calls made. */
  reductions: number;
  /** The function the process was spawned with. */
  initialCall: string;
  /**
   * What it runs now, as OTP's current_function: a behaviour's loop while it waits (`gen_server.loop`), the
   * callback it is in (`cart_server.handleCall`), or for a plain process the function it was spawned with.
   */
  currentFunction: string;
  behaviour: string | undefined;
  module: string | undefined;
  /** Estimated heap bytes held by the process record and its mailbox. */
  memory: number;
}

/**
 * What a snapshot reads of a process. The node hands a `ProcessImpl` in; this shape keeps this file below the
 * process files (rule below-the-process-files).
 */
export interface Informed {
  readonly pid: Pid;
  readonly status: ProcessStatus;
  readonly queueLength: number;
  readonly links: Iterable<{ readonly pid: Pid }> | null;
  readonly mons: readonly { readonly watcher: Informed; readonly target: Informed }[] | null;
  readonly name: string | undefined;
  readonly trapping: boolean;
  readonly reductions: number;
  readonly initialCall: string;
  readonly currentFunction: string | null;
  readonly label: { readonly behaviour?: string; readonly module?: string } | null;
  memoryEstimate(): number;
}

/** What a snapshot reads of the node's distribution: the links with processes of other nodes. */
export interface InformedDist {
  readonly remote: { linksOf(local: Informed): Pid[] };
}

/** A snapshot of a live process; its links include those with processes of other nodes (`dist`). */
export function processInfoOf(p: Informed, dist: InformedDist | null): ProcessInfo {
  const monitors: Array<Pid | string> = [];
  const monitoredBy: Pid[] = [];
  for (const link of p.mons ?? []) {
    if (link.watcher === p) monitors.push(link.target.pid);
    if (link.target === p) monitoredBy.push(link.watcher.pid);
  }
  return {
    pid: p.pid,
    status: p.status,
    messageQueueLen: p.queueLength,
    links: [...(p.links ? Array.from(p.links, (l) => l.pid) : []), ...(dist?.remote.linksOf(p) ?? [])],
    monitors,
    monitoredBy,
    registeredName: p.name,
    trapExit: p.trapping,
    reductions: p.reductions,
    initialCall: p.initialCall,
    currentFunction: p.currentFunction ?? p.initialCall,
    behaviour: p.label?.behaviour,
    module: p.label?.module,
    memory: p.memoryEstimate(),
  };
}
