import { setImmediate } from 'node:timers';
import { types } from 'node:util';
import type { OtpNode } from '../node.js';
import { Pid, Ref } from '../pid.js';
import { ProcessImpl } from '../process.js';
import type { ExitReason } from '../messages.js';
import type { Dest, ProcessContext } from '../types.js';
import { codeServerOf, type CodeServer } from '../code/server.js';
import type { TraceHooks } from '../node-hooks.js';
import { DEFAULT_BOUNDS, ListingBudget, formatBounded, type FormatBounds } from './format.js';
import { compileArgsMatcher, parseCallPattern } from './pattern.js';
import { arityError, closestRegistered, declaredArity, holderAt, resolvePattern, unreplaceable, type FunctionTarget } from './functions.js';
import { shownText, traceListsRefusal } from './limits.js';
import { Session, runSession, type Selection, type SessionSettings } from './session.js';
import type { TraceEvent, TraceSessionInfo, TraceSpec, TraceStartResult } from './types.js';

/** The most functions one session may trace without `force`. */
export const MAX_FUNCTIONS = 1000;
/** How many processes a session's start or stop flags per turn of the event loop. */
const TRACE_MARK_CHUNK = 2000;
/** Defaults of a session: 10 events, 15 seconds, 1000 buffered events. */
export const TRACE_DEFAULTS = { limit: 10, timeMs: 15_000, bufferSize: 1000 } as const;

/** The most trace sessions a node runs at once, and the most of them one client node (or the node itself) may hold: past either, a start is refused. */
export const MAX_TRACE_SESSIONS = { total: 32, perClient: 8 } as const;

/** The longest a session with neither a client nor an owner (one started by an rpc cast) may run: nothing else ends it. */
export const MAX_UNOWNED_TRACE_MS = 60_000;

/** The longest a session may run (`timeMs`), one day: a longer one is refused, never cut down unseen. */
export const MAX_TRACE_TIME_MS = 86_400_000;

/** The most events a session's buffer may hold (`bufferSize`): a larger one is refused, never cut down unseen. */
export const MAX_TRACE_BUFFER = 100_000;

/** The largest formatting bounds a session may ask for: each event's values cost at most this much to format and keep. */
export const MAX_TRACE_BOUNDS: FormatBounds = { depth: 10, items: 1000, chars: 100_000 };

/** The most characters a session's buffer may come to, bufferSize × bounds.chars: a full buffer of the largest events stays this small. */
export const MAX_TRACE_BUFFER_CHARS = 50_000_000;

const LIST_EXAMPLES = { patterns: '["shop/cart.add"]', pids: '["<0.42.0>"] or ["all"]', names: '["shop_server"]' } as const;

type AnyFn = (...args: unknown[]) => unknown;
/** How a traced function was called: `new.target` when constructed, else undefined. */
type NewTarget = object | undefined;

// A traced function called with `new` constructs as the original does: its prototype, the subclass that called it.
function invoke(slot: Slot, self: unknown, args: unknown[], newTarget: NewTarget): unknown {
  if (newTarget === undefined) return slot.original.apply(self, args);
  const ctor = slot.original as unknown as new (...a: unknown[]) => unknown;
  return Reflect.construct(ctor, args, newTarget === slot.wrapper ? ctor : (newTarget as typeof ctor));
}

interface Entry {
  session: Session;
  match: (args: readonly unknown[]) => boolean;
}

/** One traced function: the wrapper that stands in its place and the sessions that want its calls. */
interface Slot {
  target: FunctionTarget;
  holder: Record<string, unknown> | undefined;
  original: AnyFn;
  wrapper: AnyFn;
  entries: Entry[];
  /** The names the sessions know it by (a module and those re-exporting it). */
  ids: Set<string>;
}

type Failure = Extract<TraceStartResult, { ok: false }>;
const fail = (code: Failure['code'], error: string, suggestions: string[] = []): Failure => ({ ok: false, code, error, suggestions });

// Only a native promise is waited for: another thenable's then is the application's code (a query builder runs its
// query when asked for then, a getter may throw), which tracing must not call. Such a value is its own return.
const isPromise = (v: unknown): v is Promise<unknown> => types.isPromise(v);
const promiseThen = Promise.prototype.then;

// An argument may be a revoked proxy, whose instanceof throws: the traced call must not see that.
function isProcess(v: unknown): v is ProcessImpl {
  try {
    return v instanceof ProcessImpl;
  } catch {
    return false;
  }
}

// A matcher that holds when either does (one that throws counts as not matching, as in the wrapper).
function either(a: Entry['match'], b: Entry['match']): Entry['match'] {
  return (args) => {
    try {
      if (a(args)) return true;
    } catch {
      // fall through to b
    }
    return b(args);
  };
}

