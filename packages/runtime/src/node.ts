// Node's own, not the global: a module's top level runs with recording globals (code/module.ts), which must not count the scheduler's drain.
import { setImmediate } from 'node:timers';
import { PROCESS, Pid, Ref } from './pid.js';
import { Down, Exit, type ExitReason } from './messages.js';
import { RuntimeError, describeBrief, describeReason, isExitSignal } from './errors.js';
import { ProcessImpl } from './process.js';
import { attachMonitor, detachMonitor, MonitorLink } from './process-monitors.js';
import { sendToAlias } from './alias.js';
import { mailboxLimitOf } from './limits.js';
import { TimerQueue } from './timers.js';
import { SendTimers } from './node-timers.js';
import { processInfoOf } from './node-info.js';
import { TableRegistry } from './table.js';
import type { Dest, ProcessFn, ProcessInfo, SpawnOptions, TimerOptions } from './types.js';
import type { CodeHooks, NodeDistribution, TraceHooks } from './node-hooks.js';
import { finish } from './finish.js';
import { DETACHED } from './process-record.js';
import { ProcessTable } from './process-table.js';

/**
 * How much work (receives, hand-offs) a node does before it yields to I/O and timers: after this many
 * reductions, the next process to resume waits for the following turn of the event loop.
 */
export const REDUCTION_BUDGET = 10_000;

/** Options of `createNode`. */
export interface NodeOptions {
  /**
   * Called when a process crashes with a thrown error (not with an `exit`); by default the error is
   * printed to stderr, as the BEAM prints "Error in process".
   */
  onCrash?: (pid: Pid, error: unknown) => void;
}

/** Thrown by `node.run` when the process exits with a reason other than `'normal'`. */
export class ProcessExit extends Error {
  constructor(
    /** The process that exited. */
    readonly pid: Pid,
    /** Its exit reason. */
    readonly reason: ExitReason,
  ) {
    super(`process ${pid} exited: ${describeReason(reason)}`, { cause: reason });
    this.name = 'ProcessExit';
  }
}

// How many of a watcher's monitors are found by scanning its `mons` rather than in the node's map.
const FEW_MONITORS = 8;

/**
 * A monitor `watcher` holds under `ref` that is not in the node's map: it was set up at an index below
 * FEW_MONITORS of the watcher's `mons`, and an entry only ever moves down there (removal fills the gap with the last).
 */
function nearLink(watcher: ProcessImpl, ref: Ref): MonitorLink<ProcessImpl> | undefined {
  const mons = watcher.mons;
  if (mons === null) return undefined;
  const n = Math.min(mons.length, FEW_MONITORS);
  for (let i = 0; i < n; i++) {
    const link = mons[i]!;
    if (link.ref === ref && link.watcher === watcher) return link;
  }
  return undefined;
}

// The largest batch of starts (entries: two a process) whose array is kept for the next batch.
const SPARE_BATCH = 256;

// What a batch of starts is queued on: a reaction to a settled promise runs as the next microtask.
const RESOLVED = Promise.resolve();

const defaultOnCrash = (pid: Pid, error: unknown): void => {
  const text = error instanceof Error ? (error.stack ?? String(error)) : describeReason(error);
  process.stderr.write(`Error in process ${pid}: ${text}\n`);
};

// ProcessContext.node and the process record name the node by an interface types.ts declares: it is this class.
declare module './types.js' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- widens the processes' view to the class
  interface ContextNode extends OtpNode {}
}

/**
 * One node: a process table, a name registry, a scheduler budget, timers and tables, on the event loop.
 * Longer than the ~250 lines a class should take, on purpose: the process table, the names, the run
 * queue and the exit cascade stay fields of this one class because the hot paths (a local send, a spawn,
 * an exit through links) read them directly, without a call into another object; what does not run on
 * those paths lives beside it (node-timers.ts, node-info.ts, the services in node-hooks.ts).
 */
