import type { ExitReason } from '../messages.js';
import { Pid, Ref } from '../pid.js';
import { RuntimeError } from '../errors.js';
import type { ProcessContext } from '../types.js';
import { startAcknowledged, NO_START_OPTIONS, type StartBody, type StartOptions } from '../gen/start.js';
import { DEFAULT_CALL_TIMEOUT, genCall, remoteByName, unreachable, whereisServer, type ServerRef } from '../gen/call.js';
import { stopBehaviour } from '../gen/stop.js';
import type { From } from '../gen/messages.js';
import { runManager } from './manager.js';
import { GenEventError, ManagerRequest, NotifyMessage, Refused, describeHandler } from './types.js';
import type { AnyHandler, GenEventHandler, HandlerId, ManagerOp } from './types.js';

/** An event manager as clients address it (pid, name or via-name), typed with its event type. */
export type ManagerRef<Event = unknown> = ServerRef<unknown, Event, unknown>;

/** A started event manager's pid, typed with its event type. */
export type ManagerPid<Event = unknown> = Pid & { readonly __server?: [unknown, Event, unknown] };

/** Any handler of events of type `E`. */
type HandlerOf<E> = GenEventHandler<unknown, E, unknown, unknown, unknown, unknown>;

// A manager request's message (one function for every request, not a closure over each).
function managerRequest(from: From, op: unknown): ManagerRequest {
  return new ManagerRequest(from, op as ManagerOp);
}

/** Makes a request to the manager; a `Refused` answer is thrown as a `GenEventError` about `handler`. */
async function request(ctx: ProcessContext, manager: ManagerRef, op: ManagerOp, handler: HandlerId | null, timeoutMs = Infinity): Promise<unknown> {
  // As OTP's gen:call of {Name, Node} from a node that is not alive, or of a Node that is no node name: every request exits {nodedown, Node} first.
  const remote = remoteByName(ctx, manager);
  const cannot = remote === undefined ? undefined : unreachable(ctx, remote, op, op.type);
  if (cannot !== undefined) throw cannot;
  if (handler !== null && isRemote(ctx, manager)) {
    throw new RuntimeError('badarg', `${op.type} names handler ${describeHandler(handler)}, which is code and cannot reach a manager on another node: make the request on the manager's node (rpc)`);
  }
  const answer = await genCall(ctx, manager, managerRequest, op, timeoutMs);
  if (answer instanceof Refused) throw new GenEventError(answer.code, handler as HandlerId, answer.reason);
  return answer;
}

// A manager on another node: a pid of another node or { name, node } of another node.
function isRemote(ctx: ProcessContext, manager: ManagerRef): boolean {
  return manager instanceof Pid ? manager.node !== 0 : remoteByName(ctx, manager) !== undefined;
}

// The process body of every start, one function rather than a closure per start.
const body: StartBody = (child, parent, ack) => runManager(child, parent, ack);

/** Starts an event manager linked to the caller, with no handlers; `options.name` registers it. */
export function startLink<Event = unknown>(ctx: ProcessContext, options: StartOptions = NO_START_OPTIONS): Promise<ManagerPid<Event>> {
  return startAcknowledged(ctx, body, options, true);
}

/** Starts an event manager that is not linked to the caller. */
export function start<Event = unknown>(ctx: ProcessContext, options: StartOptions = NO_START_OPTIONS): Promise<ManagerPid<Event>> {
  return startAcknowledged(ctx, body, options, false);
}

/** Starts an event manager monitored by the caller (OTP 23's start_monitor): `[pid, ref]`, the monitor set before it ran; a failed start leaves no `Down`. */
export function startMonitor<Event = unknown>(ctx: ProcessContext, options: StartOptions = NO_START_OPTIONS): Promise<[ManagerPid<Event>, Ref]> {
  return startAcknowledged(ctx, body, options, 'monitor');
}

/** Installs a handler (in front: it sees events first) through its init; throws `GenEventError` initFailed or alreadyExists. */
export async function addHandler<S, E, C, R, A, T>(ctx: ProcessContext, manager: ManagerRef<E>, handler: HandlerId<GenEventHandler<S, E, C, R, A, T>>, args: A): Promise<void> {
  await request(ctx, manager, { type: 'addHandler', handler: handler as HandlerId, args, supervisor: null }, handler as HandlerId);
}

/** Like addHandler, and links the handler to the caller: removed when the caller exits, the caller gets a `HandlerExit` when it is removed. */
export async function addSupHandler<S, E, C, R, A, T>(ctx: ProcessContext, manager: ManagerRef<E>, handler: HandlerId<GenEventHandler<S, E, C, R, A, T>>, args: A): Promise<void> {
  await request(ctx, manager, { type: 'addHandler', handler: handler as HandlerId, args, supervisor: ctx.self() }, handler as HandlerId);
}

