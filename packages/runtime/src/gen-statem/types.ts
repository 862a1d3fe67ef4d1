import type { ExitReason } from '../messages.js';
import type { Pid } from '../pid.js';
import type { ProcessContext } from '../types.js';
import { From } from '../gen/messages.js';
import { replyTo, type ServerRef } from '../gen/call.js';
import { RuntimeError, describeBrief } from '../errors.js';
import type { SysEvent } from '../gen/sys-handler.js';

/** A value or a promise of it: every callback may be async. */
export type Awaitable<T> = T | Promise<T>;

/** What a state callback handles: a request, a message, a fired timeout, an inserted event or a state entry. */
export type Event<S = unknown, Call = unknown, Cast = unknown, Reply = unknown> =
  | { readonly type: 'call'; readonly from: From<Reply>; readonly content: Call }
  | { readonly type: 'cast'; readonly content: Cast }
  | { readonly type: 'info' | 'timeout' | 'stateTimeout' | 'internal'; readonly content: unknown }
  | { readonly type: 'genericTimeout'; readonly name: unknown; readonly content: unknown }
  | { readonly type: 'enter'; readonly oldState: S };

/** OTP's `{postpone, Bool}`: sets whether this event is postponed; the last postpone action given wins. */
export interface PostponeAction {
  readonly postpone: boolean;
}
/** OTP's `{hibernate, Bool}`: `{ hibernate: true }` is `'hibernate'`, `{ hibernate: false }` clears an earlier one (the last one given wins). */
export interface HibernateAction {
  readonly hibernate: boolean;
}

/** Answers a call as part of a transition. */
export interface ReplyAction<Reply = unknown> {
  readonly reply: readonly [From<Reply>, Reply];
}

/**
 * What to do besides changing state and data: postpone the event, reply, arm or cancel a timeout, insert
 * an internal event, or hibernate once the machine waits for a message. Timeouts of `Infinity` or `'cancel'` cancel.
 */
export type Action<Reply = unknown> =
  | 'postpone'
  | 'hibernate'
  | PostponeAction
  | HibernateAction
  | ReplyAction<Reply>
  | EventTimeoutAction
  | StateTimeoutAction
  | GenericTimeoutAction
  | NextEventAction;

/**
 * How a timeout action reads its time: relative ms (the default), or with `abs: true` an absolute time on
 * the runtime's monotonic clock, `performance.now()` in ms (OTP's `erlang:monotonic_time(millisecond)`);
 * an absolute time already past fires at once, as a message (not before what the mailbox already holds).
 */
export interface TimeoutOptions {
  readonly abs?: boolean;
}

/**
 * A timeout's time: ms (or, with `abs`, a `performance.now()` time); `Infinity` or `'cancel'` cancels it;
 * `'update'` changes the content of the running timer without restarting it, and when none runs, fires
 * at once as a zero timeout would (OTP 22.1).
 */
export type TimeoutTime = number | 'cancel' | 'update';

/** Fires a `timeout` event after `timeout` ms unless another event comes first. */
export interface EventTimeoutAction extends TimeoutOptions {
  readonly timeout: TimeoutTime;
  readonly content?: unknown;
}
/** Fires a `stateTimeout` event after `stateTimeout` ms unless the state changes first. */
export interface StateTimeoutAction extends TimeoutOptions {
  readonly stateTimeout: TimeoutTime;
  readonly content?: unknown;
}
/** (Re)starts the timeout named `genericTimeout`: a `genericTimeout` event after `ms`. */
export interface GenericTimeoutAction extends TimeoutOptions {
  readonly genericTimeout: unknown;
  readonly ms: TimeoutTime;
  readonly content?: unknown;
}
/**
 * The type of an inserted event: `internal` (the default), one as if it had come from outside (a call answered
 * through `from`), or a timeout type (OTP's `timeout`, `state_timeout`, `{timeout, Name}`), which running timers ignore.
 */
export type NextEventType = 'internal' | 'cast' | 'info' | 'timeout' | 'stateTimeout' | { readonly call: From } | { readonly genericTimeout: unknown };
/** Inserts an event (`internal` unless `eventType` says otherwise) to handle before any queued one. */
export interface NextEventAction {
  readonly nextEvent: unknown;
  readonly eventType?: NextEventType;
}

/** One action or a list of them, applied in order. */
export type Actions<Reply = unknown> = Action<Reply> | readonly Action<Reply>[];

