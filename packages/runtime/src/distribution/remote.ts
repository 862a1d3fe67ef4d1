import { Down, type ExitReason } from '../messages.js';
import { Pid, type Ref } from '../pid.js';
import type { ProcessImpl } from '../process.js';
import type { ControlMessage } from './control-message.js';
import { quoteForLog } from './handshake.js';

const pidKey = (p: Pid): string => `${p.node}.${p.id}.${p.serial}`;
const refKey = (r: Ref): string => `${r.node}.${r.id}`;
// A remote watcher by its monitoring process and its ref: a peer naming another node's ref reaches only its own process's monitors.
const watcherKey = (watcher: Pid, r: Ref): string => `${pidKey(watcher)}/${refKey(r)}`;

/** A monitor a local process holds on a process of another node. */
interface HeldMonitor {
  ref: Ref;
  node: number;
  target: Pid | string;
}

/** A monitor a process of another node holds on a local process. */
interface RemoteWatcher {
  watcher: Pid;
  ref: Ref;
  byName: string | undefined;
}

/** How link and monitor operations reach other nodes: the distribution's routing and pid translation. */
export interface SignalRoutes {
  readonly node: { signalProcess(p: ProcessImpl, from: Pid, reason: ExitReason, viaLink: boolean): void };
  /** Sends, connecting first if needed; `onFail` runs if the node cannot be reached (noconnection) or the process is of a past run of its node (noproc). */
  route(nodeName: string, message: ControlMessage, onFail?: (reason: 'noconnection' | 'noproc') => void): void;
  /** Sends only over an existing connection. */
  tell(nodeName: string, message: ControlMessage): void;
  /** The distribution's log. */
  log(line: string): void;
  /** The most links and monitors a peer node may hold with this node's processes (`maxLinksAndMonitors`). */
  readonly maxLinksAndMonitors: number;
  nameOf(index: number): string;
  indexOf(name: string): number;
  /** Why a string names no node, or undefined if it can. */
  notANodeName(name: string): string | undefined;
}

/**
 * The links and monitors between local processes and processes of other nodes, so exits, DOWNs and
 * nodedown reach the right processes (OTP's remote links and monitors): what local processes ask
 * (link, unlink, monitor, demonitor, their exit) and the bookkeeping control.ts updates for what arrives.
 */
export class RemoteSignals {
  private readonly links = new Map<ProcessImpl, Map<string, Pid>>();
  private readonly held = new Map<ProcessImpl, Map<string, HeldMonitor>>();
  private readonly watchers = new Map<ProcessImpl, Map<string, RemoteWatcher>>();
  // How many links and remote watchers each node (by index) holds here: what a peer may add is bounded by it.
  private readonly perNode = new Map<number, number>();

  constructor(private readonly routes: SignalRoutes) {}

  /** Links a local process to a remote one; if its node cannot be reached, the local process gets noconnection. */
  link(proc: ProcessImpl, pid: Pid): void {
    this.addLink(proc, pid);
    this.routes.route(this.routes.nameOf(pid.node), ['link', proc.pid, pid], (reason) => {
      if (this.removeLink(proc, pid)) this.routes.node.signalProcess(proc, pid, reason, true);
    });
  }

  /** Removes a link with a remote process. */
  unlink(proc: ProcessImpl, pid: Pid): void {
    if (this.removeLink(proc, pid)) this.routes.tell(this.routes.nameOf(pid.node), ['unlink', proc.pid, pid]);
  }

  /** Monitors a remote process (by pid, or by name on a node); DOWN noconnection if its node cannot be reached. */
  monitor(proc: ProcessImpl, target: Pid | { name: string; node: string }, ref: Ref): void {
    if (!(target instanceof Pid) && this.routes.notANodeName(target.node) !== undefined) {
      // As erlang:monitor(process, {Name, Node}) of a Node no connection can reach ('nohost'): DOWN noconnection, nothing held.
      queueMicrotask(() => proc.deliver(new Down(ref, target, 'noconnection')));
      return;
    }
    const node = target instanceof Pid ? target.node : this.routes.indexOf(target.node);
    const remoteTarget = target instanceof Pid ? target : target.name;
    this.addHeld(proc, { ref, node, target: remoteTarget });
    this.routes.route(this.routes.nameOf(node), ['monitor', proc.pid, remoteTarget, ref], (reason) => {
      const h = this.takeHeld(proc, ref);
      if (h) proc.deliver(new Down(ref, this.downTarget(h), reason));
    });
  }

