import type { Pid } from '../pid.js';
import type { FormatBounds } from './format.js';

/** What a client asks the trace agent for (what `otp trace` sends). */
export interface TraceSpec {
  /** Call patterns: `module.fn`, `module.fn/2`, `module.obj.fn`, wildcards, argument patterns and guards. */
  patterns?: string[];
  /** Also report return values and exceptions of traced calls (async functions when they settle). */
  returns?: boolean;
  /** Report messages sent and received by the selected processes. */
  messages?: boolean;
  /** Report process events of the selected processes: spawn, exit, link, unlink, register, unregister. */
  procs?: boolean;
  /** Selected processes: pids as the node prints them (`<0.42.0>`), or `all`, `new`, `existing`. */
  pids?: string[];
  /** Selected processes by registered name. */
  names?: string[];
  /** Stop after this many events (default 10, or none when `rate` is given). */
  limit?: number;
  /** Stop when more than `count` events happen within `ms` (at most the session's `timeMs`). */
  rate?: { count: number; ms: number };
  /** Stop after this many milliseconds (default 15000). */
  timeMs?: number;
  /** Allow a pattern naming every function of every module, or more than 1000 functions. */
  force?: boolean;
  /** Events held on the node for the client before new ones are dropped and counted (default 1000, at most 100000). */
  bufferSize?: number;
  /** How much of each argument, message or value is formatted on the node. */
  bounds?: Partial<FormatBounds>;
  /** Where events go: the client's process (over distribution). */
  client?: Pid;
}

/** One traced event, formatted on the node; pids are strings as the node prints them. */
export type TraceEvent =
  | { kind: 'call'; ts: number; pid: string | undefined; fn: string; args: string[] }
  | { kind: 'return'; ts: number; pid: string | undefined; fn: string; arity: number; value: string; ms: number }
  | { kind: 'exception'; ts: number; pid: string | undefined; fn: string; arity: number; error: string; ms: number }
  | { kind: 'send'; ts: number; pid: string; to: string; message: string }
  | { kind: 'receive'; ts: number; pid: string; from: string | undefined; message: string }
  | { kind: 'spawn'; ts: number; pid: string; child: string; initialCall: string }
  | { kind: 'exit'; ts: number; pid: string; reason: string }
  | { kind: 'link' | 'unlink'; ts: number; pid: string; other: string }
  | { kind: 'register' | 'unregister'; ts: number; pid: string; name: string }
  /** A load re-pointed a traced function's module: `untraced` when its version removed the function (or froze its object), `retraced` when a later version let the wrapper stand in again; `reason` says which version and why. */
  | { kind: 'untraced' | 'retraced'; ts: number; pid: undefined; fn: string; reason: string };

/** Why a session ended; 'processes gone' when every process it named (by pid or name) has exited. */
export type TraceEndReason = 'limit' | 'rate' | 'time' | 'stopped' | 'client down' | 'processes gone' | 'crashed';

/** What the agent sends the client: a batch of events (ack it), or the end of the session. */
export type TraceMessage =
  | { otpTrace: 'events'; session: string; events: TraceEvent[]; dropped: number }
  /** `events`: calls, messages, process events (what the limits count); `returns`: returns and exceptions; `dropped`: of both, those the buffer had no room for. */
  | { otpTrace: 'done'; session: string; reason: TraceEndReason; events: number; returns: number; dropped: number };

/** Why the agent refused a spec. */
export type TraceErrorCode = 'badPattern' | 'nomatch' | 'tooBroad' | 'badProcess' | 'badSpec' | 'busy';

/** The answer to start (or a dry run): the session and what it matched, or an error as data. */
export type TraceStartResult =
  | { ok: true; session: string; pid: Pid | undefined; functions: string[]; processes: number; dryRun: boolean }
  | { ok: false; code: TraceErrorCode; error: string; suggestions: string[] };

/** One live session, as `sessions()` lists it. */
export interface TraceSessionInfo {
  session: string;
  client: string;
  functions: string[];
  messages: boolean;
  procs: boolean;
  events: number;
  /** Returns and exceptions recorded (not counted in `events`). */
  returns: number;
  /** Events and returns the buffer had no room for. */
  dropped: number;
}
