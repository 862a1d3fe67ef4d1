import { Down, Exit, TIMEOUT, type ExitReason } from '../messages.js';
import { Pid, type Ref } from '../pid.js';
import { describeReason } from '../errors.js';
import type { ProcessContext } from '../types.js';
import { StartError } from '../gen/errors.js';
import { SupervisorError, type AutoShutdown, type BadSpecDetail, type ChildSpec, type ChildType, type Restart, type Shutdown, type SupFlags } from './types.js';
import { misspeltKey } from '../edit-distance.js';
import { formatValue } from '../logger.js';

/** A child spec with every default filled in. */
export interface FullSpec {
  id: string;
  start: ChildSpec['start'];
  restart: Restart;
  shutdown: Shutdown;
  type: ChildType;
  modules: string[];
  significant: boolean;
}

/** A child as the supervisor tracks it. */
export interface Child {
  spec: FullSpec;
  pid: Pid | 'restarting' | undefined;
  /** Extra start arguments of a dynamic (simpleOneForOne) child. */
  extra: unknown[];
  /** How many times the supervisor restarted it after an exit (its own or, in a group restart, a sibling's). */
  restarts: number;
}

const bad = (id: string | undefined, field: string, message: string): SupervisorError => new SupervisorError('badSpec', message, { id, field } satisfies BadSpecDetail);

// What a value that should have been a spec or a list is, for an error: null and arrays named as such.
const kindOf = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value);

const SPEC_KEYS = ['id', 'start', 'restart', 'shutdown', 'type', 'modules', 'significant'];
const FLAG_KEYS = ['strategy', 'intensity', 'period', 'autoShutdown'];


/**
 * Checks a child spec and fills in OTP's defaults; throws a `badSpec` SupervisorError naming the child and
 * the bad field. With `autoShutdown` (the supervisor's flag), a significant child under `'never'` is refused.
 */
export function normalizeSpec(spec: ChildSpec, autoShutdown?: AutoShutdown): FullSpec {
  const where = `child spec ${spec && typeof spec.id === 'string' ? `'${spec.id}'` : JSON.stringify(spec?.id)}`;
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) throw bad(undefined, 'spec', `a child spec must be an object { id, start, ... }, got ${spec == null ? String(spec) : `${kindOf(spec)} ${formatValue(spec, 80)}`}`);
  if (typeof spec.id !== 'string' || spec.id === '') throw bad(undefined, 'id', `${where}: id must be a non-empty string`);
  const { id } = spec;
  const typo = misspeltKey(spec, SPEC_KEYS);
  if (typo) throw bad(id, typo.key, `${where}: unknown key '${typo.key}' (did you mean '${typo.meant}'?): spell it '${typo.meant}'`);
  if (typeof spec.start !== 'function') throw bad(id, 'start', `${where}: start must be a function (ctx) => Promise<Pid>`);
  const restart = spec.restart ?? 'permanent';
  if (!['permanent', 'transient', 'temporary'].includes(restart)) throw bad(id, 'restart', `${where}: restart must be 'permanent', 'transient' or 'temporary', got ${JSON.stringify(restart)}`);
  const type = spec.type ?? 'worker';
  if (type !== 'worker' && type !== 'supervisor') throw bad(id, 'type', `${where}: type must be 'worker' or 'supervisor', got ${JSON.stringify(type)}`);
  const shutdown = spec.shutdown ?? (type === 'supervisor' ? 'infinity' : 5000);
  // As OTP's validShutdown: a time is a whole number of milliseconds (1.5 is {invalid_shutdown, 1.5}); Infinity waits as 'infinity'.
  if (!(shutdown === 'brutalKill' || shutdown === 'infinity' || shutdown === Infinity || (Number.isInteger(shutdown) && (shutdown as number) >= 0))) {
    throw bad(id, 'shutdown', `${where}: shutdown must be 'brutalKill', 'infinity' or a whole number of milliseconds >= 0, got ${shownFlag(shutdown)}`);
  }
  const modules = spec.modules ?? [];
  // As OTP's validMods ({invalid_modules, M}): a list of names, for the release handler and which_children.
  if (!Array.isArray(modules) || !modules.every((m) => typeof m === 'string')) {
    throw bad(id, 'modules', `${where}: modules must be an array of module names (strings), got ${shownFlag(modules)}: list them, or leave modules out`);
  }
  const significant = spec.significant ?? false;
  if (typeof significant !== 'boolean') throw bad(id, 'significant', `${where}: significant must be true or false, got ${JSON.stringify(significant)}`);
  // OTP refuses both: a permanent child always comes back, and under 'never' significance means nothing.
  if (significant && restart === 'permanent') throw bad(id, 'significant', `${where}: a permanent child cannot be significant (only transient or temporary ones)`);
  if (significant && autoShutdown === 'never') throw bad(id, 'significant', `${where}: significant children need a supervisor whose autoShutdown is 'anySignificant' or 'allSignificant'`);
  return { id, start: spec.start, restart, shutdown, type, modules, significant };
}

