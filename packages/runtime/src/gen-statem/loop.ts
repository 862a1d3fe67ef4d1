import { Exit, TIMEOUT, type ExitReason } from '../messages.js';
import { attempt, type Outcome } from '../gen/attempt.js';
import { safeFormatStatus } from '../gen/format-status.js';
import { ExitSignal } from '../errors.js';
import type { Pid } from '../pid.js';
import type { ProcessContext, ProcessLabel } from '../types.js';
import { internals } from '../process-internals.js';
import { termEquals, termKey } from '../terms.js';
import { CallMessage, CastMessage, SystemMessage, suspendedWait } from '../gen/messages.js';
import { holdCall, replyTo, type ServerName } from '../gen/call.js';
import { BadReturnValue } from '../gen/errors.js';
import { resultOf, returnedIfThrown } from '../gen/result.js';
import { spendReduction } from '../gen/reductions.js';
import { applyInitialDebug, debugEvent, handleSystemMessage, loggedEvents, type CodeChange, type Statistics, type SysDebug, type SysEvent, type SysStatus, type SysTarget } from '../gen/sys-handler.js';
import { checkHibernateAfter, checkHoldsName, currentCallbacks, hibernateAfterOf, type Acknowledge } from '../gen/start.js';
import { formatValue, isNormalExit, loggerOf } from '../logger.js';
import { ancestorsOf, neighboursOf, crasherOf } from '../gen/crash-info.js';
import { callbackNamer, setCurrentFunction } from '../gen/current.js';
import { arm, checkAction, TimerFired, type CheckedAction, type Timer, type TimeoutAction } from './actions.js';
import { resolveMode, type AnyStatem, type Mode } from './mode.js';
import type { Actions, Event, InitResult, Result, StateAndData, Status } from './types.js';

type Where = 'init' | 'enter' | 'event' | 'stop';

/** What one event's transition collected from its callbacks, applied once they are all done. */
interface Transition {
  postpone: boolean;
  /** The hibernate option of the transition (OTP's {hibernate, Bool}): the last one given wins. */
  hibernate: boolean;
  nextEvents: Event[];
  timeouts: TimeoutAction[];
}

/** What processInfo shows as the current function of a gen_statem waiting for an event. */
const LOOP = 'gen_statem.loop';
/** What processInfo shows as the current function of a hibernating machine, as OTP's erlang:hibernate/3. */
const HIBERNATE = 'erlang.hibernate';
const namesOf = callbackNamer(['init', 'handleEvent', 'terminate'] as const);
const stateNames = new WeakMap<object, Map<string, string>>();

// `<module>.states.<state>`, built once per state of a module: a state function's current-function name.
function stateFunctionName(m: Machine, state: string): string {
  let names = stateNames.get(m.mod);
  if (names === undefined) stateNames.set(m.mod, (names = new Map()));
  let name = names.get(state);
  if (name === undefined) names.set(state, (name = `${m.moduleName}.states.${state}`));
  return name;
}

/** One running gen_statem: its callback module (re-pointable for upgrades), state, data, queues and timers. */
class Machine implements SysTarget {
  readonly behaviour = 'gen_statem';
  suspended = false;
  statistics: Statistics | null = null;
  sysDebug: SysDebug | null = null;
  state: unknown = undefined;
  data: unknown = undefined;
  /** Events to handle before the mailbox: inserted ones, then postponed ones after a state change. */
  pending: Event[] = [];
  postponed: Event[] = [];
  /**
   * Zero timeouts, in the order set (OTP's t0q): handled once `pending` is empty, before any message in the
   * mailbox. An event timeout here is still cancelled by whichever event is handled first.
   */
  zero: TimerFired[] = [];
  eventTimer: Timer | null = null;
  stateTimer: Timer | null = null;
  readonly genericTimers = new Map<unknown, Timer>();
  /** The callback mode and state enter flag, read from the module once per module version (OTP caches callback_mode/0 likewise). */
  mode: Mode = 'handleEvent';
  stateEnter = false;
  /** The last transition asked to hibernate: the machine hibernates when it next waits for a message. */
  hibernating = false;
  /** Hibernate after this many ms waiting with no message (the start's hibernateAfter; Infinity: never). */
  hibernateAfter = Infinity;

  constructor(
    readonly ctx: ProcessContext,
    public mod: AnyStatem,
    readonly parent: Pid | null,
  ) {}