function callerOf(args: readonly unknown[]): ProcessImpl | undefined {
  for (let i = args.length - 1; i >= 0; i--) if (isProcess(args[i])) return args[i] as ProcessImpl;
  return undefined;
}

// The arguments of a call, as many as the bounds' items: a call spreading 100 000 values (`fn(...rows)`) costs ten.
function formatArgs(args: readonly unknown[], bounds: FormatBounds): string[] {
  const shown = args.slice(0, bounds.items).map((a) => formatBounded(a, bounds));
  return args.length > bounds.items ? [...shown, `…${args.length - bounds.items} more`] : shown;
}

// A name from the traced code (a registered name, a destination, an initial call) cut to the session's characters, as values are: a megabyte name costs its first few hundred characters in each event.
const cut = (text: string, chars: number): string => (text.length > chars ? `${text.slice(0, chars)}…` : text);

const destText = (d: Dest | Ref, chars: number): string => cut(d instanceof Pid || d instanceof Ref ? d.toString() : typeof d === 'string' ? d : `${String(d.name).slice(0, chars)}@${String(d.node).slice(0, chars)}`, chars);

/**
 * A node's trace agent: isolated sessions, each with its own call patterns, process selection, limits
 * and buffer. Call tracing re-points export-table properties to wrappers; messages and process events
 * come through `node.trace`, set only while a session needs them. Longer than the ~250 lines a class should
 * take, on purpose: the sessions share the wrapped export slots and the node's two trace hooks, which the
 * agent sets and clears as sessions come and go; formatting and the rpc module live beside it.
 */
export class TraceAgent implements TraceHooks {
  private readonly sessions = new Map<string, Session>();
  private readonly slots = new Map<string, Slot>();
  private readonly own = new WeakSet<ProcessImpl>();
  private readonly code: CodeServer;
  private msgSessions: Session[] = [];
  private procSessions: Session[] = [];
  private sender: ProcessImpl | null = null;
  private marking: Promise<void> | null = null;
  private remark = false;
  private nextId = 1;

  constructor(readonly node: OtpNode) {
    this.code = codeServerOf(node);
    this.code.onRepoint((module) => this.repointed(module));
  }

  /**
   * Starts a session (or, with `dryRun`, only reports what it would match); with no client, it ends when `owner` (its
   * starter) does. Resolves once every process the session follows is flagged (a node of 100 000 processes is
   * flagged a chunk per turn of the event loop), so that no message of theirs goes untraced after it.
   */
  async start(spec: TraceSpec, dryRun = false, owner?: Pid): Promise<TraceStartResult> {
    const r = this.startNow(spec, dryRun, owner);
    if (r.ok && !dryRun) await this.settled();
    return r;
  }

  // The start itself: the session set up and its flagging begun (the first chunk at once).
  private startNow(spec: TraceSpec, dryRun: boolean, owner: Pid | undefined): TraceStartResult {
    const settings = this.settingsOf(spec);
    if ('ok' in settings) return settings;
    settings.owner = owner;
    // No client to stop it nor owner to watch (an rpc cast, whose caster is unknown): only its clock ends it.
    if (!dryRun && settings.client === undefined && owner === undefined && settings.timeMs > MAX_UNOWNED_TRACE_MS) {
      return fail('badSpec', `a trace session with no client and no owner (one started by an rpc cast) runs at most ${MAX_UNOWNED_TRACE_MS} ms, got timeMs ${settings.timeMs}: give a client pid, start it with an rpc call, or a timeMs up to ${MAX_UNOWNED_TRACE_MS}`);
    }
    // A dry run sets nothing: it answers how broad a pattern is, the question the breadth limit asks --force for.
    const planned = this.plan(dryRun ? { ...spec, force: true } : spec);
    if ('ok' in planned) return planned;
    const selection = this.selectionOf(spec);
    if ('ok' in selection) return selection;
    const functions = planned.map((p) => p.target.id);
    const processes = !selection.explicit || selection.all || (selection.snapshot && selection.existing) ? this.node.processCount : selection.set.size;
    if (dryRun) return { ok: true, session: '', pid: undefined, functions, processes, dryRun: true };
    if (planned.length === 0 && !settings.messages && !settings.procs) return fail('badSpec', 'nothing to trace: give a call pattern, --messages or --procs');
    const full = this.full(settings.client ?? settings.owner);
    if (full) return full;
    const session = new Session(`s${this.nextId++}`, settings, selection, (p) => this.own.has(p) || (settings.client !== undefined && p.pid === settings.client), (s) => this.release(s), (s) => this.wake(s));
    session.functions = functions;
    this.sessions.set(session.id, session);
    // The session's own process is no one's traced spawn.
    const hooks = this.node.trace;
    this.node.trace = null;
    const pid = this.node.spawn((ctx) => runSession(ctx, session));
    this.node.trace = hooks;
    session.pid = pid;
    const proc = this.node.localProcess(pid)!;
    this.own.add(proc);
    proc.exitHook = () => {
      session.end('crashed');
      this.sessions.delete(session.id);
    };
    for (const p of planned) this.attach(p.target, { session, match: p.match });
    this.refreshHooks();
    return { ok: true, session: session.id, pid, functions, processes, dryRun: false };
  }

