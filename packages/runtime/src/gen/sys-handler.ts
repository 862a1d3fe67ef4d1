import type { ProcessContext, ProcessLabel } from '../types.js';
import type { Pid } from '../pid.js';
import { internals } from '../process-internals.js';
import { replyTo } from './call.js';
import { isSuspendedWait, type SystemMessage, type SystemRequest } from './messages.js';
import { appendFileSync, writeFileSync } from 'node:fs';
import { formatValue } from '../logger.js';
import { RuntimeError } from '../errors.js';
import { termEquals } from '../terms.js';
import { StateCopier, Unprotectable } from '../state-copy.js';

/** Counters kept while sys statistics are on. */
export interface Statistics {
  /** When statistics were switched on (ms since the epoch). */
  startTime: number;
  /** Reductions of the process when they were switched on, and now. */
  reductionsAtStart: number;
  reductions: number;
  messagesIn: number;
  messagesOut: number;
}

/** What sys.getStatus reports about a behaviour process. */
export interface SysStatus {
  pid: Pid;
  behaviour: string;
  module: string;
  status: 'running' | 'suspended';
  /** Who started the process with a link; a behaviour started without one (start) names itself, as OTP's gen does; null for a special process without one. */
  parent: Pid | null;
  /** The state as the module's formatStatus shapes it. */
  state: unknown;
  /** A gen_statem's events queued to handle before its mailbox (inserted, or postponed ones a state change released), next first; as formatStatus shapes them. */
  queue?: unknown[];
  /** A gen_statem's events postponed in its current state, oldest first (OTP's "Postponed"); as formatStatus shapes them. */
  postponed?: unknown[];
  /** A gen_statem's running timeouts (event, state, then generic ones), as the events they will deliver (OTP's "Time-outs"); as formatStatus shapes them. */
  timeouts?: unknown[];
  /** The events the sys log holds (with `sys.log` or `debug: ['log']` on and events logged), oldest first, as formatStatus shapes them (OTP's "Logged events"). */
  log?: SysEvent[];
}

/** What kind of message an `in` event took: a gen_server's call, cast or plain message, a gen_statem event type, a gen_event notification or request. */
export type SysEventKind = 'call' | 'cast' | 'info' | 'internal' | 'timeout' | 'stateTimeout' | 'genericTimeout' | 'enter' | 'notify' | 'request';

/** One event a behaviour process reports to sys debugging (OTP's system_event()): what `sys.getLog` returns and debug functions receive. */
export type SysEvent =
  /** A message taken for handling; `from` is a call's caller, `state` the gen_statem state it arrived in. */
  | { readonly type: 'in'; readonly kind: SysEventKind; readonly message: unknown; readonly from?: Pid; readonly state?: unknown }
  /** A reply sent to `to`; `state` is the gen_server state after the call. */
  | { readonly type: 'out'; readonly reply: unknown; readonly to: Pid; readonly state?: unknown }
  /** A gen_server callback returned without replying; the new state. */
  | { readonly type: 'noreply'; readonly state: unknown }
  /** A gen_statem moved to another state. */
  | { readonly type: 'stateChange'; readonly state: unknown }
  /** An event of a special process's own (reported with `SpecialProcess.debug`). */
  | { readonly type: 'custom'; readonly event: unknown };

/**
 * A debug function installed with `sys.install` (OTP's dbg_fun): called with its own state, each event and the
 * process's state; returns its next state, or `'done'` to uninstall itself (a throw uninstalls it too). An async
 * one's state is what its promise resolves to (events meanwhile see the previous one); a rejection uninstalls it.
 */
export type DebugFun<F = unknown> = (funState: F, event: SysEvent, procState: unknown) => F | 'done' | PromiseLike<F | 'done'>;

/** How many events `sys.log(…, true)` keeps when no bound is given, as OTP's sys:log. */
export const DEFAULT_LOG_SIZE = 10;