  /** What a DOWN of the held monitor `h` names: the pid, or `{ name, node }` for a monitor by name (as OTP's {Name, Node}). */
  downTarget(h: HeldMonitor): Pid | { name: string; node: string } {
    return typeof h.target === 'string' ? { name: h.target, node: this.routes.nameOf(h.node) } : h.target;
  }

  /** Removes a monitor on a remote process; false if the ref is not one. */
  demonitor(proc: ProcessImpl, ref: Ref): boolean {
    const h = this.takeHeld(proc, ref);
    if (!h) return false;
    this.routes.tell(this.routes.nameOf(h.node), ['demonitor', proc.pid, h.target, ref]);
    return true;
  }

  /** A local process exited: its remote links get exit signals, remote watchers DOWNs, its own monitors end. */
  processExited(proc: ProcessImpl, reason: ExitReason): void {
    const { links, watchers, held } = this.exited(proc);
    const { routes } = this;
    const signal = this.withReason(proc, reason);
    for (const pid of links) signal(pid.node, (r) => ['exit', proc.pid, pid, r]);
    for (const w of watchers) signal(w.watcher.node, (r) => ['down', w.byName ?? proc.pid, w.watcher, w.ref, r]);
    for (const h of held) routes.tell(routes.nameOf(h.node), ['demonitor', proc.pid, h.target, h.ref]);
  }

  // Tells a node of an exit with its reason. A reason that cannot cross the wire (a function in it, nested
  // too deep, too large) must not lose the signal, nor throw out of the exit: that node gets
  // { unsendable: why } instead, with one line for the exit.
  private withReason(proc: ProcessImpl, reason: ExitReason): (node: number, message: (reason: ExitReason) => ControlMessage) => void {
    let substitute: { unsendable: string } | undefined;
    return (node, message) => {
      const name = this.routes.nameOf(node);
      if (substitute === undefined) {
        try {
          return this.routes.tell(name, message(reason));
        } catch (error) {
          substitute = { unsendable: error instanceof Error ? error.message : String(error) };
          this.routes.log(`distribution: the exit reason of ${String(proc.pid)} cannot be sent to other nodes: ${quoteForLog(substitute.unsendable, 200)}; its links and monitors there get { unsendable: why } instead`);
        }
      }
      this.routes.tell(name, message(substitute));
    };
  }

  /** Adds a link; `peer` names the node that asked for it over the wire, which admit() holds to its bound. */
  addLink(local: ProcessImpl, remote: Pid, peer?: string): void {
    const k = pidKey(remote);
    if (this.links.get(local)?.has(k)) return;
    if (peer !== undefined) this.admit(peer, remote.node);
    let m = this.links.get(local);
    if (!m) this.links.set(local, (m = new Map()));
    this.counted(remote.node, 1);
    m.set(k, remote);
  }

  /** Removes a link; returns whether it existed. */
  removeLink(local: ProcessImpl, remote: Pid): boolean {
    const m = this.links.get(local);
    const had = m?.delete(pidKey(remote)) ?? false;
    if (had) this.counted(remote.node, -1);
    if (m?.size === 0) this.links.delete(local);
    return had;
  }

  /** How many links and monitors of its own the node `node` holds with this node's processes. */
  heldBy(node: number): number {
    return this.perNode.get(node) ?? 0;
  }

  /**
   * Throws, naming `peer` and the limit, when a link or monitor `peer` asks for would take it past
   * maxLinksAndMonitors (the connection is then closed with that line, as for any malformed message).
   */
  private admit(peer: string, node: number): void {
    const max = this.routes.maxLinksAndMonitors;
    if (this.heldBy(node) < max) return;
    throw new Error(`it asked for more than ${max} links and monitors with this node's processes (maxLinksAndMonitors): start this node with a larger maxLinksAndMonitors if ${peer} needs that many`);
  }

