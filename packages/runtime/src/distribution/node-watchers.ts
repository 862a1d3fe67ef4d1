// Processes watching other nodes come and go: monitorNode (one node) and monitorNodes (every visible node).
import type { OtpNode } from '../node.js';
import type { Pid } from '../pid.js';

/** The message `monitorNodes` delivers when a visible node connects (net_kernel's nodeup). */
export class NodeUp {
  readonly type = 'nodeup' as const;
  constructor(readonly node: string) {}
}

/**
 * Why a node went down, as OTP's nodedown_reason: the connection could not be set up, the peer closed it (or the
 * socket failed), this node cut it (`disconnect`), the peer was silent past the tick time, or this node stopped.
 */
export type NodeDownReason = 'connection_setup_failed' | 'connection_closed' | 'disconnect' | 'net_tick_timeout' | 'net_kernel_terminated';

/** The message `monitorNode` delivers when a connected node goes down: OTP's reason, and a sentence saying what happened. */
export class NodeDown {
  readonly type = 'nodedown' as const;
  constructor(
    readonly node: string,
    readonly reason: NodeDownReason,
    readonly detail = '',
  ) {}
}

/** The node monitors of a node's processes. */
export class NodeWatchers {
  // Each watcher with the number of its monitors on the node: as OTP's, every monitorNode call is one NodeDown.
  private readonly byNode = new Map<string, Map<Pid, number>>();
  private readonly everyNode = new Set<Pid>();

  constructor(private readonly node: OtpNode) {}

  /** `watcher` hears NodeDown when the connected node `nodeName` goes down, once for each call. */
  watch(watcher: Pid, nodeName: string): void {
    let watching = this.byNode.get(nodeName);
    if (!watching) this.byNode.set(nodeName, (watching = new Map()));
    // Watchers that exited go when another one comes: a long-lived connection does not collect them.
    for (const w of watching.keys()) if (!this.node.isAlive(w)) watching.delete(w);
    watching.set(watcher, (watching.get(watcher) ?? 0) + 1);
  }

  /** `watcher` hears NodeDown at once: `nodeName` could not be reached. */
  unreachable(watcher: Pid, nodeName: string, detail: string): void {
    this.node.send(watcher, new NodeDown(nodeName, 'connection_setup_failed', detail));
  }

  /** `watcher` hears NodeUp and NodeDown for every visible node from now on (or no more, `on` false). */
  watchEvery(watcher: Pid, on: boolean): void {
    if (on) this.everyNode.add(watcher);
    else this.everyNode.delete(watcher);
  }

  /** A node connected (hidden ones are not announced). */
  up(nodeName: string, hidden: boolean): void {
    if (!hidden) this.tellEvery(new NodeUp(nodeName));
  }

  /** A connected node went down: its own watchers hear it, and (unless hidden) those of every node. */
  down(nodeName: string, reason: NodeDownReason, detail: string, hidden: boolean): void {
    for (const [watcher, count] of this.byNode.get(nodeName) ?? []) for (let i = 0; i < count; i++) this.node.send(watcher, new NodeDown(nodeName, reason, detail));
    this.byNode.delete(nodeName);
    if (!hidden) this.tellEvery(new NodeDown(nodeName, reason, detail));
  }

  private tellEvery(message: NodeUp | NodeDown): void {
    for (const w of this.everyNode) {
      if (this.node.isAlive(w)) this.node.send(w, message);
      else this.everyNode.delete(w);
    }
  }
}
