// What `processInfo` tells of a live process: a snapshot for the observer, the shell and the tools.
import type { ProcessImpl } from './process.js';
import type { Pid } from './pid.js';
import type { ProcessInfo } from './types.js';
import type { NodeDistribution } from './node-hooks.js';

/** A snapshot of a live process; its links include those with processes of other nodes (`dist`). */
export function processInfoOf(p: ProcessImpl, dist: NodeDistribution | null): ProcessInfo {
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
