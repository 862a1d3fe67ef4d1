import { Pid, Ref } from './pid.js';
import { isDown } from './messages.js';
import { RuntimeError, describeReason } from './errors.js';
import type { OtpNode } from './node.js';
import type { ExitReason } from './messages.js';
import type { Dest, ProcessContext } from './types.js';

// The ticker process of each interval of a node, by the ref its starter got (OTP's timer server table).
const tickers = new WeakMap<OtpNode, Map<Ref, Pid>>();
const tickersOf = (node: OtpNode): Map<Ref, Pid> => {
  let map = tickers.get(node);
  if (map === undefined) tickers.set(node, (map = new Map()));
  return map;
};

// What a ticker is told to end with.
const CANCEL: unique symbol = Symbol('cancelInterval');

function checkMs(ms: unknown, what: string): asserts ms is number {
  // As OTP's timer: a whole number of ms >= 0; an interval of infinity never fires, so it is refused too.
  if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 0) throw new RuntimeError('badarg', `${what} needs a whole number of milliseconds >= 0, got ${typeof ms === 'number' ? String(ms) : describeReason(ms)}`);
}

/**
 * Starts a process that runs `tick` every `ms` ms, at fixed times from now (no drift), until it is
 * cancelled or `owner` ends (OTP's interval timers are linked to the process they work for).
 */
function startTicker(ctx: ProcessContext, ms: number, owner: Pid, tick: (c: ProcessContext) => void): Ref {
  const ref = ctx.makeRef();
  const table = tickersOf(ctx.node);
  const pid = ctx.spawn(async (c) => {
    const watch = c.monitor(owner);
    try {
      for (let next = performance.now() + ms; ; next += ms) {
        const m = await c.receive((x) => x === CANCEL || isDown(x, watch), Math.max(0, Math.ceil(next - performance.now())));
        if (typeof m !== 'symbol' || m === CANCEL) return;
        tick(c);
      }
    } finally {
      table.delete(ref);
    }
  });
  table.set(ref, pid);
  return ref;
}

/**
 * Starts a process that runs `fire` once after `ms` ms unless cancelled first (OTP's timer server for apply_after
 * and its kin): bound to no process, so it fires even when the caller has ended, as OTP's one-shot timers do.
 */
function startOnce(ctx: ProcessContext, ms: number, fire: (c: ProcessContext) => void): Ref {
  const ref = ctx.makeRef();
  const table = tickersOf(ctx.node);
  const pid = ctx.spawn(async (c) => {
    try {
      if ((await c.receive((x) => x === CANCEL, ms)) === CANCEL) return;
    } finally {
      table.delete(ref);
    }
    fire(c);
  });
  table.set(ref, pid);
  return ref;
}

function checkFn(fn: unknown, what: string): void {
  if (typeof fn !== 'function') throw new RuntimeError('badarg', `${what} needs a function to run, got ${describeReason(fn)}`);
}

/** OTP's timer module: one-shot and repeated sends, applies and exits, each cancelled by its ref. */
export const timer = {
  /**
   * Sends `message` to `dest` every `ms` ms until `cancel` (OTP's timer:send_interval); the interval ends
   * by itself when `dest`, a local pid, ends, or (for a name) when the caller ends. A name nobody holds
   * when a tick comes gets nothing, as Erlang's send to a free name.
   */
  /**
   * Sends `message` to `dest` once after `ms` ms (OTP's timer:send_after): a timer to a local pid ends with that
   * process, as erlang:send_after's; a name is looked up when the timer fires. Cancel with `timer.cancel`.
   */
  sendAfter(ctx: ProcessContext, ms: number, dest: Dest, message: unknown): Ref {
    checkMs(ms, 'timer.sendAfter');
    if ((dest instanceof Pid && dest.node === 0) || typeof dest === 'string') return ctx.sendAfter(ms, dest, message);
    return startOnce(ctx, ms, (c) => c.send(dest, message));
  },
  /** Runs `fn` in a new process once after `ms` ms (OTP's timer:apply_after), even if the caller has ended by then; a throw ends that process only. */
  applyAfter(ctx: ProcessContext, ms: number, fn: (ctx: ProcessContext) => unknown): Ref {
    checkMs(ms, 'timer.applyAfter');
    checkFn(fn, 'timer.applyAfter');
    return startOnce(ctx, ms, (c) => {
      c.spawn(async (run) => {
        await fn(run);
      });
    });
  },
  /** Sends the exit signal `reason` to `target` once after `ms` ms (OTP's timer:exit_after; `'kill'` is its kill_after). */
  exitAfter(ctx: ProcessContext, ms: number, target: Pid, reason: ExitReason): Ref {
    checkMs(ms, 'timer.exitAfter');
    if (!(target instanceof Pid)) throw new RuntimeError('badarg', `timer.exitAfter needs a pid to signal, got ${describeReason(target)}`);
    return startOnce(ctx, ms, (c) => c.exit(target, reason));
  },
  sendInterval(ctx: ProcessContext, ms: number, dest: Dest, message: unknown): Ref {
    checkMs(ms, 'timer.sendInterval');
    const owner = dest instanceof Pid && dest.node === 0 ? dest : ctx.self();
    return startTicker(ctx, ms, owner, (c) => {
      if (typeof dest !== 'string' || c.whereis(dest) !== undefined) c.send(dest, message);
    });
  },
  /**
   * Runs `fn` in a new process every `ms` ms, whether the previous run has ended or not, until `cancel`
   * or the caller ends (OTP's timer:apply_interval); a run that throws ends its own process only.
   */
  applyInterval(ctx: ProcessContext, ms: number, fn: (ctx: ProcessContext) => unknown): Ref {
    checkMs(ms, 'timer.applyInterval');
    checkFn(fn, 'timer.applyInterval');
    return startTicker(ctx, ms, ctx.self(), (c) => {
      c.spawn(async (run) => {
        await fn(run);
      });
    });
  },
  /** Cancels a timer of this module (OTP's timer:cancel): true if it was pending, false for one that fired, was cancelled, ended or never was. */
  cancel(ctx: ProcessContext, ref: Ref): boolean {
    const table = tickersOf(ctx.node);
    const pid = table.get(ref);
    // sendAfter to a pid or name is an erlang:send_after timer under the same ref.
    if (pid === undefined) return ref instanceof Ref && ctx.cancelTimer(ref) !== false;
    table.delete(ref);
    ctx.send(pid, CANCEL);
    return true;
  },
};
