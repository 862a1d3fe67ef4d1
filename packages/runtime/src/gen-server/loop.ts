import { Exit, TIMEOUT, type ExitReason } from '../messages.js';
import { isTimeoutMs } from '../timers.js';
import { attempt, exitReasonOf, isThenable, type Outcome } from '../gen/attempt.js';
import { safeFormatStatus } from '../gen/format-status.js';
import { ExitSignal } from '../errors.js';
import type { Pid } from '../pid.js';
import type { ProcessContext, ProcessLabel } from '../types.js';
import { CallMessage, CastMessage, SystemMessage, suspendedWait, type From } from '../gen/messages.js';
import { holdCall, replyTo, type ServerName } from '../gen/call.js';
import { DETACHED, internals, type ProcessInternals } from '../process-internals.js';
import { BadReturnValue } from '../gen/errors.js';
import { resultOf, thrownResult } from '../gen/result.js';
import { spendReduction } from '../gen/reductions.js';
import { applyInitialDebug, changedState, debugEvent, handleSystemMessage, loggedEvents, type CodeChange, type Statistics, type SysDebug, type SysStatus, type SysTarget } from '../gen/sys-handler.js';
import { checkHibernateAfter, checkHoldsName, currentCallbacks, hibernateAfterOf, type Acknowledge } from '../gen/start.js';
import { formatValue, isNormalExit, loggerOf } from '../logger.js';
import { ancestorsOf, neighboursOf, crasherOf } from '../gen/crash-info.js';
import { callbackNamer, setCurrentFunction } from '../gen/current.js';
import type { Action, CallResult, GenServer, InitResult, NoReplyResult, Status } from './types.js';

// The loop is written against the widest callback module; the typed surface is in api.ts.
type AnyServer = GenServer<unknown, unknown, unknown, unknown, unknown>;

/** Every result a callback may give, as a union on `type` (user code may return anything: see resultOf). */
type ServerResult = InitResult<unknown> | CallResult<unknown, unknown> | NoReplyResult<unknown>;

/** What processInfo shows as the current function of a server waiting for a message, as OTP's gen_server:loop/7. */
const LOOP = 'gen_server.loop';
const namesOf = callbackNamer(['init', 'handleCall', 'handleCast', 'handleInfo', 'handleContinue', 'terminate'] as const);

/** One running gen_server: its callback module (re-pointable for upgrades), state and loop flags. */
class Server implements SysTarget {
  readonly behaviour = 'gen_server';
  suspended = false;
  statistics: Statistics | null = null;
  sysDebug: SysDebug | null = null;
  /** The pending timeout a callback returned (ms), until a message of the server's own or the timeout comes. */
  timeout: number | undefined = undefined;
  /** When the pending timeout fires (performance.now() time), set as the loop starts waiting on it. */
  deadline: number | undefined = undefined;
  continuation: { arg: unknown } | null = null;
  /** A callback returned the `'hibernate'` action: the next wait starts hibernated. */
  hibernating = false;
  /** Hibernate after this many ms waiting with nothing to do (the start's hibernateAfter; Infinity: never). */
  hibernateAfter = Infinity;
  /** Started by runServer: the loop parks without a frame while idle (enterServer's keeps it: its caller awaits). */
  detaches = false;

  constructor(
    readonly ctx: ProcessContext,
    public mod: AnyServer,
    public state: unknown,
    readonly parent: Pid | null,
  ) {}

  get moduleName(): string {
    return this.mod.name ?? 'gen_server';
  }

  /** `<module>.<callback>` of the current module, as processInfo's currentFunction shows it. */
  get names(): ReturnType<typeof namesOf> {
    return namesOf(this.mod, this.moduleName);
  }

  getState(): unknown {
    return this.state;
  }

  setState(state: unknown): void {
    this.state = state;
  }

  formattedState(): unknown {
    return this.format({ state: this.state, context: 'normal' }).state;
  }

  formattedStatus(): Pick<SysStatus, 'state' | 'log'> {
    // As OTP's sys:get_status: the logged events are shown, through the same formatStatus call as the state.
    const { state, log } = this.format({ state: this.state, context: 'normal', ...loggedEvents(this) });
    return log === undefined ? { state } : { state, log };
  }

  format(status: Status<unknown>): Status<unknown> {
    return safeFormatStatus(this.mod.formatStatus?.bind(this.mod), status, 'state');
  }