  // Why another session cannot start now (the node's or this client's sessions at their cap); undefined when it can.
  private full(client: Pid | undefined): Failure | undefined {
    const running = [...this.sessions.values()].filter((s) => s.state !== 'closed');
    const { total, perClient } = MAX_TRACE_SESSIONS;
    if (running.length >= total) return fail('busy', `${this.node.name} already runs ${running.length} trace sessions, the most it runs at once: stop one (or wait for one to end) and trace again`);
    // A session started over an rpc call has its calling process for owner and no client: it counts for that node too.
    const mine = running.filter((s) => ((s.settings.client ?? s.settings.owner)?.node ?? 0) === (client?.node ?? 0)).length;
    if (mine >= perClient) return fail('busy', `this client already runs ${mine} trace sessions on ${this.node.name}, the most one client may: stop one of them (or wait for one to end) and trace again`);
    return undefined;
  }

  /** Ends one session, as its client asked; other sessions keep their patterns. Its processes' flags are cleared a chunk per turn: await `settled()` for that. */
  stop(id: string): boolean {
    const s = this.sessions.get(id);
    if (!s) return false;
    s.end('stopped');
    if (s.pid) this.node.send(s.pid, { otpTrace: 'wake' });
    return true;
  }

  /** The sessions still running, with what they trace. */
  list(): TraceSessionInfo[] {
    const untraced = this.untracedIds();
    return [...this.sessions.values()].filter((s) => s.state === 'active').map((s) => ({
      session: s.id,
      client: s.settings.client?.toString() ?? s.settings.owner?.toString() ?? 'local',
      functions: s.functions.filter((id) => !untraced.has(id)),
      messages: s.settings.messages,
      procs: s.settings.procs,
      events: s.count,
      returns: s.returns,
      dropped: s.dropped,
    }));
  }

  /** The functions currently replaced by trace wrappers (empty when nothing is traced); one a load left untraced (removed, frozen) is not among them. */
  tracedFunctions(): string[] {
    return [...this.slots].filter(([, slot]) => slot.holder !== undefined).map(([id]) => id);
  }

  // The names of the functions a load left untraced (their slots wait for a version that lets a wrapper in again).
  private untracedIds(): Set<string> {
    const out = new Set<string>();
    for (const slot of this.slots.values()) if (slot.holder === undefined) for (const id of slot.ids) out.add(id);
    return out;
  }

