import type { ExitReason } from '../messages.js';
import type { Pid } from '../pid.js';
import type { ProcessContext } from '../types.js';
import type { From } from '../gen/messages.js';
import type { Awaitable, Status } from '../gen-server/types.js';
import { describeReason } from '../errors.js';
import { formatValue } from '../logger.js';
import { termEquals } from '../terms.js';
import { registerWireClass } from '../wire.js';

/** init succeeded, or a callback keeps the handler: go on with `state`. */
export interface Ok<S> {
  readonly type: 'ok';
  readonly state: S;
  /** `'hibernate'`: the manager hibernates once it has handled this message (OTP's `{ok, State, hibernate}`). */
  readonly action?: 'hibernate';
}
/** init refused: the handler is not installed and addHandler throws `GenEventError` `'initFailed'`. */
export interface InitError {
  readonly type: 'error';
  readonly reason: unknown;
}
/** handleCall answers `reply` and keeps the handler with `state`. */
export interface Reply<R, S> {
  readonly type: 'reply';
  readonly reply: R;
  readonly state: S;
  /** `'hibernate'`: the manager hibernates once it has answered (OTP's `{ok, Reply, State, hibernate}`). */
  readonly action?: 'hibernate';
}
/** Removes the handler (its terminate gets `'removeHandler'`); from handleCall, answers `reply` first. */
export interface RemoveHandler<R = never> {
  readonly type: 'removeHandler';
  readonly reply?: R;
}
/** Replaces the handler: its terminate(args, state) runs, then `handler`'s init gets a `SwapArgs`. */
export interface Swap<S, R = never> {
  readonly type: 'swap';
  readonly args: unknown;
  readonly state: S;
  readonly handler: HandlerId;
  readonly initArgs: unknown;
  readonly reply?: R;
}

/** What init may return. */
export type InitResult<S> = Ok<S> | InitError;
/** What handleEvent and handleInfo may return. */
export type EventResult<S> = Ok<S> | RemoveHandler | Swap<S>;
/** What handleCall may return. */
export type CallResult<S, R> = Reply<R, S> | RemoveHandler<R> | Swap<S, R>;

/**
 * Why terminate runs when the manager, not deleteHandler, removes the handler: it returned
 * removeHandler, the manager stops, it crashed (`error` is the thrown value or a `BadReturnValue`), or
 * the process that added it with addSupHandler exited (`stop` is that process's exit reason).
 */
export type TerminateReason = 'removeHandler' | 'stop' | { readonly error: ExitReason } | { readonly stop: ExitReason };

/** What a handler swapped in receives as init's argument (OTP's `{Args2, Res}`). */
export interface SwapArgs<A = unknown, P = unknown> {
  /** The arguments given for the new handler. */
  readonly args: A;
  /** What the old handler's terminate returned (undefined if it threw or was not installed). */
  readonly previous: P | undefined;
  /** False when the old handler was not installed (OTP passes `error`). */
  readonly found: boolean;
  /** What the old handler's terminate threw, present only when it threw (OTP passes `{'EXIT', Reason}`). */
  readonly exit?: unknown;
}

/**
 * A gen_event handler: `S` its state, `Event` the events, `CallReq`/`Reply` its calls, `Args` init's
 * argument and `StopArgs` deleteHandler's argument. All callbacks run in the manager process.
 */
