import { Exit, TIMEOUT, type ExitReason } from '../messages.js';
import { attempt, type Outcome } from '../gen/attempt.js';
import { safeFormatStatus } from '../gen/format-status.js';
import { ExitSignal } from '../errors.js';
import type { Pid } from '../pid.js';
import type { ProcessContext } from '../types.js';
import { internals } from '../process-internals.js';
import { PurgedHandlers, SystemMessage, suspendedWait, type From } from '../gen/messages.js';
import { replyTo } from '../gen/call.js';
import { BadReturnValue } from '../gen/errors.js';
import { resultOf, returnedIfThrown } from '../gen/result.js';
import { applyInitialDebug, changedState, debugEvent, handleSystemMessage, listCallbackModules, loggedEvents, type CodeChange, type Statistics, type SysDebug, type SysEvent, type SysStatus, type SysTarget } from '../gen/sys-handler.js';
import { currentCallbacks, hibernateAfterOf, type Acknowledge } from '../gen/start.js';
import { formatValue, loggerOf } from '../logger.js';
import { callbackNamer, setCurrentFunction } from '../gen/current.js';
import type { Status } from '../gen-server/types.js';
import { HandlerExit, ManagerRequest, NotifyMessage, Refused, describeHandler, handlerOf, isPair, notAHandler, sameHandler } from './types.js';
import type { AnyHandler, CallResult, EventResult, HandlerId, InitResult, InstalledHandler, SwapArgs, TerminateReason } from './types.js';

/** Every result a handler callback may give, as a union on `type` (user code may return anything: see resultOf). */
type HandlerResult = InitResult<unknown> | EventResult<unknown> | CallResult<unknown, unknown>;

/** One installed handler: its id, its object (re-pointable by changeCode), its state and its supervisor. */
export interface Entry {
  id: HandlerId;
  handler: AnyHandler;
  state: unknown;
  supervisor: Pid | null;
  /** The handler object the last code change replaced: a request its clients sent before the swap names that one. */
  replaced?: AnyHandler;
}

/** What processInfo shows as the current function of a manager waiting for a message. */
const LOOP = 'gen_event.loop';
/** What processInfo shows as the current function of a hibernating manager, as OTP's erlang:hibernate/3. */
const HIBERNATE = 'erlang.hibernate';
const namesOf = callbackNamer(['init', 'handleEvent', 'handleInfo', 'handleCall', 'terminate'] as const);
type HandlerCallback = keyof ReturnType<typeof namesOf>;

/** One running event manager: its handlers, latest installed first, and the sys flags. */
export class Manager implements SysTarget {
  readonly behaviour = 'gen_event';
  readonly moduleName = 'gen_event';
  suspended = false;
  statistics: Statistics | null = null;
  sysDebug: SysDebug | null = null;
  entries: Entry[] = [];
  /** A handler asked to hibernate while the last message was handled: the manager hibernates before its next wait. */
  hibernating = false;

  constructor(
    readonly ctx: ProcessContext,
    readonly parent: Pid | null,
  ) {}

  /**
   * The handler `id` names: as installed, as it was before the last code change, or any other version of its module
   * (OTP names a handler by its module, whatever its version): a client that read the handler while an upgrade that
   * was rolled back had swapped the code names the version the rollback dropped.
   */
  find(id: HandlerId): Entry | undefined {
    return this.entries.find((e) => sameHandler(e.id, id)) ?? this.entries.find((e) => e.replaced !== undefined && sameHandler(withHandler(e, e.replaced), id)) ?? this.findByModule(id);
  }

  // The entry whose handler is the same module export as `id`'s, compared by the current version of each.
  private findByModule(id: HandlerId): Entry | undefined {
    const code = this.ctx.node.code;
    if (code === null) return undefined;
    const latest = (x: HandlerId): HandlerId => (isPair(x) ? { handler: code.latest(x.handler), id: x.id } : code.latest(x));
    const wanted = latest(id);
    return this.entries.find((e) => sameHandler(latest(e.id), wanted));
  }