  private settingsOf(spec: TraceSpec): SessionSettings | Failure {
    const positive = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n > 0;
    // A spec from `otp rpc` is whatever JSON was typed: a list given as one string would be read letter by letter.
    if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) return fail('badSpec', 'the trace spec must be an object, e.g. {"patterns": ["shop/cart.add"], "limit": 5}');
    for (const key of ['patterns', 'pids', 'names'] as const) {
      const list: unknown = spec[key];
      if (list !== undefined && !(Array.isArray(list) && list.every((x) => typeof x === 'string'))) return fail('badSpec', `${key} must be a list of strings, e.g. ${LIST_EXAMPLES[key]}; got ${(JSON.stringify(list) ?? String(list)).slice(0, 100)}`);
    }
    // The lists are resolved in one turn of the event loop (a spec is whatever JSON otp rpc was given): 100 000 patterns,
    // or 100 globs of 4096 '*', held the node for seconds, past its peers' tick time. Refused before any is resolved.
    const lists = traceListsRefusal(spec);
    if (lists !== undefined) return fail('badSpec', lists);
    if (spec.limit !== undefined && !positive(spec.limit)) return fail('badSpec', `limit must be a whole number above 0, got ${String(spec.limit)}`);
    if (spec.rate !== undefined && !(typeof spec.rate === 'object' && spec.rate !== null && positive(spec.rate.count) && positive(spec.rate.ms))) return fail('badSpec', 'rate must be N/MS with whole numbers above 0, e.g. 100/1000');
    if (spec.timeMs !== undefined && !(positive(spec.timeMs) && spec.timeMs <= MAX_TRACE_TIME_MS)) return fail('badSpec', `the time limit must be a whole number of milliseconds from 1 to ${MAX_TRACE_TIME_MS} (one day), got ${String(spec.timeMs)}`);
    // A window longer than the session never restarts: the rate would be a plain count over the session, not a rate.
    const timeMs = spec.timeMs ?? TRACE_DEFAULTS.timeMs;
    if (spec.rate !== undefined && spec.rate.ms > timeMs) return fail('badSpec', `the rate's window of ${spec.rate.ms} ms is longer than the session runs (timeMs ${timeMs}): give a window up to ${timeMs} ms, a longer timeMs, or a limit for a count over the whole session`);
    if (spec.bufferSize !== undefined && !(positive(spec.bufferSize) && spec.bufferSize <= MAX_TRACE_BUFFER)) return fail('badSpec', `bufferSize must be a whole number from 1 to ${MAX_TRACE_BUFFER}, got ${String(spec.bufferSize)}`);
    for (const [key, value] of Object.entries(spec.bounds ?? {})) {
      if (!Object.hasOwn(DEFAULT_BOUNDS, key)) return fail('badSpec', `bounds.${key} is no bound: the bounds are depth, items and chars`);
      const max = MAX_TRACE_BOUNDS[key as 'depth' | 'items' | 'chars'];
      if (!(typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= max)) return fail('badSpec', `bounds.${key} must be a whole number from 0 to ${max}, got ${String(value)}`);
    }
    // A buffer of big events is big however few they are: the two are bounded together.
    const room = (spec.bufferSize ?? TRACE_DEFAULTS.bufferSize) * (spec.bounds?.chars ?? DEFAULT_BOUNDS.chars);
    if (room > MAX_TRACE_BUFFER_CHARS) return fail('badSpec', `bufferSize × bounds.chars comes to ${room} characters, more than the ${MAX_TRACE_BUFFER_CHARS} a session may buffer: give a smaller bufferSize or bounds.chars`);
    if (spec.client !== undefined && !(spec.client instanceof Pid)) return fail('badSpec', 'client must be a pid');
    return {
      limit: spec.limit ?? (spec.rate ? undefined : TRACE_DEFAULTS.limit),
      rate: spec.rate,
      timeMs: spec.timeMs ?? TRACE_DEFAULTS.timeMs,
      bufferSize: spec.bufferSize ?? TRACE_DEFAULTS.bufferSize,
      bounds: { ...DEFAULT_BOUNDS, ...spec.bounds, budget: new ListingBudget() },
      messages: spec.messages === true,
      procs: spec.procs === true,
      returns: spec.returns === true,
      client: spec.client,
      owner: undefined,
    };
  }

  private plan(spec: TraceSpec): Array<{ target: FunctionTarget; match: Entry['match'] }> | Failure {
    const out: Array<{ target: FunctionTarget; match: Entry['match'] }> = [];
    for (const source of spec.patterns ?? []) {
      const parsed = parseCallPattern(source);
      if (!parsed.ok) return fail('badPattern', parsed.error);
      const p = parsed.pattern;
      if (!spec.force && /^\*+$/.test(p.module) && /^\*+$/.test(p.fn)) return fail('tooBroad', `'${source}' names every function of every module: narrow it (e.g. shop/*.handle*) or add --force`);
      const r = resolvePattern(this.code, p);
      if (!r.ok) return fail('nomatch', r.error, r.suggestions);
      const fitting = this.takingArity(r.targets, p.arity);
      if (!Array.isArray(fitting)) return fail('nomatch', arityError(source, p.arity!, fitting.found), fitting.found.map((f) => `${f.id}/${f.arity}`));
      // Checked before anything is wrapped: a refused assignment half-way would leave some wrappers behind.
      // A function a load left untraced (its object frozen) is refused as any frozen one, not joined to its idle slot.
      const targets = fitting.filter((t) => this.slots.get(t.id)?.holder !== undefined || unreplaceable(this.code, t) === undefined);
      if (targets.length === 0) return fail('nomatch', unreplaceable(this.code, fitting[0]!)!);
      const match = compileArgsMatcher(p);
      for (const target of targets) out.push({ target, match });
    }
    // A function two patterns name is one function to trace.
    const distinct = new Set(out.map((t) => t.target.id)).size;
    if (!spec.force && distinct > MAX_FUNCTIONS) return fail('tooBroad', `the patterns match ${distinct} functions (more than ${MAX_FUNCTIONS}): narrow them or add --force`);
    return out;
  }

  // As in Erlang, where the arity is part of a function's name: a fixed arity above what a function declares (no rest
  // parameter) is a call it is never given. None left is an error naming what each function takes.
  private takingArity(targets: FunctionTarget[], arity: number | undefined): FunctionTarget[] | { found: Array<{ id: string; arity: number }> } {
    if (arity === undefined) return targets;
    const found: Array<{ id: string; arity: number }> = [];
    const fitting = targets.filter((t) => {
      const declared = declaredArity(this.slots.get(t.id)?.original ?? holderAt(this.code, t.module, t.path)?.[t.prop]);
      if (declared === undefined || arity <= declared) return true;
      found.push({ id: t.id, arity: declared });
      return false;
    });
    return fitting.length > 0 ? fitting : { found };
  }

  private selectionOf(spec: TraceSpec): Selection | Failure {
    const sel: Selection = { all: false, set: new Set(), snapshot: null, existing: false, newOnes: false, explicit: false };
    for (const text of spec.pids ?? []) {
      sel.explicit = true;
      if (text === 'all') sel.all = true;
      else if (text === 'new' || text === 'existing') {
        sel.snapshot ??= this.node.pidMark;
        if (text === 'new') sel.newOnes = true;
        else sel.existing = true;
      } else {
        const m = /^<0\.(\d+)\.(\d+)>$/.exec(text.trim());
        if (!m) return fail('badProcess', `'${shownText(text)}' is not a pid of this node: write it as the node prints it, e.g. <0.42.0>, or all, new, existing`);
        const p = this.node.localProcess(new Pid(0, Number(m[1]), Number(m[2])));
        if (!p) return fail('badProcess', `no process ${shownText(text)} is alive on ${this.node.name}`);
        sel.set.add(p);
      }
    }
    for (const name of spec.names ?? []) {
      sel.explicit = true;
      const pid = this.node.whereis(name);
      if (!pid) {
        const near = closestRegistered(this.node, name);
        return fail('badProcess', `no process is registered as '${shownText(name)}' on ${this.node.name}${near.length ? ` (closest: ${near.join(', ')})` : ''}`, near);
      }
      sel.set.add(this.node.localProcess(pid)!);
    }
    if (!sel.explicit && (spec.messages || spec.procs)) sel.all = true;
    return sel;
  }

  private attach(target: FunctionTarget, entry: Entry): void {
    let slot = this.slots.get(target.id) ?? this.slotTracing(target);
    if (!slot) {
      const s: Slot = { target, holder: undefined, original: undefined as unknown as AnyFn, wrapper: undefined as unknown as AnyFn, entries: [], ids: new Set() };
      const call = (self: unknown, args: unknown[], newTarget: NewTarget): unknown => this.call(s, self, args, newTarget);
      s.wrapper = function traced(this: unknown, ...args: unknown[]): unknown {
        return call(this, args, new.target);
      };
      this.slots.set(target.id, (slot = s));
      this.wrap(slot);
    }
    slot.ids.add(target.id);
    const same = slot.entries.find((e) => e.session === entry.session);
    // One function named twice by a session's patterns (a module and its barrel): one event per call, if either matches.
    slot.entries = same ? slot.entries.map((e) => (e === same ? { session: e.session, match: either(same.match, entry.match) } : e)) : [...slot.entries, entry];
  }

  // The slot already tracing the function a target names (one module re-exports another's): one function, one wrapper.
  private slotTracing(target: FunctionTarget): Slot | undefined {
    // Two exported instances of one class share its method, but each object needs its own wrapper.
    if (target.inherited) return undefined;
    const fn = holderAt(this.code, target.module, target.path)?.[target.prop];
    if (typeof fn !== 'function') return undefined;
    // A slot of an instance's inherited method wraps that object only: the class's prototype (or another re-export
    // of the function) is another place, which needs a wrapper of its own.
    for (const s of this.slots.values()) if (!s.target.inherited && (s.wrapper === fn || s.original === fn)) return s;
    return undefined;
  }

  private wrap(slot: Slot): void {
    const holder = holderAt(this.code, slot.target.module, slot.target.path);
    const fn = holder?.[slot.target.prop];
    if (!holder || typeof fn !== 'function' || fn === slot.wrapper) return;
    // An export a reload removed is read through the table's prototype (the stub that names the removal): it is no
    // function to wrap, and an own wrapper would put the removed name back in the table's keys, and leave it there.
    if (!slot.target.inherited && !Object.hasOwn(holder, slot.target.prop)) return;
    // A version that froze the object (or made the property read-only) takes no wrapper: its function runs untraced,
    // and the load that brought it in goes on (an assignment here would throw out of the code server's load).
    if (unreplaceable(this.code, slot.target) !== undefined) return;
    slot.holder = holder;
    slot.original = fn as AnyFn;
    // Code that reads a function's arity (a framework telling an error handler by its 4 parameters) or its prototype
    // (`instanceof`, `new`) sees the original's while it is traced.
    Object.defineProperty(slot.wrapper, 'name', { value: fn.name, configurable: true });
    Object.defineProperty(slot.wrapper, 'length', { value: fn.length, configurable: true });
    (slot.wrapper as { prototype?: unknown }).prototype = (fn as { prototype?: unknown }).prototype;
    // A method the object inherits gets an own wrapper shadowing it, as its class defines methods: not enumerable, so
    // Object.keys and a spread of the object stay as they were.
    if (slot.target.inherited && !Object.hasOwn(holder, slot.target.prop)) Object.defineProperty(holder, slot.target.prop, { value: slot.wrapper, writable: true, enumerable: false, configurable: true });
    else holder[slot.target.prop] = slot.wrapper;
    // The modules that re-export it (named, renamed, export *) hold the same function: their callers are traced too.
    this.code.swapExport(fn, slot.wrapper);
    this.code.tagAlias(slot.wrapper, fn);
  }

  private unwrap(slot: Slot): void {
    if (slot.holder && Object.hasOwn(slot.holder, slot.target.prop) && slot.holder[slot.target.prop] === slot.wrapper) {
      // An inherited method's own wrapper goes, leaving the object as it was (its class's method shows through again).
      // The class's method may itself be traced still (its prototype's wrapper of the same function): it shows through too.
      const shown = Object.getPrototypeOf(slot.holder)?.[slot.target.prop];
      const same = shown === slot.original || [...this.slots.values()].some((o) => o.wrapper === shown && o.original === slot.original);
      if (slot.target.inherited && same) delete slot.holder[slot.target.prop];
      else slot.holder[slot.target.prop] = slot.original;
    }
    // Every table the wrapper reached (a module loaded during the trace may have copied it) gets the function back.
    if (slot.holder) this.code.swapExport(slot.wrapper, slot.original);
    slot.holder = undefined;
  }

  // A load or rollback re-pointed the module's table to fresh functions: wrap them again. A function the new version
  // removed, or froze, runs untraced: each session tracing it is told so (and told again when a later version lets a
  // wrapper back in), as the function no longer counts among those traced.
  private repointed(module: string): void {
    const notices: Array<{ session: Session; kind: 'untraced' | 'retraced'; fn: string; reason: string }> = [];
    for (const slot of this.slots.values()) {
      if (slot.target.module !== module) continue;
      const was = slot.holder !== undefined;
      this.unwrap(slot);
      this.wrap(slot);
      const now = slot.holder !== undefined;
      if (was === now) continue;
      const reason = now ? `${this.versionText(module)} lets a tracing wrapper stand in for it again` : `${this.lostReason(slot)}; this session traces it again if a later version lets it`;
      for (const e of slot.entries) for (const id of slot.ids) notices.push({ session: e.session, kind: now ? 'retraced' : 'untraced', fn: id, reason });
    }
    // A session this load left with nothing traced (no function wrapped, no messages or process events) waits for
    // nothing: its last notice says so, in the same line, as it runs on (as recon_trace's does) to its limits.
    const idle = new Set([...new Set(notices.map((n) => n.session))].filter((s) => this.waitsForNothing(s)));
    notices.forEach((n, i) => {
      const last = idle.has(n.session) && !notices.slice(i + 1).some((m) => m.session === n.session);
      const reason = last ? `${n.reason}; nothing this session traces is traced now: it ends at its time limit (Ctrl-C stops it) unless a later version brings a function back` : n.reason;
      n.session.notify(() => ({ kind: n.kind, ts: Date.now(), pid: undefined, fn: n.fn, reason: cut(reason, n.session.settings.bounds.chars) }));
    });
  }

  // True when a session follows no messages nor process events and none of its functions has a wrapper in place.
  private waitsForNothing(session: Session): boolean {
    if (session.settings.messages || session.settings.procs) return false;
    for (const slot of this.slots.values()) if (slot.holder !== undefined && slot.entries.some((e) => e.session === session)) return false;
    return true;
  }

  private versionText(module: string): string {
    const vsn = this.code.versions(module).current;
    return vsn === undefined ? `${module} (no current version)` : `version ${vsn} of ${module}`;
  }

  // Why a function a load re-pointed takes no wrapper: its module deleted, its object gone or frozen, or itself removed.
  private lostReason(slot: Slot): string {
    const { module, path, id } = slot.target;
    if (this.code.versions(module).current === undefined) return `${module} was deleted (it has no current version)`;
    const loaded = this.versionText(module);
    if (holderAt(this.code, module, path) === undefined) return `${loaded} has no ${[module, ...path].join('.')}`;
    const blocked = unreplaceable(this.code, slot.target);
    if (blocked === undefined) return `${loaded} removed it`;
    const why = blocked.slice(`${id} cannot be traced: `.length).replace(/, so no tracing wrapper.*$/s, '');
    return `${loaded} loaded and ${why}, so no tracing wrapper can stand in for it`;
  }

  /** The wrapper's body: report the call to each session whose pattern matches, run it, report its return. */
  private call(slot: Slot, self: unknown, args: unknown[], newTarget: NewTarget): unknown {
    const entries = slot.entries;
    const caller = callerOf(args);
    let returns: Session[] | null = null;
    for (const e of entries) {
      const s = e.session;
      if (s.state !== 'active' || (s.selection.explicit && (caller === undefined || !s.selects(caller)))) continue;
      let hit: boolean;
      try {
        hit = e.match(args);
      } catch {
        hit = false;
      }
      if (!hit) continue;
      s.record(() => ({ kind: 'call', ts: Date.now(), pid: caller?.pid.toString(), fn: slot.target.id, args: formatArgs(args, s.settings.bounds) }));
      if (s.settings.returns) (returns ??= []).push(s);
    }
    if (returns === null) return invoke(slot, self, args, newTarget);
    const t0 = performance.now();
    const done = (value: unknown, threw: boolean) => {
      for (const s of returns) recordSettled(s, value, threw, slot.target.id, caller?.pid.toString(), args.length, t0);
    };
    let result: unknown;
    try {
      result = invoke(slot, self, args, newTarget);
    } catch (error) {
      done(error, true);
      throw error;
    }
    if (!isPromise(result)) {
      done(result, false);
      return result;
    }
    return observeSettling(result, returns, slot.target.id, caller?.pid.toString(), args.length, t0);
  }

  private wake(session: Session): void {
    if (session.pid) this.node.send(session.pid, { otpTrace: 'wake' });
  }

  // A session ended: its patterns go now (other sessions' stay), and the hooks are recomputed.
  private release(session: Session): void {
    for (const [id, slot] of this.slots) {
      if (!slot.entries.some((e) => e.session === session)) continue;
      slot.entries = slot.entries.filter((e) => e.session !== session);
      if (slot.entries.length === 0) {
        this.unwrap(slot);
        this.slots.delete(id);
      }
    }
    this.refreshHooks();
    this.wake(session);
  }

  private refreshHooks(): void {
    const active = [...this.sessions.values()].filter((s) => s.state === 'active');
    const before = this.msgSessions;
    this.msgSessions = active.filter((s) => s.settings.messages);
    this.procSessions = active.filter((s) => s.settings.procs);
    this.node.trace = this.msgSessions.length > 0 || this.procSessions.length > 0 ? this : null;
    // Only the message sessions decide the processes' flags: a session of calls or process events walks nothing.
    if (before.length !== this.msgSessions.length || before.some((s, i) => s !== this.msgSessions[i])) this.markTraced();
  }

  /** Resolves once every process's message-trace flag agrees with the sessions now running (a start or stop sets them a chunk per turn). */
  async settled(): Promise<void> {
    while (this.marking !== null) await this.marking;
  }

  // Sets each process's flag, TRACE_MARK_CHUNK per turn of the event loop: a node of 100 000 processes is not held for
  // the whole pass (the first chunk is set at once, so a small node is done before the start returns). The flags are
  // read from the sessions as each process is reached, and a change meanwhile walks again; a process spawned meanwhile
  // takes its flag from the spawn hook, one that exits is skipped.
  private markTraced(): void {
    this.remark = true;
    if (this.marking !== null) return;
    const run = this.markAll().then(() => {
      this.marking = null;
      if (this.remark) this.markTraced();
    });
    this.marking = run;
  }

  private async markAll(): Promise<void> {
    while (this.remark) {
      this.remark = false;
      let n = 0;
      for (const p of this.node.liveProcesses()) {
        if (p.dead) continue;
        const traced = this.msgSessions.length > 0 && this.msgSessions.some((s) => s.selects(p));
        if (p.traced !== traced) p.traced = traced;
        if (++n % TRACE_MARK_CHUNK === 0) await new Promise<void>((r) => setImmediate(r));
      }
    }
  }

  send(from: ProcessImpl, dest: Dest | Ref, message: unknown): void {
    if (from.traced) {
      for (const s of this.msgSessions) if (s.selects(from)) s.record(() => ({ kind: 'send', ts: Date.now(), pid: from.pid.toString(), to: destText(dest, s.settings.bounds.chars), message: formatBounded(message, s.settings.bounds) }));
    }
    const previous = this.sender;
    this.sender = from;
    try {
      this.node.send(dest, message);
    } finally {
      this.sender = previous;
    }
  }

  sendVia(from: ProcessContext, dest: Pid, message: unknown, deliver: () => void): void {
    if (!isProcess(from)) return deliver();
    if (from.traced) for (const s of this.msgSessions) if (s.selects(from)) s.record(() => ({ kind: 'send', ts: Date.now(), pid: from.pid.toString(), to: destText(dest, s.settings.bounds.chars), message: formatBounded(message, s.settings.bounds) }));
    const previous = this.sender;
    this.sender = from;
    try {
      deliver();
    } finally {
      this.sender = previous;
    }
  }

  receive(to: ProcessImpl, message: unknown): void {
    const from = this.sender?.pid.toString();
    for (const s of this.msgSessions) if (s.selects(to)) s.record(() => ({ kind: 'receive', ts: Date.now(), pid: to.pid.toString(), from, message: formatBounded(message, s.settings.bounds) }));
  }

  spawn(parent: ProcessImpl | null, child: ProcessImpl): void {
    if (this.msgSessions.length > 0) child.traced = this.msgSessions.some((s) => s.selects(child));
    for (const s of this.procSessions) {
      if ((parent && s.selects(parent)) || s.selects(child)) s.record(() => ({ kind: 'spawn', ts: Date.now(), pid: (parent?.pid ?? this.node.pid).toString(), child: child.pid.toString(), initialCall: cut(child.initialCall, s.settings.bounds.chars) }));
    }
  }

  exit(proc: ProcessImpl, reason: ExitReason): void {
    for (const s of this.procSessions) if (s.selects(proc)) s.record(() => ({ kind: 'exit', ts: Date.now(), pid: proc.pid.toString(), reason: formatBounded(reason, s.settings.bounds) }));
  }

  link(proc: ProcessImpl, other: Pid, linked: boolean): void {
    for (const s of this.procSessions) if (s.selects(proc)) s.record(() => ({ kind: linked ? 'link' : 'unlink', ts: Date.now(), pid: proc.pid.toString(), other: String(other) }));
  }

  register(proc: ProcessImpl, name: string, registered: boolean): void {
    for (const s of this.procSessions) if (s.selects(proc)) s.record(() => ({ kind: registered ? 'register' : 'unregister', ts: Date.now(), pid: proc.pid.toString(), name: cut(name, s.settings.bounds.chars) }));
  }
}