/** The sys debug options of one process (OTP's dbg_opts): null on the target while all are off, so an undebugged loop pays one null check. */
export class SysDebug {
  trace = false;
  /** The file each event is appended to as a `*DBG*` line (sys.logToFile); null when off. */
  file: string | null = null;
  /** The last `max` events, oldest first; null when logging is off. */
  log: { max: number; events: SysEvent[] } | null = null;
  funcs: Array<{ id: unknown; fn: DebugFun; state: unknown }> = [];

  get idle(): boolean {
    return !this.trace && this.file === null && this.log === null && this.funcs.length === 0;
  }
}

/** Reports an event to the target's sys debugging: prints it while traced, logs it, runs the installed functions. */
export function debugEvent(ctx: ProcessContext, target: SysTarget, event: SysEvent): void {
  const d = target.sysDebug;
  if (d === null) return;
  if (d.trace) process.stdout.write(dbgLine(ctx, target, event));
  if (d.file !== null) appendDbgLine(d, dbgLine(ctx, target, event));
  if (d.log !== null) {
    d.log.events.push(event);
    if (d.log.events.length > d.log.max) d.log.events.shift();
  }
  if (d.funcs.length > 0) {
    const state = target.getState();
    d.funcs = d.funcs.filter((f) => {
      try {
        const next = f.fn(f.state, event, state);
        if (next === 'done') return false;
        if (isThenable(next)) settleLater(target, f, next);
        else f.state = next;
        return true;
      } catch {
        return false;
      }
    });
  }
  if (d.idle) target.sysDebug = null;
}

// One event as the *DBG* line trace prints and logToFile writes; a multi-line value (an error's stack, a large
// object) continues on indented lines, so a message's own text can never start a line that reads as an event.
function dbgLine(ctx: ProcessContext, target: SysTarget, event: SysEvent): string {
  return `*DBG* ${ctx.self()} (${target.moduleName}) ${describeSysEvent(event).replace(/\n/g, '\n    ')}\n`;
}

// Appends a line to the logToFile file; a file that can no longer be written (its folder removed) stops the
// option instead of crashing the process it only watches.
function appendDbgLine(d: SysDebug, line: string): void {
  try {
    appendFileSync(d.file!, line);
  } catch {
    d.file = null;
  }
}

// sys:log_to_file: a file name starts it (the file is created or emptied, as OTP opens it for writing), false stops it.
function logToFileOf(file: string | false, target: SysTarget): 'ok' {
  const d = debugOf(target);
  if (file === false) d.file = null;
  else {
    try {
      writeFileSync(file, '');
    } catch (error) {
      settle(target);
      throw new RuntimeError('badarg', `sys.logToFile cannot write ${JSON.stringify(file)} (${(error as Error).message}); give a file in a folder that exists and is writable`);
    }
    d.file = file;
  }
  settle(target);
  return 'ok';
}

type DebugEntry = SysDebug['funcs'][number];

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (typeof v === 'object' || typeof v === 'function') && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

// An async debug function: its state becomes what the promise resolves to (the events meanwhile see the
// previous one); resolving to 'done' or rejecting removes it, as returning 'done' or throwing does, instead
// of an unhandled rejection that would end the Node.js process.
function settleLater(target: SysTarget, f: DebugEntry, next: PromiseLike<unknown>): void {
  const remove = (): void => {
    const d = target.sysDebug;
    if (d === null) return;
    d.funcs = d.funcs.filter((x) => x !== f);
    if (d.idle) target.sysDebug = null;
  };
  Promise.resolve(next).then(
    (value) => {
      if (value === 'done') remove();
      else f.state = value;
    },
    remove,
  );
}

/** What a crash report adds when sys logging was on (OTP's crash report `log` key): the logged events, oldest first. */
export function loggedEvents(target: SysTarget): { log?: SysEvent[] } {
  const events = target.sysDebug?.log?.events;
  return events !== undefined && events.length > 0 ? { log: [...events] } : {};
}

