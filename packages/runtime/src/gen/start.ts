import { Pid, type Ref } from '../pid.js';
import { isTimeoutMs } from '../timers.js';
import { Down, Exit, TIMEOUT } from '../messages.js';
import { ExitSignal, RuntimeError } from '../errors.js';
import type { ProcessContext, SpawnOptions } from '../types.js';
import { InitAck } from './messages.js';
import { StartError } from './errors.js';
import { whereisName, type ServerName, type ViaRegistry } from './call.js';
import { formatValue } from '../logger.js';
import { globalNames, isGlobalName } from './global-names.js';
import { checkDebugOptions, setInitialDebug, type DebugOption } from './sys-handler.js';
import { internals } from '../process-internals.js';
import { misspeltKey } from '../edit-distance.js';
import { setAncestors } from './crash-info.js';

/** Options shared by every behaviour's start functions. */
export interface StartOptions {
  /** Register the process under this name (`'n'`, `{ global: 'n' }`, `{ via, name }`) before init runs; a taken name fails with `'alreadyStarted'`. */
  name?: ServerName;
  /** How long init may take before the start fails with `'timeout'` and the process is killed (default: forever). */
  timeout?: number;
  /** Options of the spawn (OTP's `{spawn_opt, …}`): `maxMailbox` bounds the new process's waiting messages. */
  spawnOpt?: Pick<SpawnOptions, 'maxMailbox'>;
  /** sys debug options on from the start (OTP's `{debug, Dbgs}`): `'trace'`, `'log'`, `{ log: N }`, `'statistics'` (docs/sys.md). */
  debug?: readonly DebugOption[];
  /** Hibernate once the process has waited this many ms for a message with none to handle and no timeout pending (OTP's `{hibernate_after, Ms}`; default Infinity: never). */
  hibernateAfter?: number;
}

// The hibernateAfter of each process started with one, read by its behaviour's loop.
const hibernateAfters = new WeakMap<ProcessContext, number>();

/** The ms of idleness after which a behaviour process started with `hibernateAfter` hibernates; Infinity when none was given. */
export function hibernateAfterOf(ctx: ProcessContext): number {
  return hibernateAfters.get(ctx) ?? Infinity;
}

/** Refuses a hibernateAfter that is no timeout (badarg); `outcome` says what came of the refused call. */
export function checkHibernateAfter(idle: number | undefined, outcome: string): void {
  if (idle !== undefined && !isTimeoutMs(idle)) {
    throw new RuntimeError('badarg', `hibernateAfter must be a whole number of milliseconds >= 0 or Infinity, got ${String(idle)}; ${outcome}`);
  }
}

/**
 * The callbacks a behaviour process starting now binds (before its init): the current version's when `mod` is a
 * replaced version's export (a start in flight across an upgrade, or made by old code), as OTP's start calls Mod:init.
 */
export function currentCallbacks<T>(ctx: ProcessContext, mod: T): T {
  const code = ctx.node.code;
  return code === null ? mod : code.currentCallbacks(mod);
}

/** Tells the starter how init went: `ok` with the value start resolves to, or the failure reason. */
export type Acknowledge = (ok: boolean, value: unknown) => void;

/**
 * Internal: a behaviour process's body as startAcknowledged runs it: `parent` is the starter when linked (null when
 * not), `module` and `args` what the start was given. A function made once per behaviour, not a closure per start.
 */
export type StartBody = (child: ProcessContext, parent: Pid | null, ack: Acknowledge, module: unknown, args: unknown) => unknown;

/** Internal: the options of a start given none, shared rather than an empty object made per start (read, never written). */
export const NO_START_OPTIONS: StartOptions = Object.freeze({});

// What a start that init acknowledged drops of its monitor: the monitor and any DOWN it already queued.
const FLUSH = Object.freeze({ flush: true });
// The spawn options of a start without a name or a mailbox bound, shared rather than built per start.
const LINKED = Object.freeze({ link: true });
const UNLINKED = Object.freeze({ link: false });

/**
 * How a start ties the starter to the child: `true` links them (start_link), `false` leaves them apart (start),
 * `'monitor'` keeps the start's monitor on the child once it is up (OTP 23's start_monitor).
 */
export type StartTie = boolean | 'monitor';

/**
 * Spawns a behaviour process and waits until its init acknowledges (OTP's proc_lib:start_link). The body
 * receives the parent's pid (null unless `link`), an `ack` to call once init is done, and `module` and `args`.
 * With `link`, a failed start leaves no `Exit` of the child in a trapping parent's mailbox, as OTP 26's
 * start_link consumes it (a parent that does not trap exits still dies of an abnormal one, as in OTP). With
 * `'monitor'` a started child resolves to `[pid, ref]`, the monitor set before its init ran, and a failed start
 * leaves no `Down` of the child behind.
 */