  getState(): InstalledHandler[] {
    return this.entries.map((e) => ({ id: e.id, state: e.state }));
  }

  setState(list: unknown): void {
    const next = list as InstalledHandler[];
    if (!Array.isArray(next) || next.length !== this.entries.length || next.some((h, i) => !sameHandler(h?.id, this.entries[i]!.id))) {
      throw new Error('replaceState on a gen_event must return the same handlers, in the same order, with new states');
    }
    next.forEach((h, i) => (this.entries[i]!.state = h.state));
  }

  formattedState(): InstalledHandler[] {
    return this.entries.map((e) => ({ id: e.id, state: this.format(e, { state: e.state, context: 'normal' }).state }));
  }

  formattedStatus(): Pick<SysStatus, 'state' | 'log'> {
    // As OTP's gen_event: the logged events pass through each handler's formatStatus in turn, with its state.
    let { log } = loggedEvents(this);
    const state = this.entries.map((e) => {
      const shown = this.format(e, { state: e.state, context: 'normal', ...(log === undefined ? {} : { log }) });
      log = log === undefined ? undefined : shown.log;
      return { id: e.id, state: shown.state };
    });
    return log === undefined ? { state } : { state, log };
  }

  format(entry: Entry, status: Status<unknown>): Status<unknown> {
    // The handler may be no object at all: a swap to a value that is no handler is reported with it.
    const h = entry.handler as Partial<AnyHandler> | null | undefined;
    return safeFormatStatus(h?.formatStatus?.bind(h), status, 'state');
  }

  /**
   * Upgrades every handler `change.from` is (else every handler `change.to` names: an installed id, or a new
   * version with an installed handler's name), each from its state in `change.state`; all or nothing.
   */
  async changeCode(change: CodeChange): Promise<void> {
    const given = change.state as InstalledHandler[];
    const plan: Array<[Entry, AnyHandler, unknown]> = [];
    for (const [i, e] of this.entries.entries()) {
      const next = change.from !== undefined ? (e.handler === change.from ? (change.to as AnyHandler) : undefined) : upgradeOf(e, change.to);
      if (next === undefined) continue;
      const via = (change.via ?? next) as AnyHandler;
      const state = given[i]!.state;
      plan.push([e, next, via.codeChange ? changedState(await via.codeChange(change.oldVsn, state, change.extra), state) : state]);
    }
    for (const [e, next, state] of plan) {
      if (next !== e.handler) {
        e.id = withHandler(e, next);
        e.replaced = e.handler;
      }
      e.handler = next;
      e.state = state;
    }
  }

  snapshot(): unknown {
    return this.entries.map((e) => ({ ...e }));
  }

  restore(snapshot: unknown): void {
    this.entries = (snapshot as Entry[]).map((e) => ({ ...e }));
  }

  terminate(reason: unknown): Promise<never> {
    return stopManager(this, reason);
  }

  /** Runs a handler's callback through the behaviours' try-wrapper (gen/attempt.ts), shown meanwhile as the current function `<handler>.<callback>`. */
  async run(h: AnyHandler, callback: HandlerCallback, fn: () => unknown): Promise<Outcome> {
    setCurrentFunction(this.ctx, namesOf(h, h.name ?? 'handler')[callback]);
    const out = await attempt(fn);
    setCurrentFunction(this.ctx, LOOP);
    return out;
  }

  answer(from: From, value: unknown): void {
    replyTo(from, value, this.ctx);
    if (this.statistics) this.statistics.messagesOut++;
    if (this.sysDebug !== null) this.debug({ type: 'out', reply: value, to: from.pid });
  }

  /** Reports an event to sys debugging; callers test `sysDebug` first, so no event is built while debugging is off. */
  debug(event: SysEvent): void {
    debugEvent(this.ctx, this, event);
  }
}

// The entry's id with the handler object `handler` (a pair keeps its instance id).
function withHandler(e: Entry, handler: AnyHandler): HandlerId {
  return isPair(e.id) ? { handler, id: e.id.id } : handler;
}