  async changeCode(change: CodeChange): Promise<void> {
    if (isHost(this.mod)) {
      this.state = await this.mod.hostedCodeChange(change.state, change.to, change.oldVsn, change.extra);
      return;
    }
    const next = (change.to ?? this.mod) as AnyServer;
    const via = (change.via ?? next) as AnyServer;
    const state = via.codeChange ? changedState(await via.codeChange(change.oldVsn, change.state, change.extra), change.state) : change.state;
    this.setModule(next);
    this.state = state;
  }

  snapshot(): unknown {
    return { mod: this.mod, state: this.state };
  }

  restore(snapshot: unknown): void {
    const { mod, state } = snapshot as { mod: AnyServer; state: unknown };
    this.mod = mod;
    this.state = state;
  }

  setModule(module: unknown): void {
    if (isHost(this.mod)) {
      this.state = this.mod.hostedSetModule(this.state, module);
      return;
    }
    this.mod = module as AnyServer;
    internals(this.ctx).label = labelOf(this.mod);
  }

  terminate(reason: unknown, message: unknown): Promise<never> {
    return terminate(this, reason, message);
  }

  /** Runs a callback through the behaviours' try-wrapper (gen/attempt.ts). */
  attempt(fn: () => unknown): Promise<Outcome> {
    return attempt(fn);
  }
}

/**
 * A behaviour built on gen_server that runs a user module of its own (the supervisor runs its
 * Supervisor module): an upgrade swaps and migrates that module, never the gen_server callbacks.
 */
export interface ModuleHost {
  hostedCodeChange(state: unknown, module: unknown, oldVsn: unknown, extra: unknown): Promise<unknown>;
  hostedSetModule(state: unknown, module: unknown): unknown;
}

function isHost(mod: AnyServer): mod is AnyServer & ModuleHost {
  return typeof (mod as Partial<ModuleHost>).hostedCodeChange === 'function';
}

const labels = new WeakMap<AnyServer, ProcessLabel>();
function labelOf(mod: AnyServer): ProcessLabel {
  let label = labels.get(mod);
  if (label === undefined) labels.set(mod, (label = Object.freeze({ behaviour: 'gen_server', module: mod.name ?? 'gen_server', callbacks: mod })));
  return label;
}

/**
 * Runs a gen_server in the current process: init, acknowledge, then the loop until it stops. What it returns is
 * the process's body: DETACHED once the loop parked without a frame (see runLoop), else the promise of an async
 * init or of the loop going on from an async callback.
 */
export function runServer(ctx: ProcessContext, mod: AnyServer, args: unknown, parent: Pid | null, ack: Acknowledge | null): Promise<unknown> | typeof DETACHED | undefined {
  // A synchronous init is run and acknowledged in this turn, without a promise; only an async one is awaited.
  const started = initServer(ctx, mod, args, parent, ack!);
  if (isThenable(started)) return started.then((server) => (server === null ? undefined : serve(ctx, detaching(server), undefined)));
  if (started === null) return undefined;
  return runLoop(ctx, detaching(started));
}

function detaching(server: Server): Server {
  server.detaches = true;
  return server;
}

/** What processInfo shows as the current function of a hibernating server, as OTP's erlang:hibernate/3. */
const HIBERNATE = 'erlang.hibernate';

/**
 * Turns the calling process into a gen_server with `state` (OTP's enter_loop): no init runs. With
 * `name`, the process must already be registered under it, else it exits with `process_not_registered`
 * (or `process_not_registered_via`), as OTP's check. Never resolves: the process ends when the server stops.
 */
export function enterServer(ctx: ProcessContext, given: AnyServer, state: unknown, options: { name?: ServerName; action?: Action; parent?: Pid; hibernateAfter?: number }): Promise<never> {
  const mod = currentCallbacks(ctx, given);
  checkHibernateAfter(options.hibernateAfter, 'the process did not enter the loop');
  checkHoldsName(ctx, options.name);
  ctx.setLabel(labelOf(mod));
  const server = new Server(ctx, mod, state, options.parent ?? null);
  server.hibernateAfter = options.hibernateAfter ?? Infinity;
  setCurrentFunction(ctx, LOOP);
  applyAction(server, options.action);
  // The caller's body awaits this promise, so this loop keeps its frame: it never detaches.
  return serve(ctx, server, undefined) as Promise<never>;
}