export class OtpNode {
  /** The pid exit signals from outside any process carry (the node itself, like `init`). */
  readonly pid = new Pid(0, 0, 0);
  readonly timers = new TimerQueue();
  readonly tables = new TableRegistry(this);
  /** Reductions left before the scheduler yields to the event loop. */
  budget = REDUCTION_BUDGET;
  private readonly procs = new ProcessTable<ProcessImpl>();
  private readonly names = new Map<string, ProcessImpl>();
  private readonly sendTimers = new SendTimers(this);
  private readonly onCrash: (pid: Pid, error: unknown) => void;
  private runQueue: ProcessImpl[] = [];
  private drainScheduled = false;
  // Pairs: a process, then its exit reason (any value, so the element type is as wide as ExitReason).
  // eslint-disable-next-line @typescript-eslint/no-redundant-type-constituents
  private dying: Array<ProcessImpl | ExitReason> = [];
  // Processes spawned since the last microtask, each followed by its body: started in one batch. The first
  // `startingCount` entries are used; the array and its spare are reused, so a batch allocates nothing.
  private starting: Array<ProcessImpl | ProcessFn | undefined> = [];
  private startingCount = 0;
  private startingSpare: Array<ProcessImpl | ProcessFn | undefined> = [];
  // The batch startQueued is starting, and the index of the process it starts (for notStarted).
  private startingBatch: Array<ProcessImpl | ProcessFn | undefined> | null = null;
  private startingAt = 0;
  private startingEnd = 0;
  /** True while exit signals cascade; messages delivered meanwhile reach their receivers afterwards. */
  propagating = false;
  /** Messages put into this node's mailboxes (sends, call replies, other nodes' messages), modulo 2^30 (a small integer: counting never allocates). */
  messagesDelivered = 0;
  /** Messages this node's processes sent (to this node or to others), modulo 2^30. */
  messagesSent = 0;
  /** The reductions of the processes that exited, modulo 2^30: with the live processes' own, the node's total work. */
  reductionsExited = 0;
  private woken: ProcessImpl[] = [];
  private nextRef = 0;

  constructor(options: NodeOptions = {}) {
    this.onCrash = options.onCrash ?? defaultOnCrash;
  }

  /** Spawns a process from outside any process (no parent). */
  spawn(fn: ProcessFn, options?: SpawnOptions): Pid {
    if (options?.link) throw new RuntimeError('badarg', 'spawn from outside a process cannot link: there is no parent process');
    return this.spawnFrom(null, fn, options);
  }

