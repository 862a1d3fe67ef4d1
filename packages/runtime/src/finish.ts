import type { ExitReason } from './messages.js';
import { isExitSignal, thrownReason } from './errors.js';

/**
 * What `finish` reads of a process: whether it has ended, and its node, which reports a crash and ends the process.
 * The process files hand a `ProcessImpl` in; this shape keeps this file below them (rule below-the-process-files).
 */
export interface Finishing<P> {
  readonly dead: boolean;
  readonly node: {
    crashed(proc: P, error: unknown): void;
    exitProcess(proc: P, reason: ExitReason): void;
  };
}

/** Ends a process whose body returned (`threw` false) or threw: an `ExitSignal` keeps its reason, anything else is a crash (see `thrownReason`). */
export function finish<P extends Finishing<P>>(proc: P, outcome: unknown, threw: boolean): void {
  if (proc.dead) return;
  let reason: ExitReason = outcome;
  if (threw) {
    reason = thrownReason(outcome);
    if (!isExitSignal(outcome)) proc.node.crashed(proc, outcome);
  }
  proc.node.exitProcess(proc, reason);
}