  get moduleName(): string {
    return this.mod.name ?? 'gen_statem';
  }

  /** `<module>.<callback>` of the current module, as processInfo's currentFunction shows it. */
  get names(): ReturnType<typeof namesOf> {
    return namesOf(this.mod, this.moduleName);
  }

  getState(): StateAndData<unknown, unknown> {
    return { state: this.state, data: this.data };
  }

  setState(value: unknown): void {
    if (value === null || typeof value !== 'object' || !('state' in value) || !('data' in value)) throw new Error(`a gen_statem's state must be replaced by { state, data }, got ${formatValue(value, 200)}`);
    this.state = value.state;
    this.data = value.data;
  }

  formattedState(): unknown {
    const { state, data } = this.format({ state: this.state, data: this.data, context: 'normal' });
    return { state, data };
  }

  formattedStatus(): Pick<SysStatus, 'state' | 'queue' | 'postponed' | 'timeouts' | 'log'> {
    // As OTP's sys:get_status of a gen_statem: the events, timeouts and logged events it holds are shown too, through the same formatStatus call.
    const { state, data, queue, postponed, timeouts, log } = this.format({ state: this.state, data: this.data, context: 'normal', ...this.held(), ...loggedEvents(this) });
    return { state: { state, data }, queue: queue ?? [], postponed: postponed ?? [], timeouts: timeouts ?? [], ...(log === undefined ? {} : { log }) };
  }

  /** Copies of the queued and postponed events and of the running timeouts' events, for a status. */
  held(): { queue: Event[]; postponed: Event[]; timeouts: Event[] } {
    const running = [this.eventTimer, this.stateTimer, ...this.genericTimers.values()].filter((t): t is Timer => t !== null);
    return { queue: [...this.pending], postponed: [...this.postponed], timeouts: running.map((t) => t.fired.event) };
  }

  format(status: Status<unknown, unknown>): Status<unknown, unknown> {
    return safeFormatStatus(this.mod.formatStatus?.bind(this.mod), status, 'data');
  }

  async changeCode(change: CodeChange): Promise<void> {
    const next = (change.to ?? this.mod) as AnyStatem;
    const via = (change.via ?? next) as AnyStatem;
    const given = change.state as StateAndData<unknown, unknown>;
    const migrated = via.codeChange ? await via.codeChange(change.oldVsn, given.state, given.data, change.extra) : given;
    if (migrated === null || typeof migrated !== 'object' || !('state' in migrated) || !('data' in migrated)) throw new BadReturnValue('codeChange', migrated);
    this.setModule(next);
    this.state = migrated.state;
    this.data = migrated.data;
  }

  setModule(module: unknown): void {
    const mode = resolveMode(module as AnyStatem);
    if (mode instanceof Error) throw mode;
    this.mod = module as AnyStatem;
    [this.mode, this.stateEnter] = mode;
    // The label names the callback module: the code server counts this process as running its version.
    this.ctx.setLabel(labelOf(this.mod));
  }

  snapshot(): unknown {
    return { mod: this.mod, mode: this.mode, stateEnter: this.stateEnter, state: this.state, data: this.data };
  }

  restore(snapshot: unknown): void {
    const s = snapshot as { mod: AnyStatem; mode: Mode; stateEnter: boolean; state: unknown; data: unknown };
    this.mod = s.mod;
    this.mode = s.mode;
    this.stateEnter = s.stateEnter;
    this.state = s.state;
    this.data = s.data;
  }

  terminate(reason: unknown, message: unknown): Promise<never> {
    return terminate(this, reason, message);
  }

  /** Runs a callback through the behaviours' try-wrapper (gen/attempt.ts). */
  attempt(fn: () => unknown): Promise<Outcome> {
    return attempt(fn);
  }

  /** Starts a timer of `ms` (a relative 0 queues it as a zero timeout; `viaTimer` sends it as a message even then). */
  startTimer(ms: number, event: Event, viaTimer = false): Timer {
    const fired = new TimerFired(event);
    if (ms === 0 && !viaTimer) {
      this.zero.push(fired);
      return { ref: null, fired };
    }
    // A timer takes whole milliseconds: a fractional timeout waits to the next one.
    return { ref: this.ctx.sendAfter(Math.ceil(ms), this.ctx.self(), fired), fired };
  }