export function startAcknowledged(ctx: ProcessContext, body: StartBody, options: StartOptions, link: boolean, module?: unknown, args?: unknown): Promise<Pid>;
export function startAcknowledged(ctx: ProcessContext, body: StartBody, options: StartOptions, link: 'monitor', module?: unknown, args?: unknown): Promise<[Pid, Ref]>;
export function startAcknowledged(ctx: ProcessContext, body: StartBody, options: StartOptions, tie: StartTie, module?: unknown, args?: unknown): Promise<Pid | [Pid, Ref]> {
  const starter = internals(ctx);
  const link = tie === true;
  const start = new Starting(ctx, body, options, link, tie === 'monitor', module, args);
  let waiting: number;
  let pid: Pid;
  try {
    checkStart(ctx, options);
    const name = options.name;
    const maxMailbox = options.spawnOpt?.maxMailbox;
    // The messages waiting now came before the monitor's ref: none is the ack or the DOWN, so the wait passes over them.
    waiting = starter.queueLength;
    // Not async: the body's own promise is the process's, so no wrapper frame or promise stays alive.
    pid = ctx.spawn((child) => start.run(child), name === undefined && maxMailbox === undefined ? (link ? LINKED : UNLINKED) : { link, name: typeof name === 'string' ? name : undefined, maxMailbox });
  } catch (error) {
    // A start fails by rejecting, as an async function's throw would.
    return Promise.reject(error);
  }
  start.began(pid, ctx.monitor(pid));
  return starter.awaitAnswer(waiting, start, options.timeout ?? Infinity) as Promise<Pid | [Pid, Ref]>;
}

// The refusals a start makes before anything is spawned: a start that throws must leave no process running behind it.
function checkStart(ctx: ProcessContext, options: StartOptions): void {
  checkStartOptions(options);
  const name = options.name;
  if (name !== undefined) {
    checkServerName(name);
    const holder = whereisName(ctx, name);
    if (holder !== undefined) throw new StartError('alreadyStarted', holder);
  }
  if (options.debug !== undefined) checkDebugOptions(options.debug);
  checkHibernateAfter(options.hibernateAfter, 'nothing was started');
  const timeout = options.timeout;
  if (timeout !== undefined && !isTimeoutMs(timeout)) {
    throw new RuntimeError('badarg', `start timeout must be a whole number of milliseconds >= 0 or Infinity, got ${String(timeout)}; nothing was started`);
  }
}

const START_KEYS = ['name', 'timeout', 'spawnOpt', 'debug', 'hibernateAfter'];

// Refuses options that are no object (a name given alone, `genEvent.start(ctx, 'alarms')`, would start a process
// without it) and a misspelt key (`nmae`, `timout`), which would leave its option at the default unseen.
function checkStartOptions(options: unknown): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new RuntimeError('badarg', `start options must be an object such as { name: 'server', timeout: 5000 }, got ${formatValue(options, 100)}; nothing was started`);
  }
  const typo = misspeltKey(options, START_KEYS);
  if (typo !== undefined) throw new RuntimeError('badarg', `start option '${typo.key}' is not one: did you mean '${typo.meant}'? nothing was started`);
}

/**
 * A start waiting for its child's init: the child's body runs through it, and the starter's mailbox settles it as
 * the ack, the DOWN or the timeout arrives (awaitAnswer), so a successful start resumes with the pid, no async frame
 * between. The monitor's ref is also the tag the ack carries: one ref per start.
 */
class Starting {
  // Set once the child is spawned, before its body runs (a spawned body starts in a later microtask).
  private pid!: Pid;
  tag!: Ref;
  private acked = false;

  constructor(
    private readonly ctx: ProcessContext,
    private readonly body: StartBody,
    private readonly options: StartOptions,
    private readonly link: boolean,
    private readonly keepMonitor: boolean,
    private readonly module: unknown,
    private readonly args: unknown,
  ) {}

  began(pid: Pid, tag: Ref): void {
    this.pid = pid;
    this.tag = tag;
  }

  // The child's body: takes a global or via name first, then runs the behaviour's.
  run(child: ProcessContext): unknown {
    const name = this.options.name;
    if (name === undefined || typeof name === 'string') return this.init(child);
    // A global name is taken by the child, as OTP's gen does: the cluster's agreement takes a round of calls.
    if (isGlobalName(name)) return takeGlobal(child, name.global).then((refused) => (refused === null ? this.init(child) : this.acknowledge(child, false, refused)));
    if (!name.via.register(name.name, child.self())) {
      this.acknowledge(child, false, new StartError('alreadyStarted', name.via.whereis(name.name)));
      return undefined;
    }
    return this.init(child);
  }

  private init(child: ProcessContext): unknown {
    if (this.options.debug !== undefined) setInitialDebug(child, this.options.debug);
    if (this.options.hibernateAfter !== undefined) hibernateAfters.set(child, this.options.hibernateAfter);
    setAncestors(child, this.ctx);
    const ack: Acknowledge = (ok, value) => {
      if (this.acked) throw new RuntimeError('badarg', 'init acknowledged twice');
      this.acked = true;
      this.acknowledge(child, ok, value);
    };
    return this.body(child, this.link ? this.ctx.self() : null, ack, this.module, this.args);
  }

  private acknowledge(child: ProcessContext, ok: boolean, value: unknown): void {
    child.send(this.ctx.self(), new InitAck(this.tag, ok, value));
  }