function upgradeOf(e: Entry, module: unknown): AnyHandler | undefined {
  if (sameHandler(e.id, module)) return e.handler;
  const m = module as Partial<AnyHandler> | null;
  if (m === null || typeof m !== 'object' || typeof m.handleEvent !== 'function') return undefined;
  return m === e.handler || (m.name !== undefined && m.name === e.handler.name) ? (m as AnyHandler) : undefined;
}

/** Runs an event manager in the current process: trap exits, acknowledge, then the loop. */
export async function runManager(ctx: ProcessContext, parent: Pid | null, ack: Acknowledge): Promise<void> {
  ctx.setLabel({ behaviour: 'gen_event', module: 'gen_event' });
  ctx.trapExit(true);
  const mgr = new Manager(ctx, parent);
  applyInitialDebug(ctx, mgr);
  listCallbackModules(ctx, () => mgr.entries.map((e) => e.handler));
  setCurrentFunction(ctx, LOOP);
  ack(true, ctx.self());
  const idleAfter = hibernateAfterOf(ctx);
  for (;;) {
    if (mgr.hibernating) hibernate(ctx);
    const msg = await nextMessage(mgr, idleAfter);
    // Killed after the receive took the message, before the loop resumed: a dead manager handles nothing.
    internals(ctx).check();
    if (mgr.hibernating) setCurrentFunction(ctx, LOOP);
    // As OTP's loop: a system message leaves a hibernated manager hibernated; any other one decides anew.
    if (!(msg instanceof SystemMessage)) mgr.hibernating = false;
    await dispatch(mgr, msg);
  }
}

function hibernate(ctx: ProcessContext): void {
  internals(ctx).hibernate();
  setCurrentFunction(ctx, HIBERNATE);
}

// The next message; with hibernateAfter, a manager not hibernated that waits that long hibernates, then waits on (OTP's hibernate_after).
async function nextMessage(mgr: Manager, idleAfter: number): Promise<unknown> {
  const { ctx } = mgr;
  if (mgr.suspended) return ctx.receive(suspendedWait(mgr.parent));
  if (idleAfter === Infinity || mgr.hibernating) return ctx.receive();
  const msg = await ctx.receive(null, idleAfter);
  if (msg !== TIMEOUT) return msg;
  // Flagged as a hibernate action is, so the loop wakes it alike and a system message leaves it hibernated.
  mgr.hibernating = true;
  hibernate(ctx);
  return ctx.receive();
}

async function dispatch(mgr: Manager, msg: unknown): Promise<void> {
  if (msg instanceof SystemMessage) return handleSystemMessage(mgr.ctx, msg, mgr);
  if (msg instanceof PurgedHandlers) return purged(mgr, msg);
  if (mgr.statistics) mgr.statistics.messagesIn++;
  if (msg instanceof NotifyMessage) {
    if (mgr.sysDebug !== null) mgr.debug({ type: 'in', kind: 'notify', message: msg.event });
    return notifyAll(mgr, 'handleEvent', msg.event);
  }
  if (msg instanceof ManagerRequest) {
    if (mgr.sysDebug !== null) mgr.debug({ type: 'in', kind: 'request', message: msg.op, from: msg.from.pid });
    return handleRequest(mgr, msg.from, msg);
  }
  if (mgr.sysDebug !== null) mgr.debug({ type: 'in', kind: 'info', message: msg });
  if (msg instanceof Exit && msg.from === mgr.parent) return stopManager(mgr, msg.reason);
  if (msg instanceof Exit) {
    for (const e of mgr.entries.filter((x) => x.supervisor === msg.from)) {
      e.supervisor = null;
      await remove(mgr, e, { stop: msg.reason }, 'shutdown');
    }
  }
  return notifyAll(mgr, 'handleInfo', msg);
}