  cancel(timer: Timer | null | undefined): null {
    if (timer?.ref === null) this.zero.splice(this.zero.indexOf(timer.fired), 1);
    else if (timer) this.ctx.cancelTimer(timer.ref);
    return null;
  }

  /** Takes the oldest zero timeout, freeing its slot, and returns its event. */
  takeZero(): Event {
    const fired = this.zero.shift()!;
    this.claim(fired);
    return fired.event;
  }

  /** Frees the slot of a timer that fired; false for a stale timer. */
  claim(msg: TimerFired): boolean {
    if (this.eventTimer?.fired === msg) this.eventTimer = null;
    else if (this.stateTimer?.fired === msg) this.stateTimer = null;
    else if (msg.event.type === 'genericTimeout' && this.genericTimers.get(termKey(msg.event.name))?.fired === msg) this.genericTimers.delete(termKey(msg.event.name));
    else return false;
    return true;
  }

  /** Reports an event to sys debugging; callers test `sysDebug` first, so no event is built while debugging is off. */
  debug(event: SysEvent): void {
    debugEvent(this.ctx, this, event);
  }
}

const labels = new WeakMap<AnyStatem, ProcessLabel>();
function labelOf(mod: AnyStatem): ProcessLabel {
  let label = labels.get(mod);
  if (label === undefined) labels.set(mod, (label = Object.freeze({ behaviour: 'gen_statem', module: mod.name ?? 'gen_statem', callbacks: mod })));
  return label;
}

/** Runs a gen_statem in the current process: init, acknowledge, then the loop until it stops. */
export async function runStatem(ctx: ProcessContext, given: AnyStatem, args: unknown, parent: Pid | null, ack: Acknowledge): Promise<void> {
  const mod = currentCallbacks(ctx, given);
  ctx.setLabel(labelOf(mod));
  const m = new Machine(ctx, mod, parent);
  m.hibernateAfter = hibernateAfterOf(ctx);
  applyInitialDebug(ctx, m);
  const fail = (reason: unknown): never => {
    ack(false, reason);
    throw new ExitSignal(reason);
  };
  setCurrentFunction(ctx, m.names.init);
  // A result init throws is taken as returned, as OTP takes a value thrown with throw.
  const init = returnedIfThrown(await m.attempt(() => mod.init(args, ctx)), INIT_THROWN);
  setCurrentFunction(ctx, LOOP);
  if (!init.ok) return fail(init.error);
  const r = resultOf<InitResult<unknown, unknown> | Result<unknown, unknown>>(init.value);
  switch (r?.type) {
    case 'ignore':
      return ack(false, 'ignore');
    case 'error':
      // OTP 26's graceful init failure: the starter gets the reason, the process ends normal (no crash report).
      return ack(false, r.reason);
    case 'stop':
      return fail(r.reason);
    case 'ok': {
      const tr = begin(m, r.state, r.data, r.actions);
      if (tr instanceof Error) return fail(tr);
      ack(true, ctx.self());
      await settle(m, null, tr, m.state, true);
      return loop(m);
    }
    case undefined:
    case 'nextState':
    case 'keepState':
    case 'keepStateAndData':
    case 'repeatState':
    case 'repeatStateAndData':
      break; // no result, or a state callback's: a bad return value
  }
  // A type outside the union (user code may return anything) falls through to here too.
  return fail(new BadReturnValue('init', init.value));
}

/** Turns the current process into a gen_statem in `state` with `data`, without an init (OTP's enter_loop). */
export async function enterStatem(ctx: ProcessContext, given: AnyStatem, state: unknown, data: unknown, actions: Actions | undefined, options: { name?: ServerName; parent?: Pid; hibernateAfter?: number }): Promise<never> {
  checkHibernateAfter(options.hibernateAfter, 'the process did not enter the loop');
  checkHoldsName(ctx, options.name);
  const mod = currentCallbacks(ctx, given);
  ctx.setLabel(labelOf(mod));
  const m = new Machine(ctx, mod, options.parent ?? null);
  m.hibernateAfter = options.hibernateAfter ?? Infinity;
  applyInitialDebug(ctx, m);
  setCurrentFunction(ctx, LOOP);
  const tr = begin(m, state, data, actions);
  if (tr instanceof Error) throw new ExitSignal(tr);
  await settle(m, null, tr, m.state, true);
  return loop(m);
}