/**
 * The loop while it needs no promise: handles what waits in the mailbox and parks the server once it is empty,
 * so an idle server keeps no suspended frame, only its process record and Server (parkLoop); its next message
 * resumes it through wakeServer. A callback or a wait that needs a promise (an async callback, a sys request, a
 * pending timeout, a suspension) goes on in serve, whose promise this returns for the process to watch.
 */
function runLoop(ctx: ProcessContext, server: Server): Promise<unknown> | typeof DETACHED {
  for (;;) {
    let pending: Promise<void> | undefined;
    if (server.continuation !== null && !server.suspended) pending = spendReduction(ctx) ?? continueServer(server);
    else {
      if (server.suspended || server.timeout !== undefined) return serve(ctx, server, undefined);
      enterWait(ctx, server);
      const msg = ctx.receiveNow();
      if (msg === TIMEOUT) return !idleTimed(ctx, server) && internals(ctx).parkLoop(wakeServer) ? DETACHED : serve(ctx, server, undefined);
      pending = handleMessage(ctx, server, msg);
    }
    if (pending !== undefined) return serve(ctx, server, pending);
  }
}

// Servers woken from parkLoop, with their messages ([process, message, …] up to wokenEnd), run in one microtask: a
// wake-up comes inside the sender's send, where the server must not run yet, as a resolved receive runs in a later
// microtask. The array is kept between turns (emptying it would drop its room and allocate it again at the next wake).
const woken: unknown[] = [];
let wokenEnd = 0;
const RESOLVED = Promise.resolve();

function wakeServer(msg: unknown, proc: ProcessInternals): void {
  woken[wokenEnd] = proc;
  woken[wokenEnd + 1] = msg;
  wokenEnd += 2;
  if (wokenEnd === 2) void RESOLVED.then(runWoken);
}

// Every server woken so far, and those woken while these run, in the order they were woken.
function runWoken(): void {
  let i = 0;
  try {
    for (; i < wokenEnd; i += 2) {
      const proc = woken[i] as ProcessInternals;
      const msg = woken[i + 1];
      woken[i] = woken[i + 1] = undefined;
      resumeServer(proc, msg);
    }
  } finally {
    const left = wokenEnd - i - 2;
    if (left > 0) {
      // A throw out of a server's end (a runtime fault) loses no other server's wake-up: the rest run in a turn of their own.
      woken.copyWithin(0, i + 2, wokenEnd);
      woken.fill(undefined, left, wokenEnd);
      wokenEnd = left;
      void RESOLVED.then(runWoken);
    } else {
      wokenEnd = 0;
      // A burst's room (16 B a server woken in one turn) is not kept for good.
      if (woken.length > 4096) woken.length = 0;
    }
  }
}

// A parked server's next message: handled, then the loop goes on (parked again, or in serve, whose end ends the process).
function resumeServer(proc: ProcessInternals, msg: unknown): void {
  // Killed between its wake-up and this turn: a dead server handles nothing, as a killed Erlang process.
  if (proc.dead) return;
  let next: Promise<unknown> | typeof DETACHED;
  try {
    const server = proc.sysTarget as Server;
    const pending = handleMessage(proc, server, msg);
    next = pending === undefined ? runLoop(proc, server) : serve(proc, server, pending);
  } catch (error) {
    proc.end(error, true);
    return;
  }
  if (next !== DETACHED) proc.adopt(next);
}

/**
 * The loop with a frame: from a pending callback's promise (or none), waiting in receives that need a promise. A
 * server started by runServer (`detaches`) parks as runLoop does once it waits for anything with nothing queued,
 * and this promise resolves DETACHED; an entered one (enterServer) stays in this frame until it stops.
 */
async function serve(ctx: ProcessContext, server: Server, pending: Promise<void> | undefined): Promise<unknown> {
  for (;;) {
    if (pending !== undefined) {
      await pending;
      setCurrentFunction(ctx, LOOP);
    }
    if (server.continuation !== null && !server.suspended) pending = spendReduction(ctx) ?? continueServer(server);
    else {
      enterWait(ctx, server);
      let msg: unknown;
      if (server.suspended) msg = await ctx.receive(suspendedWait(server.parent));
      else if (server.timeout === undefined) {
        // Drain what is already queued without a promise per message; wait only when the mailbox is empty.
        msg = ctx.receiveNow();
        if (msg === TIMEOUT && idleTimed(ctx, server)) {
          // OTP's hibernate_after: a server idle that long hibernates, then waits (parked) as any hibernated one.
          msg = await ctx.receive(null, server.hibernateAfter);
          if (msg === TIMEOUT) {
            server.hibernating = true;
            continue;
          }
        }
        if (msg === TIMEOUT) {
          if (server.detaches && internals(ctx).parkLoop(wakeServer)) return DETACHED;
          msg = await ctx.receive();
        }
      } else msg = await ctx.receive(null, timeoutLeft(server));
      pending = handleMessage(ctx, server, msg);
    }
  }
}