/** Runs `callback` of every handler installed now, latest first; a handler swapped in meanwhile waits for the next event. */
async function notifyAll(mgr: Manager, callback: 'handleEvent' | 'handleInfo', msg: unknown): Promise<void> {
  const { ctx } = mgr;
  for (const entry of [...mgr.entries]) {
    const h = entry.handler;
    if (callback === 'handleInfo' && !h.handleInfo) {
      loggerOf(ctx.node).warning(`gen_event handler ${describeHandler(entry.id)} in ${ctx.self()} has no handleInfo; unhandled message: ${formatValue(msg, 500)}`, { pid: ctx.self(), module: h.name });
      continue;
    }
    const out = await mgr.run(h, callback, () => (callback === 'handleEvent' ? h.handleEvent(msg, entry.state, ctx) : h.handleInfo!(msg, entry.state, ctx)));
    await interpret(mgr, entry, callback, out, msg, null);
  }
}

async function handleRequest(mgr: Manager, from: From, { op }: ManagerRequest): Promise<void> {
  switch (op.type) {
    case 'syncNotify':
      await notifyAll(mgr, 'handleEvent', op.event);
      return mgr.answer(from, 'ok');
    case 'addHandler': {
      const entry = await install(mgr, op.handler, op.args, op.supervisor);
      if (!(entry instanceof Refused)) mgr.entries.unshift(entry);
      return mgr.answer(from, entry instanceof Refused ? entry : 'ok');
    }
    case 'deleteHandler': {
      const entry = mgr.find(op.handler);
      if (entry === undefined) return mgr.answer(from, new Refused('notFound'));
      const out = await remove(mgr, entry, op.args, 'normal');
      return mgr.answer(from, out.ok ? out.value : new Refused('handlerCrashed', out.error));
    }
    case 'swapHandler': {
      const old = mgr.find(op.old);
      if (mgr.find(op.next) !== undefined && !sameHandler(op.old, op.next)) return mgr.answer(from, new Refused('alreadyExists'));
      const r = await swapEntry(mgr, { old, args: op.oldArgs, state: old?.state, next: op.next, initArgs: op.nextArgs, supervisor: op.supervisor ?? old?.supervisor ?? null, at: 0, lastIn: op, fromCallback: false });
      return mgr.answer(from, r instanceof Refused ? r : 'ok');
    }
    case 'call': {
      const entry = mgr.find(op.handler);
      if (entry === undefined) return mgr.answer(from, new Refused('notFound'));
      const h = entry.handler;
      const out = h.handleCall
        ? await mgr.run(h, 'handleCall', () => h.handleCall!(op.request, entry.state, mgr.ctx))
        : { ok: false as const, error: new Error(`${describeHandler(entry.id)} got a call but has no handleCall: ${formatValue(op.request, 200)}`) };
      return interpret(mgr, entry, 'handleCall', out, op.request, from);
    }
    case 'whichHandlers':
      // A handler is code, which cannot cross nodes: another node's caller gets their names, as OTP answers module names.
      return mgr.answer(from, mgr.entries.map((e) => (from.pid.node === 0 ? e.id : describeHandler(e.id))));
  }
}

// The results a handler's callbacks may throw to return them, as OTP's gen_event takes a value thrown with throw.
const HANDLER_THROWN = ['ok', 'reply', 'removeHandler', 'swap'];

/** The one result interpreter: applies a handler callback's outcome to its entry (and answers a call); a result it threw counts as returned. */
async function interpret(mgr: Manager, entry: Entry, callback: string, thrownOrReturned: Outcome, lastIn: unknown, from: From | null): Promise<void> {
  const out = returnedIfThrown(thrownOrReturned, HANDLER_THROWN);
  if (!out.ok) return crash(mgr, entry, out.error, lastIn, from);
  const r = resultOf<HandlerResult>(out.value);
  switch (r?.type) {
    case 'ok': // handleEvent's and handleInfo's keep
      if (from !== null) break;
      entry.state = r.state;
      mgr.hibernating ||= r.action === 'hibernate';
      return;
    case 'reply': // handleCall's keep
      if (from === null) break;
      entry.state = r.state;
      mgr.hibernating ||= r.action === 'hibernate';
      return mgr.answer(from, r.reply);
    case 'removeHandler':
      if (from !== null) mgr.answer(from, r.reply);
      await remove(mgr, entry, 'removeHandler', 'normal');
      return;
    case 'swap':
      if ((r.handler as HandlerId | undefined) === undefined) break;
      if (from !== null) mgr.answer(from, r.reply);
      await swapEntry(mgr, { old: entry, args: r.args, state: r.state, next: r.handler, initArgs: r.initArgs, supervisor: entry.supervisor, at: mgr.entries.indexOf(entry), lastIn, fromCallback: true });
      return;
    case undefined:
    case 'error':
      break; // no result, or an init result: a bad return value
  }
  // A type outside the union (user code may return anything) falls through to here too.
  await crash(mgr, entry, new BadReturnValue(callback, out.value), lastIn, from);
}

