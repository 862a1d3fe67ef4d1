import { Down, type ExitReason } from '../messages.js';
import type { Pid, Ref } from '../pid.js';
import type { ProcessImpl } from '../process.js';

const pidKey = (p: Pid): string => `${p.node}.${p.id}.${p.serial}`;
const refKey = (r: Ref): string => `${r.node}.${r.id}`;

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

/**
 * The links and monitors between local processes and processes of other nodes, so exits, DOWNs and
 * nodedown reach the right processes (OTP's remote links and monitors).
 */
export class RemoteSignals {
  private readonly links = new Map<ProcessImpl, Map<string, Pid>>();
  private readonly held = new Map<ProcessImpl, Map<string, HeldMonitor>>();
  private readonly watchers = new Map<ProcessImpl, Map<string, RemoteWatcher>>();

  addLink(local: ProcessImpl, remote: Pid): void {
    let m = this.links.get(local);
    if (!m) this.links.set(local, (m = new Map()));
    m.set(pidKey(remote), remote);
  }

  /** Removes a link; returns whether it existed. */
  removeLink(local: ProcessImpl, remote: Pid): boolean {
    const m = this.links.get(local);
    const had = m?.delete(pidKey(remote)) ?? false;
    if (m?.size === 0) this.links.delete(local);
    return had;
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
  takeHeld(local: ProcessImpl, ref: Ref): HeldMonitor | undefined {
    const m = this.held.get(local);
    const h = m?.get(refKey(ref));
    if (h) m!.delete(refKey(ref));
    if (m?.size === 0) this.held.delete(local);
    return h;
  }

  addWatcher(local: ProcessImpl, watcher: RemoteWatcher): void {
    let m = this.watchers.get(local);
    if (!m) this.watchers.set(local, (m = new Map()));
    m.set(refKey(watcher.ref), watcher);
  }

  removeWatcher(local: ProcessImpl, ref: Ref): void {
    const m = this.watchers.get(local);
    m?.delete(refKey(ref));
    if (m?.size === 0) this.watchers.delete(local);
  }

  /** Everything a local process that exits must tell other nodes; its entries are dropped. */
  exited(local: ProcessImpl): { links: Pid[]; watchers: RemoteWatcher[]; held: HeldMonitor[] } {
    const out = { links: this.linksOf(local), watchers: [...(this.watchers.get(local)?.values() ?? [])], held: [...(this.held.get(local)?.values() ?? [])] };
    this.links.delete(local);
    this.watchers.delete(local);
    this.held.delete(local);
    return out;
  }

  /** A node went down: links to it become noconnection exit signals, monitors on it noconnection DOWNs. */
  nodeDown(node: number, signal: (local: ProcessImpl, from: Pid, reason: ExitReason) => void): void {
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
        local.deliver(new Down(h.ref, h.target, 'noconnection'));
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