// Reads the callback mode, then takes the first state, data and actions; the failure as an Error.
function begin(m: Machine, state: unknown, data: unknown, actions: Actions | undefined): Transition | Error {
  const mode = resolveMode(m.mod);
  if (mode instanceof Error) return mode;
  [m.mode, m.stateEnter] = mode;
  const tr: Transition = { postpone: false, hibernate: false, nextEvents: [], timeouts: [] };
  if (!applyActions(m, actions, tr, 'init')) return new BadReturnValue('init', { state, data, actions });
  tr.postpone = false; // there is no event to postpone
  m.state = state;
  m.data = data;
  return tr;
}

async function loop(m: Machine): Promise<never> {
  for (;;) {
    // Awaited only when over the budget: an await of nothing would cost every event a turn of the microtask queue.
    const turn = !m.suspended && (m.pending.length > 0 || m.zero.length > 0) ? spendReduction(m.ctx) : undefined;
    if (turn !== undefined) await turn;
    // Queued events first, then zero timeouts, then the mailbox (OTP's loop_done).
    const event = m.suspended ? await receiveEvent(m) : m.pending.length > 0 ? m.pending.shift()! : m.zero.length > 0 ? m.takeZero() : await receiveEvent(m);
    if (event === null) continue;
    const tr: Transition = { postpone: false, hibernate: false, nextEvents: [], timeouts: [] };
    const oldState = m.state;
    m.eventTimer = m.cancel(m.eventTimer);
    const enter = await callState(m, event, tr);
    await settle(m, event, tr, oldState, enter);
  }
}

/** Takes the next message and turns it into an event; null when it was a system message or a stale timer. */
async function receiveEvent(m: Machine): Promise<Event | null> {
  const { ctx } = m;
  enterWait(m);
  const msg = m.suspended ? await ctx.receive(suspendedWait(m.parent)) : await idleReceive(m);
  // Killed after the receive took the message, before the loop resumed: a dead machine handles nothing.
  const proc = internals(ctx);
  proc.check();
  const hibernated = proc.currentFunction === HIBERNATE;
  if (hibernated) setCurrentFunction(ctx, LOOP);
  if (msg instanceof SystemMessage) {
    // As OTP's loop: a hibernated machine hibernates again after a system message (a sys.getStatus does not wake it).
    m.hibernating ||= hibernated;
    await handleSystemMessage(ctx, msg, m);
    return null;
  }
  if (msg instanceof TimerFired) return m.claim(msg) ? msg.event : null;
  if (m.statistics) m.statistics.messagesIn++;
  if (msg instanceof CallMessage) {
    holdCall(msg.from, ctx);
    return { type: 'call', from: msg.from, content: msg.request };
  }
  if (msg instanceof CastMessage) return { type: 'cast', content: msg.request };
  // Only a process trapping exits gets here: its parent's shutdown runs terminate, as in OTP.
  if (msg instanceof Exit && m.parent !== null && msg.from === m.parent) return terminate(m, msg.reason, msg);
  return { type: 'info', content: msg };
}

// The next message; with hibernateAfter, a machine not hibernated that waits that long hibernates, then waits on (OTP's hibernate_after).
async function idleReceive(m: Machine): Promise<unknown> {
  if (m.hibernateAfter === Infinity || internals(m.ctx).currentFunction === HIBERNATE) return m.ctx.receive();
  const msg = await m.ctx.receive(null, m.hibernateAfter);
  if (msg !== TIMEOUT) return msg;
  m.hibernating = true;
  enterWait(m);
  return m.ctx.receive();
}

// Hibernates a machine whose last transition asked to, as it starts waiting for a message (its current function says so).
function enterWait(m: Machine): void {
  if (!m.hibernating) return;
  m.hibernating = false;
  internals(m.ctx).hibernate();
  setCurrentFunction(m.ctx, HIBERNATE);
}