export interface GenEventHandler<S, Event = unknown, CallReq = never, Reply = unknown, Args = void, StopArgs = undefined> {
  /** Names the handler in reports and upgrades (sys.changeCode matches handlers by name). */
  readonly name?: string;
  /** Sets up the state when the handler is added: `ok(state)` or `error(reason)`. */
  init(args: Args, ctx: ProcessContext): Awaitable<InitResult<S>>;
  /** Handles a notified event: `ok(state)`, `removeHandler()` or `swap(...)`. */
  handleEvent(event: Event, state: S, ctx: ProcessContext): Awaitable<EventResult<S>>;
  /** Answers `call`: `reply(value, state)`, `removeHandler(value)` or `swap(..., value)`. Default: the handler crashes. */
  handleCall?(request: CallReq, state: S, ctx: ProcessContext): Awaitable<CallResult<S, Reply>>;
  /** Handles any other message the manager receives (exits of linked processes too). Default: a warning is logged. */
  handleInfo?(message: unknown, state: S, ctx: ProcessContext): Awaitable<EventResult<S>>;
  /** Cleans up when the handler is removed; its (awaited) value is what deleteHandler returns. Default: undefined. */
  terminate?(arg: StopArgs | TerminateReason, state: S, ctx: ProcessContext): unknown;
  /** Migrates the state during sys.changeCode. Default: the state is kept. */
  codeChange?(oldVsn: unknown, state: S, extra: unknown): Awaitable<S>;
  /** Shapes the state shown by sys.getStatus and crash reports. Default: unchanged. */
  formatStatus?(status: Status<S>): Status<S>;
}

/** Any handler, as the manager sees it. */
export type AnyHandler = GenEventHandler<unknown, unknown, unknown, unknown, unknown, unknown>;

/** How a handler is known: the handler object, or `{ handler, id }` for several instances of one. */
export type HandlerId<H = AnyHandler> = H | { readonly handler: H; readonly id: unknown };

/** One installed handler and its state, as sys.getState lists them (latest installed first). */
export interface InstalledHandler {
  readonly id: HandlerId;
  readonly state: unknown;
}

/** init result: install the handler with `state`; handleEvent/handleInfo result: keep it with `state`; `'hibernate'` hibernates the manager next. */
export function ok<S>(state: S, action?: 'hibernate'): Ok<S> {
  return action === undefined ? { type: 'ok', state } : { type: 'ok', state, action };
}

/** init result: do not install the handler; addHandler throws `GenEventError` `'initFailed'` with `reason`. */
export function error(reason: unknown): InitError {
  return { type: 'error', reason };
}

/** handleCall result: answer `value` and keep the handler with `state`; `'hibernate'` hibernates the manager next. */
export function reply<R, S>(value: R, state: S, action?: 'hibernate'): Reply<R, S> {
  return action === undefined ? { type: 'reply', reply: value, state } : { type: 'reply', reply: value, state, action };
}

/** Result: remove this handler; from handleCall, `replyValue` answers the caller first. */
export function removeHandler<R = never>(...replyValue: [] | [R]): RemoveHandler<R> {
  return replyValue.length > 0 ? { type: 'removeHandler', reply: replyValue[0] } : { type: 'removeHandler' };
}

/** Result: terminate(args, state) this handler and install `handler` with init({ args: initArgs, previous, found }). */
export function swap<S, R = never>(args: unknown, state: S, handler: HandlerId, initArgs: unknown, ...replyValue: [] | [R]): Swap<S, R> {
  const r = { type: 'swap', args, state, handler, initArgs } as const;
  return replyValue.length > 0 ? { ...r, reply: replyValue[0] } : r;
}

/** Sent to the process that added a handler with addSupHandler when that handler is removed (`gen_event_EXIT`). */
export class HandlerExit {
  /** Tag for readable pattern matching and logs. */
  readonly type = 'gen_event_EXIT' as const;
  constructor(
    /** The handler, as it was added. */
    readonly handler: HandlerId,
    /** `'normal'` (deleted or removed itself), `'shutdown'` (the manager stopped), `{ swapped, supervisor }`, or the crash reason. */
    readonly reason: ExitReason,
    /** The manager it was installed in. */
    readonly manager: Pid,
  ) {}
}

/** True when a message is a supervised handler's `HandlerExit`. */
export function isHandlerExit(message: unknown): message is HandlerExit {
  return message instanceof HandlerExit;
}

/** Why a manager refused a request: OTP's `{error, bad_module}`, `{error, Reason}` from init, a crashed call. */
export type GenEventErrorCode = 'notFound' | 'alreadyExists' | 'initFailed' | 'handlerCrashed';

