import type { Dest, Pid, Ref } from './pid.js';
import type { ExitReason, Timeout } from './messages.js';
import type { Table, TableInfo, TableOptions } from './table.js';
import type { AliasMode, MonitorOptions } from './alias.js';
import type { MailboxLimit } from './limits.js';
import type { TimerOptions } from './node-timers.js';
import type { ProcessInfo } from './node-info.js';

// Defined below the process files, which the timers and a pid's destination do not need: re-exported here.
export type { Dest } from './pid.js';
export type { TimerOptions } from './node-timers.js';

/**
 * The node a process runs on, as `ProcessContext.node` and the process record name it: node.ts widens this
 * interface to its `OtpNode` class (a `declare module` there), so this file and the process files below the
 * node never import node.ts. It is the whole `OtpNode`: a value of either type is one of the other.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- node.ts widens it to OtpNode
export interface ContextNode {}

/** A process body: an async function of its context; its return ends the process with reason `'normal'`. */
export type ProcessFn<R = unknown> = (ctx: ProcessContext) => R | Promise<R>;

/** A receive matcher: a predicate (ideally a type guard) over the messages in the mailbox. */
export type Matcher<T = unknown> = ((message: unknown) => message is T) | ((message: unknown) => boolean);

/** Options of `spawn`. */
export interface SpawnOptions {
  /** Link the new process to its parent before it runs (spawnLink). */
  link?: boolean;
  /** Register the new process under this name before it runs. */
  name?: string;
  /** Start the new process with exits trapped. */
  trapExit?: boolean;
  /**
   * The most messages that may wait in the new process's mailbox (OTP's `max_heap_size` analogue): one
   * more kills it with reason `'killed'` and logs an error report (`{ size, kill: false }` only reports).
   */
  maxMailbox?: number | MailboxLimit;
}

/** What a process is running, shown by processInfo and the tracer (set by behaviours). */
export interface ProcessLabel {
  /** The behaviour the process runs, e.g. `'gen_server'`. */
  behaviour?: string;
  /** The callback module (or function) the process runs. */
  module?: string;
  /** The callback module object itself, so the code server can find the processes running a module. */
  callbacks?: object;
}

export type { ProcessInfo, ProcessStatus } from './node-info.js';

/** Options of `cancelTimer` (Erlang's cancel_timer/2). */
export interface CancelTimerOptions {
  /** Answer `'ok'` at once and deliver the result as a `TimerResult` message (default false). */
  async?: boolean;
  /** Give the result at all; false answers `'ok'` and sends no message (default true). */
  info?: boolean;
}

/** Options of `readTimer` (Erlang's read_timer/2). */
export interface ReadTimerOptions {
  /** Answer `'ok'` at once and deliver the result as a `TimerResult` message (default false). */
  async?: boolean;
}

/** Options of `demonitor`. */
export interface DemonitorOptions {
  /** Also remove this monitor's DOWN message from the mailbox if it already arrived. */
  flush?: boolean;
  /** OTP's `info`: true (the default here) answers whether the monitor was still active; false always answers true. */
  info?: boolean;
}

/**
 * What a running process sees of the runtime: the first argument of every process body. Every
 * operation throws `ProcessExitedError` once the process has exited.
 */
