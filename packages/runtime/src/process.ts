import { Pid, Ref } from './pid.js';
import { Down, TIMEOUT, TimerResult, type ExitReason, type Timeout } from './messages.js';
import { ExitSignal, ProcessExitedError, RuntimeError } from './errors.js';
import { estimateSize } from './terms.js';
import type { TimerEntry } from './timers.js';
import type { OtpNode } from './node.js';
import { finish } from './finish.js';
import type { TableStore, TableOptions, Table } from './table.js';
import { createAlias, demonitored, releaseAliases, removeAlias, type AliasMode, type MonitorOptions } from './alias.js';
import { mailboxOverflow, type MailboxLimit } from './limits.js';
import { isolateMessage, isolation } from './isolation.js';
import { runTiming } from './run-timing.js';
import type { ProcessInternals } from './process-internals.js';
import type {
  CancelTimerOptions,
  ReadTimerOptions,
  DemonitorOptions,
  Dest,
  Matcher,
  ProcessContext,
  ProcessFn,
  ProcessInfo,
  ProcessLabel,
  SpawnOptions,
} from './types.js';

// Where a process's pending receive stands.
const IDLE = 0; // no receive pending
const PARKED = 1; // waiting; each arriving message is tested once, on delivery
const SCAN = 2; // queued by the scheduler to scan its mailbox when its turn comes
const READY = 3; // a matching message was taken and waits for the scheduler to hand it over

/** A matcher that accepts nothing: `sleep` waits on it without scanning the mailbox. */
const NEVER = (): boolean => false;

// One shared executor captures each receive's resolver, so no closure is allocated per receive.
let captured: ((value: unknown) => void) | null = null;
const capture = (resolve: (value: unknown) => void): void => {
  captured = resolve;
};

function onReceiveTimeout(entry: TimerEntry): void {
  (entry.owner as ProcessImpl).receiveTimedOut();
}

/**
 * One monitor between two local processes. It sits in both processes' `mons` arrays (its index in each
 * kept in `wi` and `ti`, so removal is a swap with the last entry) and in the node's map by ref: setting
 * up and taking down a monitor — twice per gen_server call — allocates this record and nothing else.
 */
export class MonitorLink {
  /** Index in the watcher's `mons`. */
  wi = -1;
  /** Index in the target's `mons` (the same entry as `wi` when a process monitors itself). */
  ti = -1;
  constructor(
    readonly ref: Ref,
    readonly watcher: ProcessImpl,
    readonly target: ProcessImpl,
    /** The registered name the monitor was set up with, which its DOWN message carries. */
    readonly name: string | undefined,
  ) {}
}

/** Adds a monitor to a process's `mons`; returns its index there. */
export function attachMonitor(p: ProcessImpl, link: MonitorLink): number {
  return (p.mons ??= []).push(link) - 1;
}

/** Removes the monitor at `index` of a process's `mons`, moving the last one into its place. */
export function detachMonitor(p: ProcessImpl, index: number): void {
  const mons = p.mons!;
  const last = mons.pop()!;
  const from = mons.length;
  if (index < from) {
    mons[index] = last;
    if (last.watcher === p && last.wi === from) last.wi = index;
    if (last.target === p && last.ti === from) last.ti = index;
  }
  if (mons.length === 0) p.mons = null;
}

/** The rarely used parts of a process record. */
class ProcessExtras {
  links: Set<ProcessImpl> | null = null;
  exitHook: ((reason: ExitReason) => void) | null = null;
  tables: Set<TableStore> | null = null;
  ready: unknown = undefined;
  exitReason: ExitReason = undefined;
  activeCall: Ref | null = null;
  suspended: Promise<void> | null = null;
  aliases: Set<number> | null = null;
  mailboxLimit: MailboxLimit | null = null;
}

const EMPTY: unknown[] = [];
// Marks a body known to have resumed without its pending receive: it is watched at once from then on.
const RACED: Promise<unknown> = Promise.resolve();

