import type { Server, Socket } from 'node:net';
import { randomInt } from 'node:crypto';
import type { OtpNode } from '../node.js';
import type { ExitReason } from '../messages.js';
import type { Pid, Ref } from '../pid.js';
import type { ProcessImpl } from '../process.js';
import { Connection, DEFAULT_LIMITS, type ConnectionLimits, type ConnectionOwner, type RefusalReason } from './connection.js';
import { decodeBudget, decodeControl, encodeMeasured, type PidTranslator } from './codec.js';
import { handleControl, targetOf, type ControlTarget } from './control.js';
import type { ControlMessage } from './control-message.js';
import { Admission, type RefusalReport } from './admission.js';
import { Dialler, type DiallerHost } from './dialler.js';
import { NodeTable, NotANodeName } from './node-table.js';
import { NodeDown, NodeUp, NodeWatchers, type NodeDownReason } from './node-watchers.js';
import { epmdPort, type Registration } from './epmd-client.js';
import { listen } from './listener.js';
import { CREATION_VERSION, nodeNameProblem, quoteForLog, splitNodeName } from './handshake.js';
import { RemoteSignals, type SignalRoutes } from './remote.js';
import { Discovery, type DiscoveryOptions } from './discovery.js';
import { loadTls, type ConnectFailure, type DistributionTls } from './transport.js';
import { BusyWait, DEFAULT_BUSY_WAIT_US } from './busy-wait.js';
import { LineBudget } from './line-budget.js';
import { MIN_FRAME } from './framing.js';

export { NodeDown, NodeUp, type NodeDownReason, type RefusalReport };

/** Options of `startDistribution`. */
export interface DistributionOptions {
  /** `name@host` (the host is where other nodes reach this one, e.g. 127.0.0.1). */
  name: string;
  /** The shared secret; nodes with different cookies refuse each other. */
  cookie: string;
  /** A hidden node (tools, the tracer) connects without joining the mesh. */
  hidden?: boolean;
  /** Silence after which a peer is considered down (default 60000 ms, like net_ticktime). */
  tickTime?: number;
  /** The port mapper's port (default OTP_EPMD_PORT or 4369). */
  epmdPort?: number;
  /** Where connection events are reported (default: the node's logger is not used; stderr). */
  log?: (line: string) => void;
  /**
   * Bytes a connection may hold unsent before its senders are suspended until it drains (BEAM's
   * dist_buf_busy_limit, busy_dist_port); default 1 MiB.
   */
  busyLimit?: number;
  /** Other nodes to connect to at start and at every poll: a static list and/or DNS records (docs/distribution.md). */
  discovery?: DiscoveryOptions;
  /**
   * TLS (`--proto tls`): PEM files of this node's certificate and key and of the CA that signs every node's
   * certificate. Both sides present and check certificates (mutual authentication); the cookie handshake
   * still runs inside the TLS stream. A TLS node and a plain one refuse each other.
   */
  tls?: DistributionTls;
  /**
   * Microseconds the event loop keeps polling after distribution traffic instead of sleeping (the BEAM's
   * scheduler busy wait, `+sbwt`): replies within the window skip a thread wake-up. Default 200; 0 turns it off.
   * The window shrinks (to 25 µs) while polling does not pay off and grows back to this when it does.
   */
  busyWaitUs?: number;
  /** Milliseconds a handshake may take before the connection is closed (default 5000). */
  handshakeTimeoutMs?: number;
  /** The largest handshake frame accepted before a peer proved the cookie, in bytes (default 4096). */
  maxHandshakeBytes?: number;
  /** The largest frame accepted from an authenticated peer, in bytes (default 64 MiB, at least 64 KiB); also the most of a peer's frames kept, and of answers owed to it, while it reads none. */
  maxFrameBytes?: number;
  /** Connections this node holds at once before their peers proved the cookie; more are dropped (default 128). */
  maxUnauthenticated?: number;
  /**
   * The most links and monitors one peer node may hold with this node's processes (default 1,000,000): a peer
   * asking for one more is disconnected with one line, so a buggy peer cannot grow this node's memory without end.
   */
  maxLinksAndMonitors?: number;
  /**
   * The most connections to other nodes (tools included) this node holds at once (default 10,000): a peer that
   * proves the cookie under one name more is refused with one line, so one cookie holder dialling in under
   * thousands of names cannot grow this node's memory without end.
   */
  maxConnections?: number;
  /**
   * The most global names (and name locks) one peer node's connection may bring into this node's replica, whichever
   * node's processes they name (default 1,000,000): a peer bringing one more is disconnected with one line.
   */
  maxGlobalNames?: number;
  /**
   * The most members (one per join) one peer node may announce in one pg scope here, and the most pg.monitorScope
   * and pg.monitor subscriptions it may hold in one (default 1,000,000): a peer past either is disconnected with one
   * line, and its members and subscriptions go with it.
   */
  maxPgMembers?: number;
  /**
   * The most other nodes one peer's messages may make this node dial (default 100): a call's `from` or a pid in a
   * message may name a third node's process, which a reply or monitor connects to (auto-connect, as in Erlang); the
   * peer whose messages would make it dial one node more is disconnected with one line.
   */
  maxAutoConnects?: number;
}

