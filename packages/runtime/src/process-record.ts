import type { Pid, Ref } from './pid.js';
import type { ExitReason } from './messages.js';
import { ProcessExitedError } from './errors.js';
import { estimateSize } from './terms.js';
import type { TimerEntry } from './timers.js';
import type { TableStore } from './table-store.js';
import type { MailboxLimit } from './limits.js';
import type { MonitorLink } from './process-monitors.js';
import type { ContextNode, Matcher, ProcessContext, ProcessFn, ProcessInfo, ProcessLabel } from './types.js';

// Where a process's pending receive stands.
export const IDLE = 0; // no receive pending
export const PARKED = 1; // waiting; each arriving message is tested once, on delivery
export const SCAN = 2; // queued by the scheduler to scan its mailbox when its turn comes
export const READY = 3; // a matching message was taken and waits for the scheduler to hand it over

/** The mailbox idle processes share until their first message. */
export const EMPTY: unknown[] = [];

/** Internal: the entry of a behaviour process once it set its label, which names its initial call (`<module>.init`). */
export const BEHAVIOUR_INIT = '\u0000behaviour init';
/**
 * The most messages one mailbox array holds; more wait in further arrays of this size (ProcessExtras.rest). V8
 * grows a long array by copying it into a larger one, at 100–400 ns a message for a mailbox of a million
 * (bench/behaviours cast), where filling arrays of 4,096 costs 10–30 ns: they stay out of the large-object space.
 */
export const CHUNK = 4096;
/**
 * A whole process: its record, its mailbox (process-mailbox.ts) and its context API, one object. process.ts
 * widens this interface to its `ProcessImpl` class (a `declare module` there), so the record and the mailbox,
 * which it extends, name the whole process without importing process.ts.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- process.ts widens it to ProcessImpl
export interface WholeProcess {}
/** Marks a body known to have resumed without its pending receive: it is watched at once from then on. */
export const RACED: Promise<unknown> = Promise.resolve();
/** Marks a process parked by parkLoop (in the body field, which a wake-up reads anyway): its wake is a loop's, not a resolver. */
export const LOOPED: Promise<unknown> = Promise.resolve();
/**
 * What a body returns (or its promise resolves to) when the process goes on without it: a behaviour loop parked
 * with `parkLoop` runs from its wake-ups and ends the process itself (`end`), so no suspended frame waits for it.
 */
// A registered symbol, the same in every copy of the runtime one program loads (a body of one may run on a node of another).
export const DETACHED: unique symbol = Symbol.for('otp-ts.detached');
/** How a loop parked with `parkLoop` is woken: with the message and its process, in the turn that took the message (it must defer its run). */
export type LoopWake = (message: unknown, proc: WholeProcess) => void;

/**
 * What a call waits for (gen/call.ts, through awaitAnswer): which message answers it, and what the caller's await
 * resumes with, worked out by whoever hands that message over, so no async frame or reaction sits between.
 */
export interface Answer {
  /** The ref the answer carries: the process's activeCall while it waits. */
  readonly tag: Ref;
  /** Whether `message` answers the call. */
  matches(message: unknown): boolean;
  /** What the caller's await resumes with for `message` (or TIMEOUT): a value, or a promise that rejects. */
  settle(message: unknown): unknown;
}

/** A monitor as behaviours read it: which process holds it, on which, under which tag. */
export interface MonitorView {
  readonly ref: Ref;
  readonly watcher: ProcessInternals;
  readonly target: ProcessInternals;
}

/**
 * What the layers above the process primitives (behaviours, sys, the code server's suspend, group leaders)
 * may touch of a process record beyond its `ProcessContext`: the contract between them and `ProcessImpl`,
 * which implements it. Internal: not exported from the package's entries.
 */
