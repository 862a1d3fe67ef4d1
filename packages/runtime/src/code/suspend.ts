import { PROCESS, type Pid } from '../pid.js';
import { Down, TIMEOUT } from '../messages.js';
import { internalsOf, type ProcessInternals } from '../process-internals.js';
import type { ProcessContext } from '../types.js';
import { genMultiCall } from '../gen/call.js';
import { CallError } from '../gen/errors.js';
import { From, SystemMessage } from '../gen/messages.js';
import { SysFailure, isSysSuspended } from '../gen/sys-handler.js';

/** Internal: one process an upgrade suspends, and what its suspend saved (the state, and a snapshot for a rollback). */
export interface Suspendable {
  readonly pid: Pid;
  state?: unknown;
  saved?: unknown;
  /** It exited before it answered its suspend (a crashing child): it takes no part, as OTP's release handler skips it. */
  gone?: boolean;
}

/** Internal: why a process could not be suspended, in one phrase (`could not be suspended within 5000 ms: …`). */
export interface SuspendFailure {
  target: Suspendable;
  why: string;
  cause: unknown;
}

// How long the suspends may go unanswered before the watcher first looks for callers blocked on a suspended
// callee; it looks again after twice as long each time, up to STALL_MAX_MS, so a large batch pays a few scans.
const STALL_MS = 10;
const STALL_MAX_MS = 160;
// A process lent back to its callers is suspended again in the next round; more rounds than this is a call cycle.
const MAX_ROUNDS = 16;

/**
 * Suspends every target, saving its state. A target that does not answer because it is blocked in a call to
 * another target, already suspended, would wait forever (a caller's suspend is read after its callback
 * returns): the callee is resumed until the caller has suspended, then suspended again in the next round,
 * so callers end up suspended before their callees, as OTP's release handler orders them. `lenders`: the
 * processes (targets among them) that may be lent that way, suspended by earlier calls too.
 */
export async function suspendAll(ctx: ProcessContext, targets: Suspendable[], timeoutMs: number, lenders: Suspendable[] = targets): Promise<SuspendFailure | undefined> {
  const byProcess = new Map<unknown, Suspendable>(lenders.map((t) => [t.pid[PROCESS], t]));
  let round = targets;
  for (let n = 0; round.length > 0; n++) {
    if (n === MAX_ROUNDS) return { target: round[0]!, why: `could not be suspended: processes it serves kept calling it while being suspended (a call cycle)`, cause: undefined };
    const lent = new Set<Suspendable>();
    const stopWatching = watchForBlockedCallers(ctx, round, byProcess, lent);
    let answers;
    try {
      answers = await genMultiCall(ctx, round.map((t) => t.pid), (from) => new SystemMessage(from, { type: 'suspend', withState: true }), 'suspend', timeoutMs);
    } finally {
      stopWatching();
    }
    for (const [i, answer] of answers.entries()) {
      const t = round[i]!;
      if (answer.ok && !(answer.value instanceof SysFailure)) {
        const { state, snapshot } = answer.value as { state: unknown; snapshot: unknown };
        t.state = state;
        t.saved = snapshot;
        continue;
      }
      const error = answer.ok ? (answer.value as SysFailure).error : answer.error;
      if (exited(ctx, t.pid, error)) {
        t.gone = true;
        continue;
      }
      return { target: t, why: whyNotSuspended(t.pid, error, timeoutMs), cause: error };
    }
    round = [...lent].filter((t) => t.pid.node === 0 && ctx.isAlive(t.pid));
  }
  return undefined;
}

// Whether a suspend failed because the process is gone (it exited, or was gone already), not because it did not answer.
function exited(ctx: ProcessContext, pid: Pid, error: unknown): boolean {
  return error instanceof CallError && error.failure !== 'timeout' && error.failure !== 'calling_self' && (pid.node !== 0 || !ctx.isAlive(pid));
}

// A watcher process: while the batch waits, it resumes each target that a not-yet-suspended target is calling.
function watchForBlockedCallers(ctx: ProcessContext, round: Suspendable[], byProcess: Map<unknown, Suspendable>, lent: Set<Suspendable>): () => void {
  const stop = Symbol('stop');
  const upgrader = ctx.self();
  // Not linked (an upgrader trapping exits would get its exit message): it watches the upgrader instead.
  const watcher = ctx.spawn(async (w) => {
    w.monitor(upgrader);
    for (let wait = STALL_MS; (await w.receive((m) => m === stop || m instanceof Down, wait)) === TIMEOUT; wait = Math.min(wait * 2, STALL_MAX_MS)) {
      for (const t of round) {
        const callee = calleeOf(t.pid);
        const lender = callee && isSysSuspended(callee) ? byProcess.get(callee) : undefined;
        if (lender === undefined || lent.has(lender)) continue;
        lent.add(lender);
        w.send(lender.pid, new SystemMessage(new From(w.self(), w.makeRef()), { type: 'resume' }));
      }
    }
  });
  return () => ctx.send(watcher, stop);
}

// The local process `pid` waits on in a call (genServer.call, sys, ...), found through the call's monitor.
function calleeOf(pid: Pid): ProcessInternals | undefined {
  const p = internalsOf(pid);
  const tag = p?.activeCall;
  if (p === undefined || tag === null || tag === undefined) return undefined;
  for (const m of p.mons ?? []) if (m.watcher === p && m.ref === tag) return m.target;
  return undefined;
}

// `could not be suspended …` with what the process is doing: the call it is blocked in, or the callback it is in.
function whyNotSuspended(pid: Pid, error: unknown, timeoutMs: number): string {
  if (!(error instanceof CallError) || error.failure !== 'timeout') return `could not be suspended: ${(error as Error)?.message ?? String(error)}`;
  const callee = calleeOf(pid);
  if (callee !== undefined) {
    const name = callee.label?.module ?? callee.name;
    return `could not be suspended within ${timeoutMs} ms: it is blocked in a call to ${callee.pid}${name ? ` (${name})` : ''}${isSysSuspended(callee) ? ', which is suspended' : ''}`;
  }
  const busy = internalsOf(pid)?.currentFunction;
  return `could not be suspended within ${timeoutMs} ms: ${busy ? `it is still running ${busy}` : 'it did not answer'}`;
}