/** Removes a handler: returns what its terminate(args, state) returned; throws `GenEventError` notFound, or handlerCrashed if terminate threw. */
export function deleteHandler<S, E, C, R, A, T>(
  ctx: ProcessContext,
  manager: ManagerRef<E>,
  handler: HandlerId<GenEventHandler<S, E, C, R, A, T>>,
  ...args: undefined extends T ? [args?: T] : [args: T]
): Promise<unknown> {
  return request(ctx, manager, { type: 'deleteHandler', handler: handler as HandlerId, args: args[0] }, handler as HandlerId);
}

/**
 * Replaces `old` by `next`: old's terminate(oldArgs, state) runs, then next's init gets `{ args: nextArgs,
 * previous, found }` (found is false if old was not installed; `exit` is what old's terminate threw, if it threw). A supervised old handler's supervisor
 * supervises next. Throws `GenEventError` initFailed (both are then gone) or alreadyExists.
 */
export async function swapHandler<E>(ctx: ProcessContext, manager: ManagerRef<E>, old: [HandlerId<HandlerOf<E>>, unknown], next: [HandlerId<HandlerOf<E>>, unknown]): Promise<void> {
  await request(ctx, manager, swapOp(old, next, null), next[0] as HandlerId);
}

/** Like swapHandler, and the caller supervises the new handler (as with addSupHandler). */
export async function swapSupHandler<E>(ctx: ProcessContext, manager: ManagerRef<E>, old: [HandlerId<HandlerOf<E>>, unknown], next: [HandlerId<HandlerOf<E>>, unknown]): Promise<void> {
  await request(ctx, manager, swapOp(old, next, ctx.self()), next[0] as HandlerId);
}

function swapOp(old: [HandlerId<AnyHandler>, unknown], next: [HandlerId<AnyHandler>, unknown], supervisor: Pid | null): ManagerOp {
  return { type: 'swapHandler', old: old[0], oldArgs: old[1], next: next[0], nextArgs: next[1], supervisor };
}

/**
 * Sends an event to every handler and returns at once. As OTP's notify (a plain send): a local name nobody
 * holds throws `badarg`; a dead pid, a name on another node (even from a node that is not distributed) or a
 * global or via-name nobody holds drops the event.
 */
export function notify<E>(ctx: ProcessContext, manager: ManagerRef<E>, event: E): void {
  if (manager !== null && typeof manager === 'object' && ('via' in manager || 'global' in manager)) {
    const pid = whereisServer(ctx, manager);
    if (pid !== undefined) ctx.send(pid, new NotifyMessage(event));
    return;
  }
  if (manager instanceof Ref) throw new RuntimeError('badarg', `${String(manager)} is a ref, not an event manager: notify a pid, a registered name, { name, node } or { via, name }`);
  ctx.send(manager, new NotifyMessage(event));
}

/** Sends an event and returns once every handler has handled it; throws `CallError` noproc if the manager does not exist. */
export async function syncNotify<E>(ctx: ProcessContext, manager: ManagerRef<E>, event: E): Promise<void> {
  await request(ctx, manager, { type: 'syncNotify', event }, null);
}

/**
 * Calls one handler's handleCall and returns its reply (default timeout 5000 ms). Throws `GenEventError`
 * notFound, or handlerCrashed (the handler is then removed); `CallError` for noproc or timeout.
 */
export function call<S, E, C, R, A, T>(ctx: ProcessContext, manager: ManagerRef<E>, handler: HandlerId<GenEventHandler<S, E, C, R, A, T>>, req: C, timeoutMs = DEFAULT_CALL_TIMEOUT): Promise<R> {
  return request(ctx, manager, { type: 'call', handler: handler as HandlerId, request: req }, handler as HandlerId, timeoutMs) as Promise<R>;
}

/** The installed handlers' ids, latest installed first (the order events reach them); a manager on another node answers their names. */
export function whichHandlers(ctx: ProcessContext, manager: ManagerRef): Promise<HandlerId[]> {
  return request(ctx, manager, { type: 'whichHandlers' }, null) as Promise<HandlerId[]>;
}

/** Stops the manager (each handler's terminate gets `'stop'`) and waits until it is gone; throws `CallError` noproc or timeout. */
export function stop(ctx: ProcessContext, manager: ManagerRef, reason: ExitReason = 'normal', timeoutMs = Infinity): Promise<void> {
  return stopBehaviour(ctx, manager, reason, timeoutMs);
}