export interface ProcessInternals extends ProcessContext {
  readonly pid: Pid;
  /** True once the process has exited. */
  readonly dead: boolean;
  /** Throws ProcessExitedError once the process is dead: a body resumed after its death runs no further. */
  check(): void;
  /** The registered name, if any. */
  readonly name: string | undefined;
  /** What processInfo reports as behaviour and module; a behaviour's upgrade and rollback write it. */
  label: ProcessLabel | null;
  /** What processInfo reports as the current function (gen/current.ts writes it); null: the spawned function. */
  currentFunction: string | null;
  /** The group leader (application/group-leader.ts). */
  groupLeader: Pid | null;
  /** The sys target of the behaviour loop the process runs, registered as the loop starts (gen/sys-handler.ts). */
  sysTarget: object | null;
  /** The process that started this one through a behaviour start, null for a plain spawn (gen/crash-info.ts). */
  starter: Pid | null;
  /** The tag of the call this process waits on: only its reply may enter the mailbox (gen/call.ts). */
  activeCall: Ref | null;
  /** The ids of the process's active aliases, null when none. */
  readonly aliases: ReadonlySet<number> | null;
  /** The matcher of the receive the process waits in (or the answer a call waits for), null when it accepts anything or waits in none. */
  readonly matcher: Matcher | Answer | null;
  /** Monitors the process holds or is the target of; null when none. */
  readonly mons: readonly MonitorView[] | null;
  /** How many messages wait in the mailbox. */
  readonly queueLength: number;
  /** Waits for a call's answer past the first `skip` waiting messages (they came before its ref): resolves to what `answer.settle` makes of it. */
  awaitAnswer(skip: number, answer: Answer, timeoutMs: number): Promise<unknown>;
  /** Waits for the scheduler's next turn without looking at the mailbox; resolves to TIMEOUT. */
  yieldTurn(): Promise<unknown>;
  /** Puts a message in the mailbox (a local reply, bypassing the send path). */
  deliver(message: unknown): void;
  /** Drops what a waiting process can do without (a behaviour's `'hibernate'` action). */
  hibernate(): void;
  /** The waiting messages, oldest first (a copy). */
  pendingMessages(limit?: number): unknown[];
  /** Parks a behaviour loop in a receive of anything without a promise, woken through `wake`; false when it must receive instead. */
  parkLoop(wake: LoopWake): boolean;
  /** Watches `body` as the process's body from now on: its end ends the process (a DETACHED result does not). */
  adopt(body: Promise<unknown>): void;
  /** Ends the process as its body's end would: `outcome` returned, or (`threw`) thrown. */
  end(outcome: unknown, threw: boolean): void;
}

/** The rarely used parts of a process record. */
class ProcessExtras {
  links: Set<WholeProcess> | null = null;
  exitHook: ((reason: ExitReason) => void) | null = null;
  tables: Set<TableStore> | null = null;
  ready: unknown = undefined;
  exitReason: ExitReason = undefined;
  activeCall: Ref | null = null;
  suspended: Promise<void> | null = null;
  aliases: Set<number> | null = null;
  mailboxLimit: MailboxLimit | null = null;
  /** The mailbox's later arrays, oldest first, once more than CHUNK messages wait: the first is never empty. */
  rest: unknown[][] | null = null;
  /** A call's wait put off by the scheduler's budget: the messages its scan on the next turn passes over (awaitAnswer). */
  skip = 0;
}

/**
 * The record of a process: its fields, the rarely used ones in an extras record allocated on first use, and
 * what introspection reads of it. `ProcessMailbox` (process-mailbox.ts) adds the mailbox and receive on top,
 * `ProcessImpl` (process.ts) the context API; one object, one class per concern, no indirection between them.
 */
export class ProcessRecord {
  // Fields in the order a message's hand-over reads them (the node, the pending receive, the wake-up), so
  // they share the record's first cache lines: a ring of 10k processes touches a cold record at every hop.
  readonly node: ContextNode;
  mode = IDLE;
  // The pending receive's matcher, or the answer a call waits for (awaitAnswer).
  matcher: Matcher | Answer | null = null;
  // The pending receive's resolver, or a parked loop's wake (parkLoop: the body field is then LOOPED).
  resolve: ((value: unknown) => void) | null = null;
  /** True while a trace session follows this process's messages (set by the trace agent). */
  traced = false;
  // The body's promise while the process waits in its first receive: see watchBody.
  protected body: Promise<unknown> | null = null;
  timer: TimerEntry | null = null;
  reductions = 0;
  dead = false;
  // Everything most processes never use lives in one record allocated on first use, to keep idle processes small.
  protected x: ProcessExtras | null = null;
  // The mailbox is an array consumed from `head`, compacted when the consumed prefix grows; idle
  // processes share one empty array until their first message. Past CHUNK messages, later ones wait in
  // further arrays (x.rest); while they do, this one holds at least one waiting message.
  mailbox: unknown[] = EMPTY;
  head = 0;
  /** The spawn option maxMailbox's size (0: no limit): a delivery that queues more messages than this overflows. */
  maxQueue = 0;
  readonly pid: Pid;
  /**
   * The function the process was spawned with (a purge tells which module version's code it is); its name once the
   * process runs a callback module (a behaviour's label), which the code server goes by instead, so nothing holds it.
   */
  entry: ProcessFn | string;
  name: string | undefined = undefined;
  trapping = false;
  /** What processInfo reports as behaviour and module (shared by every process of a behaviour module). */
  label: ProcessLabel | null = null;
  /** Monitors this process holds or is the target of (MonitorLink); null when none. */
  mons: MonitorLink<WholeProcess>[] | null = null;
  /** What processInfo reports as the current function, written by behaviour loops (gen/current.ts); null: the spawned function. */
  currentFunction: string | null = null;
  /** The group leader (OTP's group_leader), inherited at spawn: an application master leads its application's processes (application/group-leader.ts). */
  groupLeader: Pid | null = null;
  /**
   * The sys target of the behaviour loop the process runs (gen/sys-handler.ts), which an upgrade migrates
   * directly; null for other processes. A field rather than a WeakMap entry per start: a WeakMap insertion and
   * its ephemeron, which every collection visits, cost a gen_server start 6–10 % of its CPU profile (issue 20).
   */
  sysTarget: object | null = null;
  /** The process that started this one through a behaviour start (proc_lib's parent): crash reports list its ancestors from it. */
  starter: Pid | null = null;