export interface ProcessContext {
  /** The node this process runs on. */
  readonly node: ContextNode;
  /** This process's pid. */
  self(): Pid;
  /** Spawns a process; it starts running after the current one yields. */
  spawn(fn: ProcessFn, options?: SpawnOptions): Pid;
  /** Spawns a process linked to this one (atomically: the link exists before the child runs). */
  spawnLink(fn: ProcessFn, options?: Omit<SpawnOptions, 'link'>): Pid;
  /** Spawns a process monitored by this one; returns its pid and the monitor reference. */
  spawnMonitor(fn: ProcessFn, options?: Omit<SpawnOptions, 'link'>): [Pid, Ref];
  /** Sends a message; to a dead pid or an inactive alias it is dropped, to an unregistered name it throws `badarg`. */
  send(dest: Dest | Ref, message: unknown): void;
  /** Takes the oldest message. */
  receive(): Promise<unknown>;
  /** Takes the oldest message the matcher accepts, waiting for one. */
  receive<T>(matcher: Matcher<T>): Promise<T>;
  /** Takes the oldest message the matcher accepts, or resolves to `TIMEOUT` after `timeoutMs` (0 polls). */
  receive<T>(matcher: Matcher<T> | null, timeoutMs: number): Promise<T | Timeout>;
  /**
   * Takes the oldest message the matcher accepts if one is already waiting, without waiting: the message,
   * or `TIMEOUT`. Also `TIMEOUT` once the node's reduction budget for this turn is spent, so a loop that
   * drains its mailbox with it and falls back to `receive` still yields to other processes and I/O.
   */
  receiveNow<T>(matcher?: Matcher<T> | null): T | Timeout;
  /** Ends this process with `reason` (throws to unwind it). */
  exit(reason: ExitReason): never;
  /** Sends an exit signal to `pid`: `'kill'` cannot be trapped, `'normal'` is ignored unless trapped. */
  exit(pid: Pid, reason: ExitReason): void;
  /** Links this process to `pid` (idempotent); a dead local `pid` throws a catchable `RuntimeError` `'noproc'`, or, trapping exits, delivers `Exit { reason: 'noproc' }` (OTP 21+). */
  link(pid: Pid): void;
  /** Removes the link with `pid` (idempotent). */
  unlink(pid: Pid): void;
  /** Monitors a process (by pid or registered name); its exit arrives as a `Down` message; a target that is no pid, name or `{ name, node }` is `badarg`. `{ alias }` also makes the ref an alias of this process. */
  monitor(target: Dest, options?: MonitorOptions): Ref;
  /** Creates an alias (OTP 24): a ref others send to as to this process, until `unalias` (or, with `'reply'`, the first message through it). */
  alias(mode?: Extract<AliasMode, 'explicitUnalias' | 'reply'>): Ref;
  /** Deactivates an alias of this process: later messages to it are dropped; false if it was not an active alias of this process. */
  unalias(alias: Ref): boolean;
  /** Removes a monitor; returns whether it was still active; a value that is no ref is `badarg`. */
  demonitor(ref: Ref, options?: DemonitorOptions): boolean;
  /** Turns exit signals into `Exit` messages (true) or back into deaths (false); returns the old flag; anything but a boolean is `badarg`. */
  trapExit(flag: boolean): boolean;
  /** Registers `pid` (default: this process) under `name`; throws `badarg` if taken or dead. */
  register(name: string, pid?: Pid): void;
  /** Removes a registered name; throws `badarg` if it is not registered. */
  unregister(name: string): void;
  /** The pid registered under `name`, if any. */
  whereis(name: string): Pid | undefined;
  /** True while `pid` is a live process on this node; a pid of another node throws `badarg` (monitor it or use rpc), as OTP's is_process_alive. */
  isAlive(pid: Pid): boolean;
  /** A snapshot of a process, or undefined if it is not alive. */
  processInfo(pid: Pid): ProcessInfo | undefined;
  /** Every live process. */
  processes(): Pid[];
  /** A unique reference. */
  makeRef(): Ref;
  /** Sends `message` to `dest` after `ms` (or at `ms` on `performance.now()` with `{ abs: true }`); dropped if the destination is gone by then. */
  sendAfter(ms: number, dest: Dest, message: unknown, options?: TimerOptions): Ref;
  /** Delivers `TimeoutMessage { timeout: ref, msg }` to a local pid or name after `ms` (Erlang's start_timer; `{ abs: true }` as sendAfter's). */
  startTimer<T>(ms: number, dest: Pid | string, msg: T, options?: TimerOptions): Ref;
  /** Cancels a `sendAfter` or `startTimer` timer: the milliseconds that were left, or false if it already fired. */
  cancelTimer(ref: Ref, options?: { async?: false; info?: true }): number | false;
  /** Cancels a timer with Erlang's cancel_timer options: `'ok'` when `async` or not `info`. */
  cancelTimer(ref: Ref, options: CancelTimerOptions): number | false | 'ok';
  /** The milliseconds left on a `sendAfter` or `startTimer` timer, or false if it fired or was cancelled. */
  readTimer(ref: Ref, options?: { async?: false }): number | false;
  /** Reads a timer with Erlang's read_timer options: `'ok'` when `async` (the result comes as a `TimerResult`). */
  readTimer(ref: Ref, options: ReadTimerOptions): number | false | 'ok';
  /** Suspends this process for `ms`; messages keep arriving in the mailbox meanwhile. */
  sleep(ms: number): Promise<void>;
  /** Creates a table owned by this process (deleted when the process exits). */
  newTable<R = unknown>(options?: TableOptions): Table<R>;
  /** This process's handle on an existing table, by name or id; throws `badarg` if it does not exist or is private. */
  table<R = unknown>(nameOrId: string | number): Table<R>;
  /** The ids of every table on this node in creation order, private ones included, as ets:all/0 (another process's private table still refuses `table(id)`). */
  allTables(): number[];
  /** What `info()` tells of a table by name or id, any process's and any access (a private one's too), as ets:info/1; undefined when there is no such table. */
  tableInfo(nameOrId: string | number): TableInfo | undefined;
  /** The id of the table registered under `name`, or undefined when none is, as ets:whereis/1 (any access; a name only `rename` gave an unnamed table is none). */
  whereisTable(name: string): number | undefined;
  /** Delivers a `NodeDown` message when the connection to `nodeName` goes down, once per call; connects first if needed (at once `NodeDown` if that fails), as erlang:monitor_node. */
  monitorNode(nodeName: string): void;
  /** Sets what processInfo reports as this process's behaviour and module. */
  setLabel(label: ProcessLabel): void;
}
