import { Pid, Ref } from './pid.js';
import { isTimeoutMs } from './timers.js';
import { Down, TimerResult, type ExitReason } from './messages.js';
import { ExitSignal, RuntimeError, describeBrief } from './errors.js';
import type { TableOptions, Table, TableInfo } from './table.js';
import { createAlias, demonitored, removeAlias, type AliasMode, type MonitorOptions } from './alias.js';
import { NEVER, ProcessMailbox } from './process-mailbox.js';
import { BEHAVIOUR_INIT, type ProcessInternals } from './process-record.js';
import type {
  CancelTimerOptions,
  ReadTimerOptions,
  DemonitorOptions,
  Dest,
  ProcessContext,
  ProcessFn,
  ProcessInfo,
  ProcessLabel,
  SpawnOptions,
  TimerOptions,
} from './types.js';

// The record and the mailbox name the whole process by an interface they declare: it is this class.
declare module './process-record.js' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- widens the record's view to the class
  interface WholeProcess extends ProcessImpl {}
}

/**
 * A process: its record (process-record.ts), its mailbox and receive (process-mailbox.ts) and, here, the
 * context API its body calls. The class is internal; users see `ProcessContext`.
 */
export class ProcessImpl extends ProcessMailbox implements ProcessContext, ProcessInternals {
  self(): Pid {
    return this.pid;
  }

  spawn(fn: ProcessFn, options?: SpawnOptions): Pid {
    this.check();
    this.reductions++;
    const pid = this.node.spawnFrom(this, fn, options);
    this.check();
    return pid;
  }

  spawnLink(fn: ProcessFn, options?: Omit<SpawnOptions, 'link'>): Pid {
    return this.spawn(fn, { ...options, link: true });
  }

  spawnMonitor(fn: ProcessFn, options?: Omit<SpawnOptions, 'link'>): [Pid, Ref] {
    const pid = this.spawn(fn, options);
    return [pid, this.monitor(pid)];
  }

  send(dest: Dest | Ref, message: unknown): void {
    this.check();
    this.reductions++;
    this.node.messagesSent = (this.node.messagesSent + 1) & 0x3fffffff;
    // One null check when nothing is traced; the trace agent performs the send itself when it is on.
    const trace = this.node.trace;
    if (trace === null) this.node.send(dest, message);
    else trace.send(this, dest, message);
    const dist = this.node.dist;
    if (dist !== null && dist.suspend !== null) {
      // busy_dist_port: the send went out, but this process runs again only once the connection drained.
      this.more().suspended = dist.suspend;
      dist.suspend = null;
    }
  }

  exit(pidOrReason: unknown, reason?: ExitReason): never {
    this.check();
    this.reductions++;
    if (arguments.length < 2) throw new ExitSignal(pidOrReason);
    if (!(pidOrReason instanceof Pid)) throw new RuntimeError('badarg', `exit(pid, reason) needs a pid, got ${String(pidOrReason)}`);
    this.node.exitSignal(pidOrReason, this.pid, reason, false);
    this.check();
    return undefined as never;
  }

  link(pid: Pid): void {
    this.check();
    this.reductions++;
    this.node.link(this, pid);
    this.check();
  }

  unlink(pid: Pid): void {
    this.check();
    this.reductions++;
    this.node.unlink(this, pid);
  }

  monitor(target: Dest, options?: MonitorOptions): Ref {
    this.check();
    if (!(target instanceof Pid) && typeof target !== 'string') checkNamedDest(target, 'monitor');
    this.reductions++;
    const ref = this.node.monitor(this, target);
    if (options?.alias !== undefined) {
      const remote = target instanceof Pid ? target.node !== 0 : typeof target === 'object' && target.node !== this.node.name;
      createAlias(this, ref, options.alias, remote && this.node.dist !== null ? 'remote' : 'local');
    }
    return ref;
  }

  alias(mode: Extract<AliasMode, 'explicitUnalias' | 'reply'> = 'explicitUnalias'): Ref {
    this.check();
    if (mode !== 'explicitUnalias' && mode !== 'reply') throw new RuntimeError('badarg', `alias mode must be 'explicitUnalias' or 'reply', got ${String(mode)}`);
    return createAlias(this, this.node.makeRef(), mode);
  }

  unalias(alias: Ref): boolean {
    this.check();
    return this.x !== null && this.x.aliases !== null && alias instanceof Ref ? removeAlias(this, alias) : false;
  }

  demonitor(ref: Ref, options?: DemonitorOptions): boolean {
    this.check();
    // As OTP's demonitor of a term that is no reference: badarg, not a silent false that hides the mistake.
    if (!(ref instanceof Ref)) throw new RuntimeError('badarg', `demonitor needs the ref monitor returned, got ${describeBrief(ref)}`);
    checkOptions(options, ['flush', 'info'], 'demonitor', 'nothing was demonitored');
    if (this.x !== null && this.x.aliases !== null) demonitored(this, ref);
    const found = this.node.demonitor(this, ref);
    if (options?.flush) this.flushWhere((m) => m instanceof Down && m.ref === ref);
    return options?.info === false ? true : found;
  }

  trapExit(flag: boolean): boolean {
    this.check();
    // As OTP's process_flag(trap_exit, Other): a truthy non-boolean must not turn trapping on by accident.
    if (typeof flag !== 'boolean') throw new RuntimeError('badarg', `trapExit needs true or false, got ${describeBrief(flag)}; the flag is unchanged`);
    const old = this.trapping;
    this.trapping = flag;
    return old;
  }

  register(name: string, pid: Pid = this.pid): void {
    this.check();
    this.node.register(name, pid);
  }

  unregister(name: string): void {
    this.check();
    this.node.unregister(name);
  }

