import type { ExitReason } from '../messages.js';
import type { Pid } from '../pid.js';
import type { ProcessContext } from '../types.js';
import { From } from '../gen/messages.js';
import { replyTo } from '../gen/call.js';
import type { SysEvent } from '../gen/sys-handler.js';

/** A value or a promise of it: every callback may be async. */
export type Awaitable<T> = T | Promise<T>;

/** What to do after a callback: time out after N ms (an info `'timeout'`), hibernate, or continue. */
export type Action = number | 'hibernate' | { continue: unknown };

/** init succeeded: the first state, and optionally an action. */
export interface Ok<S> {
  readonly type: 'ok';
  readonly state: S;
  readonly action?: Action;
}
/** init asks its supervisor to ignore this child. */
export interface Ignore {
  readonly type: 'ignore';
}
/** init failed without crashing (OTP 26's `{error, Reason}`): start throws `StartError(reason)`, the process exits `normal`, no crash report. */
export interface InitError {
  readonly type: 'error';
  readonly reason: ExitReason;
}
/** Answer the call with `reply` and go on with `state`. */
export interface Reply<R, S> {
  readonly type: 'reply';
  readonly reply: R;
  readonly state: S;
  readonly action?: Action;
}
/** Go on with `state` without answering (yet). */
export interface NoReply<S> {
  readonly type: 'noreply';
  readonly state: S;
  readonly action?: Action;
}
/** Stop with `reason` after terminate; from handleCall, optionally answering first. */
export interface Stop<S, R = never> {
  readonly type: 'stop';
  readonly reason: ExitReason;
  readonly state?: S;
  readonly reply?: R;
  readonly hasReply: boolean;
}

/** What init may return. */
export type InitResult<S> = Ok<S> | Ignore | InitError | Stop<S>;
/** What handleCall may return. */
export type CallResult<S, R> = Reply<R, S> | NoReply<S> | Stop<S, R>;
/** What handleCast, handleInfo and handleContinue may return. */
export type NoReplyResult<S> = NoReply<S> | Stop<S>;

/** What formatStatus receives and returns (OTP's format_status map). */
export interface Status<S> {
  state: S;
  /** The message being handled when the server crashed, if any. */
  message?: unknown;
  reason?: ExitReason;
  /** The sys debug log (with `debug: ['log']`) a crash report shows: redact it too, its events carry states and messages. */
  log?: SysEvent[];
  /** In a crash report, the oldest messages still queued (proc_lib's `messages`): redact them too, they may carry what the state hides. */
  messages?: unknown[];
  /** Where the status is shown: `'normal'` for sys.getStatus, `'terminate'` for crash reports. */
  context: 'normal' | 'terminate';
}

/**
 * A gen_server callback module. `S` is the state, `Call`/`Cast` the requests, `Reply` the replies and
 * `Args` init's argument. Only `init` is required; each optional callback's default is documented.
 */
export interface GenServer<S, Call = never, Cast = never, Reply = unknown, Args = void> {
  /** Names the module in logs and processInfo (default: "gen_server"). */
  readonly name?: string;
  /** Sets up the state: `ok(state)`, `ignore()` or `stop(reason)`. */
  init(args: Args, ctx: ProcessContext): Awaitable<InitResult<S>>;
  /** Answers a call: `reply(value, state)`, `noreply(state)` (answer later with `reply(from, value)`) or `stop(...)`. Default: the server crashes with an error naming the request. */
  handleCall?(request: Call, from: From<Reply>, state: S, ctx: ProcessContext): Awaitable<CallResult<S, Reply>>;
  /** Handles a cast. Default: the server crashes with an error naming the request. */
  handleCast?(request: Cast, state: S, ctx: ProcessContext): Awaitable<NoReplyResult<S>>;
  /** Handles any other message (timeouts arrive as `'timeout'`). Default: logs the unexpected message and goes on. */
  handleInfo?(message: unknown, state: S, ctx: ProcessContext): Awaitable<NoReplyResult<S>>;
  /** Runs after a `{ continue }` action, before the next message. Default: the server crashes. */
  handleContinue?(arg: unknown, state: S, ctx: ProcessContext): Awaitable<NoReplyResult<S>>;
  /** Cleans up before the server exits (also on its parent's shutdown when it traps exits). Default: nothing. */
  terminate?(reason: ExitReason, state: S, ctx: ProcessContext): Awaitable<void>;
  /** Migrates the state during a code upgrade. Default: the state is kept as is. */
  codeChange?(oldVsn: unknown, state: S, extra: unknown): Awaitable<S>;
  /** Shapes the state shown by sys.getStatus and crash reports (hide secrets, trim size). Default: unchanged. */
  formatStatus?(status: Status<S>): Status<S>;
}

/** init result: start with `state`. */
export function ok<S>(state: S, action?: Action): Ok<S> {
  return action === undefined ? { type: 'ok', state } : { type: 'ok', state, action };
}

/** init result: ask the supervisor to ignore this child. */
export function ignore(): Ignore {
  return { type: 'ignore' };
}

/**
 * init result (OTP 26's `{error, Reason}`): the start throws `StartError` with `reason` while the process exits
 * `normal`, without a crash report, so a linked caller that does not trap exits lives on (unlike `stop(reason)`).
 */
export function initError(reason: ExitReason): InitError {
  return { type: 'error', reason };
}

/** Answers a call later, from anywhere: OTP's gen_server:reply(From, Reply). */
export function reply<R>(from: From<R>, value: R): void;
/** handleCall result: answer `value` and go on with `state`. */
export function reply<R, S>(value: R, state: S, action?: Action): Reply<R, S>;
export function reply<R, S>(valueOrFrom: R | From<R>, stateOrValue: S | R, action?: Action): Reply<R, S> | void {
  if (valueOrFrom instanceof From) {
    replyTo(valueOrFrom, stateOrValue as R);
    return;
  }
  const r = { type: 'reply', reply: valueOrFrom, state: stateOrValue as S } as const;
  return action === undefined ? r : { ...r, action };
}

/** Result: go on with `state` without replying. */
export function noreply<S>(state: S, action?: Action): NoReply<S> {
  return action === undefined ? { type: 'noreply', state } : { type: 'noreply', state, action };
}

/** Result: stop with `reason` (terminate runs first); from handleCall, `replyValue` answers the caller first. */
export function stop<S, R = never>(reason: ExitReason, state?: S, ...replyValue: [] | [R]): Stop<S, R> {
  return replyValue.length > 0
    ? { type: 'stop', reason, state, reply: replyValue[0], hasReply: true }
    : { type: 'stop', reason, state, hasReply: false };
}

/** A started server: its pid typed with its call, cast and reply types. */
export type ServerPid<Call, Cast, Reply> = Pid & { readonly __server?: [Call, Cast, Reply] };

export { From };