/** The default of maxLinksAndMonitors: far more than a cluster's nodes hold with each other, about 200 MB of them. */
const DEFAULT_MAX_LINKS_AND_MONITORS = 1_000_000;

/** The default of maxConnections: far more nodes than a cluster holds (OTP has no such bound), a few hundred MB of connections at most. */
const DEFAULT_MAX_CONNECTIONS = 10_000;

/** The default of maxGlobalNames and maxPgMembers: far more than a cluster's nodes register, about 200 MB of them. */
const DEFAULT_MAX_NAMES = 1_000_000;

/** The default of maxAutoConnects: more nodes than one peer's forwarded calls name in a cluster, few dials of a peer's choosing. */
const DEFAULT_MAX_AUTO_CONNECTS = 100;

/** The nodes one peer's messages made this node dial (maxAutoConnects bounds them), kept by its name across its reconnects. */
interface DialCharge {
  peer: string;
  dialled: Set<string>;
}

/** How many peers' dial charges a node keeps: past it the oldest of a peer not connected is forgotten (memory stays bounded). */
const MAX_DIAL_CHARGES = 1024;

/** A message sent while connecting: encoded and measured, the node index of the process it is for, and what a failure tells its sender. */
interface Queued {
  payload: Buffer;
  /** The same message for a protocol 3 peer, when `payload` holds a pid or ref with its node's creation. */
  legacy: Buffer | undefined;
  cost: number;
  to: number | undefined;
  onFail: ((reason: 'noconnection' | 'noproc') => void) | undefined;
}

/** How many nodes the once-a-second limit on "dropped messages" lines keeps track of. */
const MAX_DROP_LINES = 1024;

/** How many lines about dropped messages a node logs a second, whatever they are for; the rest are summed up. */
const DROP_LINES_PER_SECOND = 10;

type WholeOption = 'handshakeTimeoutMs' | 'maxHandshakeBytes' | 'maxFrameBytes' | 'maxUnauthenticated' | 'maxLinksAndMonitors' | 'maxConnections' | 'maxGlobalNames' | 'maxPgMembers' | 'maxAutoConnects' | 'tickTime' | 'busyLimit' | 'busyWaitUs' | 'epmdPort';

// A whole-number option, or its default; one sentence naming the option otherwise. busyWaitUs may be 0 (off); a port is at most 65535.
function limitOption(options: DistributionOptions, key: WholeOption, fallback: number): number {
  const v = options[key];
  if (v === undefined) return fallback;
  if (key === 'busyWaitUs' && v === 0) return 0;
  if (!Number.isSafeInteger(v) || v <= 0) throw new Error(`distribution: ${key} must be a positive whole number${key === 'busyWaitUs' ? ' or 0 (off)' : ''}, got ${typeof v === 'number' ? String(v) : typeof v === 'string' ? `the string ${quoteForLog(v)}` : quoteForLog(v)}`);
  if (key === 'epmdPort' && v > 65535) throw new Error(`distribution: epmdPort must be a port number from 1 to 65535, got ${v}`);
  if (key === 'maxFrameBytes' && v < MIN_FRAME) throw new Error(`distribution: maxFrameBytes must be at least ${MIN_FRAME} (64 KiB, what the runtime's own messages need), got ${v}`);
  return v;
}

/** A service every distributed node runs, and the capability it offers to peers in the handshake. */
interface DistributionService {
  start: (node: OtpNode) => Promise<void>;
  /** The handshake flag naming it (e.g. `global`); peers use the service only on nodes that offer it. */
  capability: string;
  /** False when hidden nodes do not run it (global names live on visible nodes only). */
  onHidden: boolean;
}

const services: DistributionService[] = [];

/** Registers a service every node starts with its distribution (rpc's server, global, the trace agent). */
export function addDistributionService(capability: string, start: (node: OtpNode) => Promise<void>, options: { onHidden?: boolean } = {}): void {
  services.push({ start, capability, onHidden: options.onHidden ?? true });
}

/** Starts the registered distribution services on a node. */
export async function startServices(node: OtpNode): Promise<void> {
  for (const s of services) if (s.onHidden || !node.dist?.hidden) await s.start(node);
  node.dist?.discovery?.start();
}