/** One line describing an event, as sys prints it (`got call 'x' from <0.9.0>`). */
export function describeSysEvent(e: SysEvent): string {
  switch (e.type) {
    case 'in': {
      const where = e.state === undefined ? '' : `in state ${formatValue(e.state, 100)} `;
      if (e.kind === 'call' || e.kind === 'request') return `${where}got ${e.kind} ${formatValue(e.message, 200)}${e.from ? ` from ${e.from}` : ''}`;
      if (e.kind === 'info') return `${where}got ${formatValue(e.message, 200)}`;
      if (e.kind === 'notify') return `${where}got event ${formatValue(e.message, 200)}`;
      return `${where}got ${e.kind} ${formatValue(e.message, 200)}`;
    }
    case 'out':
      return `sent ${formatValue(e.reply, 200)} to ${e.to}${e.state === undefined ? '' : `, new state ${formatValue(e.state, 100)}`}`;
    case 'noreply':
      return `new state ${formatValue(e.state, 100)}`;
    case 'stateChange':
      return `switched to state ${formatValue(e.state, 100)}`;
    case 'custom':
      return formatValue(e.event, 200);
  }
}

/** A debug option given at start (OTP's `{debug, [trace | log | {log, N} | statistics]}`): the same as switching it on with sys right after init. */
export type DebugOption = 'trace' | 'log' | 'statistics' | { log: number };

// Debug options of processes being started, until their loop builds its sys target; `waiting` counts them, so a
// start without debug options skips the lookup.
const initial = new WeakMap<ProcessContext, readonly DebugOption[]>();
let waiting = 0;

/** Throws a sentence naming the first debug option that is not one, so a start with a bad option fails in its caller. */
export function checkDebugOptions(options: readonly DebugOption[]): void {
  if (!Array.isArray(options)) throw new Error(`the debug start option must be an array such as ['log', 'trace'], got ${JSON.stringify(options)}`);
  for (const o of options) {
    const bounded = typeof o === 'object' && o !== null && Number.isInteger((o as { log?: unknown }).log) && (o as { log: number }).log > 0;
    if (o !== 'trace' && o !== 'log' && o !== 'statistics' && !bounded) {
      throw new Error(`unknown debug start option ${JSON.stringify(o)}: use 'trace', 'log', { log: N } (N > 0) or 'statistics'`);
    }
  }
}

/** Internal: keeps a starting process's debug options for `applyInitialDebug`. */
export function setInitialDebug(ctx: ProcessContext, options: readonly DebugOption[]): void {
  if (options.length > 0 && !initial.has(ctx)) waiting++;
  if (options.length > 0) initial.set(ctx, options);
}

/** Internal: a behaviour loop's new sys target takes the debug options its start was given (and `sysTargetOf` finds it). */
export function applyInitialDebug(ctx: ProcessContext, target: SysTarget): void {
  // On the process record: what an upgrade migrates directly (sysTargetOf).
  internals(ctx).sysTarget = target;
  if (waiting === 0) return;
  const options = initial.get(ctx);
  if (options === undefined) return;
  initial.delete(ctx);
  waiting--;
  for (const o of options) {
    if (o === 'trace') debugOf(target).trace = true;
    else if (o === 'log') debugOf(target).log ??= { max: DEFAULT_LOG_SIZE, events: [] };
    else if (o === 'statistics') {
      const r = ctx.processInfo(ctx.self())?.reductions ?? 0;
      target.statistics = { startTime: Date.now(), reductionsAtStart: r, reductions: r, messagesIn: 0, messagesOut: 0 };
    } else debugOf(target).log = { max: o.log, events: [] };
  }
}

/**
 * Internal: the sys target of a process's behaviour loop (gen_server, gen_statem, gen_event started by their
 * start functions), for an upgrade to read and migrate while the process is at rest; undefined for others.
 */
export function sysTargetOf(ctx: ProcessContext): SysTarget | undefined {
  return (internals(ctx).sysTarget as SysTarget | null) ?? undefined;
}

// The sys targets of special processes (sys.special), kept apart from the behaviours' (sysTargetOf): an upgrade
// migrates those directly and a crash dump shows their states, neither of which a special process asked for.
const specials = new WeakMap<ProcessContext, SysTarget>();