/** A callback threw or returned a bad value: the handler is removed and reported; the manager goes on. */
async function crash(mgr: Manager, entry: Entry, reason: unknown, lastIn: unknown, from: From | null): Promise<void> {
  if (from !== null) mgr.answer(from, new Refused('handlerCrashed', reason));
  await remove(mgr, entry, { error: reason }, reason);
  report(mgr, entry, reason, lastIn);
}

function report(mgr: Manager, entry: Entry, reason: unknown, lastIn: unknown): void {
  const { ctx } = mgr;
  const status = mgr.format(entry, { state: entry.state, message: lastIn, reason, context: 'terminate' });
  loggerOf(ctx.node).error(
    {
      kind: 'handlerCrashed',
      behaviour: 'gen_event',
      manager: ctx.self(),
      name: ctx.processInfo(ctx.self())?.registeredName,
      handler: describeHandler(entry.id),
      lastEvent: status.message,
      state: status.state,
      reason: status.reason ?? reason,
    },
    { pid: ctx.self(), module: (entry.handler as Partial<AnyHandler> | null | undefined)?.name },
  );
}

/** The code the handlers `msg` names ran was purged: each is removed as crashed, without its terminate (that code is gone). */
function purged(mgr: Manager, msg: PurgedHandlers): void {
  for (const entry of mgr.entries.filter((e) => msg.handlers.includes(e.handler))) {
    mgr.entries = mgr.entries.filter((e) => e !== entry);
    if (entry.supervisor !== null) mgr.ctx.send(entry.supervisor, new HandlerExit(entry.id, msg.reason, mgr.ctx.self()));
    report(mgr, entry, msg.reason, undefined);
  }
}

/** Installs a handler through its init (refused if `id` is installed, unless `anyway`); the caller places the entry. */
async function install(mgr: Manager, id: HandlerId, args: unknown, supervisor: Pid | null, anyway = false): Promise<Entry | Refused> {
  if (!anyway && mgr.find(id) !== undefined) return new Refused('alreadyExists');
  // Refused, not run: calling into a value that is no handler would crash the manager and every handler in it.
  const notHandler = notAHandler(id);
  if (notHandler !== null) return new Refused('initFailed', new Error(notHandler));
  // As OTP's add_handler calls the current Module:init: a replaced version's object runs the current version's export
  // of that name (the id stays the one given: whichHandlers, deleteHandler and call go on naming it so).
  let handler: ReturnType<typeof handlerOf>;
  try {
    handler = currentCallbacks(mgr.ctx, handlerOf(id));
  } catch (error) {
    // A handler a purge removed, made by the version it dropped: refused, never run again (nor crashing the manager).
    return new Refused('initFailed', error);
  }
  // As OTP's add_sup_handler, the supervisor is linked before init runs: one that dies during a slow init is seen
  // with its own reason (and the handler, once in, removed with it), not as a link to a dead process (noproc).
  if (supervisor !== null) mgr.ctx.link(supervisor);
  // ok thrown by init is taken as returned ('error' is left out: an object thrown as an error may well be tagged so).
  const out = returnedIfThrown(await mgr.run(handler, 'init', () => handler.init(args, mgr.ctx)), ['ok']);
  if (!out.ok) return new Refused('initFailed', out.error);
  const r = resultOf<HandlerResult>(out.value);
  switch (r?.type) {
    case 'ok':
      mgr.hibernating ||= r.action === 'hibernate';
      return { id, handler, state: r.state, supervisor };
    case 'error':
      return new Refused('initFailed', r.reason);
    case undefined:
    case 'reply':
    case 'removeHandler':
    case 'swap':
      break; // no result, or another callback's: a bad return value
  }
  // A type outside the union (user code may return anything) falls through to here too.
  return new Refused('initFailed', new BadReturnValue('init', out.value));
}