  /** Runs `fn` as a process and resolves with its result; rejects with `ProcessExit` if it exits abnormally. */
  run<R>(fn: ProcessFn<R>, options?: Omit<SpawnOptions, 'link'>): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      let result: R;
      const pid = this.spawnFrom(null, async (ctx) => {
        result = await fn(ctx);
      }, options);
      this.procs.get(pid.id, pid.serial)!.exitHook = (reason) => {
        if (reason === 'normal') resolve(result);
        else reject(isProcessExit(reason) ? reason : new ProcessExit(pid, reason));
      };
    });
  }

  /** This node's distribution, once started: it installs itself here (see node-hooks.ts). */
  dist: NodeDistribution | null = null;

  /** The trace agent's hooks while a session traces messages or process events; null otherwise (the hot paths test only this). */
  trace: TraceHooks | null = null;

  /** The node's code server once it exists: it installs itself here (see node-hooks.ts). */
  code: CodeHooks | null = null;

  // Every monitor between local processes, by its ref (demonitor finds it here; see MonitorLink).
  private readonly monitorLinks = new Map<Ref, MonitorLink<ProcessImpl>>();

  /** This node's name: `name@host` once distributed, `nonode@nohost` before (as in Erlang). */
  get name(): string {
    return this.dist?.name ?? 'nonode@nohost';
  }

  /** The nodes this node is connected to: visible ones by default (Erlang's nodes()), `'hidden'` ones (tools), or all `'connected'`. */
  nodes(which: 'visible' | 'hidden' | 'connected' = 'visible'): string[] {
    return this.dist?.nodes(which) ?? [];
  }

  /** Connects to a node: true when it answers (Erlang's net_adm:ping pong). */
  async ping(nodeName: string): Promise<boolean> {
    if (!this.dist) throw new RuntimeError('badarg', 'this node is not distributed: start it with startDistribution({ name, cookie })');
    return nodeName === this.dist.name || this.dist.ping(nodeName);
  }

  /** Sends a message from outside any process (to a pid, a name, or a process alias). */
  send(dest: Dest | Ref, message: unknown): void {
    // The hot path first: a local pid costs one instanceof and the pid's own process slot.
    if (dest instanceof Pid) {
      if (dest.node === 0) this.lookup(dest)?.deliver(message);
      else this.dist?.sendToPid(dest, message);
      return;
    }
    if (dest instanceof Ref) {
      sendToAlias(this, dest, message);
      return;
    }
    let name: unknown = dest;
    const byNode = typeof dest === 'object' && dest !== null;
    if (byNode) {
      if (typeof dest.name !== 'string' || typeof dest.node !== 'string') throw new RuntimeError('badarg', `cannot send to ${describeBrief(dest)}: expected a pid, a registered name or { name, node }`);
      if (dest.node !== this.name) {
        // As OTP's send to {Name, Node} from a node that is not alive (erlang:dsend): no error, the message is dropped.
        this.dist?.sendToName(dest.name, dest.node, message);
        return;
      }
      name = dest.name;
    }
    if (typeof name !== 'string') throw new RuntimeError('badarg', `cannot send to ${describeBrief(dest)}: expected a pid, a registered name or { name, node }`);
    const target = this.names.get(name);
    // Only a bare name nobody holds is badarg: { name, node } is dropped, on this node as on another (OTP's send).
    if (target === undefined && !byNode) throw new RuntimeError('badarg', `cannot send to '${describeBrief(name)}': no process is registered under that name`);
    target?.deliver(message);
  }

  /** Sends an exit signal from outside any process (the sender is the node's own pid). */
  exit(pid: Pid, reason: ExitReason): void {
    this.exitSignal(pid, this.pid, reason, false);
  }

  /** The pid registered under `name`, if any. */
  whereis(name: string): Pid | undefined {
    return this.names.get(name)?.pid;
  }

  /** The names registered on this node, as Erlang's registered/0, walked lazily (a node may hold 100 000). */
  registered(): IterableIterator<string> {
    return this.names.keys();
  }

  /** True while `pid` is a live process on this node. */
  isAlive(pid: Pid): boolean {
    return this.lookup(pid) !== undefined;
  }

  /** Every live process. */
  processes(): Pid[] {
    return this.procs.values().map((p) => p.pid);
  }

  /** A snapshot of a process, or undefined if it is not alive. */
  processInfo(pid: Pid): ProcessInfo | undefined {
    const p = this.lookup(pid);
    return p === undefined ? undefined : processInfoOf(p, this.dist);
  }

  /** The messages waiting in a process's mailbox, oldest first, at most `limit` of them. */
  messages(pid: Pid, limit = 100): unknown[] {
    return this.lookup(pid)?.pendingMessages(limit) ?? [];
  }

  /** A unique reference. */
  makeRef(): Ref {
    return new Ref(0, ++this.nextRef);
  }

  /** Kills every process and cancels every timer: the node is empty afterwards. */
  shutdown(reason: ExitReason = 'shutdown'): void {
    void this.dist?.stop();
    this.dist = null;
    for (const p of this.procs.values()) this.exitProcess(p, reason === 'kill' ? 'killed' : reason);
    this.timers.clear();
    this.sendTimers.clear();
    this.runQueue = [];
  }

  /** Number of pending runtime timers (receive timeouts, sleeps, sendAfter). */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Every live process record (internal: the code server scans them for old code). */
  liveProcesses(): ProcessImpl[] {
    return this.procs.values();
  }

  /** Where the next spawned pid is (internal: a process spawned later orders at or after it by serial, then number). */
  get pidMark(): { serial: number; id: number } {
    return this.procs.mark;
  }

  /** Calls `fn` with every live process: no iterator result a process, as a loop over liveProcesses() makes until optimized. */
  eachProcess(fn: (proc: ProcessImpl) => void): void {
    this.procs.forEach(fn);
  }

  /** Number of live processes. */
  get processCount(): number {
    return this.procs.size;
  }

  /** True while some spawned process has not started its body yet (it does in a microtask: internal, for the code server). */
  get startsPending(): boolean {
    return this.startingCount > 0;
  }

  /** True while `proc` was spawned and has not started its body yet (internal: processInfo's `runnable`, as OTP's). */
  notStarted(proc: ProcessImpl): boolean {
    for (let i = 0; i < this.startingCount; i += 2) if (this.starting[i] === proc) return true;
    const batch = this.startingBatch;
    if (batch !== null) for (let i = this.startingAt + 2; i < this.startingEnd; i += 2) if (batch[i] === proc) return true;
    return false;
  }

  spawnFrom(parent: ProcessImpl | null, fn: ProcessFn, options?: SpawnOptions): Pid {
    if (typeof fn !== 'function') throw new RuntimeError('badarg', `spawn needs a function, got ${typeof fn}`);
    if (options?.name !== undefined) checkName(options.name);
    if (options?.name !== undefined && this.names.has(options.name)) {
      throw new RuntimeError('badarg', `cannot register '${describeBrief(options.name)}': the name is already registered to ${this.names.get(options.name)!.pid}`);
    }
    const pid = new Pid(0, this.procs.take(), this.procs.serial);
    // The function itself, whatever it is: a purge finds the version whose code made a closure only when it purges (code/spawned.ts).
    const proc = new ProcessImpl(this, pid, fn);
    pid[PROCESS] = proc;
    this.procs.add(proc);
    if (options?.trapExit) proc.trapping = true;
    if (parent !== null) proc.groupLeader = parent.groupLeader;
    if (options?.maxMailbox !== undefined) proc.mailboxLimit = mailboxLimitOf(options.maxMailbox);
    if (options?.name !== undefined) {
      this.names.set(options.name, proc);
      proc.name = options.name;
    }
    if (options?.link && parent) {
      (parent.links ??= new Set()).add(proc);
      (proc.links ??= new Set()).add(parent);
    }
    if (this.trace !== null) this.trace.spawn(parent, proc);
    const n = this.startingCount;
    this.starting[n] = proc;
    this.starting[n + 1] = fn;
    this.startingCount = n + 2;
    // A promise reaction rather than queueMicrotask, which builds an AsyncResource and a bound function per call.
    if (n === 0) void RESOLVED.then(this.startQueued);
    return proc.pid;
  }

  /** Delivers an exit signal to `target` following OTP's rules (kill, trapExit, normal). */
  exitSignal(target: Pid, from: Pid, reason: ExitReason, viaLink: boolean): void {
    if (target instanceof Pid && target.node !== 0) {
      this.dist?.exit2(from, target, reason);
      return;
    }
    const p = this.lookup(target);
    if (p !== undefined) this.signal(p, from, reason, viaLink);
  }

  /** Ends a process with `reason`: its links, monitors, name, timers and tables go with it. */
  exitProcess(proc: ProcessImpl, reason: ExitReason): void {
    if (proc.dead) return;
    this.dying.push(proc, reason);
    if (this.propagating) return;
    // Exit signals cascade through links; a queue keeps a long chain of links off the call stack.
    this.propagating = true;
    try {
      for (let i = 0; i < this.dying.length; i += 2) this.cleanup(this.dying[i] as ProcessImpl, this.dying[i + 1]);
    } finally {
      this.dying = [];
      this.propagating = false;
    }
    // A process killed by the cascade never sees what the cascade delivered to it.
    const woken = this.woken;
    this.woken = [];
    for (const p of woken) if (!p.dead) p.runQueued();
  }

  /** Hands a matched message over once the current exit cascade is over (see `propagating`). */
  wakeAfterCascade(proc: ProcessImpl): void {
    this.woken.push(proc);
  }

  link(proc: ProcessImpl, pid: Pid): void {
    if (this.trace !== null) this.trace.link(proc, pid, true);
    if (pid instanceof Pid && pid.node !== 0) {
      if (this.dist) this.dist.link(proc, pid);
      else this.signal(proc, pid, 'noconnection', true);
      return;
    }
    const other = this.lookup(pid);
    if (other === proc) return;
    if (other === undefined) {
      // OTP 21+: a caller trapping exits gets {'EXIT', Pid, noproc}; any other caller gets a catchable noproc error,
      // which, uncaught, ends it with reason noproc (not the error object), as OTP's error:noproc does.
      if (!proc.trapping) throw new RuntimeError('noproc', `cannot link to ${pid}: no such process; trap exits to get an Exit message instead, or catch this error`, 'noproc');
      this.signal(proc, pid, 'noproc', true);
      return;
    }
    (proc.links ??= new Set()).add(other);
    (other.links ??= new Set()).add(proc);
  }

  unlink(proc: ProcessImpl, pid: Pid): void {
    if (this.trace !== null) this.trace.link(proc, pid, false);
    if (pid instanceof Pid && pid.node !== 0) {
      this.dist?.unlink(proc, pid);
      return;
    }
    const other = this.lookup(pid);
    proc.links?.delete(other!);
    other?.links?.delete(proc);
  }

  monitor(watcher: ProcessImpl, target: Dest): Ref {
    const ref = this.makeRef();
    const remote = target instanceof Pid ? target.node !== 0 : typeof target === 'object' && target.node !== this.name;
    if (remote) {
      if (this.dist) this.dist.monitor(watcher, target as Pid | { name: string; node: string }, ref);
      else watcher.deliver(new Down(ref, target as Pid | { name: string; node: string }, 'noconnection'));
      return ref;
    }
    // What the DOWN names: the pid, the name, or `{ name, node }` as given for a name on this node (OTP's {Name, Node}).
    const named = target instanceof Pid ? undefined : typeof target === 'string' ? target : { name: target.name, node: target.node };
    const t = named === undefined ? this.lookup(target as Pid) : this.names.get(typeof named === 'string' ? named : named.name);
    if (t === undefined) {
      watcher.deliver(new Down(ref, named ?? target, 'noproc'));
      return ref;
    }
    const link = new MonitorLink(ref, watcher, t, named);
    link.wi = attachMonitor(watcher, link);
    link.ti = t === watcher ? link.wi : attachMonitor(t, link);
    // Only a watcher's monitors past its first few are kept in the node's map by ref; demonitor finds the others
    // in its `mons` (nearLink). A monitor set up and taken down (each start, each call) then costs no map entry,
    // whose insertion and deletion allocate (a Map never reuses a deleted slot; a table of one shrinks on delete).
    if (link.wi >= FEW_MONITORS) this.monitorLinks.set(ref, link);
    return ref;
  }

  demonitor(watcher: ProcessImpl, ref: Ref): boolean {
    const mapped = this.monitorLinks.get(ref);
    const link = mapped ?? nearLink(watcher, ref);
    if (link === undefined || link.watcher !== watcher) return this.dist?.demonitor(watcher, ref) ?? false;
    if (mapped !== undefined) this.monitorLinks.delete(ref);
    // A process monitoring itself holds the link once.
    if (link.target !== watcher) detachMonitor(link.target, link.ti);
    detachMonitor(watcher, link.wi);
    return true;
  }

  register(name: string, pid: Pid): void {
    checkName(name);
    const p = this.lookup(pid);
    if (p === undefined) throw new RuntimeError('badarg', `cannot register '${describeBrief(name)}': process ${pid} is not alive`);
    const holder = this.names.get(name);
    if (holder !== undefined) throw new RuntimeError('badarg', `cannot register '${describeBrief(name)}': the name is already registered to ${holder.pid}`);
    if (p.name !== undefined) throw new RuntimeError('badarg', `cannot register ${pid} as '${describeBrief(name)}': it is already registered as '${describeBrief(p.name)}'`);
    this.names.set(name, p);
    p.name = name;
    if (this.trace !== null) this.trace.register(p, name, true);
  }

  unregister(name: string): void {
    const p = this.names.get(name);
    if (p === undefined) throw new RuntimeError('badarg', `cannot unregister '${describeBrief(name)}': no process is registered under that name`);
    this.names.delete(name);
    p.name = undefined;
    if (this.trace !== null) this.trace.register(p, name, false);
  }

  /** Sends `message` to `dest` after `ms` milliseconds (Erlang's send_after). */
  sendAfter(ms: number, dest: Dest, message: unknown, options?: TimerOptions): Ref {
    return this.sendTimers.sendAfter(ms, dest, message, options);
  }

  /** Delivers `TimeoutMessage { timeout: ref, msg }` to a local pid or name after `ms` (Erlang's start_timer). */
  startTimer(ms: number, dest: Pid | string, msg: unknown, options?: TimerOptions): Ref {
    return this.sendTimers.startTimer(ms, dest, msg, options);
  }

  /** The milliseconds left on a sendAfter or startTimer timer, or false if it fired or was cancelled. */
  readTimer(ref: Ref): number | false {
    return this.sendTimers.read(timerRef(ref, 'readTimer'));
  }

  /** Cancels a sendAfter or startTimer timer: the milliseconds that were left, or false if it fired or was cancelled. */
  cancelTimer(ref: Ref): number | false {
    return this.sendTimers.cancel(timerRef(ref, 'cancelTimer'));
  }

  /** Queues a process for the next turn of the scheduler (it went over the reduction budget). */
  enqueue(proc: ProcessImpl): void {
    this.runQueue.push(proc);
    if (!this.drainScheduled) {
      this.drainScheduled = true;
      setImmediate(this.drain);
    }
  }

  private readonly startQueued = (): void => {
    const batch = this.starting;
    const n = this.startingCount;
    // Processes spawned by these bodies go to the spare array, in a batch of their own.
    this.starting = this.startingSpare;
    this.startingCount = 0;
    // A large batch's array is dropped instead: as the spare, it would keep its room for good (16 B a process
    // of the largest batch ever spawned in one go).
    const reuse = n <= SPARE_BATCH;
    this.startingSpare = reuse ? batch : [];
    this.startingBatch = batch;
    this.startingEnd = n;
    try {
      for (let i = 0; i < n; i += 2) {
        const proc = batch[i] as ProcessImpl;
        const fn = batch[i + 1] as ProcessFn;
        if (reuse) batch[i] = batch[i + 1] = undefined;
        this.startingAt = i;
        start(proc, fn);
      }
    } finally {
      this.startingBatch = null;
    }
  };

  private readonly drain = (): void => {
    this.drainScheduled = false;
    this.budget = REDUCTION_BUDGET;
    const queue = this.runQueue;
    this.runQueue = [];
    let i = 0;
    for (; i < queue.length && this.budget > 0; i++) {
      const p = queue[i]!;
      if (!p.dead) {
        this.budget--;
        p.runQueued();
      }
    }
    if (i < queue.length) {
      this.runQueue = queue.slice(i).concat(this.runQueue);
    }
    if (this.runQueue.length > 0 && !this.drainScheduled) {
      this.drainScheduled = true;
      setImmediate(this.drain);
    }
  };

  private lookup(pid: Pid): ProcessImpl | undefined {
    const direct = (pid as Pid | undefined)?.[PROCESS] as ProcessImpl | undefined;
    if (direct !== undefined) return direct.node === this ? direct : undefined;
    if (!(pid instanceof Pid)) throw new RuntimeError('badarg', `expected a pid, got ${describeBrief(pid)}`);
    if (pid.node !== 0) return undefined;
    return this.procs.get(pid.id, pid.serial);
  }

  /** The live local process behind a pid, if any (internal: distribution delivers signals to it). */
  localProcess(pid: Pid | undefined): ProcessImpl | undefined {
    return pid instanceof Pid && pid.node === 0 ? this.lookup(pid) : undefined;
  }

  /** Delivers an exit signal to a local process (internal: distribution's link and exit signals). */
  signalProcess(p: ProcessImpl, from: Pid, reason: ExitReason, viaLink: boolean): void {
    this.signal(p, from, reason, viaLink);
  }

  private signal(p: ProcessImpl, from: Pid, reason: ExitReason, viaLink: boolean): void {
    if (p.dead) return;
    if (!viaLink && reason === 'kill') {
      this.exitProcess(p, 'killed');
    } else if (p.trapping) {
      p.deliver(new Exit(from, reason));
    } else if (reason === 'normal') {
      if (!viaLink && from === p.pid) this.exitProcess(p, 'normal');
    } else {
      this.exitProcess(p, reason);
    }
  }

  private cleanup(proc: ProcessImpl, reason: ExitReason): void {
    if (proc.dead) return;
    if (this.trace !== null) this.trace.exit(proc, reason);
    proc.release(reason);
    proc.pid[PROCESS] = undefined;
    this.procs.delete(proc);
    this.reductionsExited = (this.reductionsExited + proc.reductions) & 0x3fffffff;
    if (proc.name !== undefined) {
      this.names.delete(proc.name);
    }
    if (this.tables.fixers.size > 0) this.tables.fixerExited(proc);
    if (proc.tables) this.tables.ownerExited(proc);
    if (proc.mons) {
      const mons = proc.mons;
      proc.mons = null;
      for (const link of mons) {
        this.monitorLinks.delete(link.ref);
        if (link.watcher === link.target) continue;
        if (link.watcher === proc) detachMonitor(link.target, link.ti);
        else {
          detachMonitor(link.watcher, link.wi);
          link.watcher.deliver(new Down(link.ref, link.name ?? proc.pid, reason));
        }
      }
    }
    if (proc.links) {
      const links = proc.links;
      proc.links = null;
      for (const other of links) {
        other.links?.delete(proc);
        this.signal(other, proc.pid, reason, true);
      }
    }
    this.dist?.processExited(proc, reason);
    proc.name = undefined;
    proc.exitHook?.(reason);
  }

  /** Called by a process body that threw an error (not an exit). */
  crashed(proc: ProcessImpl, error: unknown): void {
    if (isExitSignal(error)) return;
    try {
      this.onCrash(proc.pid, error);
    } catch (failure) {
      // A crash report that cannot be made (a hostile value, a throwing onCrash) must not keep the process from exiting.
      process.stderr.write(`crash report of ${String(proc.pid)} failed: ${describeReason(failure)}\n`);
    }
  }
}