/** Internal: records a special process's sys target (sys.special), for `speakingSys`. */
export function setSpecialTarget(ctx: ProcessContext, target: SysTarget): void {
  specials.set(ctx, target);
}

/** Internal: the sys target of any process that speaks sys: a behaviour loop's, else a special process's (a purge reads their states). */
export function speakingSys(ctx: ProcessContext): SysTarget | undefined {
  return sysTargetOf(ctx) ?? specials.get(ctx);
}

/**
 * Internal: the state a process running one callback module (a gen_server, a special process) moves to with
 * `change`: the codeChange of `change.via` (else of the new module) applied to `change.state`, or that state
 * when there is none. A promise when the codeChange is async; throws what it throws.
 */
export function migratedState(change: CodeChange, current: unknown): unknown {
  const via = (change.via ?? change.to ?? current) as { codeChange?: (oldVsn: unknown, state: unknown, extra: unknown) => unknown };
  if (!via.codeChange) return change.state;
  const out = via.codeChange(change.oldVsn, change.state, change.extra);
  return isThenable(out) ? Promise.resolve(out).then((s) => changedState(s, change.state)) : changedState(out, change.state);
}

/**
 * Internal: what a codeChange returned, as the new state; `undefined` for a state that was not undefined (a codeChange
 * that forgot its return, converting in place) throws, as OTP's code change fails when it returns no {ok, State}.
 */
export function changedState(returned: unknown, given: unknown): unknown {
  if (returned === undefined && given !== undefined) {
    throw new Error('codeChange returned undefined instead of the new state (a missing return?): return the new state, or the state it was given to keep it');
  }
  return returned;
}

/** The part of a behaviour loop the sys protocol reads and changes. */
export interface SysTarget {
  readonly behaviour: string;
  readonly moduleName: string;
  readonly parent: Pid | null;
  suspended: boolean;
  statistics: Statistics | null;
  /** Trace, log and installed debug functions; null while all are off. */
  sysDebug: SysDebug | null;
  getState(): unknown;
  setState(state: unknown): void;
  formattedState(): unknown;
  /** The state and the events the process holds, shaped by one formatStatus call; absent where only the state is shown. */
  formattedStatus?(): Pick<SysStatus, 'state' | 'queue' | 'postponed' | 'timeouts' | 'log'>;
  /** Stops the process: runs its terminate callback and exits with `reason`. */
  terminate(reason: unknown, message: unknown): Promise<never>;
  /** Swaps the callback module without migrating the state; absent if unsupported. */
  setModule?(module: unknown): void;
  /** Migrates `change.state` and moves to `change.to`; throws to refuse, leaving module and state as they were. */
  changeCode(change: CodeChange): Promise<void>;
  /** The callback module(s) and state as they are now, by reference, for `restore`. */
  snapshot(): unknown;
  /** Puts back what `snapshot` returned (an upgrade's rollback). */
  restore(snapshot: unknown): void;
}

/** One code change as a behaviour loop applies it. */
export interface CodeChange {
  /** The callback module to run from now on (undefined: keep the current one). */
  to: unknown;
  /** The callback module `to` replaces, in a process running several (gen_event); undefined: by name. */
  from?: unknown;
  /** Whose codeChange migrates the state (a downgrade: the version being left); default `to`'s. */
  via?: unknown;
  oldVsn: unknown;
  extra: unknown;
  /** The state to migrate, in getState's shape: a copy during an upgrade, so the original stays untouched. */
  state: unknown;
}


// What a suspend for an upgrade saves: the loop's snapshot and the process label (which names the callback module).
interface Saved {
  target: unknown;
  label: ProcessLabel | null;
}

/** True while `ctx` waits suspended by sys: its loop reads only system messages (costs nothing to keep, unlike a set of processes). */
export function isSysSuspended(ctx: ProcessContext): boolean {
  return isSuspendedWait(internals(ctx).matcher);
}

// Behaviours running several callback modules at once (gen_event's handlers), which a process label cannot name.
const hosts = new WeakMap<ProcessContext, () => readonly object[]>();