  matches(m: unknown): boolean {
    return (m instanceof InitAck && m.tag === this.tag) || (m instanceof Down && m.ref === this.tag);
  }

  settle(answer: unknown): unknown {
    if (answer instanceof InitAck && answer.ok) {
      // start_monitor hands the monitor over: a child gone since its ack has its DOWN queued for the starter.
      if (this.keepMonitor) return [this.pid, this.tag];
      // A monitor still active had sent no DOWN: only a child gone since its ack leaves one to flush.
      if (!this.ctx.demonitor(this.tag)) this.ctx.demonitor(this.tag, FLUSH);
      return this.pid;
    }
    return this.failed(answer);
  }

  private async failed(answer: unknown): Promise<never> {
    const { ctx, pid, tag, link } = this;
    const name = this.options.name;
    if (answer instanceof InitAck) {
      // The child exits after a failed init: wait for it, so a name it held is free when start returns.
      await ctx.receive((m) => m instanceof Down && m.ref === tag);
      await releaseName(ctx, name, pid);
      if (link) await flushExit(ctx, pid);
      throw answer.value instanceof StartError ? answer.value : new StartError(answer.value);
    }
    if (answer === TIMEOUT) {
      if (link) ctx.unlink(pid);
      ctx.exit(pid, 'kill');
      ctx.demonitor(tag, FLUSH);
      await releaseName(ctx, name, pid);
      throw new StartError('timeout');
    }
    await releaseName(ctx, name, pid);
    if (link) await flushExit(ctx, pid);
    throw new StartError((answer as Down).reason);
  }
}

/**
 * A start's refusal of a callback module that is no object with an init function, as a rejected promise (a start
 * fails by rejecting), before anything is spawned; undefined for a module. `what` names the start (`genServer.start`).
 */
export function badCallbackModule(module: unknown, what: string): Promise<never> | undefined {
  if (module !== null && typeof module === 'object' && typeof (module as { init?: unknown }).init === 'function') return undefined;
  return Promise.reject(new RuntimeError('badarg', `${what} needs a callback module (an object with an init function), got ${formatValue(module, 100)}; nothing was started`));
}

// Refuses a name that is none of the three kinds before anything is looked up or spawned (OTP's gen exits with badarg).
/**
 * OTP's enter_loop name check: the calling process must already hold `name` (if given), else it exits with
 * `process_not_registered` (a global name: `process_not_registered_globally`, a via-name: `process_not_registered_via`).
 */
export function checkHoldsName(ctx: ProcessContext, name: unknown): void {
  if (name === undefined) return;
  checkServerName(name, 'the process did not enter the loop', 'enterLoop name');
  if (whereisName(ctx, name) !== ctx.self()) throw new ExitSignal(typeof name === 'string' ? 'process_not_registered' : isGlobalName(name) ? 'process_not_registered_globally' : 'process_not_registered_via');
}

function checkServerName(name: unknown, outcome = 'nothing was started', what = 'start name'): asserts name is ServerName {
  if (typeof name === 'string') return;
  const n = name as { global?: unknown; via?: Partial<ViaRegistry> } | null;
  if (n !== null && typeof n === 'object') {
    if (isGlobalName(n)) {
      if (typeof n.global === 'string') return;
    } else if ('via' in n && 'name' in n) {
      const via = n.via;
      if (via !== null && typeof via === 'object' && typeof via.whereis === 'function' && typeof via.register === 'function' && typeof via.unregister === 'function') return;
    }
  }
  throw new RuntimeError('badarg', `${what} must be a string, { global: string } or { via: registry (whereis, register, unregister), name }, got ${formatValue(name, 100)}; ${outcome}`);
}

// Takes a global name for the starting child: null when taken, else why the start fails (another holder, no cluster).
async function takeGlobal(child: ProcessContext, name: string): Promise<StartError | null> {
  try {
    if (await globalNames().register(child, name, child.self())) return null;
    return new StartError('alreadyStarted', globalNames().whereis(child, name));
  } catch (error) {
    return new StartError(error);
  }
}

// After a failed start, gives up a global or via name the child still holds (OTP's gen unregisters the name before
// init_fail), so the name is free when start returns; a local name went with the process.
async function releaseName(ctx: ProcessContext, name: ServerName | undefined, pid: Pid): Promise<void> {
  if (name === undefined || typeof name === 'string') return;
  if (isGlobalName(name)) {
    if (globalNames().whereis(ctx, name.global) === pid) await globalNames().unregister(ctx, name.global);
  } else if (name.via.whereis(name.name) === pid) {
    try {
      name.via.unregister(name.name);
    } catch {
      // The start's own failure is what start reports; a registry that cannot unregister keeps its name.
    }
  }
}

// Unlinks a child known to be dead and drops its Exit, which its death queued with its DOWN (OTP's flush_EXIT).
async function flushExit(ctx: ProcessContext, pid: Pid): Promise<void> {
  ctx.unlink(pid);
  await ctx.receive((m) => m instanceof Exit && m.from === pid, 0);
}

export { Pid };