// Runs a pending handleContinue (the action a callback returned).
function continueServer(server: Server): Promise<void> | undefined {
  const { arg } = server.continuation!;
  server.continuation = null;
  return invoke(server, 'handleContinue', arg, null, arg);
}

// Hibernates a server whose last callback asked to before it waits (its current function tells it hibernated).
function enterWait(ctx: ProcessContext, server: Server): void {
  if (!server.hibernating) return;
  server.hibernating = false;
  internals(ctx).hibernate();
  setCurrentFunction(ctx, HIBERNATE);
}

// True when the server waits for its hibernateAfter before hibernating: one was given and it is not hibernated yet.
function idleTimed(ctx: ProcessContext, server: Server): boolean {
  return server.hibernateAfter !== Infinity && internals(ctx).currentFunction !== HIBERNATE;
}

// The ms left of the pending timeout, which runs from the end of the callback that set it to the next message of
// the server's own.
function timeoutLeft(server: Server): number {
  server.deadline ??= performance.now() + server.timeout!;
  return Math.max(0, Math.ceil(server.deadline - performance.now()));
}

// Handles what the wait gave: a sys request, or the server's own message or timeout.
function handleMessage(ctx: ProcessContext, server: Server, msg: unknown): Promise<void> | undefined {
  // Killed after its receive took the message but before the loop resumed: a dead server handles nothing and
  // replies to no one, as a killed Erlang process (the body's end is ignored once the process is dead).
  const proc = internals(ctx);
  proc.check();
  const hibernated = proc.currentFunction === HIBERNATE;
  if (hibernated) setCurrentFunction(ctx, LOOP);
  if (msg instanceof SystemMessage) {
    // A sys request (an upgrade's suspend, changeCode and resume among them) is not the server's message: the
    // pending timeout keeps its deadline (OTP's loop restarts the full time after each system message, which lets a
    // polling observer postpone it for ever) and a hibernated server hibernates again after it, as OTP's does.
    server.hibernating ||= hibernated;
    return handleSystemMessage(ctx, msg, server);
  }
  if (server.timeout !== undefined) server.timeout = server.deadline = undefined;
  // Synchronous callbacks are handled without a promise; only async ones are awaited.
  return dispatch(server, msg === TIMEOUT ? 'timeout' : msg);
}

/** Runs init and acknowledges the starter: the server, null if init asked to be ignored (a promise of either for an async init); throws to exit. */
function initServer(ctx: ProcessContext, given: AnyServer, args: unknown, parent: Pid | null, ack: Acknowledge): Server | null | Promise<Server | null> {
  const mod = currentCallbacks(ctx, given);
  ctx.setLabel(labelOf(mod));
  const server = new Server(ctx, mod, undefined, parent);
  server.hibernateAfter = hibernateAfterOf(ctx);
  applyInitialDebug(ctx, server);
  setCurrentFunction(ctx, server.names.init);
  let value: unknown;
  try {
    value = mod.init(args, ctx);
  } catch (error) {
    return initThrew(ctx, server, ack, error);
  }
  if (isThenable(value)) {
    return value.then(
      (v) => initialized(ctx, server, ack, v),
      (error: unknown) => initThrew(ctx, server, ack, error),
    );
  }
  return initialized(ctx, server, ack, value);
}

/** Applies init's result (`value`) and acknowledges the starter: the server, null if init asked to be ignored; throws to exit. */
function initialized(ctx: ProcessContext, server: Server, ack: Acknowledge, value: unknown): Server | null {
  setCurrentFunction(ctx, LOOP);
  const r = resultOf<ServerResult>(value);
  switch (r?.type) {
    case 'ok':
      if (!validAction(r.action)) break;
      server.state = r.state;
      applyAction(server, r.action);
      ack(true, ctx.self());
      return server;
    case 'ignore':
      ack(false, 'ignore');
      return null;
    case 'error':
      // OTP 26's graceful init failure: the starter gets the reason, the process ends normal (no crash report).
      ack(false, r.reason);
      return null;
    case 'stop':
      return failInit(ack, r.reason);
    case undefined:
    case 'reply':
    case 'noreply':
      break; // no result, or not an init result: a bad return value
  }
  // A type outside the union (user code may return anything) falls through to here too.
  return failInit(ack, new BadReturnValue('init', value));
}