/** A process: its record, its mailbox and its context object. The class is internal; users see `ProcessContext`. */
export class ProcessImpl implements ProcessContext, ProcessInternals {
  // The mailbox is an array consumed from `head`, compacted when the consumed prefix grows; idle
  // processes share one empty array until their first message.
  mailbox: unknown[] = EMPTY;
  head = 0;
  mode = IDLE;
  matcher: Matcher | null = null;
  resolve: ((value: unknown) => void) | null = null;
  timer: TimerEntry | null = null;
  name: string | undefined = undefined;
  trapping = false;
  dead = false;
  reductions = 0;
  /** True while a trace session follows this process's messages (set by the trace agent). */
  traced = false;
  /** What processInfo reports as behaviour and module (shared by every process of a behaviour module). */
  label: ProcessLabel | null = null;
  /** Monitors this process holds or is the target of (MonitorLink); null when none. */
  mons: MonitorLink[] | null = null;
  /** What processInfo reports as the current function, written by behaviour loops (gen/current.ts); null: the spawned function. */
  currentFunction: string | null = null;
  /** The group leader (OTP's group_leader), inherited at spawn: an application master leads its application's processes (application/group-leader.ts). */
  groupLeader: Pid | null = null;
  /** The spawn option maxMailbox's size (0: no limit): a delivery that queues more messages than this overflows. */
  maxQueue = 0;
  // The body's promise while the process waits in its first receive: see watchBody.
  private body: Promise<unknown> | null = null;
  // Everything most processes never use lives in one record allocated on first use, to keep idle processes small.
  private x: ProcessExtras | null = null;

  constructor(
    readonly node: OtpNode,
    readonly pid: Pid,
    /** The function the process was spawned with when it is a module's export (the code server tells which version it belongs to), else its name. */
    readonly entry: ProcessFn | string,
  ) {}

  /** The name of the function the process was spawned with. */
  get initialCall(): string {
    return typeof this.entry === 'string' ? this.entry : this.entry.name || 'anonymous';
  }

  private more(): ProcessExtras {
    return (this.x ??= new ProcessExtras());
  }

  // Drops the extras record once nothing in it is in use: a gen_server call leaves no residue.
  private compact(): void {
    const x = this.x!;
    if (x.links === null && x.exitHook === null && x.tables === null && x.ready === undefined && x.exitReason === undefined && x.activeCall === null && x.suspended === null && x.aliases === null && x.mailboxLimit === null) this.x = null;
  }

  /** Linked processes. */
  get links(): Set<ProcessImpl> | null {
    return this.x?.links ?? null;
  }
  set links(v: Set<ProcessImpl> | null) {
    if (v !== null) this.more().links = v;
    else if (this.x !== null) {
      this.x.links = null;
      this.compact();
    }
  }
  /** Called once with the exit reason (used by `node.run`). */
  get exitHook(): ((reason: ExitReason) => void) | null {
    return this.x?.exitHook ?? null;
  }
  set exitHook(v: ((reason: ExitReason) => void) | null) {
    if (v !== null) this.more().exitHook = v;
    else if (this.x !== null) {
      this.x.exitHook = null;
      this.compact();
    }
  }
  /** Tables this process owns. */
  get tables(): Set<TableStore> | null {
    return this.x?.tables ?? null;
  }
  set tables(v: Set<TableStore> | null) {
    if (v !== null) this.more().tables = v;
    else if (this.x !== null) {
      this.x.tables = null;
      this.compact();
    }
  }
  /** The tag of the call this process is waiting on: only its reply may enter the mailbox. */
  get activeCall(): Ref | null {
    return this.x?.activeCall ?? null;
  }
  set activeCall(v: Ref | null) {
    if (v !== null) this.more().activeCall = v;
    else if (this.x !== null) {
      this.x.activeCall = null;
      this.compact();
    }
  }
  /** The ids of this process's active aliases (alias.ts keeps the registry). */
  get aliases(): Set<number> | null {
    return this.x?.aliases ?? null;
  }
  set aliases(v: Set<number> | null) {
    if (v !== null) this.more().aliases = v;
    else if (this.x !== null) {
      this.x.aliases = null;
      this.compact();
    }
  }
  /** The maxMailbox spawn option (limits.ts), set at spawn. */
  get mailboxLimit(): MailboxLimit | null {
    return this.x?.mailboxLimit ?? null;
  }
  set mailboxLimit(v: MailboxLimit | null) {
    this.maxQueue = v === null ? 0 : v.size;
    if (v !== null) this.more().mailboxLimit = v;
    else if (this.x !== null) {
      this.x.mailboxLimit = null;
      this.compact();
    }
  }
  /** Why the process exited, once it has. */
  get exitReason(): ExitReason {
    return this.x?.exitReason;
  }

