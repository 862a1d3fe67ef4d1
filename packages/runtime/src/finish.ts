import type { ExitReason } from './messages.js';
import { ExitSignal, thrownReason } from './errors.js';
import type { ProcessImpl } from './process.js';

/** Ends a process whose body returned (`threw` false) or threw: an `ExitSignal` keeps its reason, anything else is a crash (see `thrownReason`). */
export function finish(proc: ProcessImpl, outcome: unknown, threw: boolean): void {
  if (proc.dead) return;
  let reason: ExitReason = outcome;
  if (threw) {
    reason = thrownReason(outcome);
    if (!isExitSignal(outcome)) proc.node.crashed(proc, outcome);
  }
  proc.node.exitProcess(proc, reason);
}

/** Whether a thrown value is an ExitSignal; a proxy whose getPrototypeOf trap throws (instanceof would throw) is not. */
export function isExitSignal(x: unknown): x is ExitSignal {
  try {
    return x instanceof ExitSignal;
  } catch {
    return false;
  }
}