/** Checks child specs as a supervisor would (fields, unique ids, significance under `autoShutdown` if given); throws the first problem. */
export function normalizeSpecs(specs: readonly ChildSpec[], autoShutdown?: AutoShutdown): FullSpec[] {
  if (!Array.isArray(specs)) throw bad(undefined, 'children', `child specs must be an array, got ${kindOf(specs)}`);
  const full = specs.map((s) => normalizeSpec(s, autoShutdown));
  const ids = new Set<string>();
  for (const s of full) {
    if (ids.has(s.id)) throw bad(s.id, 'id', `two children have the id '${s.id}': ids must be unique`);
    ids.add(s.id);
  }
  return full;
}

/** Checks supervisor flags and fills in OTP's defaults. */
export function normalizeFlags(flags: SupFlags = {}): Required<SupFlags> {
  // A string ('oneForAll') or anything else not an object would otherwise start a oneForOne supervisor unsaid.
  if (flags === null || typeof flags !== 'object' || Array.isArray(flags)) {
    throw bad(undefined, 'flags', `supervisor flags must be an object such as { strategy: 'oneForAll', intensity: 1, period: 5 }, got ${JSON.stringify(flags) ?? String(flags)}`);
  }
  const typo = misspeltKey(flags, FLAG_KEYS);
  if (typo) throw bad(undefined, typo.key, `supervisor flags: unknown key '${typo.key}' (did you mean '${typo.meant}'?): spell it '${typo.meant}'`);
  const strategy = flags.strategy ?? 'oneForOne';
  if (!['oneForOne', 'oneForAll', 'restForOne', 'simpleOneForOne'].includes(strategy)) {
    throw bad(undefined, 'strategy', `supervisor flags: strategy must be 'oneForOne', 'oneForAll', 'restForOne' or 'simpleOneForOne', got ${JSON.stringify(strategy)}`);
  }
  const intensity = flags.intensity ?? 1;
  if (!Number.isInteger(intensity) || intensity < 0) throw bad(undefined, 'intensity', `supervisor flags: intensity must be an integer >= 0, got ${shownFlag(intensity)}`);
  const period = flags.period ?? 5;
  // As OTP's {invalid_period, infinity}: a period that never ends would count every restart for ever.
  if (!(typeof period === 'number' && Number.isFinite(period) && period > 0)) {
    throw bad(undefined, 'period', `supervisor flags: period must be a finite number of seconds > 0, got ${shownFlag(period)}`);
  }
  const autoShutdown = flags.autoShutdown ?? 'never';
  if (!['never', 'anySignificant', 'allSignificant'].includes(autoShutdown)) {
    throw bad(undefined, 'autoShutdown', `supervisor flags: autoShutdown must be 'never', 'anySignificant' or 'allSignificant', got ${JSON.stringify(autoShutdown)}`);
  }
  return { strategy, intensity, period, autoShutdown };
}

// A flag's value as a sentence shows it: Infinity and NaN as themselves (JSON writes them null).
function shownFlag(value: unknown): string {
  return typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value));
}

/** Starts one child (`owner`: the supervisor's callbacks): its pid, `'ignore'`, or a thrown failure carrying the reason. */
export async function startChildProcess(ctx: ProcessContext, child: Child, owner?: { init: unknown }): Promise<Pid | 'ignore'> {
  try {
    // A start function exported by a loaded module runs in its newest version, as OTP's {M, F, A} does:
    // a child restarted after an upgrade runs the upgraded code, not the version its spec was made with.
    const code = ctx.node.code;
    const start = code === null ? child.spec.start : code.latest(child.spec.start);
    // A closure of purged code (made by a version no longer loaded) would run that code again, out of every later purge's reach.
    const purged = code?.purgedMaker(start);
    // A supervisor made inline by that very version (left alive by the purge, as stranded) runs that code itself: its
    // children's closures are no worse, and refusing them would only take its tree down at the next crash.
    if (purged !== undefined && code?.purgedMaker(owner?.init) !== purged) {
      throw new Error(`child '${child.spec.id}' cannot be started: its start function is code of ${purged}, which was purged: make start an exported function of the module (start: worker.start), which a restart runs in its current version, or have the supervisor's new init give the child a new spec`);
    }
    const r = await start(ctx, ...child.extra);
    if (r === 'ignore') return 'ignore';
    if (!(r instanceof Pid)) {
      throw new Error(`start of child '${child.spec.id}' returned ${describeReason(r)} instead of a pid or 'ignore'`);
    }
    return r;
  } catch (error) {
    if (error instanceof StartError && error.reason === 'ignore') return 'ignore';
    // OTP's {already_started, Pid}: the holder of the name is kept, so startChild can answer it.
    const reason: unknown = error instanceof StartError ? (error.reason === 'alreadyStarted' ? ({ alreadyStarted: error.pid } satisfies AlreadyStarted) : error.reason) : error;
    throw reason;
  }
}