// Lines about messages dropped for nodes that cannot be reached: one per node a second at most (a process
// sending in a loop to a node that is down must not flood the log), with the count of the rest; and at most
// DROP_LINES_PER_SECOND of them all a second (a peer flooding messages for many unknown or invalid nodes must
// not flood it either), the rest summed up in one line when their second ends.
class DropLines {
  // When a line about messages dropped for a node was last written, and how many were dropped since.
  private readonly lines = new Map<string, { at: number; suppressed: number }>();
  private readonly budget: LineBudget;

  constructor(log: (line: string) => void) {
    this.budget = new LineBudget(DROP_LINES_PER_SECOND, log, (n) => `distribution: dropped ${n} more message${n === 1 ? '' : 's'} in that second, not logged one by one (at most ${DROP_LINES_PER_SECOND} lines a second about dropped messages)`);
  }

  /** Logs `line` about `count` dropped messages within the per-second budget of all drop lines. */
  line(line: string, count = 1): void {
    this.budget.line(line, count);
  }

  dropped(nodeName: string, count: number, why: string): void {
    this.count(nodeName, count, (total) => `distribution: dropped ${total} message${total === 1 ? '' : 's'} to ${quoteForLog(nodeName)}: ${why.replace(/^distribution: /, '')}`);
  }

  // Logs `line(total)` for `key`, or counts the drop towards the next line if one was written less than a second ago.
  count(key: string, count: number, line: (total: number) => string): void {
    const now = Date.now();
    const last = this.lines.get(key);
    if (last && now - last.at < 1000) {
      last.suppressed += count;
      return;
    }
    if (this.lines.size >= MAX_DROP_LINES) for (const [n, l] of this.lines) if (now - l.at >= 1000) this.lines.delete(n);
    if (this.lines.size < MAX_DROP_LINES) this.lines.set(key, { at: now, suppressed: 0 });
    const total = count + (last?.suppressed ?? 0);
    this.budget.line(line(total), total);
  }
}

/**
 * A node's distribution: its name, its listener, its connections and the routing of what its processes
 * send to other nodes. The units it is made of: listener.ts listens and registers, the Dialler sets
 * connections up, Admission guards
 * handshakes, NodeTable translates pids for the wire, control.ts handles what arrives, RemoteSignals keeps
 * links and monitors across nodes, NodeWatchers the node monitors. It stays the one object the node, the
 * connections (ConnectionOwner) and the layers above (node.dist) talk to, so their calls land here first:
 * that is why it is longer than the ~250 lines a class should take (most of it is those entry points,
 * handing over to its units), and the sending path (route) stays here, one call from the process's send.
 */
export class Distribution implements ConnectionOwner, DiallerHost, ControlTarget, PidTranslator, SignalRoutes {
  readonly hidden: boolean;
  readonly cookie: string;
  /** Which incarnation of this node it is (OTP's creation): peers tell its pids from those of a past run of the same name. */
  readonly creation = randomInt(1, 2 ** 32);
  /** Bytes a connection may hold unsent before senders are suspended. */
  readonly busyLimit: number;
  /** Set by a send to a busy connection; the sending process takes it and waits on it (see ProcessImpl.send). */
  suspend: Promise<void> | null = null;
  /** Finds and connects other nodes (static list, DNS), when configured. */
  readonly discovery: Discovery | null;
  /** Links and monitors with processes of other nodes. */
  readonly remote = new RemoteSignals(this);
  readonly tickTime: number;
  /** The port mapper's port this node registers with and looks other nodes up at (`epmdPort`, else OTP_EPMD_PORT's rule). */
  readonly epmdPort: number;
  readonly log: (line: string) => void;
  /** Handshake deadline and frame limits of every connection (ConnectionOwner). */
  readonly limits: ConnectionLimits;
  /** The most links and monitors one peer node may hold with this node's processes (SignalRoutes). */
  readonly maxLinksAndMonitors: number;
  /** The most connections to other nodes this node holds at once (`maxConnections`). */
  readonly maxConnections: number;
  /** The most global names and name locks one peer node's connection may bring here (`maxGlobalNames`). */
  readonly maxGlobalNames: number;
  /** The most members one peer node may announce in one pg scope here (`maxPgMembers`). */
  readonly maxPgMembers: number;
  /** The most other nodes one peer's messages (by its name, across its reconnects) may make this node dial (`maxAutoConnects`). */
  readonly maxAutoConnects: number;
  /** Handshakes' one-time challenges, the cap on unauthenticated connections, refusals (ConnectionOwner). */
  readonly admission: Admission;
  private readonly connections = new Map<string, Connection>();
  // Messages sent while connecting, encoded (and measured: the peer's limit is known only once it is up).
  private readonly queued = new Map<string, Queued[]>();
  // Bytes of the messages queued for each node while connecting: past busyLimit their senders are suspended.
  private readonly queuedBytes = new Map<string, number>();
  // Nodes cut off by `block` (a simulated network partition): no connection to or from them until unblocked.
  private readonly blocked = new Set<string>();
  private readonly table: NodeTable;
  private readonly dialler: Dialler;
  private readonly watchers: NodeWatchers;
  private readonly drops: DropLines;
  private readonly busy: BusyWait;
  private readonly tls: DistributionTls | undefined;
  private server: Server | null = null;
  private registration: Registration | null = null;
  // The connection whose frame is being decoded: a third node its pids name is charged to its peer (maxAutoConnects).
  private decoding: Connection | undefined;
  // By peer name, not by connection: a peer that reconnects gets no fresh budget of dials (at most MAX_DIAL_CHARGES peers).
  private readonly charges = new Map<string, DialCharge>();
  // Nodes not connected that a connection's messages named last, by name: a dial to one is charged to its peer, and
  // past the bound that connection (not a later one of the same peer) is closed.
  private readonly namedBy = new Map<string, { charge: DialCharge; by: Connection }>();
  // Connections closed for going past maxAutoConnects: one line each.
  private readonly overCharged = new WeakSet<Connection>();