/** Go to `state` with `data`; postponed events are retried when the state changes. */
export interface NextState<S, D, Reply = unknown> {
  readonly type: 'nextState';
  readonly state: S;
  readonly data: D;
  readonly actions?: Actions<Reply>;
}
/** Stay in the state with new `data`. */
export interface KeepState<D, Reply = unknown> {
  readonly type: 'keepState';
  readonly data: D;
  readonly actions?: Actions<Reply>;
}
/** Stay in the state with the same data. */
export interface KeepStateAndData<Reply = unknown> {
  readonly type: 'keepStateAndData';
  readonly actions?: Actions<Reply>;
}
/** Stay in the state (with new `data`) but run the state enter call again. */
export interface RepeatState<D, Reply = unknown> {
  readonly type: 'repeatState';
  readonly data: D;
  readonly actions?: Actions<Reply>;
}
/** Stay in the state with the same data and run the state enter call again. */
export interface RepeatStateAndData<Reply = unknown> {
  readonly type: 'repeatStateAndData';
  readonly actions?: Actions<Reply>;
}
/** Stop with `reason` after sending `replies` and running terminate. */
export interface Stop<D, Reply = unknown> {
  readonly type: 'stop';
  readonly reason: ExitReason;
  readonly data?: D;
  readonly hasData: boolean;
  readonly replies?: readonly ReplyAction<Reply>[];
}
/** init succeeded: the first state and data, and actions to apply before the first event (a postpone among them is ignored, as OTP forces it to false). */
export interface Ok<S, D, Reply = unknown> {
  readonly type: 'ok';
  readonly state: S;
  readonly data: D;
  readonly actions?: Actions<Reply>;
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

/** What a state callback may return. */
export type Result<S, D, Reply = unknown> =
  | NextState<S, D, Reply>
  | KeepState<D, Reply>
  | KeepStateAndData<Reply>
  | RepeatState<D, Reply>
  | RepeatStateAndData<Reply>
  | Stop<D, Reply>;
/** What init may return. */
export type InitResult<S, D, Reply = unknown> = Ok<S, D, Reply> | Ignore | InitError | Stop<D, Reply>;

/** A state and its data, as sys.getState returns them and codeChange migrates them. */
export interface StateAndData<S, D> {
  state: S;
  data: D;
}

/** What formatStatus receives and returns (OTP's format_status map). */
export interface Status<S, D> {
  state: S;
  data: D;
  /** The event being handled when the machine crashed, if any. */
  message?: unknown;
  reason?: ExitReason;
  /** The sys debug log (with `debug: ['log']`) a crash report shows: redact it too, its events carry states, data and messages. */
  log?: SysEvent[];
  /** The events queued to handle before the mailbox (inserted by nextEvent, or postponed ones released by a state change), next first (OTP's queue): in a crash report, those after the one being handled. */
  queue?: Array<Event<S>>;
  /** The events postponed in the current state, oldest first (OTP's postponed), in sys.getStatus and crash reports. */
  postponed?: Array<Event<S>>;
  /** The timeouts running, as the events they will deliver (event timeout, state timeout, then generic ones by start), in sys.getStatus and crash reports (OTP's timeouts). */
  timeouts?: Array<Event<S>>;
  /** In a crash report, the oldest messages still in the mailbox (proc_lib's `messages`): redact them too, they may carry what the data hides. */
  messages?: unknown[];
  /** Where the status is shown: `'normal'` for sys.getStatus, `'terminate'` for crash reports. */
  context: 'normal' | 'terminate';
}

/** One state's handler in `'stateFunctions'` mode (OTP's StateName/3). */
export type StateHandler<S, D, Call = never, Cast = never, Reply = unknown> = (event: Event<S, Call, Cast, Reply>, data: D, ctx: ProcessContext) => Awaitable<Result<S, D, Reply>>;

/** The callbacks both callback modes share. */
export interface Callbacks<S, D, Reply, Args> {
  /** Names the module in logs and processInfo (default: "gen_statem"). */
  readonly name?: string;
  /** Call the state callback with an `enter` event on the first state and on every state change or repeat (default: false). */
  readonly stateEnter?: boolean;
  /** Sets up the machine: `ok(state, data, actions?)`, `ignore()` or `stop(reason)`. */
  init(args: Args, ctx: ProcessContext): Awaitable<InitResult<S, D, Reply>>;
  /** Cleans up before the machine exits (also on its parent's shutdown when it traps exits). Default: nothing. */
  terminate?(reason: ExitReason, state: S, data: D, ctx: ProcessContext): Awaitable<void>;
  /** Migrates state and data during a code upgrade. Default: both are kept as they are. */
  codeChange?(oldVsn: unknown, state: S, data: D, extra: unknown): Awaitable<StateAndData<S, D>>;
  /** Shapes what sys.getStatus and crash reports show. Default: unchanged. */
  formatStatus?(status: Status<S, D>): Status<S, D>;
}

/** A machine whose states are strings, one handler per state in `states`. */
export interface StateFunctionsModule<S extends string, D, Call = never, Cast = never, Reply = unknown, Args = void> extends Callbacks<S, D, Reply, Args> {
  readonly callbackMode: 'stateFunctions';
  /** The handler of each state; an event in a state without one crashes the machine. */
  readonly states: { readonly [K in S]: StateHandler<S, D, Call, Cast, Reply> };
}

/** A machine whose states may be any value, with one handler for every event. */
export interface HandleEventModule<S, D, Call = never, Cast = never, Reply = unknown, Args = void> extends Callbacks<S, D, Reply, Args> {
  readonly callbackMode: 'handleEvent';
  /** Handles `event` in `state`. */
  handleEvent(event: Event<S, Call, Cast, Reply>, state: S, data: D, ctx: ProcessContext): Awaitable<Result<S, D, Reply>>;
}

/** What a `callbackMode` function returns: the mode, or a list of the mode and `'stateEnter'` in any order (OTP's `[Mode, state_enter]`). */
export type CallbackModeResult = 'stateFunctions' | 'handleEvent' | readonly ('stateFunctions' | 'handleEvent' | 'stateEnter')[];

/**
 * A machine whose callback mode a function picks (OTP's callback_mode/0): called once after init (or
 * enterLoop) and after each code change, before the next state callback. It provides `states` or
 * `handleEvent` as the mode it returns needs.
 */
export interface CallbackModeFunctionModule<S, D, Call = never, Cast = never, Reply = unknown, Args = void> extends Callbacks<S, D, Reply, Args> {
  /** The mode, and whether state enter calls are made (`stateEnter` then counts too). */
  callbackMode(): CallbackModeResult;
  /** The handler of each state, for `'stateFunctions'`. */
  readonly states?: { readonly [state: string]: StateHandler<S, D, Call, Cast, Reply> };
  /** Handles `event` in `state`, for `'handleEvent'`. */
  handleEvent?(event: Event<S, Call, Cast, Reply>, state: S, data: D, ctx: ProcessContext): Awaitable<Result<S, D, Reply>>;
}

/**
 * A gen_statem callback module. `S` is the state, `D` the data, `Call`/`Cast` the requests, `Reply` the
 * replies and `Args` init's argument; `callbackMode` picks state functions or a single handleEvent.
 */
export type GenStatem<S, D, Call = never, Cast = never, Reply = unknown, Args = void> =
  | StateFunctionsModule<S & string, D, Call, Cast, Reply, Args>
  | HandleEventModule<S, D, Call, Cast, Reply, Args>
  | CallbackModeFunctionModule<S, D, Call, Cast, Reply, Args>;

/** A started machine: its pid, carrying its call, cast and reply types the way a `ServerRef` does. */
export type StatemPid<Call, Cast, Reply> = Pid & Pick<ServerRef<Call, Cast, Reply>, '__server'>;

const withActions = <T extends object, R>(result: T, actions: Actions<R> | undefined): T & { actions?: Actions<R> } => (actions === undefined ? result : { ...result, actions });

/** init result: start in `state` with `data`. */
export function ok<S, D, R = never>(state: S, data: D, actions?: Actions<R>): Ok<S, D, R> {
  return withActions({ type: 'ok', state, data } as const, actions);
}

/** init result: ask the supervisor to ignore this child. */
export function ignore(): Ignore {
  return { type: 'ignore' };
}

/** init result (OTP 26's `{error, Reason}`): start throws `StartError(reason)`, the process exits `normal` without a crash report. */
export function initError(reason: ExitReason): InitError {
  return { type: 'error', reason };
}

/** Result: go to `state` with `data`. */
export function nextState<S, D, R = never>(state: S, data: D, actions?: Actions<R>): NextState<S, D, R> {
  return withActions({ type: 'nextState', state, data } as const, actions);
}

/** Result: stay in the state with new `data`. */
export function keepState<D, R = never>(data: D, actions?: Actions<R>): KeepState<D, R> {
  return withActions({ type: 'keepState', data } as const, actions);
}

/** Result: change nothing but apply `actions`. */
export function keepStateAndData<R = never>(actions?: Actions<R>): KeepStateAndData<R> {
  return withActions({ type: 'keepStateAndData' } as const, actions);
}

/** Result: stay in the state with new `data` and run its enter call again. */
export function repeatState<D, R = never>(data: D, actions?: Actions<R>): RepeatState<D, R> {
  return withActions({ type: 'repeatState', data } as const, actions);
}

/** Result: keep state and data and run the state's enter call again. */
export function repeatStateAndData<R = never>(actions?: Actions<R>): RepeatStateAndData<R> {
  return withActions({ type: 'repeatStateAndData' } as const, actions);
}

/** Result (or init result): stop with `reason`, optionally with new `data` for terminate. */
export function stopResult<D, R = never>(reason: ExitReason, ...data: [] | [D]): Stop<D, R> {
  return data.length > 0 ? { type: 'stop', reason, data: data[0], hasData: true } : { type: 'stop', reason, hasData: false };
}

/** Result: send `replies` (see `reply`), then stop with `reason`. */
export function stopAndReply<D, R = never>(reason: ExitReason, replies: ReplyAction<R> | readonly ReplyAction<R>[], ...data: [] | [D]): Stop<D, R> {
  const list = Array.isArray(replies) ? (replies as readonly ReplyAction<R>[]) : [replies as ReplyAction<R>];
  return { ...stopResult<D, R>(reason, ...data), replies: list };
}

/** Action: answer the call from `from` with `value`. */
export function reply<R>(from: From<R>, value: R): ReplyAction<R> {
  return { reply: [from, value] };
}

/** Answers a call now, from anywhere (OTP's gen_statem:reply/2): for replies after the transition that got the call. */
export function sendReply<R>(from: From<R>, value: R): void;
/** Sends each reply action (`reply(from, value)`), one or a list, now (OTP's gen_statem:reply/1). */
export function sendReply(replies: ReplyAction<unknown> | readonly ReplyAction<unknown>[]): void;
export function sendReply(fromOrReplies: unknown, value?: unknown): void {
  if (fromOrReplies instanceof From) {
    replyTo(fromOrReplies, value);
    return;
  }
  const list: readonly unknown[] = Array.isArray(fromOrReplies) ? fromOrReplies : [fromOrReplies];
  // Every element is checked before any reply goes, so a bad list answers nobody twice or half.
  const bad = list.findIndex((r) => !isReplyAction(r));
  if (bad >= 0) {
    throw new RuntimeError('badarg', `sendReply takes a From and a value, or reply actions made with reply(from, value); element ${bad} is ${describeBrief(list[bad])}, and no reply was sent`);
  }
  for (const r of list as readonly ReplyAction<unknown>[]) replyTo(r.reply[0], r.reply[1]);
}

function isReplyAction(r: unknown): r is ReplyAction<unknown> {
  if (r === null || typeof r !== 'object' || !('reply' in r)) return false;
  const pair = (r as { reply: unknown }).reply;
  return Array.isArray(pair) && pair.length === 2 && pair[0] instanceof From;
}

/** Action: an event timeout, cancelled by any event; fires a `timeout` event with `content`. See TimeoutTime and TimeoutOptions. */
export function eventTimeout(time: TimeoutTime, content?: unknown, options?: TimeoutOptions): EventTimeoutAction {
  return { timeout: time, content, ...options };
}

/** Action: a state timeout, cancelled by a state change; fires a `stateTimeout` event. See TimeoutTime and TimeoutOptions. */
export function stateTimeout(time: TimeoutTime, content?: unknown, options?: TimeoutOptions): StateTimeoutAction {
  return { stateTimeout: time, content, ...options };
}

/** Action: (re)starts the generic timeout `name`; fires a `genericTimeout` event. See TimeoutTime and TimeoutOptions. */
export function genericTimeout(name: unknown, time: TimeoutTime, content?: unknown, options?: TimeoutOptions): GenericTimeoutAction {
  return { genericTimeout: name, ms: time, content, ...options };
}

/** Action: insert an event with `content` (`internal` unless `eventType` is given), handled before any queued event. */
export function nextEvent(content: unknown, eventType?: NextEventType): NextEventAction {
  return eventType === undefined ? { nextEvent: content } : { nextEvent: content, eventType };
}

/** Action: retry this event after the next state change. */
export const postpone = 'postpone' as const;

export { From };