  /** Throws if this process has exited: a dead process runs no more runtime operations. */
  check(): void {
    if (this.dead) throw new ProcessExitedError(this.pid.toString(), this.x === null ? 'normal' : this.exitReason);
  }

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

  // A process suspended by a busy connection: its next receive (or sleep) starts once the connection drained.
  private async afterSuspension<T>(matcher: Matcher<T> | null | undefined, timeoutMs: number | undefined): Promise<T | Timeout> {
    const x = this.x!;
    await x.suspended;
    x.suspended = null;
    this.compact();
    return this.receive(matcher, timeoutMs);
  }

  receive<T>(matcher?: Matcher<T> | null, timeoutMs?: number): Promise<T | Timeout> {
    this.check();
    if (this.x !== null && this.x.suspended !== null) return this.afterSuspension(matcher, timeoutMs);
    if (this.mode !== IDLE) {
      // The body resumed without this receive completing (it raced it with another promise): watch it from now on.
      if (this.body !== null && this.body !== RACED) this.observe(this.body);
      this.body = RACED;
      throw new RuntimeError('badarg', `process ${this.pid} called receive while its previous receive is still pending; await each receive`);
    }
    if (timeoutMs !== undefined && !(timeoutMs >= 0)) {
      throw new RuntimeError('badarg', `receive timeout must be a number of milliseconds >= 0 or Infinity, got ${String(timeoutMs)}`);
    }
    this.reductions++;
    // otp profile's time per process: one test while no profile runs (run-timing.ts).
    if (runTiming.on !== null) runTiming.on.yielded(this);
    const m = matcher ?? null;
    const node = this.node;
    if (node.budget > 0) {
      node.budget--;
      if (this.head < this.mailbox.length) {
        const i = this.scan(m);
        this.check();
        if (i >= 0) return Promise.resolve(this.take(i) as T);
      }
      if (timeoutMs === 0) return Promise.resolve(TIMEOUT);
      return this.park(m, timeoutMs, PARKED) as Promise<T | Timeout>;
    }
    // Over the scheduler's budget: wait for the next turn of the event loop before scanning.
    const p = this.park(m, timeoutMs, SCAN);
    node.enqueue(this);
    return p as Promise<T | Timeout>;
  }

  receiveNow<T>(matcher?: Matcher<T> | null): T | Timeout {
    this.check();
    if (this.mode !== IDLE) throw new RuntimeError('badarg', `process ${this.pid} called receiveNow while a receive is pending`);
    const node = this.node;
    if (node.budget <= 0 || this.head >= this.mailbox.length) return TIMEOUT;
    const i = this.scan(matcher ?? null);
    this.check();
    if (i < 0) return TIMEOUT;
    node.budget--;
    this.reductions++;
    return this.take(i) as T;
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
    if (this.x !== null && this.x.aliases !== null) demonitored(this, ref);
    const found = this.node.demonitor(this, ref);
    if (options?.flush) this.flushWhere((m) => m instanceof Down && m.ref === ref);
    return found;
  }