/** Internal: a behaviour running several callback modules lists them here, so an upgrade finds its process. */
export function listCallbackModules(ctx: ProcessContext, list: () => readonly object[]): void {
  hosts.set(ctx, list);
}

/** The callback modules a process registered with listCallbackModules, if it did. */
export function callbackModulesOf(ctx: ProcessContext): readonly object[] | undefined {
  return hosts.get(ctx)?.();
}

/** A sys request failed inside the target; the client rethrows the cause. */
export class SysFailure {
  constructor(readonly error: unknown) {}
}

/**
 * Internal: a sys answer that carries the process's live state (getState, replaceState, getStatus). A class
 * instance, so message isolation leaves it unfrozen: the BEAM copies the state into the asker's heap and
 * the process goes on changing its own; freezing the shared object would break the process instead
 * (a supervisor restarting a child after `otp tree` or `otp observer` read its state).
 */
export class SysState {
  constructor(readonly value: unknown) {}
}

/**
 * Internal: the events sys.getLog answers a local asker, in a class instance so that message isolation leaves
 * them unfrozen: they hold the process's own states, which it may go on changing (the BEAM copies them).
 */
export class SysLog {
  constructor(readonly events: SysEvent[]) {}
}

/**
 * Handles one system message for a behaviour loop (OTP's sys:handle_system_msg). Synchronous requests
 * (suspend, resume, getState, ...) are answered at once and return undefined, so a loop pays no promise
 * for them (an upgrade of many processes sends two each); changeCode and terminate return a promise.
 */
export function handleSystemMessage(ctx: ProcessContext, msg: SystemMessage, target: SysTarget): Promise<void> | undefined {
  const req = msg.request;
  if (req.type === 'terminate') {
    // OTP's sys:terminate: the order is acknowledged, then carried out (the asker does not wait for the exit).
    replyTo(msg.from, 'ok');
    return target.terminate(req.reason, msg);
  }
  if (req.type === 'changeCode') return changeCode(ctx, msg, target);
  if (req.type === 'replaceState') return replaceState(ctx, msg, req.fn, target);
  let answer: unknown;
  try {
    answer = answerOf(ctx, req, target);
    // A remote asker gets a copy through the codec anyway (and could not decode the wrapper).
    if (msg.from.pid.node === 0 && (req.type === 'getState' || req.type === 'getStatus')) answer = new SysState(answer);
    if (msg.from.pid.node === 0 && req.type === 'log' && req.flag === 'get') answer = new SysLog(answer as SysEvent[]);
  } catch (error) {
    answer = new SysFailure(error);
  }
  replyTo(msg.from, answer, ctx);
  return undefined;
}

// sys:replace_state: the state becomes fn(state). An async fn is awaited in the process (which handles nothing
// else meanwhile), so the state is its result, never the promise; a throw or a rejection keeps the state.
function replaceState(ctx: ProcessContext, msg: SystemMessage, fn: (state: unknown) => unknown, target: SysTarget): Promise<void> | undefined {
  const settle = (next: unknown): void => {
    let answer: unknown;
    try {
      target.setState(next);
      // A remote asker gets a copy through the codec anyway (and could not decode the wrapper).
      answer = msg.from.pid.node === 0 ? new SysState(target.getState()) : target.getState();
    } catch (error) {
      answer = new SysFailure(error);
    }
    replyTo(msg.from, answer, ctx);
  };
  const fail = (error: unknown): void => void replyTo(msg.from, new SysFailure(error), ctx);
  let next: unknown;
  try {
    if (typeof fn !== 'function') throw new Error(`sys.replaceState needs a function (state) => new state, got ${formatValue(fn, 100)}`);
    next = fn(target.getState());
  } catch (error) {
    fail(error);
    return undefined;
  }
  if (isThenable(next)) return Promise.resolve(next).then(settle, fail);
  settle(next);
  return undefined;
}