// A timer is named by the Ref its start returned: anything else is badarg, as erlang:cancel_timer/read_timer answer.
function timerRef(ref: Ref, op: string): Ref {
  if (ref instanceof Ref) return ref;
  throw new RuntimeError('badarg', `${op} needs the Ref that sendAfter or startTimer returned, got ${describeBrief(ref)}`);
}

// Runs a process body: it starts after `spawn` returns, as the BEAM would schedule it.
function start(proc: ProcessImpl, fn: ProcessFn): void {
  if (proc.dead) return;
  let result: unknown;
  try {
    result = fn(proc);
  } catch (error) {
    finish(proc, error, true);
    return;
  }
  if (result !== null && typeof result === 'object' && typeof (result as Promise<unknown>).then === 'function') {
    proc.watchBody(result as Promise<unknown>);
  } else if (result !== DETACHED) {
    finish(proc, 'normal', false);
  }
}

// A registered name is a non-empty string, and never 'undefined': OTP refuses to register the atom undefined
// (what whereis answers for "nobody"), so a translated program that checks for it meets the same badarg.
function checkName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name === '') throw new RuntimeError('badarg', `a registered name is a non-empty string, got ${describeBrief(name)}`);
  if (name === 'undefined') throw new RuntimeError('badarg', "'undefined' cannot be registered (as in OTP, it stands for no process): choose another name");
}

// A reason that is a proxy whose getPrototypeOf trap throws makes instanceof throw: it is wrapped like any other.
function isProcessExit(reason: unknown): reason is ProcessExit {
  try {
    return reason instanceof ProcessExit;
  } catch {
    return false;
  }
}