  trapExit(flag: boolean): boolean {
    this.check();
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

  sendAfter(ms: number, dest: Dest, message: unknown): Ref {
    this.check();
    return this.node.sendAfter(ms, dest, message);
  }

  startTimer<T>(ms: number, dest: Pid | string, msg: T): Ref {
    this.check();
    return this.node.startTimer(ms, dest, msg);
  }

  cancelTimer(ref: Ref, options?: CancelTimerOptions): number | false;
  cancelTimer(ref: Ref, options: CancelTimerOptions): number | false | 'ok';
  cancelTimer(ref: Ref, options?: CancelTimerOptions): number | false | 'ok' {
    this.check();
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
    const left = this.node.readTimer(ref);
    if (options?.async !== true) return left;
    this.deliver(new TimerResult('readTimer', ref, left));
    return 'ok';
  }

  async sleep(ms: number): Promise<void> {
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

  monitorNode(nodeName: string): void {
    this.check();
    if (!this.node.dist) throw new RuntimeError('badarg', 'monitorNode needs a distributed node: start it with startDistribution({ name, cookie })');
    this.node.dist.monitorNode(this.pid, nodeName);
  }

  setLabel(label: ProcessLabel): void {
    this.check();
    // The first label is kept as given (behaviours share one per module); later ones merge.
    this.label = this.label === null ? label : { ...this.label, ...label };
  }

  /**
   * Observes the end of the process body. A body suspended in a receive can only resume through this
   * process's wake-up, so the observer is attached at the first wake-up instead of at spawn: an idle
   * process that never received a message carries no reaction on its body's promise (about 200 bytes).
   */
  watchBody(body: Promise<unknown>): void {
    if (this.mode === IDLE || this.body === RACED) {
      this.observe(body);
    } else {
      this.body = body;
    }
  }

  private observe(body: Promise<unknown>): void {
    body.then(
      () => finish(this, 'normal', false),
      (error: unknown) => finish(this, error, true),
    );
  }

  /** Puts a message in this process's mailbox, handing it straight to a pending receive that accepts it. */
  deliver(message: unknown): void {
    if (isolation.on) isolateMessage(message);
    if (this.traced) this.node.trace?.receive(this, message);
    if (this.mode === PARKED) {
      const m = this.matcher;
      let accepted = m === null;
      if (!accepted && m !== NEVER) {
        try {
          accepted = m!(message);
        } catch (error) {
          this.node.exitProcess(this, error);
          return;
        }
      }
      if (accepted) {
        const node = this.node;
        if (node.budget > 0 && !node.propagating) {
          node.budget--;
          this.wake(message);
        } else {
          // Over budget, or inside an exit cascade that may yet kill this process: hand over later.
          this.cancelReceiveTimer();
          this.mode = READY;
          this.more().ready = message;
          if (node.propagating) node.wakeAfterCascade(this);
          else node.enqueue(this);
        }
        return;
      }
    }
    if (this.mailbox === EMPTY) this.mailbox = [message];
    else this.mailbox.push(message);
    if (this.maxQueue !== 0 && this.mailbox.length - this.head > this.maxQueue) mailboxOverflow(this);
  }

  /** The scheduler's turn for a process queued over budget. */
  runQueued(): void {
    if (this.mode === READY) {
      const msg = this.x!.ready;
      this.x!.ready = undefined;
      this.wake(msg);
    } else if (this.mode === SCAN) {
      const i = this.scan(this.matcher);
      if (this.dead) return;
      if (i >= 0) this.wake(this.take(i));
      else this.mode = PARKED;
    }
  }

  /** Called by the timer queue when a pending receive's timeout passes. */
  receiveTimedOut(): void {
    this.timer = null;
    if (this.mode === PARKED) {
      this.wake(TIMEOUT);
    } else if (this.mode === SCAN) {
      const i = this.scan(this.matcher);
      if (this.dead) return;
      this.wake(i >= 0 ? this.take(i) : TIMEOUT);
    }
  }

  /** Drops everything a dead process held that could wake it. */
  release(reason: ExitReason): void {
    this.dead = true;
    this.cancelReceiveTimer();
    if (reason !== 'normal' || this.x !== null) this.more().exitReason = reason;
    if (this.x !== null) {
      this.x.ready = undefined;
      if (this.x.aliases !== null) releaseAliases(this, this.x.aliases);
      this.x.aliases = null;
    }
    this.resolve = null;
    this.matcher = null;
    this.body = null;
    this.mode = IDLE;
    this.mailbox = EMPTY;
    this.head = 0;
  }

  /**
   * Hibernation (a behaviour's `'hibernate'` action): drops what the waiting process holds and can do
   * without — its own mailbox array (back to the shared empty one, or a tight copy of what waits), the
   * rarely-used extras record when nothing in it is in use.
   */
  hibernate(): void {
    if (this.head >= this.mailbox.length) {
      this.mailbox = EMPTY;
      this.head = 0;
    } else if (this.head > 0) {
      this.mailbox = this.mailbox.slice(this.head);
      this.head = 0;
    }
    if (this.x !== null) this.compact();
  }

  /** Messages waiting in the mailbox. */
  get queueLength(): number {
    return this.mailbox.length - this.head;
  }

  /** The waiting messages, oldest first (a copy). */
  pendingMessages(limit = Infinity): unknown[] {
    return this.mailbox.slice(this.head, Math.min(this.mailbox.length, this.head + limit));
  }

  /** What processInfo reports as status. */
  get status(): ProcessInfo['status'] {
    if (this.dead) return 'exiting';
    if (this.mode === PARKED) return 'waiting';
    if (this.mode !== IDLE) return 'runnable';
    return 'running';
  }

  /** An estimate of the heap bytes this process holds. */
  memoryEstimate(): number {
    let bytes = 400; // record, pid, suspended async frame and pending promise, measured in bench/runtime
    const n = this.queueLength;
    if (n > 0) {
      const sample = Math.min(n, 64);
      let sampled = 0;
      for (let i = 0; i < sample; i++) sampled += estimateSize(this.mailbox[this.head + i], 200);
      bytes += 4 * n + Math.round((sampled / sample) * n);
    }
    return bytes + (this.links ? 40 * this.links.size : 0) + (this.mons ? 40 * this.mons.length : 0);
  }

  private park(m: Matcher | null, timeoutMs: number | undefined, mode: number): Promise<unknown> {
    const p = new Promise<unknown>(capture);
    this.resolve = captured;
    captured = null;
    this.matcher = m;
    this.mode = mode;
    if (timeoutMs !== undefined && timeoutMs !== Infinity) {
      this.timer = this.node.timers.add(timeoutMs, onReceiveTimeout, this);
    }
    return p;
  }

  private wake(value: unknown): void {
    if (this.body !== null) {
      if (this.body !== RACED) this.observe(this.body);
      this.body = null;
    }
    this.cancelReceiveTimer();
    const resolve = this.resolve!;
    this.resolve = null;
    this.matcher = null;
    this.mode = IDLE;
    this.reductions++;
    if (runTiming.on !== null) runTiming.on.woke(this);
    resolve(value);
  }

  private cancelReceiveTimer(): void {
    if (this.timer !== null) {
      this.node.timers.cancel(this.timer);
      this.timer = null;
    }
  }

  // Index of the oldest message the matcher accepts, or -1; each message is tested once per receive.
  private scan(m: Matcher | null): number {
    const box = this.mailbox;
    if (m === null) return this.head < box.length ? this.head : -1;
    if (m === NEVER) return -1;
    for (let i = this.head; i < box.length; i++) {
      let ok: boolean;
      try {
        ok = m(box[i]);
      } catch (error) {
        this.node.exitProcess(this, error);
        return -1;
      }
      if (ok) return i;
    }
    return -1;
  }

  private take(i: number): unknown {
    const box = this.mailbox;
    const msg = box[i];
    if (i === this.head) {
      box[i] = undefined;
      this.head++;
      if (this.head === box.length) {
        box.length = 0;
        this.head = 0;
      } else if (this.head >= 1024 && this.head * 2 >= box.length) {
        box.splice(0, this.head);
        this.head = 0;
      }
    } else {
      box.splice(i, 1);
    }
    return msg;
  }

  private flushWhere(pred: (m: unknown) => boolean): void {
    const box = this.mailbox;
    for (let i = box.length - 1; i >= this.head; i--) if (pred(box[i])) box.splice(i, 1);
  }
}