// The state a sys.changeCode (not an upgrade's, which brings its copy) migrates: a copy, as an upgrade's, so that a codeChange
// that converts it in place and then throws leaves the state as it was. A gen_event manager's handlers keep their ids; a
// state no codeChange (of `via`) will see is kept, as a supervisor's, whose code change is its new init. With a code
// server its copier also keeps loaded modules' exports by reference; without one, the plain copier does the rest alike.
function stateToChange(ctx: ProcessContext, target: SysTarget, via: unknown): unknown {
  const state = target.getState();
  if (internals(ctx).label?.behaviour === 'supervisor') return state;
  const code = ctx.node.code;
  const copy = (value: unknown): unknown => (code !== null ? code.copyForCodeChange(value) : plainCopy(value));
  if (target.behaviour !== 'gen_event') return typeof (via as { codeChange?: unknown } | null)?.codeChange === 'function' ? copy(state) : state;
  return (state as Array<{ id: unknown; state: unknown }>).map((h) => ({ id: h.id, state: copy(h.state) }));
}

// A copy of `value` for a codeChange on a node without a code server, or `value` itself when it cannot be copied.
function plainCopy(value: unknown): unknown {
  try {
    return new StateCopier().copy(value, 'state');
  } catch (error) {
    if (error instanceof Unprotectable) return value;
    throw error;
  }
}

// sys.changeCode of a gen_server or gen_statem whose callback module has no codeChange fails, changing nothing, as OTP's
// sys:change_code answers {error, {'EXIT', undef}}; an upgrade's request (no `required`) keeps such a state instead, as
// a release's soft update does. A supervisor's code change is its new init; a manager's handlers are each optional.
function lacksCodeChange(ctx: ProcessContext, target: SysTarget, via: unknown): void {
  const behaviour = internals(ctx).label?.behaviour;
  if ((behaviour !== 'gen_server' && behaviour !== 'gen_statem') || typeof (via as { codeChange?: unknown } | null)?.codeChange === 'function') return;
  throw new RuntimeError('undef', `sys.changeCode: ${target.moduleName} has no codeChange to migrate the state of ${ctx.self()} with (OTP's undef); nothing was changed: give it a codeChange, or let an upgrade swap it (an upgrade keeps a state no codeChange migrates)`);
}

// Migrates the state through codeChange (a downgrade: through the version being left, then swaps to the older module).
async function changeCode(ctx: ProcessContext, msg: SystemMessage, target: SysTarget): Promise<void> {
  const req = msg.request as Extract<SystemRequest, { type: 'changeCode' }>;
  let answer: unknown = 'ok';
  try {
    if (!target.suspended) throw new Error(`${ctx.self()} must be suspended (sys.suspend) before changeCode`);
    const state = 'state' in req ? req.state : stateToChange(ctx, target, req.migrateWith ?? req.module ?? internals(ctx).label?.callbacks);
    if (req.required) lacksCodeChange(ctx, target, req.migrateWith ?? req.module ?? internals(ctx).label?.callbacks);
    await target.changeCode({ to: req.module, from: req.replaces, via: req.migrateWith, oldVsn: req.oldVsn, extra: req.extra, state });
  } catch (error) {
    answer = new SysFailure(error);
  }
  replyTo(msg.from, answer, ctx);
}

function debugOf(target: SysTarget): SysDebug {
  return (target.sysDebug ??= new SysDebug());
}

// Drops the debug record once every option is off, so the loop's check is one null test again.
function settle(target: SysTarget): void {
  if (target.sysDebug?.idle) target.sysDebug = null;
}

// sys:get_status: who the process is, whether it is suspended, and its state as formatStatus shows it.
function statusOf(ctx: ProcessContext, target: SysTarget): SysStatus {
  return {
    pid: ctx.self(),
    behaviour: target.behaviour,
    module: target.moduleName,
    status: target.suspended ? 'suspended' : 'running',
    // As OTP's gen: a behaviour started without a link (start, not startLink) is its own parent.
    parent: target.parent ?? (target.behaviour === 'process' ? null : ctx.self()),
    ...(target.formattedStatus?.() ?? { state: target.formattedState() }),
  };
}