/** Runs the state callback on one event; true when the state changed or is to be repeated. */
async function callState(m: Machine, event: Event, tr: Transition): Promise<boolean> {
  const { mod, state, data, ctx } = m;
  if (m.sysDebug !== null) m.debug({ type: 'in', kind: event.type, message: event.type === 'enter' ? event.oldState : event.content, state, ...(event.type === 'call' ? { from: event.from.pid } : {}) });
  if (m.mode === 'handleEvent') {
    setCurrentFunction(ctx, m.names.handleEvent);
    const out = await m.attempt(() => mod.handleEvent!(event, state, data, ctx));
    setCurrentFunction(ctx, LOOP);
    return interpret(m, 'handleEvent', out, event, tr);
  }
  const handler = typeof state === 'string' && Object.hasOwn(mod.states!, state) ? mod.states![state] : undefined;
  if (handler) setCurrentFunction(ctx, stateFunctionName(m, state as string));
  const out: Outcome = handler ? await m.attempt(() => handler(event, data, ctx)) : { ok: false, error: new Error(`${m.moduleName} has no handler for state ${formatValue(state, 100)}`) };
  setCurrentFunction(ctx, LOOP);
  return interpret(m, `states.${String(state)}`, out, event, tr);
}

// The results init may throw to return them ('error' is left out: an object thrown as an error may well be tagged so).
const INIT_THROWN = ['ok', 'ignore', 'stop'];
// The results a state callback may throw to return them (OTP's throw({next_state, S, D}) from deep inside a helper).
const STATE_THROWN = ['nextState', 'keepState', 'keepStateAndData', 'repeatState', 'repeatStateAndData', 'stop'];

/** The one result interpreter: every state callback's outcome is applied here; a result it threw counts as returned. */
async function interpret(m: Machine, callback: string, thrownOrReturned: Outcome, event: Event, tr: Transition): Promise<boolean> {
  const out = returnedIfThrown(thrownOrReturned, STATE_THROWN);
  if (!out.ok) return terminate(m, out.error, event);
  const r = resultOf<Result<unknown, unknown> | InitResult<unknown, unknown>>(out.value);
  const where: Where = event.type === 'enter' ? 'enter' : 'event';
  switch (r?.type) {
    case undefined:
    case 'ok':
    case 'ignore':
    case 'error':
      break; // no result, or an init result: a bad return value
    case 'nextState': {
      // An enter call may not change the state (OTP's bad_state_enter_return_from_state_function).
      if (where === 'enter' && !termEquals(r.state, m.state)) break;
      if (!applyActions(m, r.actions, tr, where)) break;
      const changed = !termEquals(r.state, m.state);
      if (changed && m.sysDebug !== null) m.debug({ type: 'stateChange', state: r.state });
      m.state = r.state;
      m.data = r.data;
      return changed;
    }
    case 'keepState':
    case 'repeatState':
      if (!applyActions(m, r.actions, tr, where)) break;
      m.data = r.data;
      return r.type === 'repeatState';
    case 'keepStateAndData':
    case 'repeatStateAndData':
      if (!applyActions(m, r.actions, tr, where)) break;
      return r.type === 'repeatStateAndData';
    case 'stop':
      if (r.replies !== undefined && (!Array.isArray(r.replies) || !applyActions(m, r.replies, tr, 'stop'))) break;
      if (r.hasData) m.data = r.data;
      return terminate(m, r.reason, event);
  }
  // A type outside the union (user code may return anything) falls through to here too.
  return terminate(m, new BadReturnValue(callback, out.value), event);
}

/** Runs the enter calls a transition asks for, then applies postpone, the queues and the timeouts. */
async function settle(m: Machine, event: Event | null, tr: Transition, oldState: unknown, enter: boolean): Promise<void> {
  const changed = !termEquals(oldState, m.state);
  let again = enter && m.stateEnter;
  while (again) {
    const turn = spendReduction(m.ctx);
    if (turn !== undefined) await turn;
    again = await callState(m, { type: 'enter', oldState }, tr);
  }
  m.hibernating = tr.hibernate;
  if (tr.postpone && event !== null) m.postponed.push(event);
  if (changed) {
    m.pending.unshift(...m.postponed);
    m.postponed = [];
    m.stateTimer = m.cancel(m.stateTimer);
  }
  m.pending.unshift(...tr.nextEvents);
  // As OTP: the last timeout action of each kind (event, state, each generic name) wins and the others are
  // ignored, not applied first (an update after a set updates what ran before); applied in action order,
  // so zero timeouts queue in the order OTP gives them.
  for (const t of lastOfEachKind(tr.timeouts)) {
    if ('timeout' in t) m.eventTimer = arm(m, m.eventTimer, t.timeout, t.abs, { type: 'timeout', content: t.content });
    else if ('stateTimeout' in t) m.stateTimer = arm(m, m.stateTimer, t.stateTimeout, t.abs, { type: 'stateTimeout', content: t.content });
    else {
      const key = termKey(t.genericTimeout);
      const timer = arm(m, m.genericTimers.get(key) ?? null, t.ms, t.abs, { type: 'genericTimeout', name: t.genericTimeout, content: t.content });
      if (timer === null) m.genericTimers.delete(key);
      else m.genericTimers.set(key, timer);
    }
  }
}

