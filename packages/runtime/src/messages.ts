import type { Pid, Ref } from './pid.js';

/** Why a process exited: `'normal'`, `'shutdown'`, `'killed'`, `'noproc'`, an Error, or any value. */
export type ExitReason = unknown;

/** The message a process trapping exits receives for an exit signal (Erlang's `{'EXIT', From, Reason}`). */
export class Exit {
  /** Tag for readable pattern matching and logs. */
  readonly type = 'EXIT' as const;
  constructor(
    /** The process the signal came from (a linked process, or the caller of `exit`). */
    readonly from: Pid,
    /** The exit reason carried by the signal. */
    readonly reason: ExitReason,
  ) {}
}

/** The message a monitor delivers when its target exits (Erlang's `{'DOWN', Ref, process, Pid, Reason}`). */
export class Down {
  /** Tag for readable pattern matching and logs. */
  readonly type = 'DOWN' as const;
  constructor(
    /** The reference `monitor` returned. */
    readonly ref: Ref,
    /** The monitored process: its pid; the name, when a name was monitored; `{ name, node }` when a name was monitored as `{ name, node }`, this node's or another's (as OTP's {Name, Node}). */
    readonly pid: Pid | string | { name: string; node: string },
    /** The target's exit reason; `'noproc'` when it did not exist. */
    readonly reason: ExitReason,
  ) {}
}

/** The message a `startTimer` timer delivers (Erlang's `{timeout, TimerRef, Msg}`). */
export class TimeoutMessage<T = unknown> {
  /** Tag for readable pattern matching and logs. */
  readonly type = 'timeout' as const;
  constructor(
    /** The reference `startTimer` returned. */
    readonly timeout: Ref,
    /** The message the timer was started with. */
    readonly msg: T,
  ) {}
}

/** The answer of an asynchronous `cancelTimer` or `readTimer` (Erlang's `{cancel_timer | read_timer, TimerRef, Result}`). */
export class TimerResult {
  constructor(
    /** Which operation this answers. */
    readonly type: 'cancelTimer' | 'readTimer',
    /** The timer asked about. */
    readonly ref: Ref,
    /** The milliseconds that were left, or false if the timer had fired or did not exist. */
    readonly result: number | false,
  ) {}
}

/** The value `receive` resolves to when its timeout passes first (Erlang's `after` clause). */
export const TIMEOUT: unique symbol = Symbol('timeout');
/** The type of `TIMEOUT`. */
export type Timeout = typeof TIMEOUT;

/** True when a message is an exit signal turned into a message by `trapExit`. */
export function isExit(message: unknown): message is Exit {
  return message instanceof Exit;
}

/** True when a message is a monitor's DOWN message; with `ref`, only that monitor's. */
export function isDown(message: unknown, ref?: Ref): message is Down {
  return message instanceof Down && (ref === undefined || message.ref === ref);
}