  constructor(node: ContextNode, pid: Pid, entry: ProcessFn | string) {
    this.node = node;
    this.pid = pid;
    this.entry = entry;
  }

  /**
   * The name of the function the process was spawned with; for a behaviour, its callback module's init
   * (`cart_server.init`), as OTP's proc_lib reports a gen_server's initial call as `{cart_server, init, 1}`.
   */
  get initialCall(): string {
    if (this.entry === BEHAVIOUR_INIT) return `${this.label?.module ?? 'anonymous'}.init`;
    return typeof this.entry === 'string' ? this.entry : this.entry.name || 'anonymous';
  }

  protected more(): ProcessExtras {
    return (this.x ??= new ProcessExtras());
  }

  // Drops the extras record once nothing in it is in use: a gen_server call leaves no residue.
  protected compact(): void {
    const x = this.x!;
    if (x.links === null && x.exitHook === null && x.tables === null && x.ready === undefined && x.exitReason === undefined && x.activeCall === null && x.suspended === null && x.aliases === null && x.mailboxLimit === null && x.rest === null && x.skip === 0) this.x = null;
  }

  /** Linked processes. */
  get links(): Set<WholeProcess> | null {
    return this.x?.links ?? null;
  }
  set links(v: Set<WholeProcess> | null) {
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
    const m = this.matcher;
    if (m !== null && typeof m !== 'function') return m.tag;
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

  /** Messages waiting in the mailbox. */
  get queueLength(): number {
    const n = this.mailbox.length - this.head;
    const rest = this.x?.rest;
    if (rest == null) return n;
    let more = 0;
    for (const c of rest) more += c.length;
    return n + more;
  }

  /** The waiting messages, oldest first (a copy). */
  pendingMessages(limit = Infinity): unknown[] {
    const out = this.mailbox.slice(this.head, Math.min(this.mailbox.length, this.head + limit));
    const rest = this.x?.rest;
    if (rest != null) for (let i = 0; i < rest.length && out.length < limit; i++) out.push(...rest[i]!.slice(0, limit - out.length));
    return out;
  }

  /** What processInfo reports as status. */
  get status(): ProcessInfo['status'] {
    if (this.dead) return 'exiting';
    if (this.mode === PARKED) return 'waiting';
    // Spawned and not started yet is runnable, as OTP's: it waits for its first turn.
    if (this.mode !== IDLE || this.node.notStarted(this as unknown as WholeProcess)) return 'runnable';
    return 'running';
  }

  /** An estimate of the heap bytes this process holds. */
  memoryEstimate(): number {
    let bytes = 400; // record, pid, suspended async frame and pending promise, measured in bench/runtime
    const n = this.queueLength;
    if (n > 0) {
      const messages = this.pendingMessages(64);
      const sample = messages.length;
      let sampled = 0;
      for (let i = 0; i < sample; i++) sampled += estimateSize(messages[i], 200);
      bytes += 4 * n + Math.round((sampled / sample) * n);
    }
    return bytes + (this.links ? 40 * this.links.size : 0) + (this.mons ? 40 * this.mons.length : 0);
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

  // Drops the waiting messages `pred` accepts (demonitor's flush).
  protected flushWhere(pred: (m: unknown) => boolean): void {
    const box = this.mailbox;
    for (let i = box.length - 1; i >= this.head; i--) if (pred(box[i])) box.splice(i, 1);
    const rest = this.x?.rest;
    if (rest == null) return;
    for (const c of rest) for (let i = c.length - 1; i >= 0; i--) if (pred(c[i])) c.splice(i, 1);
    const left = rest.filter((c) => c.length > 0);
    this.x!.rest = left.length > 0 ? left : null;
    // Keep the first array holding a waiting message while later ones do.
    if (this.head >= box.length) this.nextChunk();
    else if (this.x!.rest === null) this.compact();
  }

  /** The first mailbox array is used up: the next one takes its place, or (none) it is emptied for reuse. */
  protected nextChunk(): void {
    const rest = this.x?.rest;
    this.head = 0;
    if (rest == null) {
      this.mailbox.length = 0;
      return;
    }
    this.mailbox = rest.shift()!;
    if (rest.length === 0) {
      this.x!.rest = null;
      this.compact();
    }
  }
}