// The timeout actions that win, in action order: for each kind, only the last one given.
function lastOfEachKind(timeouts: readonly TimeoutAction[]): TimeoutAction[] {
  if (timeouts.length < 2) return timeouts as TimeoutAction[];
  const kind = (t: TimeoutAction): unknown => ('timeout' in t ? EVENT_KIND : 'stateTimeout' in t ? STATE_KIND : termKey(t.genericTimeout));
  const last = new Map<unknown, number>();
  timeouts.forEach((t, i) => last.set(kind(t), i));
  return timeouts.filter((t, i) => last.get(kind(t)) === i);
}
const EVENT_KIND = Symbol('timeout');
const STATE_KIND = Symbol('stateTimeout');

/** Checks every action, then applies them in order; false (nothing applied) if one is invalid here. */
function applyActions(m: Machine, actions: Actions | undefined, tr: Transition, where: Where): boolean {
  // User code may give anything: each action is checked (null: invalid) before any is applied.
  const list: readonly unknown[] = actions === undefined ? [] : Array.isArray(actions) ? actions : [actions];
  const checked = list.map(checkAction);
  // As OTP: an enter call may not postpone or insert; init's (and enterLoop's) postpone is accepted and forced to false.
  const allowed = (a: CheckedAction | null): a is CheckedAction =>
    where === 'stop' ? a?.kind === 'reply' : a !== null && !(a.kind === 'postpone' && a.postpone && where === 'enter') && !(a.kind === 'nextEvent' && where === 'enter');
  if (!checked.every(allowed)) return false;
  for (const a of checked) {
    switch (a.kind) {
      case 'postpone':
        // An option, as in OTP: the last one wins, and an enter call's { postpone: false } clears the event's.
        tr.postpone = a.postpone;
        break;
      case 'hibernate':
        tr.hibernate = a.hibernate;
        break;
      case 'nextEvent':
        tr.nextEvents.push(a.event);
        break;
      case 'timeout':
        tr.timeouts.push(a.timeout);
        break;
      case 'reply':
        replyTo(a.from, a.value, m.ctx);
        if (m.statistics) m.statistics.messagesOut++;
        if (m.sysDebug !== null) m.debug({ type: 'out', reply: a.value, to: a.from.pid });
        break;
    }
  }
  return true;
}

/** Runs terminate, reports an abnormal exit, and ends the process with `reason`. */
async function terminate(m: Machine, reason: ExitReason, msg: unknown): Promise<never> {
  const { ctx, mod } = m;
  if (mod.terminate) {
    setCurrentFunction(ctx, m.names.terminate);
    const out = await m.attempt(() => mod.terminate!(reason, m.state, m.data, ctx));
    if (!out.ok) reason = out.error;
  }
  if (!isNormalExit(reason)) {
    // As OTP's: the queued messages go through formatStatus with the data, so what it redacts stays out of the report.
    const crasher = crasherOf(ctx);
    const status = m.format({ state: m.state, data: m.data, message: msg, reason, context: 'terminate', messages: crasher.messages, ...m.held(), ...loggedEvents(m) });
    loggerOf(ctx.node).error(
      {
        kind: 'crash',
        behaviour: 'gen_statem',
        module: m.moduleName,
        pid: ctx.self(),
        name: ctx.processInfo(ctx.self())?.registeredName,
        lastMessage: status.message,
        state: status.state,
        data: status.data,
        reason: status.reason ?? reason,
        // As OTP's gen_statem error report: the events still to handle and those postponed are lost with the machine.
        queue: status.queue ?? [],
        postponed: status.postponed ?? [],
        timeouts: status.timeouts ?? [],
        // As proc_lib's crash report: who started the process, and the processes its exit will take down.
        ancestors: ancestorsOf(ctx),
        neighbours: neighboursOf(ctx),
        ...crasher,
        messages: status.messages ?? [],
        ...(status.log !== undefined ? { log: status.log } : {}),
      },
      { pid: ctx.self(), module: m.moduleName },
    );
  }
  throw new ExitSignal(reason);
}
