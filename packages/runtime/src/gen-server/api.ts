import type { ExitReason } from '../messages.js';
import { stopBehaviour } from '../gen/stop.js';
import type { ProcessContext } from '../types.js';
import { badCallbackModule, startAcknowledged, NO_START_OPTIONS, type StartBody, type StartOptions } from '../gen/start.js';
import { call as genCall, cast as genCast, type ServerName, type ServerRef } from '../gen/call.js';
import type { Pid, Ref } from '../pid.js';
import { enterServer, runServer } from './loop.js';
import type { Action, GenServer, ServerPid } from './types.js';

type AnyServer = GenServer<unknown, unknown, unknown, unknown, unknown>;

// The process body of every start: one function, where a closure over the module and args was made per start.
const body: StartBody = (child, parent, ack, module, args) => runServer(child, module as AnyServer, args, parent, ack);

/** Starts a gen_server linked to the caller and waits for its init; throws `StartError` if init fails or ignores. */
export function startLink<S, Call, Cast, Reply, Args>(
  ctx: ProcessContext,
  module: GenServer<S, Call, Cast, Reply, Args>,
  args: Args,
  options: StartOptions = NO_START_OPTIONS,
): Promise<ServerPid<Call, Cast, Reply>> {
  return badCallbackModule(module, 'genServer.startLink') ?? startAcknowledged(ctx, body, options, true, module, args);
}

/** Starts a gen_server that is not linked to the caller. */
export function start<S, Call, Cast, Reply, Args>(
  ctx: ProcessContext,
  module: GenServer<S, Call, Cast, Reply, Args>,
  args: Args,
  options: StartOptions = NO_START_OPTIONS,
): Promise<ServerPid<Call, Cast, Reply>> {
  return badCallbackModule(module, 'genServer.start') ?? startAcknowledged(ctx, body, options, false, module, args);
}

/**
 * Starts a gen_server monitored by the caller (OTP 23's start_monitor) and waits for its init: resolves to
 * `[pid, ref]`, the monitor set before init ran, so a server that dies right after init is a `Down` with `ref`,
 * never missed. On failure it throws `StartError` as start does, and no `Down` of the child is left in the mailbox.
 */
export function startMonitor<S, Call, Cast, Reply, Args>(
  ctx: ProcessContext,
  module: GenServer<S, Call, Cast, Reply, Args>,
  args: Args,
  options: StartOptions = NO_START_OPTIONS,
): Promise<[ServerPid<Call, Cast, Reply>, Ref]> {
  return badCallbackModule(module, 'genServer.startMonitor') ?? startAcknowledged(ctx, body, options, 'monitor', module, args);
}

/** Calls a server and returns its reply; throws `CallError` (noproc, timeout, or the server's exit reason). Default timeout 5000 ms. */
export function call<Call, Cast, Reply>(ctx: ProcessContext, server: ServerRef<Call, Cast, Reply>, request: NoInfer<Call>, timeoutMs?: number): Promise<NoInfer<Reply>> {
  return genCall(ctx, server, request, timeoutMs);
}

/** Casts a request to a server; silently dropped if the server does not exist. */
export function cast<Call, Cast, Reply>(ctx: ProcessContext, server: ServerRef<Call, Cast, Reply>, request: NoInfer<Cast>): void {
  genCast(ctx, server, request);
}

/** Stops a server with `reason` (running its terminate) and waits until it is gone; throws `CallError` if it does not exist or outlives the timeout. */
export function stop(ctx: ProcessContext, server: ServerRef, reason: ExitReason = 'normal', timeoutMs = Infinity): Promise<void> {
  return stopBehaviour(ctx, server, reason, timeoutMs);
}

/** Options of enterLoop. */
export interface EnterLoopOptions {
  /** The name the process must already be registered under (OTP's ServerName check); default: no check. */
  name?: ServerName;
  /** What to do first, as init's action: a timeout in ms, `'hibernate'` or `{ continue }`. */
  action?: Action;
  /** The process whose exit signal (when this process traps exits) runs terminate, as a supervisor's shutdown does; default none. */
  parent?: Pid;
  /** Hibernate once idle this many ms with no message and no timeout pending, as the start option (OTP's `{hibernate_after, Ms}`); default Infinity: never. */
  hibernateAfter?: number;
}

/**
 * Turns the calling process into a gen_server with `state` (OTP's gen_server:enter_loop), for a process
 * that set itself up (registered, linked, trapping exits) instead of running init. With `name`, the
 * process must be registered under it already, else it exits with `process_not_registered` (a global name:
 * `process_not_registered_globally`, a via-name:
 * `process_not_registered_via`). Never resolves: the process ends when the server stops.
 */
export function enterLoop<S, Call, Cast, Reply, Args>(ctx: ProcessContext, module: GenServer<S, Call, Cast, Reply, Args>, state: S, options: EnterLoopOptions = {}): Promise<never> {
  return enterServer(ctx, module as unknown as AnyServer, state, options);
}