/** The start failure of a child whose name another process holds (OTP's `{already_started, Pid}`). */
export interface AlreadyStarted {
  alreadyStarted: unknown;
}

/** True for a start failure that is `{ alreadyStarted: pid }`. */
export function isAlreadyStarted(reason: unknown): reason is AlreadyStarted {
  return reason !== null && typeof reason === 'object' && 'alreadyStarted' in reason && Object.keys(reason).length === 1;
}

/** True for exits a transient child is not restarted after. */
export function isNormalOrShutdown(reason: ExitReason): boolean {
  return reason === 'normal' || reason === 'shutdown' || (reason !== null && typeof reason === 'object' && 'shutdown' in reason);
}

/**
 * Stops a child as OTP's supervisor does (OTP 25 and later): monitor, then kill at once, or send `shutdown` and
 * kill after the shutdown time; the link stays until the child is down, then is dropped with the child's EXIT.
 * Resolves to the reason the child exited with.
 */
export async function shutdownChild(ctx: ProcessContext, pid: Pid, shutdown: Shutdown): Promise<ExitReason> {
  return (await shutdownChildren(ctx, [pid], shutdown)).get(pid)!;
}

/**
 * Stops children all at once, as OTP stops a simpleOneForOne supervisor's: each is monitored and gets its
 * signal before any is waited for, and one shutdown time runs for them all, after which the ones left are
 * killed. Each stays linked until it is down (as OTP 25's supervisor: a supervisor that dies meanwhile still
 * takes it down), then is unlinked and its EXIT dropped; the EXIT's reason wins over the DOWN's (a child gone
 * before the signal is `noproc` to the monitor). Resolves to each child's exit reason.
 */
export async function shutdownChildren(ctx: ProcessContext, pids: readonly Pid[], shutdown: Shutdown): Promise<Map<Pid, ExitReason>> {
  const reasons = new Map<Pid, ExitReason>();
  const waiting = new Map<Ref, Pid>();
  for (const pid of pids) {
    const ref = ctx.monitor(pid);
    waiting.set(ref, pid);
    if (shutdown === 'brutalKill') ctx.exit(pid, 'kill');
    else {
      ctx.exit(pid, 'shutdown');
      // OTP's `after 0`: the mailbox is looked at once, before the child could have run, so `kill` follows at once. A
      // child trapping exits is killed before its terminate runs; one that does not has already exited `shutdown`.
      if (shutdown === 0) ctx.exit(pid, 'kill');
    }
  }
  const isDown = (m: unknown): m is Down => m instanceof Down && waiting.has(m.ref);
  const deadline = typeof shutdown === 'number' ? performance.now() + shutdown : Infinity;
  while (waiting.size > 0) {
    const down = await ctx.receive(isDown, Math.max(0, Math.ceil(deadline - performance.now())));
    if (down === TIMEOUT) break;
    const pid = waiting.get(down.ref)!;
    waiting.delete(down.ref);
    reasons.set(pid, await unlinkFlush(ctx, pid, down.reason));
  }
  // Past the shutdown time: the children still running are killed.
  for (const pid of waiting.values()) ctx.exit(pid, 'kill');
  while (waiting.size > 0) {
    const down = await ctx.receive(isDown);
    const pid = waiting.get(down.ref)!;
    waiting.delete(down.ref);
    reasons.set(pid, await unlinkFlush(ctx, pid, down.reason));
  }
  return reasons;
}

// OTP's unlink_flush: drops the link of a child that is down and the EXIT it sent; its reason, else the DOWN's.
async function unlinkFlush(ctx: ProcessContext, pid: Pid, reason: ExitReason): Promise<ExitReason> {
  ctx.unlink(pid);
  const exit = await ctx.receive((m): m is Exit => m instanceof Exit && m.from.equals(pid), 0);
  return exit === TIMEOUT ? reason : exit.reason;
}