/** Thrown by the manager API when a request about one handler fails; `reason` is the cause, if any. */
export class GenEventError extends Error {
  constructor(
    /** What went wrong. */
    readonly code: GenEventErrorCode,
    /** The handler the request named. */
    readonly handler: HandlerId,
    /** init's error reason, or the crash of a handler's callback. */
    readonly reason?: unknown,
  ) {
    const what = describeHandler(handler);
    super(
      code === 'notFound'
        ? `handler ${what} is not installed`
        : code === 'alreadyExists'
          ? `handler ${what} is already installed`
          : `handler ${what} ${code === 'initFailed' ? 'failed to start' : 'crashed'}: ${describeReason(reason)}`,
      { cause: reason },
    );
    this.name = 'GenEventError';
  }
}

/** Internal: whether a handler id is a `{ handler, id }` pair (not a handler object itself). */
export function isPair(id: unknown): id is { readonly handler: AnyHandler; readonly id: unknown } {
  return id !== null && typeof id === 'object' && 'handler' in id && 'id' in id && typeof (id as Partial<AnyHandler>).handleEvent !== 'function';
}

/** The handler object behind an id. */
export function handlerOf(id: HandlerId): AnyHandler {
  return isPair(id) ? id.handler : id;
}

/** Why `id` names no handler object (a handler has init and handleEvent), as a sentence naming the fix; null when it does. */
export function notAHandler(id: unknown): string | null {
  const h = handlerOf(id as HandlerId) as Partial<AnyHandler> | null | undefined;
  if (h !== null && typeof h === 'object' && typeof h.init === 'function' && typeof h.handleEvent === 'function') return null;
  return `${formatValue(id, 100)} is not a gen_event handler: give an object with init and handleEvent, or { handler, id } of one`;
}

/** True when two ids name the same installed handler (same object, and equal ids for pairs). */
export function sameHandler(a: unknown, b: unknown): boolean {
  if (isPair(a) && isPair(b)) return a.handler === b.handler && termEquals(a.id, b.id);
  return !isPair(a) && !isPair(b) && a === b;
}

/** A handler id for people: its name (`(unnamed)` for a handler object with none), and the instance id for pairs. */
export function describeHandler(id: HandlerId): string {
  // Not 'handler': every message puts the word before it ("handler handler failed to start").
  const name = handlerOf(id)?.name ?? '(unnamed)';
  return isPair(id) ? `${name}(${describeReason(id.id)})` : name;
}

/** A request the API sends through genCall; the manager answers with a value or `Refused`. */
export class ManagerRequest {
  constructor(
    readonly from: From,
    readonly op: ManagerOp,
  ) {}
}

/** What the API asks a manager. */
export type ManagerOp =
  | { type: 'syncNotify'; event: unknown }
  | { type: 'addHandler'; handler: HandlerId; args: unknown; supervisor: Pid | null }
  | { type: 'deleteHandler'; handler: HandlerId; args: unknown }
  | { type: 'swapHandler'; old: HandlerId; oldArgs: unknown; next: HandlerId; nextArgs: unknown; supervisor: Pid | null }
  | { type: 'call'; handler: HandlerId; request: unknown }
  | { type: 'whichHandlers' };

/** An event sent by `notify` (no answer). */
export class NotifyMessage {
  constructor(readonly event: unknown) {}
}

/** The manager's answer when a request failed; the API throws it as a `GenEventError`. */
export class Refused {
  constructor(
    readonly code: GenEventErrorCode,
    readonly reason?: unknown,
  ) {}
}

// Events and requests cross nodes, as OTP's gen_event messages do: notify, syncNotify and whichHandlers reach
// a manager on another node (a handler is code: requests naming one are made on the manager's node).
registerWireClass('gen_event.notify', NotifyMessage, (m) => ({ event: m.event }), (p) => new NotifyMessage(p.event));
registerWireClass('gen_event.request', ManagerRequest, (m) => ({ from: m.from, op: m.op }), (p) => new ManagerRequest(p.from as From, p.op as ManagerOp));