// A traced call's return or exception, in a session that asked for returns.
function recordSettled(s: Session, value: unknown, threw: boolean, fn: string, pid: string | undefined, arity: number, t0: number): void {
  const ms = performance.now() - t0;
  s.recordReturn((): TraceEvent => {
    const base = { ts: Date.now(), pid, fn, arity, ms };
    return threw ? { kind: 'exception', ...base, error: formatBounded(value, s.settings.bounds) } : { kind: 'return', ...base, value: formatBounded(value, s.settings.bounds) };
  });
}

// The caller's promise for an async traced call, reporting its settling to the sessions that traced it. The handlers
// hold the sessions weakly: a call that never settles (a reply that never comes) keeps no ended session alive. Kept
// out of the wrapper's body, whose closures would otherwise share a context holding the sessions strongly.
function observeSettling(result: Promise<unknown>, sessions: Session[], fn: string, pid: string | undefined, arity: number, t0: number): Promise<unknown> {
  const refs = sessions.map((s) => {
    s.pending++;
    return new WeakRef(s);
  });
  const settle = (value: unknown, threw: boolean) => {
    for (const ref of refs) {
      const s = ref.deref();
      if (s === undefined) continue;
      s.pending--;
      recordSettled(s, value, threw, fn, pid, arity, t0);
    }
  };
  // Any handler on the call's promise marks its rejection handled, so the node would no longer hear of one
  // nobody handles. The caller gets the promise the observing handlers make instead: it settles as the call's
  // did, and a rejection the caller leaves unhandled is unhandled there, as untraced.
  return promiseThen.call(
    result,
    (v) => {
      settle(v, false);
      return v;
    },
    (e) => {
      settle(e, true);
      throw e;
    },
  );
}

const agents = new WeakMap<OtpNode, TraceAgent>();

/** The trace agent of a node, created on first use. */
export function traceAgentOf(node: OtpNode): TraceAgent {
  let agent = agents.get(node);
  if (!agent) agents.set(node, (agent = new TraceAgent(node)));
  return agent;
}
