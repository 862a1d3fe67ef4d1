// The hooks through which the process layer reaches the services above it. Each service installs itself on
// a node (distribution with `startDistribution`, the trace agent while it traces, the code server when it is
// created); the node calls only what is declared here, so it never imports a layer above it.
import type { Pid, Ref } from './pid.js';
import type { ExitReason } from './messages.js';
import type { ProcessImpl } from './process.js';
import type { Dest, ProcessContext, ProcessFn } from './types.js';

/**
 * What the node and its processes ask of distribution: route what targets another node, and tell it what
 * happens to local processes. distribution/ widens this to its whole `Distribution` (a `declare module`
 * there), so the layers above it see `node.dist` as the full service.
 */
export interface NodeDistribution {
  /** This node's `name@host`. */
  readonly name: string;
  /** Set by a send to a busy connection: the sending process takes it and waits on it (busy_dist_port). */
  suspend: Promise<void> | null;
  /** Links and monitors held with processes of other nodes. */
  readonly remote: RemoteLinks;
  nodes(which: 'visible' | 'hidden' | 'connected'): string[];
  /** Why `nodeName` can name no node, as one clause (`'x' is not a node name (…): use name@host, …`), or undefined if it can. */
  notANodeName(nodeName: string): string | undefined;
  ping(nodeName: string): Promise<boolean>;
  sendToPid(pid: Pid, message: unknown): void;
  sendToAlias(ref: Ref, message: unknown): void;
  sendToName(name: string, nodeName: string, message: unknown): void;
  exit2(from: Pid, to: Pid, reason: ExitReason): void;
  link(proc: ProcessImpl, pid: Pid): void;
  unlink(proc: ProcessImpl, pid: Pid): void;
  monitor(proc: ProcessImpl, target: Pid | { name: string; node: string }, ref: Ref): void;
  demonitor(proc: ProcessImpl, ref: Ref): boolean;
  monitorNode(watcher: Pid, nodeName: string): void;
  processExited(proc: ProcessImpl, reason: ExitReason): void;
  stop(): Promise<void>;
}

/** The remote links and monitors of local processes, as the node reads them (process info, monitor aliases). */
export interface RemoteLinks {
  linksOf(local: ProcessImpl): Pid[];
  holds(local: ProcessImpl, ref: Ref): boolean;
}

/**
 * What the runtime tells the trace agent, through `node.trace`, while a session traces messages or
 * process events. With no such session `node.trace` is null and none of these is called.
 */
export interface TraceHooks {
  /** A process sends a message: the hook performs the send itself (so the receiver learns the sender). */
  send(from: ProcessImpl, dest: Dest | Ref, message: unknown): void;
  /** A process sends by a path of its own (a behaviour's reply, put straight into the caller's mailbox): `deliver` performs it. */
  sendVia(from: ProcessContext, dest: Pid, message: unknown, deliver: () => void): void;
  /** A message enters the mailbox of a process whose `traced` flag is set. */
  receive(to: ProcessImpl, message: unknown): void;
  /** A process was spawned (parent null when spawned from outside any process). */
  spawn(parent: ProcessImpl | null, child: ProcessImpl): void;
  /** A process exits with `reason` (called before its links and monitors fire). */
  exit(proc: ProcessImpl, reason: ExitReason): void;
  /** A process links itself to `other` (linked true) or unlinks. */
  link(proc: ProcessImpl, other: Pid, linked: boolean): void;
  /** A name is registered to a process (registered true) or unregistered. */
  register(proc: ProcessImpl, name: string, registered: boolean): void;
}

/** What the node's code server offers the layers below it, through `node.code` once it exists. */
export interface CodeHooks {
  /**
   * Whether a function is an export of a loaded module, so a process spawned with it must keep it (to tell
   * which module version it runs). Other processes keep only the function's name: holding every spawn
   * closure would keep its captured context alive for the process's whole life (about 300 bytes per idle
   * gen_server).
   */
  isModuleExport(fn: ProcessFn): boolean;
  /** The newest version of a loaded module's export (`value` itself for anything else): a supervisor restarts a child with it. */
  latest<T>(value: T): T;
  /** `module (version vsn)` when `fn` is code of a purged version (a closure it made, or an export nothing current stands for), else undefined: a supervisor refuses to start a child with it. */
  purgedMaker(fn: unknown): string | undefined;
  /** The callbacks a behaviour starting now runs: the current version's export standing for `callbacks` when they are an older version's, else `callbacks`. */
  currentCallbacks<T>(callbacks: T): T;
  /** A copy of a state for a codeChange to work on, as an upgrade makes one (`value` itself when it cannot be copied): sys.changeCode uses it. */
  copyForCodeChange(value: unknown): unknown;
}