// sys:statistics: true starts counting (counting already on goes on, as OTP's install_debug keeps it), false stops; the counts so far, or null when off.
function statisticsOf(ctx: ProcessContext, flag: Extract<SystemRequest, { type: 'statistics' }>['flag'], target: SysTarget): unknown {
  if (flag === true && target.statistics === null) {
    const r = ctx.processInfo(ctx.self())?.reductions ?? 0;
    target.statistics = { startTime: Date.now(), reductionsAtStart: r, reductions: r, messagesIn: 0, messagesOut: 0 };
  } else if (flag === false) target.statistics = null;
  if (target.statistics) target.statistics.reductions = ctx.processInfo(ctx.self())?.reductions ?? 0;
  return target.statistics ? { ...target.statistics } : null;
}

// sys:log: 'get' answers the events kept; true or { max } keeps the last events (the bound), false stops.
function logOf(flag: Extract<SystemRequest, { type: 'log' }>['flag'], target: SysTarget): unknown {
  if (flag === 'get') return [...(target.sysDebug?.log?.events ?? [])];
  const d = debugOf(target);
  if (flag === false) d.log = null;
  else {
    const max = flag === true ? (d.log?.max ?? DEFAULT_LOG_SIZE) : flag.max;
    if (!Number.isInteger(max) || max < 1) throw new Error(`sys.log needs a positive integer bound, got ${String(max)}`);
    const events = d.log?.events ?? [];
    d.log = { max, events: events.slice(Math.max(0, events.length - max)) };
  }
  settle(target);
  return 'ok';
}

// sys:install: adds a debug function, or replaces the one installed under the same id.
// Debug function ids are terms, equal by value as OTP's; a function (the default id) is only ever itself.
function sameDebugId(a: unknown, b: unknown): boolean {
  return a === b || (typeof a !== 'function' && typeof b !== 'function' && termEquals(a, b));
}

function install(req: Extract<SystemRequest, { type: 'install' }>, target: SysTarget): 'ok' {
  if (typeof req.fn !== 'function') throw new Error('sys.install needs a function (a debug function cannot be sent to another node)');
  const d = debugOf(target);
  const at = d.funcs.findIndex((f) => sameDebugId(f.id, req.id));
  const entry = { id: req.id, fn: req.fn as DebugFun, state: req.state };
  if (at >= 0) d.funcs[at] = entry;
  else d.funcs.push(entry);
  return 'ok';
}

// The answer to a request that needs no waiting; throws to answer a SysFailure.
function answerOf(ctx: ProcessContext, req: SystemRequest, target: SysTarget): unknown {
  switch (req.type) {
    case 'getState':
      return target.getState();
    case 'getStatus':
      return statusOf(ctx, target);
    case 'suspend':
      target.suspended = true;
      // An upgrade suspends and saves what a rollback puts back in one round trip.
      return req.withState ? { state: target.getState(), snapshot: { target: target.snapshot(), label: internals(ctx).label } satisfies Saved } : 'ok';
    case 'resume':
      target.suspended = false;
      return 'ok';
    case 'restore': {
      const saved = req.snapshot as Saved;
      target.restore(saved.target);
      internals(ctx).label = saved.label;
      return 'ok';
    }
    case 'statistics':
      return statisticsOf(ctx, req.flag, target);
    case 'trace':
      debugOf(target).trace = req.flag;
      settle(target);
      return 'ok';
    case 'log':
      return logOf(req.flag, target);
    case 'logToFile':
      return logToFileOf(req.file, target);
    case 'install':
      return install(req, target);
    case 'remove':
      if (target.sysDebug) {
        target.sysDebug.funcs = target.sysDebug.funcs.filter((f) => !sameDebugId(f.id, req.id));
        settle(target);
      }
      return 'ok';
    case 'noDebug':
      target.sysDebug = null;
      target.statistics = null;
      return 'ok';
    case 'setModule':
      if (!target.setModule) throw new Error(`${target.behaviour} cannot swap its module without codeChange`);
      target.setModule(req.module);
      return 'ok';
    default:
      throw new Error(`unknown system request ${JSON.stringify(req)}`);
  }
}
