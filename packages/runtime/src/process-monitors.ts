import type { Ref } from './pid.js';

/**
 * A process as its monitors see it (a ProcessImpl is one): the monitors it holds or is the target of. Declared
 * here, so that this file knows no process class and sits below the process files (rule below-the-process-files).
 */
export interface Monitored {
  mons: MonitorLink[] | null;
}

/**
 * One monitor between two local processes. It sits in both processes' `mons` arrays (its index in each
 * kept in `wi` and `ti`, so removal is a swap with the last entry) and in the node's map by ref: setting
 * up and taking down a monitor — twice per gen_server call — allocates this record and nothing else.
 */
export class MonitorLink<P extends Monitored = Monitored> {
  /** Index in the watcher's `mons`. */
  wi = -1;
  /** Index in the target's `mons` (the same entry as `wi` when a process monitors itself). */
  ti = -1;
  constructor(
    readonly ref: Ref,
    readonly watcher: P,
    readonly target: P,
    /** The registered name the monitor was set up with (`{ name, node }` when given so), which its DOWN message carries. */
    readonly name: string | { name: string; node: string } | undefined,
  ) {}
}

/** Adds a monitor to a process's `mons`; returns its index there. */
export function attachMonitor<P extends Monitored>(p: P, link: MonitorLink<P>): number {
  // A process's first monitor gets an array of one (a push onto [] would allocate room for 17).
  if (p.mons === null) {
    p.mons = [link];
    return 0;
  }
  return p.mons.push(link) - 1;
}

/** Removes the monitor at `index` of a process's `mons`, moving the last one into its place. */
export function detachMonitor(p: Monitored, index: number): void {
  const mons = p.mons!;
  const last = mons.pop()!;
  const from = mons.length;
  if (index < from) {
    mons[index] = last;
    if (last.watcher === p && last.wi === from) last.wi = index;
    if (last.target === p && last.ti === from) last.ti = index;
  }
  if (mons.length === 0) p.mons = null;
}