// What init threw: a result it threw is taken as returned (OTP's throw from init); anything else fails the start.
function initThrew(ctx: ProcessContext, server: Server, ack: Acknowledge, error: unknown): Server | null {
  if (thrownResult(error, INIT_THROWN) !== null) return initialized(ctx, server, ack, error);
  setCurrentFunction(ctx, LOOP);
  return failInit(ack, exitReasonOf(error));
}

// The results init may throw to return them ('error' is left out: an object thrown as an error may well be tagged so).
const INIT_THROWN = ['ok', 'ignore', 'stop'];
// The results the loop's callbacks may throw to return them; interpret refuses those a callback may not give.
const LOOP_THROWN = ['reply', 'noreply', 'stop'];

// A failed init: the starter learns why, and the process exits with it.
function failInit(ack: Acknowledge, reason: ExitReason): never {
  ack(false, reason);
  throw new ExitSignal(reason);
}

// An action a callback may return; OTP's timeout is a whole number of ms >= 0 or infinity. Anything else is a bad return value.
function validAction(a: unknown): boolean {
  if (a === undefined || a === 'hibernate') return true;
  if (typeof a === 'number') return isTimeoutMs(a);
  return a !== null && typeof a === 'object' && 'continue' in a;
}

function applyAction(server: Server, action: Action | undefined): void {
  if (action === undefined) return;
  if (action === 'hibernate') {
    server.hibernating = true;
    return;
  }
  if (typeof action === 'number') {
    server.timeout = action;
    server.deadline = undefined;
  }
  else if (action !== null && typeof action === 'object' && 'continue' in action) server.continuation = { arg: action.continue };
}

type Callback = 'handleCall' | 'handleCast' | 'handleInfo' | 'handleContinue';

// A message of the server's own (system messages are handled by the loop): calls, casts and infos.
function dispatch(server: Server, msg: unknown): Promise<void> | undefined {
  if (server.statistics) server.statistics.messagesIn++;
  if (msg instanceof CallMessage) {
    if (server.sysDebug !== null) debugEvent(server.ctx, server, { type: 'in', kind: 'call', message: msg.request, from: msg.from.pid });
    return invoke(server, 'handleCall', msg.request, msg.from, msg);
  }
  if (msg instanceof CastMessage) {
    if (server.sysDebug !== null) debugEvent(server.ctx, server, { type: 'in', kind: 'cast', message: msg.request });
    return invoke(server, 'handleCast', msg.request, null, msg);
  }
  if (msg instanceof Exit && server.parent !== null && msg.from === server.parent) {
    // Only a process trapping exits gets here: its parent's shutdown runs terminate, as in OTP.
    return terminate(server, msg.reason, msg);
  }
  if (server.sysDebug !== null) debugEvent(server.ctx, server, { type: 'in', kind: 'info', message: msg });
  if (!server.mod.handleInfo) {
    loggerOf(server.ctx.node).warning(`${server.moduleName} ${server.ctx.self()} received an unexpected message and has no handleInfo: ${formatValue(msg, 500)}`, {
      pid: server.ctx.self(),
      module: server.moduleName,
    });
    return undefined;
  }
  return invoke(server, 'handleInfo', msg, null, msg);
}

/**
 * The one try-wrapper for the loop's callbacks: a throw ends the server, a synchronous result is
 * interpreted at once and an async one when it settles.
 */
function invoke(server: Server, callback: Callback, arg: unknown, from: From | null, msg: unknown): Promise<void> | undefined {
  const { mod, ctx } = server;
  let r: unknown;
  try {
    switch (callback) {
      case 'handleCall':
        if (!mod.handleCall) throw new Error(`${server.moduleName} got a call but has no handleCall: ${formatValue(arg, 200)}`);
        r = mod.handleCall(arg, from!, server.state, ctx);
        break;
      case 'handleCast':
        if (!mod.handleCast) throw new Error(`${server.moduleName} got a cast but has no handleCast: ${formatValue(arg, 200)}`);
        r = mod.handleCast(arg, server.state, ctx);
        break;
      case 'handleInfo':
        r = mod.handleInfo!(arg, server.state, ctx);
        break;
      case 'handleContinue':
        if (!mod.handleContinue) throw new Error(`${server.moduleName} returned a continue action but has no handleContinue`);
        r = mod.handleContinue(arg, server.state, ctx);
        break;
    }
  } catch (error) {
    return callbackThrew(server, callback, error, from, msg);
  }
  if (isThenable(r)) {
    // Only a callback that awaits can be seen running (processInfo reads a process while it is suspended), so
    // only an async one is named, until the loop writes LOOP back: a synchronous callback costs nothing.
    setCurrentFunction(ctx, server.names[callback]);
    return r.then(
      (value) => interpret(server, callback, value, from, msg),
      (error: unknown) => callbackThrew(server, callback, error, from, msg),
    );
  }
  return interpret(server, callback, r, from, msg);
}