  constructor(
    readonly node: OtpNode,
    readonly name: string,
    options: DistributionOptions,
  ) {
    // Blanks only is no cookie either (the tools refuse it as empty): a node must not start with one no tool can use.
    if (typeof options.cookie !== 'string' || options.cookie.trim() === '') {
      throw new Error('distribution: no cookie: give the node a non-empty cookie (--cookie, OTP_COOKIE or ~/.otp-ts.cookie)');
    }
    splitNodeName(name);
    this.cookie = options.cookie;
    this.limits = {
      handshakeTimeoutMs: limitOption(options, 'handshakeTimeoutMs', DEFAULT_LIMITS.handshakeTimeoutMs),
      maxHandshakeFrame: limitOption(options, 'maxHandshakeBytes', DEFAULT_LIMITS.maxHandshakeFrame),
      maxFrame: limitOption(options, 'maxFrameBytes', DEFAULT_LIMITS.maxFrame),
    };
    this.maxLinksAndMonitors = limitOption(options, 'maxLinksAndMonitors', DEFAULT_MAX_LINKS_AND_MONITORS);
    this.maxConnections = limitOption(options, 'maxConnections', DEFAULT_MAX_CONNECTIONS);
    this.maxGlobalNames = limitOption(options, 'maxGlobalNames', DEFAULT_MAX_NAMES);
    this.maxPgMembers = limitOption(options, 'maxPgMembers', DEFAULT_MAX_NAMES);
    this.maxAutoConnects = limitOption(options, 'maxAutoConnects', DEFAULT_MAX_AUTO_CONNECTS);
    this.hidden = options.hidden ?? false;
    this.tickTime = limitOption(options, 'tickTime', 60_000);
    this.epmdPort = limitOption(options, 'epmdPort', 0) || epmdPort();
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.busyLimit = limitOption(options, 'busyLimit', 1024 * 1024);
    this.tls = options.tls;
    this.busy = new BusyWait(limitOption(options, 'busyWaitUs', DEFAULT_BUSY_WAIT_US));
    this.table = new NodeTable(name, this.creation);
    this.dialler = new Dialler(this, this.epmdPort);
    this.admission = new Admission(limitOption(options, 'maxUnauthenticated', 128), this.log);
    this.watchers = new NodeWatchers(node);
    this.drops = new DropLines(this.log);
    this.discovery = options.discovery ? new Discovery(options.discovery, name, (n) => this.connect(n), this.log) : null;
  }

  /** The capabilities this node offers in its handshakes: the services it runs (ConnectionOwner). */
  get flags(): string[] {
    return services.filter((s) => s.onHidden || !this.hidden).map((s) => s.capability);
  }

  /** True when `nodeName` is connected and offered `capability` in its handshake (e.g. `global`). */
  offers(nodeName: string, capability: string): boolean {
    return this.connections.get(nodeName)?.peerFlags.has(capability) ?? false;
  }

  /** The busy-wait window now (µs): `busyWaitUs`, less while polling does not pay off, 0 when turned off. */
  get busyWaitUs(): number {
    return this.busy.windowUs;
  }

  /** Bytes arrived or left on a connection: keep the event loop polling for a while (ConnectionOwner). */
  readonly activity = (): void => this.busy.touch();

  /** Listens on the node's host, registers with the port mapper (starting the built-in one if none runs). */
  async start(): Promise<void> {
    const tls = this.tls ? loadTls(this.tls) : undefined;
    this.dialler.tls = tls;
    // The connection keeps itself alive through its socket's listeners: nothing holds the object.
    const accept = (socket: Socket, first: Buffer | undefined, authenticated: () => void, progressed: () => void): void => {
      new Connection(socket, this, { initiator: false, onAuthenticated: authenticated, onHello: progressed, tls: tls !== undefined, ...(first && { first }) });
    };
    const listening = await listen({ name: this.name, hidden: this.hidden, epmd: this.epmdPort, log: this.log, handshakeTimeoutMs: this.limits.handshakeTimeoutMs, admission: this.admission, tls, accept });
    this.server = listening.server;
    this.registration = listening.registration;
  }

