// The node's message timers: sendAfter and startTimer (Erlang's send_after and start_timer), read and
// cancelled by their ref.
import { Pid, type Dest, type Ref } from './pid.js';
import { TimeoutMessage } from './messages.js';
import { RuntimeError, describeReason } from './errors.js';
import { isolateMessage, isolation } from './isolation.js';
import type { TimerEntry, TimerQueue } from './timers.js';

/** Options of sendAfter and startTimer (Erlang's send_after/4 and start_timer/4). */
export interface TimerOptions {
  /** The time is a deadline on `performance.now()` (Erlang's `{abs, true}` on the monotonic clock); one already past fires at once. */
  abs?: boolean;
}

/** What the timers need of their node. */
interface TimerNode {
  readonly timers: TimerQueue;
  makeRef(): Ref;
  send(dest: Dest, message: unknown): void;
  whereis(name: string): Pid | undefined;
  isAlive(pid: Pid): boolean;
}

// The delay of a timer given `time`: itself, or with { abs: true } the time left to that deadline on performance.now()
// (one already past fires at once, as Erlang's {abs, true}). Anything but a finite number as a deadline is badarg.
function relative(time: number, options: TimerOptions | undefined, what: string): number {
  if (options === undefined || options === null || (typeof options === 'object' && options.abs === false)) {
    // As Erlang's send_after/start_timer: the time is a non-negative integer (1.5, -1, NaN, Infinity are badarg), and
    // one too large to hold exactly (OTP's 1 bsl 64; here past Number.MAX_SAFE_INTEGER) is badarg, not rounded.
    if (!Number.isSafeInteger(time) || time < 0) throw new RuntimeError('badarg', `${what} needs a whole number of milliseconds from 0 to ${Number.MAX_SAFE_INTEGER}, got ${typeof time === 'number' ? String(time) : describeReason(time)}; no timer was set`);
    return time;
  }
  if (typeof options !== 'object' || Object.keys(options).some((k) => k !== 'abs') || (options.abs !== undefined && typeof options.abs !== 'boolean')) {
    throw new RuntimeError('badarg', `${what} options must be { abs: true } or { abs: false }, got ${describeReason(options)}; no timer was set`);
  }
  if (options.abs !== true) return relative(time, undefined, what);
  if (typeof time !== 'number' || !Number.isFinite(time)) throw new RuntimeError('badarg', `${what} with { abs: true } needs a deadline on performance.now(), got ${describeReason(time)}; no timer was set`);
  return Math.max(0, time - performance.now());
}

/** A node's sendAfter and startTimer timers, by ref. */
export class SendTimers {
  private readonly byRef = new Map<Ref, TimerEntry>();

  constructor(private readonly node: TimerNode) {}

  /** Sends `message` to `dest` after `ms` milliseconds. */
  sendAfter(ms: number, dest: Dest, message: unknown, options?: TimerOptions): Ref {
    return this.arm(relative(ms, options, 'sendAfter'), dest, message, this.node.makeRef());
  }

  /** Delivers `TimeoutMessage { timeout: ref, msg }` to a local pid or name after `ms` (Erlang's start_timer). */
  startTimer(ms: number, dest: Pid | string, msg: unknown, options?: TimerOptions): Ref {
    if (dest instanceof Pid ? dest.node !== 0 : typeof dest !== 'string') throw new RuntimeError('badarg', `startTimer needs a local pid or a registered name, got ${String(dest)}`);
    const delay = relative(ms, options, 'startTimer');
    const ref = this.node.makeRef();
    return this.arm(delay, dest, new TimeoutMessage(ref, msg), ref);
  }

  /** The milliseconds left on a timer, or false if it fired or was cancelled. */
  read(ref: Ref): number | false {
    const entry = this.live(ref);
    return entry === undefined ? false : this.node.timers.left(entry);
  }

  /** Cancels a timer: the milliseconds it had left, or false if it fired or was cancelled. */
  cancel(ref: Ref): number | false {
    const entry = this.live(ref);
    if (entry === undefined) return false;
    this.byRef.delete(ref);
    return this.node.timers.cancel(entry);
  }

  /** Forgets every timer (the node's timer queue is cleared with them). */
  clear(): void {
    this.byRef.clear();
  }

  // A timer whose destination is a local pid that exited is cancelled, as Erlang cancels it with the process:
  // checked when the timer is read or cancelled (it would deliver to nobody anyway), so setting one costs nothing more.
  private live(ref: Ref): TimerEntry | undefined {
    const entry = this.byRef.get(ref);
    if (entry === undefined) return undefined;
    const dest = (entry.owner as { dest: unknown }).dest;
    if (!(dest instanceof Pid) || dest.node !== 0 || this.node.isAlive(dest)) return entry;
    this.byRef.delete(ref);
    this.node.timers.cancel(entry);
    return undefined;
  }

  private arm(ms: number, dest: Dest, message: unknown, ref: Ref): Ref {
    // Message isolation: the BEAM copies the message when the timer is set, so a change after this call throws here, not later in the receiver.
    if (isolation.on) isolateMessage(message instanceof TimeoutMessage ? message.msg : message);
    const entry = this.node.timers.add(ms, (e) => {
      this.byRef.delete(ref);
      // A name nobody holds any more when the timer fires: the message is dropped, as in Erlang.
      if (typeof dest === 'string' && this.node.whereis(dest) === undefined) return;
      this.node.send(dest, (e.owner as { message: unknown }).message);
    }, { message, dest });
    this.byRef.set(ref, entry);
    return ref;
  }
}