// What a callback threw: a result it threw is interpreted as returned (OTP's throw({reply, R, S})); anything else ends the server.
function callbackThrew(server: Server, callback: Callback, error: unknown, from: From | null, msg: unknown): Promise<never> | undefined {
  if (thrownResult(error, LOOP_THROWN) !== null) return interpret(server, callback, error, from, msg);
  return terminate(server, exitReasonOf(error), msg);
}


/** The one result interpreter: every callback's result is applied here. */
function interpret(server: Server, callback: string, value: unknown, from: From | null, msg: unknown): Promise<never> | undefined {
  const r = resultOf<ServerResult>(value);
  switch (r?.type) {
    case undefined:
    case 'ok':
    case 'ignore':
    case 'error':
      break; // no result, or an init result: a bad return value
    case 'reply':
      if (from === null || !validAction(r.action)) break;
      replyTo(from, r.reply, server.ctx);
      if (server.statistics) server.statistics.messagesOut++;
      server.state = r.state;
      if (server.sysDebug !== null) debugEvent(server.ctx, server, { type: 'out', reply: r.reply, to: from.pid, state: r.state });
      if (r.action !== undefined) applyAction(server, r.action);
      return undefined;
    case 'noreply':
      if (!validAction(r.action)) break;
      if (from !== null) holdCall(from, server.ctx);
      server.state = r.state;
      if (server.sysDebug !== null) debugEvent(server.ctx, server, { type: 'noreply', state: r.state });
      if (r.action !== undefined) applyAction(server, r.action);
      return undefined;
    case 'stop':
      if (r.state !== undefined) server.state = r.state;
      // OTP runs terminate first and answers the caller after it, as the server exits.
      return terminate(server, r.reason, msg, r.hasReply && from !== null ? () => replyTo(from, r.reply, server.ctx) : undefined);
  }
  // A type outside the union (user code may return anything) falls through to here too.
  return terminate(server, new BadReturnValue(callback, value), msg);
}

/** Runs terminate, reports an abnormal exit, sends a stop's pending reply (`last`), and ends the process with `reason`. */
async function terminate(server: Server, reason: ExitReason, msg: unknown, last?: () => void): Promise<never> {
  const { ctx } = server;
  const mod = server.mod;
  if (mod.terminate) {
    setCurrentFunction(ctx, server.names.terminate);
    const out = await server.attempt(() => mod.terminate!(reason, server.state, ctx));
    if (!out.ok) reason = out.error;
  }
  try {
    reportExit(server, reason, msg);
  } finally {
    last?.();
  }
  throw new ExitSignal(reason);
}

// Logs the crash report of an abnormal exit; normal and shutdown exits are not errors.
function reportExit(server: Server, reason: ExitReason, msg: unknown): void {
  const { ctx } = server;
  if (!isNormalExit(reason)) {
    // As OTP's: the queued messages go through formatStatus with the state, so what it redacts stays out of the report.
    const crasher = crasherOf(ctx);
    const status = server.format({ state: server.state, message: msg, reason, context: 'terminate', messages: crasher.messages, ...loggedEvents(server) });
    loggerOf(ctx.node).error(
      {
        kind: 'crash',
        behaviour: 'gen_server',
        module: server.moduleName,
        pid: ctx.self(),
        name: ctx.processInfo(ctx.self())?.registeredName,
        lastMessage: status.message,
        state: status.state,
        reason: status.reason ?? reason,
        // As proc_lib's crash report: who started the process, and the processes its exit will take down.
        ancestors: ancestorsOf(ctx),
        neighbours: neighboursOf(ctx),
        ...crasher,
        messages: status.messages ?? [],
        ...(status.log !== undefined ? { log: status.log } : {}),
      },
      { pid: ctx.self(), module: server.moduleName },
    );
  }
}