  whereis(name: string): Pid | undefined {
    this.check();
    return this.node.whereis(name);
  }

  isAlive(pid: Pid): boolean {
    this.check();
    // As OTP's is_process_alive/1: a pid of another node is badarg, not false.
    if (pid instanceof Pid && pid.node !== 0) throw new RuntimeError('badarg', `isAlive(${String(pid)}): ${String(pid)} is a process on another node; isAlive answers for local processes only: monitor it, or ask its node (rpc)`);
    return this.node.isAlive(pid);
  }

  processInfo(pid: Pid): ProcessInfo | undefined {
    this.check();
    return this.node.processInfo(pid);
  }

  processes(): Pid[] {
    this.check();
    return this.node.processes();
  }

  makeRef(): Ref {
    this.check();
    return this.node.makeRef();
  }

  sendAfter(ms: number, dest: Dest, message: unknown, options?: TimerOptions): Ref {
    this.check();
    return this.node.sendAfter(ms, dest, message, options);
  }

  startTimer<T>(ms: number, dest: Pid | string, msg: T, options?: TimerOptions): Ref {
    this.check();
    return this.node.startTimer(ms, dest, msg, options);
  }

  cancelTimer(ref: Ref, options?: CancelTimerOptions): number | false;
  cancelTimer(ref: Ref, options: CancelTimerOptions): number | false | 'ok';
  cancelTimer(ref: Ref, options?: CancelTimerOptions): number | false | 'ok' {
    this.check();
    checkOptions(options, ['async', 'info'], 'cancelTimer', 'no timer was cancelled');
    const left = this.node.cancelTimer(ref);
    if (options === undefined) return left;
    if (options.async === true) {
      if (options.info !== false) this.deliver(new TimerResult('cancelTimer', ref, left));
      return 'ok';
    }
    return options.info === false ? 'ok' : left;
  }

  readTimer(ref: Ref, options?: ReadTimerOptions): number | false;
  readTimer(ref: Ref, options: ReadTimerOptions): number | false | 'ok';
  readTimer(ref: Ref, options?: ReadTimerOptions): number | false | 'ok' {
    this.check();
    checkOptions(options, ['async'], 'readTimer', 'no timer was read');
    const left = this.node.readTimer(ref);
    if (options?.async !== true) return left;
    this.deliver(new TimerResult('readTimer', ref, left));
    return 'ok';
  }

  async sleep(ms: number): Promise<void> {
    // As OTP's timer:sleep (a receive ... after): a fraction, a negative or a non-number is badarg.
    if (!isTimeoutMs(ms)) throw new RuntimeError('badarg', `sleep needs a whole number of milliseconds >= 0 or Infinity, got ${typeof ms === 'number' ? String(ms) : describeBrief(ms)}`);
    await this.receive(NEVER, ms);
  }

  newTable<R = unknown>(options?: TableOptions): Table<R> {
    this.check();
    return this.node.tables.create<R>(this, options ?? {});
  }

  table<R = unknown>(nameOrId: string | number): Table<R> {
    this.check();
    return this.node.tables.open<R>(this, nameOrId);
  }

  allTables(): number[] {
    this.check();
    return this.node.tables.ids();
  }

  tableInfo(nameOrId: string | number): TableInfo | undefined {
    this.check();
    return this.node.tables.info(nameOrId);
  }

  whereisTable(name: string): number | undefined {
    this.check();
    return this.node.tables.whereis(name);
  }

  monitorNode(nodeName: string): void {
    this.check();
    // OTP 24's monitor_node raises notalive (no longer badarg) on a node that is not alive.
    if (!this.node.dist) throw new RuntimeError('notalive', 'monitorNode needs a distributed node: start it with startDistribution({ name, cookie })', 'notalive');
    this.node.dist.monitorNode(this.pid, nodeName);
  }

  setLabel(label: ProcessLabel): void {
    this.check();
    // The first label is kept as given (behaviours share one per module); later ones merge.
    this.label = this.label === null ? label : { ...this.label, ...label };
    // A behaviour runs its callback module, which the code server goes by: the function it was spawned with (the
    // runtime's, holding its start's arguments) need not be kept, unless a module exports it.
    // Its initial call is then read from the label (`<module>.init`), with no string made per start.
    if (label.callbacks !== undefined && typeof this.entry !== 'string' && this.node.code?.isModuleExport(this.entry) !== true) this.entry = BEHAVIOUR_INIT;
  }
}

// Refuses a monitor target that is no pid, name or { name, node } (OTP's monitor exits with badarg), before a
// malformed object is taken for a name on another node or a null is read.
function checkNamedDest(target: unknown, what: string): void {
  const t = target as { name?: unknown; node?: unknown } | null;
  if (t !== null && typeof t === 'object' && typeof t.name === 'string' && typeof t.node === 'string') return;
  throw new RuntimeError('badarg', `${what} needs a pid, a registered name or { name, node }, got ${describeBrief(target)}`);
}

// As OTP's option lists of demonitor/2, cancel_timer/2 and read_timer/2: an option that is no known key with a boolean
// value (a misspelt `flsh`, a string instead of the object) is badarg, not silently the default.
function checkOptions(options: unknown, keys: readonly string[], what: string, lost: string): void {
  if (options === undefined) return;
  const bad = typeof options !== 'object' || options === null
    ? true
    : Object.entries(options).some(([k, v]) => !keys.includes(k) || (v !== undefined && typeof v !== 'boolean'));
  if (bad) throw new RuntimeError('badarg', `${what} options must be an object of ${keys.map((k) => `${k}: boolean`).join(', ')}, got ${describeBrief(options)}; ${lost}`);
}