  private counted(node: number, delta: number): void {
    const n = (this.perNode.get(node) ?? 0) + delta;
    if (n > 0) this.perNode.set(node, n);
    else this.perNode.delete(node);
  }

  /** The remote pids a local process is linked to. */
  linksOf(local: ProcessImpl): Pid[] {
    return [...(this.links.get(local)?.values() ?? [])];
  }

  addHeld(local: ProcessImpl, monitor: HeldMonitor): void {
    let m = this.held.get(local);
    if (!m) this.held.set(local, (m = new Map()));
    m.set(refKey(monitor.ref), monitor);
  }

  /** Whether `local` still holds the monitor `ref` on a remote process (a monitor alias lives as long as it). */
  holds(local: ProcessImpl, ref: Ref): boolean {
    return this.held.get(local)?.has(refKey(ref)) ?? false;
  }

  /** Removes a held monitor by its ref; returns it if it existed. */
  takeHeld(local: ProcessImpl, ref: Ref, node?: number): HeldMonitor | undefined {
    const m = this.held.get(local);
    const h = m?.get(refKey(ref));
    // A DOWN ends only a monitor on a process of the node it came from.
    if (h !== undefined && node !== undefined && h.node !== node) return undefined;
    if (h) m!.delete(refKey(ref));
    if (m?.size === 0) this.held.delete(local);
    return h;
  }

  /** Adds a remote process's monitor on `local`, asked for by the node `peer` (held to admit()'s bound). */
  addWatcher(local: ProcessImpl, watcher: RemoteWatcher, peer: string): void {
    const k = watcherKey(watcher.watcher, watcher.ref);
    const m = this.watchers.get(local);
    if (m?.has(k)) return void m.set(k, watcher);
    this.admit(peer, watcher.watcher.node);
    if (m) m.set(k, watcher);
    else this.watchers.set(local, new Map([[k, watcher]]));
    this.counted(watcher.watcher.node, 1);
  }

  /** Removes the monitor `watcher` holds on `local` by `ref` (only its own: another process's monitor with that ref stays). */
  removeWatcher(local: ProcessImpl, watcher: Pid, ref: Ref): void {
    const m = this.watchers.get(local);
    if (m?.delete(watcherKey(watcher, ref))) this.counted(watcher.node, -1);
    if (m?.size === 0) this.watchers.delete(local);
  }

  /** Everything a local process that exits must tell other nodes; its entries are dropped. */
  exited(local: ProcessImpl): { links: Pid[]; watchers: RemoteWatcher[]; held: HeldMonitor[] } {
    const out = { links: this.linksOf(local), watchers: [...(this.watchers.get(local)?.values() ?? [])], held: [...(this.held.get(local)?.values() ?? [])] };
    this.links.delete(local);
    this.watchers.delete(local);
    this.held.delete(local);
    for (const pid of out.links) this.counted(pid.node, -1);
    for (const w of out.watchers) this.counted(w.watcher.node, -1);
    return out;
  }

  /** A node went down: links to it become noconnection exit signals, monitors on it noconnection DOWNs. */
  nodeDown(node: number, signal: (local: ProcessImpl, from: Pid, reason: ExitReason) => void): void {
    this.perNode.delete(node);
    for (const [local, m] of [...this.links]) {
      for (const [k, pid] of [...m]) {
        if (pid.node !== node) continue;
        m.delete(k);
        signal(local, pid, 'noconnection');
      }
      if (m.size === 0) this.links.delete(local);
    }
    for (const [local, m] of [...this.held]) {
      for (const [k, h] of [...m]) {
        if (h.node !== node) continue;
        m.delete(k);
        local.deliver(new Down(h.ref, this.downTarget(h), 'noconnection'));
      }
      if (m.size === 0) this.held.delete(local);
    }
    for (const [local, m] of [...this.watchers]) {
      for (const [k, w] of [...m]) if (w.watcher.node === node) m.delete(k);
      if (m.size === 0) this.watchers.delete(local);
    }
  }
}

export type { HeldMonitor, RemoteWatcher };