  /** Closes every connection, deregisters and stops listening. */
  async stop(): Promise<void> {
    this.busy.stop();
    this.discovery?.stop();
    for (const c of this.connections.values()) c.closeFor('net_kernel_terminated', 'the node stopped', true);
    this.registration?.close();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The connected nodes: visible ones (as Erlang's nodes()), hidden ones (tools), or both. */
  nodes(which: 'visible' | 'hidden' | 'connected' = 'visible'): string[] {
    return [...this.connections.values()].filter((c) => which === 'connected' || c.peerHidden === (which === 'hidden')).map((c) => c.peer);
  }

  /** Refused and failed handshakes: how many since the node started, and the most recent ones (oldest first). */
  refusals(): RefusalReport {
    return this.admission.refusals();
  }

  /** A hello from `peer` (ConnectionOwner): OTP's tie-break when both nodes dial each other at once. */
  admit(conn: Connection, peer: string): RefusalReason | undefined {
    return this.dialler.admit(conn, peer);
  }

  // PidTranslator: what the wire decodes keeps the translator it came through (a remote call's From
  // replies through it: sendToPid), so the codec is handed this object, not the table.
  /** The node name a pid's node index stands for (index 0: this node). */
  nameOf(index: number): string {
    return this.table.nameOf(index);
  }

  /** Why `nodeName` can name no node, as one clause, or undefined if it can (gen/ reads it: it may not import this layer). */
  notANodeName(nodeName: string): string | undefined {
    const problem = nodeNameProblem(nodeName);
    return problem === undefined ? undefined : `${quoteForLog(nodeName)} is not a node name (${problem}): use name@host, e.g. shop@127.0.0.1`;
  }

  /** The index of a node name on this node, allocating one for a new name. */
  indexOf(name: string): number {
    return this.table.indexOf(name);
  }

  /** The index of a node name read from a peer's message (PidTranslator): a new one past the table's limit on such names is refused. */
  wireIndexOf(name: string): number {
    const i = this.table.indexOf(name, true);
    this.named(name);
    return i;
  }

  // A third node named in the frame being decoded: a dial to it, while it is not connected, is charged to that connection.
  private named(name: string): void {
    const conn = this.decoding;
    if (conn === undefined || name === this.name || this.connections.has(name)) return;
    this.namedBy.set(name, { charge: this.chargeOf(conn.peer), by: conn });
  }

  // The dials charged to `peer`, kept across its reconnects; past MAX_DIAL_CHARGES peers the oldest not connected is forgotten.
  private chargeOf(peer: string): DialCharge {
    let charge = this.charges.get(peer);
    if (charge !== undefined) return charge;
    if (this.charges.size >= MAX_DIAL_CHARGES) {
      let evict: string | undefined;
      for (const name of this.charges.keys()) {
        evict ??= name;
        if (!this.connections.has(name)) {
          evict = name;
          break;
        }
      }
      this.charges.delete(evict!);
    }
    this.charges.set(peer, (charge = { peer, dialled: new Set() }));
    return charge;
  }

  // Whether this node may dial `nodeName` for a message it routes: not when the connection whose messages named it
  // made it dial maxAutoConnects other nodes already (that connection is closed, with one line, the first time).
  private mayDial(nodeName: string): boolean {
    const named = this.namedBy.get(nodeName);
    if (named === undefined) return true;
    const { charge, by } = named;
    if (charge.dialled.has(nodeName)) return true;
    if (charge.dialled.size < this.maxAutoConnects) {
      charge.dialled.add(nodeName);
      return true;
    }
    // Only the connection whose messages named it, while it is up: a later one of the same peer did not send this.
    if (!this.overCharged.has(by) && this.connections.get(charge.peer) === by) {
      this.overCharged.add(by);
      this.overBound(charge.peer, `its messages would make this node connect to more than ${this.maxAutoConnects} other nodes (the pids of their processes it sent, as a call's from)`, 'maxAutoConnects');
    }
    return false;
  }

  /** The creation of the run of its node a pid index stands for, when known. */
  creationOf(index: number): number | undefined {
    return this.table.creationOf(index);
  }

  /** The index of pids of one run of a node (a run other than the current one has its own). */
  incarnationOf(name: string, creation: number): number {
    const i = this.table.incarnationOf(name, creation);
    this.named(name);
    return i;
  }

  /** Sends to a pid on another node (connecting first if needed); dropped if the node cannot be reached, as in Erlang. */
  sendToPid(pid: Pid, message: unknown): void {
    this.route(this.table.nameOf(pid.node), ['send', pid, message]);
  }

  /** Sends through an alias (a ref) of a process on another node; dropped there if the alias is inactive. */
  sendToAlias(ref: Ref, message: unknown): void {
    this.route(this.table.nameOf(ref.node), ['alias_send', ref, message]);
  }

  /** Sends to a name registered on another node. */
  sendToName(name: string, nodeName: string, message: unknown): void {
    this.route(nodeName, ['reg_send', name, message]);
  }

  /** Connects to a node by name through its host's port mapper; undefined if it cannot be reached. */
  connect(nodeName: string): Promise<Connection | undefined> {
    return this.dialler.connect(nodeName);
  }

  /** Why the last attempt to connect to `nodeName` failed (cleared when one succeeds), as data. */
  connectFailure(nodeName: string): ConnectFailure | undefined {
    return this.dialler.connectFailure(nodeName);
  }

  /** Connects to a node: resolves to true when connected (Erlang's net_adm:ping pong). */
  async ping(nodeName: string): Promise<boolean> {
    return (await this.connect(nodeName)) !== undefined;
  }

  /**
   * Delivers a NodeDown message to `watcher` when `nodeName` goes down, once per call (erlang:monitor_node): a
   * node not connected is connected first, and NodeDown comes at once only if that fails.
   */
  monitorNode(watcher: Pid, nodeName: string): void {
    // This node never goes down under its own processes: nothing to watch, and nothing to dial.
    if (nodeName === this.name) return;
    if (this.connections.has(nodeName)) return this.watchers.watch(watcher, nodeName);
    void this.connect(nodeName).then(() => {
      // Up now (by this dial, or the peer's in a simultaneous connect), or a NodeDown at once.
      if (this.connections.has(nodeName)) this.watchers.watch(watcher, nodeName);
      else this.watchers.unreachable(watcher, nodeName, this.connectFailure(nodeName)?.message ?? `${nodeName} cannot be reached`);
    });
  }

  /** Delivers NodeUp and NodeDown messages to `watcher` for every visible node from now on (net_kernel:monitor_nodes). */
  monitorNodes(watcher: Pid, on = true): void {
    this.watchers.watchEvery(watcher, on);
  }

  /** Cuts the connection to `nodeName` and refuses any new one, both ways, until `unblock`: a network partition for tests. */
  block(nodeName: string): void {
    this.blocked.add(nodeName);
    this.connections.get(nodeName)?.closeFor('disconnect', 'cut off by block');
  }

  /** Lets `nodeName` connect again after `block` (a healed partition); the next send or ping reconnects. */
  unblock(nodeName: string): void {
    this.blocked.delete(nodeName);
  }

  /** Whether `nodeName` is cut off by `block` (DiallerHost). */
  isBlocked(nodeName: string): boolean {
    return this.blocked.has(nodeName);
  }

  /** Closes the connection to a node (erlang:disconnect_node): links get noconnection; false if not connected. */
  disconnect(nodeName: string): boolean {
    const conn = this.connections.get(nodeName);
    conn?.closeFor('disconnect', 'disconnected on request');
    return conn !== undefined;
  }

  /**
   * A peer went past one of this node's bounds on what it may hold (`option`): closes its connection with one line
   * saying what it asked for; false, and no line, when it is not connected (closed already: the rest of what it sent is dropped).
   */
  overBound(nodeName: string, what: string, option: string): boolean {
    const conn = this.connections.get(nodeName);
    if (conn === undefined) return false;
    this.log(`distribution: closed the connection to ${nodeName}: ${what} (${option}): start this node with a larger ${option} if ${nodeName} needs that many`);
    conn.closeFor('disconnect', `over ${option}`);
    return true;
  }

  /** The connection to a node, if up (internal: tests and benchmarks look at its buffer). */
  connectionTo(nodeName: string): Connection | undefined {
    return this.connections.get(nodeName);
  }

  /** Whether a connection may come up now (ConnectionOwner): not to this node, a connected or a blocked one. */
  accepts(conn: Connection): boolean {
    return !this.connections.has(conn.peer) && conn.peer !== this.name && !this.blocked.has(conn.peer);
  }

  /** The line refusing `conn` when it would be one connection more than maxConnections (ConnectionOwner); a replacement adds none. */
  full(conn: Connection): string | undefined {
    if (this.connections.has(conn.peer) || this.connections.size < this.maxConnections) return undefined;
    const what = conn.initiator ? `closed the connection it dialled to ${conn.peer}` : `refused ${conn.peer} (${conn.address})`;
    return `distribution: ${what}: this node holds ${this.connections.size} connections to other nodes, the most it holds at once (maxConnections): start this node with a larger maxConnections, or disconnect nodes it no longer needs`;
  }

  /** The connection up to `conn`'s peer, when it alone keeps `conn` from coming up (ConnectionOwner: the listener asks the dialler whether to replace it). */
  superseded(conn: Connection): Connection | undefined {
    const old = this.connections.get(conn.peer);
    return old !== undefined && old !== conn && conn.peer !== this.name && !this.blocked.has(conn.peer) ? old : undefined;
  }

  /** Whether a connection to `peer` is up (ConnectionOwner: a dialler's answer to the listener's `alive`). */
  isConnected(peer: string): boolean {
    return this.connections.has(peer);
  }

  up(conn: Connection): boolean {
    this.dialler.settled(conn);
    if (!this.accepts(conn)) return false;
    // A connection this node dialled past maxConnections (the listener's are refused before their proof).
    const full = this.full(conn);
    if (full !== undefined) {
      this.log(full);
      return false;
    }
    this.connections.set(conn.peer, conn);
    this.namedBy.delete(conn.peer);
    this.table.incarnation(conn.peer, conn.peerCreation);
    conn.startTicks(this.tickTime);
    this.flushQueued(conn);
    this.watchers.up(conn.peer, conn.peerHidden);
    this.dialler.wake(conn.peer);
    return true;
  }

  // The messages queued while connecting go out; one over the peer's smaller frame limit is dropped with a
  // line (its sender's send returned long ago), rather than sent for the peer to close the connection on.
  private flushQueued(conn: Connection): void {
    const limit = conn.sendLimit;
    for (const { payload: current, legacy, cost, to, onFail } of this.queued.get(conn.peer) ?? []) {
      const payload = conn.version < CREATION_VERSION && legacy !== undefined ? legacy : current;
      // For a process of the incarnation that was known when it was sent: the node restarted since.
      if (to !== undefined && this.table.isPast(to)) {
        onFail?.('noproc');
        continue;
      }
      const over = payload.length > limit ? `is ${payload.length} bytes on the wire, over the ${limit}-byte frame limit of ${conn.peer} (its maxFrameBytes)` : cost > decodeBudget(limit) ? `would take more than ${decodeBudget(limit)} bytes of memory on ${conn.peer} (twice its maxFrameBytes)` : undefined;
      if (over === undefined) conn.send(payload);
      else this.drops.dropped(conn.peer, 1, `it was sent while connecting and ${over}: send it in parts`);
    }
    this.queued.delete(conn.peer);
    this.queuedBytes.delete(conn.peer);
  }

  frame(conn: Connection, payload: Buffer): void {
    let msg: ControlMessage;
    try {
      this.decoding = conn;
      msg = decodeControl(payload, this, conn.peer, this.limits.maxFrame);
    } catch (error) {
      // A well-formed message naming a node that cannot exist (a pid of 'not a node'): dropped, as a send to
      // an unreachable node is, and the connection's next frames are read as usual.
      if (error instanceof NotANodeName) {
        this.drops.line(`distribution: dropped a message from ${conn.peer}: it names a pid or ref of ${error.message}`);
        return;
      }
      this.log(`distribution: closed the connection to ${conn.peer}: a frame could not be decoded (${(error as Error).message})`);
      conn.close('bad frame');
      return;
    } finally {
      this.decoding = undefined;
    }
    const owed = conn.buffered;
    try {
      handleControl(this, conn.peer, msg);
      // Its answers (noproc exits and DOWNs) wait for the peer past maxFrameBytes of them: it is not read until it
      // takes them. Only answers count, not what processes send (they are suspended past busyLimit): two nodes
      // whose processes' sends each exceed what the other keeps of its frames would otherwise wait on each other.
      const answers = conn.buffered - owed;
      if (answers > 0) {
        conn.owe(answers);
        if (conn.owedAnswers > this.limits.maxFrame) conn.holdInput();
      }
    } catch (error) {
      this.log(`distribution: closed the connection to ${conn.peer}: ${(error as Error).message}`);
      conn.close('bad control message');
    }
  }

  down(conn: Connection, reason: string, wasUp: boolean): void {
    this.dialler.settled(conn);
    if (!wasUp || this.connections.get(conn.peer) !== conn) return;
    this.connections.delete(conn.peer);
    // A node a peer's messages made this node dial counts against that peer while it stays connected: once it goes, its
    // dial is no longer charged, so in a cluster whose nodes come and go a long-lived peer's budget does not run out.
    for (const charge of this.charges.values()) charge.dialled.delete(conn.peer);
    this.remote.nodeDown(this.table.indexOf(conn.peer), (local, from, why) => this.node.signalProcess(local, from, why, true));
    this.watchers.down(conn.peer, conn.downReason, reason, conn.peerHidden);
  }

  /** Sends a control message, connecting first if needed; `onFail` runs if the node cannot be reached (SignalRoutes). */
  route(nodeName: string, message: ControlMessage, onFail?: (reason: 'noconnection' | 'noproc') => void): void {
    const to = targetOf(message)?.node;
    const conn = this.connections.get(nodeName);
    // A process of another incarnation of its node than the one connected (it restarted since; this node's own
    // past runs included) is gone: as in Erlang, a message to it is dropped, a link or monitor on it gets noproc;
    // nothing reaches the process of the new run that has its number. Not connected, the connection decides.
    if (to !== undefined && (conn !== undefined || nodeName === this.name) && this.table.isPast(to)) {
      if (onFail) queueMicrotask(() => onFail('noproc'));
      return;
    }
    if (conn) {
      conn.sendControl(message, this, this.table.indexOf(nodeName));
      // busy_dist_port: the sender is descheduled until the buffer drains (the process takes `suspend`).
      if (conn.buffered > this.busyLimit) {
        this.suspend = conn.drained();
        // A send from outside any process cannot be suspended: nobody takes it, so it must not linger.
        queueMicrotask(() => (this.suspend = null));
      }
      return;
    }
    // A node a peer's messages named: past maxAutoConnects of them the message is dropped, as for a node that cannot be reached.
    if (!this.mayDial(nodeName)) {
      if (onFail) queueMicrotask(() => onFail('noconnection'));
      return;
    }
    // Which run of the node answers is not known yet: its pids go by name and creation, not as the receiver's.
    const { payload, cost, runs } = encodeMeasured(message, this, -1, this.limits.maxFrame);
    const legacy = runs ? encodeMeasured(message, this, -1, this.limits.maxFrame, false).payload : undefined;
    let q = this.queued.get(nodeName);
    if (!q) this.queued.set(nodeName, (q = []));
    q.push({ payload, legacy, cost, to, onFail });
    const bytes = (this.queuedBytes.get(nodeName) ?? 0) + payload.length;
    this.queuedBytes.set(nodeName, bytes);
    const settled = this.connect(nodeName).then((c) => {
      if (c) return;
      const dropped = this.queued.get(nodeName)?.length ?? 0;
      this.queued.delete(nodeName);
      this.queuedBytes.delete(nodeName);
      if (dropped > 0) this.drops.dropped(nodeName, dropped, this.connectFailure(nodeName)?.message ?? 'it cannot be reached');
      onFail?.('noconnection');
    });
    // As a busy connection: past busyLimit queued while connecting (a peer that accepts but never finishes its
    // handshake, a stopped one), the sender waits for the connection to come up or fail, not the queue grow.
    if (bytes > this.busyLimit) {
      this.suspend = settled;
      queueMicrotask(() => (this.suspend = null));
    }
  }

  /** Sends only over an existing connection (what a dying process tells nodes it was talking to; ControlTarget's answers). */
  tell(nodeName: string, message: ControlMessage): void {
    this.connections.get(nodeName)?.sendControl(message, this, this.table.indexOf(nodeName));
  }

  /** A message `peer` sent here for a process of another node: dropped with a line (ControlTarget's relay guard). */
  dropRelay(peer: string, to: Pid): void {
    // For a past run of this node: gone, and dropped without a word, as Erlang drops it.
    if (this.table.nameOf(to.node) === this.name) return;
    const of = quoteForLog(this.table.nameOf(to.node));
    this.drops.count(`\0relay ${peer}`, 1, (n) => `distribution: dropped ${n === 1 ? 'a message' : `${n} messages`} from ${peer}: ${n === 1 ? 'it is' : 'they are'} for a process of ${of}, and a node delivers only to its own processes`);
  }

  /** Whether `pid` is a process of the connected node `peer` (ControlTarget's sender check). */
  isOf(peer: string, pid: Pid): boolean {
    return pid.node !== 0 && this.table.nameOf(pid.node) === peer;
  }

  /** Links a local process to a remote one; if its node cannot be reached, the local process gets noconnection. */
  link(proc: ProcessImpl, pid: Pid): void {
    this.remote.link(proc, pid);
  }

  /** Removes a link with a remote process. */
  unlink(proc: ProcessImpl, pid: Pid): void {
    this.remote.unlink(proc, pid);
  }

  /** Sends an exit signal (exit/2) to a remote process. */
  exit2(from: Pid, to: Pid, reason: ExitReason): void {
    this.route(this.table.nameOf(to.node), ['exit2', from, to, reason]);
  }

  /** Monitors a remote process (by pid, or by name on a node); DOWN noconnection if its node cannot be reached. */
  monitor(proc: ProcessImpl, target: Pid | { name: string; node: string }, ref: Ref): void {
    this.remote.monitor(proc, target, ref);
  }

  /** Removes a monitor on a remote process; false if the ref is not one. */
  demonitor(proc: ProcessImpl, ref: Ref): boolean {
    return this.remote.demonitor(proc, ref);
  }

  /** A local process exited: its remote links get exit signals, remote watchers DOWNs. */
  processExited(proc: ProcessImpl, reason: ExitReason): void {
    this.remote.processExited(proc, reason);
  }
}