/** Takes the handler out, runs its terminate, and tells its supervisor; returns terminate's outcome. */
async function remove(mgr: Manager, entry: Entry, arg: unknown, how: ExitReason): Promise<Outcome> {
  mgr.entries = mgr.entries.filter((e) => e !== entry);
  const h = entry.handler;
  const out = h.terminate ? await mgr.run(h, 'terminate', () => h.terminate!(arg as TerminateReason, entry.state, mgr.ctx)) : { ok: true as const, value: undefined };
  if (entry.supervisor !== null) mgr.ctx.send(entry.supervisor, new HandlerExit(entry.id, how, mgr.ctx.self()));
  return out;
}

/** A swap to make (swapHandler's, or a callback's swap result). */
interface SwapPlan {
  /** The entry to replace, if installed. */
  old: Entry | undefined;
  /** What the old handler's terminate gets, with `state` as its state. */
  args: unknown;
  state: unknown;
  /** The handler to install, whose init gets a SwapArgs with `initArgs`. */
  next: HandlerId;
  initArgs: unknown;
  /** The supervisor of the new handler (null: none). */
  supervisor: Pid | null;
  /** Where in the handler list the new one goes. */
  at: number;
  /** The event or request being handled, named in the crash report of a callback's swap whose new handler's init fails. */
  lastIn: unknown;
  /**
   * A callback's swap result (OTP's do_swap): the new handler goes in even if one with its id is installed, and a
   * failed init is sent to the supervisor and reported. An API swap's failure only answers the caller (OTP's server_swap_handler).
   */
  fromCallback: boolean;
}

/** Replaces `old` (if installed) by `next` at position `at`: old terminate(args, state), then next init(SwapArgs). */
async function swapEntry(mgr: Manager, { old, args, state, next, initArgs, supervisor, at, lastIn, fromCallback }: SwapPlan): Promise<Entry | Refused> {
  let swapArgs: SwapArgs = { args: initArgs, previous: undefined, found: false };
  if (old !== undefined) {
    old.state = state;
    const out = await remove(mgr, old, args, { swapped: next, supervisor });
    // A terminate that threw: the new init is told what it threw, as OTP's passes {'EXIT', Reason} as Res.
    swapArgs = out.ok ? { args: initArgs, previous: out.value, found: true } : { args: initArgs, previous: undefined, found: true, exit: out.error };
  }
  const entry = await install(mgr, next, swapArgs, supervisor, fromCallback);
  if (!(entry instanceof Refused)) {
    mgr.entries.splice(Math.max(at, 0), 0, entry);
    return entry;
  }
  // As OTP's: only a callback's failed swap is reported (do_swap); an API swap's failure is the caller's answer alone.
  if (!fromCallback) return entry;
  const failed: Entry = { id: next, handler: handlerOf(next), state: undefined, supervisor };
  if (supervisor !== null) mgr.ctx.send(supervisor, new HandlerExit(next, entry.reason ?? entry.code, mgr.ctx.self()));
  report(mgr, failed, entry.reason ?? entry.code, lastIn);
  return entry;
}

/** Stops the manager: every handler's terminate gets `'stop'`, supervisors get `'shutdown'`, then the process exits. */
async function stopManager(mgr: Manager, reason: ExitReason): Promise<never> {
  const supervisors = new Set(mgr.entries.map((e) => e.supervisor));
  for (const entry of [...mgr.entries]) await remove(mgr, entry, 'stop', 'shutdown');
  for (const sup of supervisors) if (sup !== null && sup !== mgr.parent) mgr.ctx.unlink(sup);
  throw new ExitSignal(reason);
}
