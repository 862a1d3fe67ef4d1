import type { ProcessContext } from '../types.js';
import { internals } from '../process-internals.js';

/**
 * Takes a reduction for work a behaviour loop made itself (a gen_statem's inserted event, zero timeout or enter
 * call, a gen_server's handleContinue), as a received message takes one: over the scheduler's budget it returns
 * the wait for the next turn, so a long or endless chain of such work leaves other processes, timers and I/O their
 * turns (OTP preempts such a process by reductions); undefined while within the budget.
 */
export function spendReduction(ctx: ProcessContext): Promise<void> | undefined {
  const node = ctx.node;
  if (node.budget-- > 0) return undefined;
  // Parked until the scheduler's next turn, leaving the mailbox as it is.
  return internals(ctx).yieldTurn().then(() => internals(ctx).check());
}
