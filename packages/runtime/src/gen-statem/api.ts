import type { ExitReason } from '../messages.js';
import { stopBehaviour } from '../gen/stop.js';
import type { ProcessContext } from '../types.js';
import { isProcessContext } from '../process-internals.js';
import { badCallbackModule, startAcknowledged, NO_START_OPTIONS, type StartBody, type StartOptions } from '../gen/start.js';
import { callMessage, genCall, cast as genCast, type ServerName, type ServerRef } from '../gen/call.js';
import type { Pid, Ref } from '../pid.js';
import { enterStatem, runStatem } from './loop.js';
import type { AnyStatem } from './mode.js';
import { stopResult, type Actions, type GenStatem, type StatemPid, type Stop } from './types.js';

// The process body of every start: one function, where a closure over the module and args was made per start.
const body: StartBody = (child, parent, ack, module, args) => runStatem(child, module as AnyStatem, args, parent, ack);

/** Starts a gen_statem linked to the caller and waits for its init; throws `StartError` if init fails or ignores. */
export function startLink<S, D, Call, Cast, Reply, Args>(
  ctx: ProcessContext,
  module: GenStatem<S, D, Call, Cast, Reply, Args>,
  args: Args,
  options: StartOptions = NO_START_OPTIONS,
): Promise<StatemPid<Call, Cast, Reply>> {
  return badCallbackModule(module, 'genStatem.startLink') ?? startAcknowledged(ctx, body, options, true, module, args);
}

/** Starts a gen_statem that is not linked to the caller. */
export function start<S, D, Call, Cast, Reply, Args>(
  ctx: ProcessContext,
  module: GenStatem<S, D, Call, Cast, Reply, Args>,
  args: Args,
  options: StartOptions = NO_START_OPTIONS,
): Promise<StatemPid<Call, Cast, Reply>> {
  return badCallbackModule(module, 'genStatem.start') ?? startAcknowledged(ctx, body, options, false, module, args);
}

/**
 * Starts a gen_statem monitored by the caller (OTP 23's start_monitor) and waits for its init: resolves to
 * `[pid, ref]`, the monitor set before init ran, so a machine that dies right after init is a `Down` with `ref`,
 * never missed. On failure it throws `StartError` as start does, and no `Down` of the child is left in the mailbox.
 */
export function startMonitor<S, D, Call, Cast, Reply, Args>(
  ctx: ProcessContext,
  module: GenStatem<S, D, Call, Cast, Reply, Args>,
  args: Args,
  options: StartOptions = NO_START_OPTIONS,
): Promise<[StatemPid<Call, Cast, Reply>, Ref]> {
  return badCallbackModule(module, 'genStatem.startMonitor') ?? startAcknowledged(ctx, body, options, 'monitor', module, args);
}

/** Options of enterLoop. */
export interface EnterLoopOptions {
  /** The name the process must already be registered under (OTP's ServerName check); default: no check. */
  name?: ServerName;
  /** The process whose exit signal (when this process traps exits) runs terminate and stops the machine, as a supervisor's shutdown does; default none. */
  parent?: Pid;
  /** Hibernate once idle this many ms with no event and no timeout pending, as the start option (OTP's `{hibernate_after, Ms}`); default Infinity: never. */
  hibernateAfter?: number;
}

/**
 * Turns the calling process into a gen_statem in `state` with `data`, applying `actions` as init's would
 * (OTP's enter_loop): for a process that set itself up (registered, linked, trapping exits) before
 * becoming a machine. No init runs; the callback mode is read and the state enter call made as after
 * init. With `name`, the process must hold it already, else it exits with `process_not_registered`
 * (`process_not_registered_globally`, `process_not_registered_via`). Never resolves: the process ends when the machine stops (a bad callback mode or action exits it).
 */
export function enterLoop<S, D, Call, Cast, Reply, Args>(
  ctx: ProcessContext,
  module: GenStatem<S, D, Call, Cast, Reply, Args>,
  state: S,
  data: D,
  actions?: Actions<Reply>,
  options: EnterLoopOptions = {},
): Promise<never> {
  return enterStatem(ctx, module as unknown as AnyStatem, state, data, actions as Actions | undefined, options);
}

/** Calls a machine (a `call` event) and returns its reply; throws `CallError` (noproc, timeout, or its exit reason). Default timeout 5000 ms. */
export function call<Call, Cast, Reply>(ctx: ProcessContext, server: ServerRef<Call, Cast, Reply>, request: NoInfer<Call>, timeoutMs?: number): Promise<Reply> {
  return genCall(ctx, server, callMessage, request, timeoutMs) as Promise<Reply>;
}

/** Casts a request to a machine (a `cast` event); silently dropped if it does not exist. */
export function cast<Call, Cast, Reply>(ctx: ProcessContext, server: ServerRef<Call, Cast, Reply>, request: NoInfer<Cast>): void {
  genCast(ctx, server, request);
}

// ServerRef alone would let TypeScript's first (subtype) pass over the overloads take stop(ctx, pid), or stop(ctx, ref)
// of a { name, node } held in a variable, for the result helper below: each shape of a reference is listed bare.
/** Stops a machine with `reason` (running its terminate) and waits until it is gone; throws `CallError` if it does not exist or outlives the timeout. */
export function stop(ctx: ProcessContext, server: ServerRef | Pid | ServerName | { name: string; node: string }, reason?: ExitReason, timeoutMs?: number): Promise<void>;
/** Result (or init result): stop with `reason`, optionally with new `data` for terminate. */
export function stop<D, R = never>(reason: ExitReason, ...data: [] | [D]): Stop<D, R>;
export function stop(...args: unknown[]): Promise<void> | Stop<unknown, unknown> {
  // Like OTP, where {stop, Reason} and gen_statem:stop/1 share a name: a context first means the API call.
  if (isProcessContext(args[0])) return stopMachine(args[0], args[1] as ServerRef, args[2] as ExitReason, args[3] as number | undefined);
  return stopResult(args[0], ...(args.slice(1, 2) as [] | [unknown]));
}

function stopMachine(ctx: ProcessContext, server: ServerRef, reason?: ExitReason, timeoutMs?: number): Promise<void> {
  return stopBehaviour(ctx, server, reason, timeoutMs);
}
