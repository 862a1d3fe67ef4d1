import { connect, Socket, type Server } from 'node:net';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { OtpNode } from '../node.js';
import type { Pid } from '../pid.js';
import { Connection, DEFAULT_LIMITS, type ConnectionLimits, type ConnectionOwner, type Refusal, type RefusalReason } from './connection.js';
import { awaitedTag, decodeControl, encodeControl, isReply, type PidTranslator } from './codec.js';
import { epmdPort, lookup, register, type Registration } from './epmd-client.js';
import { portMapperAddresses } from './epmd-address.js';
import { challenge, nodeNameProblem, quoteForLog, splitNodeName } from './handshake.js';
import { RemoteSignals } from './remote.js';
import { isolation } from '../isolation.js';
import { Down, type ExitReason } from '../messages.js';
import { Pid as PidClass, Ref } from '../pid.js';
import type { ProcessImpl } from '../process.js';
import { Discovery, type DiscoveryOptions } from './discovery.js';
import { createListener, dial, loadTls, type ConnectFailure, type DistributionTls } from './transport.js';
import { BusyWait, DEFAULT_BUSY_WAIT_US } from './busy-wait.js';

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
  /** The largest frame accepted from an authenticated peer, in bytes (default 64 MiB). */
  maxFrameBytes?: number;
  /** Connections this node holds at once before their peers proved the cookie; more are dropped (default 128). */
  maxUnauthenticated?: number;
}

/** Recent refused handshakes of a node and how many there were since it started (`otp nodes --refused`). */
export interface RefusalReport {
  count: number;
  recent: Refusal[];
}

/** How many diallers' one-time challenges a node remembers (each is 64 bytes). */
const MAX_TICKETS = 1024;

/** How many refusals a node keeps to show (the count covers all of them). */
const RECENT_REFUSALS = 50;

/** How many nodes the once-a-second limit on "dropped messages" lines keeps track of. */
const MAX_DROP_LINES = 1024;

/** A name from the wire (in a pid or ref of a third node) that is no node name: the frame carrying it is dropped. */
class NotANodeName extends Error {}

// A positive integer option, or its default; one sentence naming the option otherwise.
function limitOption(options: DistributionOptions, key: 'handshakeTimeoutMs' | 'maxHandshakeBytes' | 'maxFrameBytes' | 'maxUnauthenticated', fallback: number): number {
  const v = options[key];
  if (v === undefined) return fallback;
  if (!Number.isSafeInteger(v) || v <= 0) throw new Error(`distribution: ${key} must be a positive whole number, got ${quoteForLog(v)}`);
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

/** The message `monitorNodes` delivers when a visible node connects (net_kernel's nodeup). */
export class NodeUp {
  readonly type = 'nodeup' as const;
  constructor(readonly node: string) {}
}

/** The message `monitorNode` delivers when a connected node goes down. */
export class NodeDown {
  readonly type = 'nodedown' as const;
  constructor(
    readonly node: string,
    readonly reason: string,
  ) {}
}

/** A node's distribution: its name, its listener, its connections and the pid translation for the wire. */
export class Distribution implements ConnectionOwner, PidTranslator {
  readonly hidden: boolean;
  readonly cookie: string;
  private readonly names: string[];
  private readonly indexes = new Map<string, number>();
  private readonly connections = new Map<string, Connection>();
  private readonly pending = new Map<string, Promise<Connection | undefined>>();
  private readonly queued = new Map<string, Buffer[]>();
  private readonly nodeMonitors = new Map<string, Set<Pid>>();
  private readonly allNodesWatchers = new Set<Pid>();
  /** Bytes a connection may hold unsent before senders are suspended. */
  readonly busyLimit: number;
  /** Set by a send to a busy connection; the sending process takes it and waits on it (see ProcessImpl.send). */
  suspend: Promise<void> | null = null;
  /** Finds and connects other nodes (static list, DNS), when configured. */
  readonly discovery: Discovery | null;
  // Nodes cut off by `block` (a simulated network partition): no connection to or from them until unblocked.
  private readonly blocked = new Set<string>();
  private server: Server | null = null;
  private registration: Registration | null = null;
  /** Links and monitors with processes of other nodes. */
  readonly remote = new RemoteSignals();
  readonly tickTime: number;
  private readonly epmd: number;
  readonly log: (line: string) => void;
  private readonly tls: DistributionTls | undefined;
  private readonly busy: BusyWait;
  /** The port each node listened on when this node last connected to it (see dial). */
  private readonly lastPorts = new Map<string, number>();
  /** Why the last attempt to reach each node failed (see connectFailure). */
  private readonly failures = new Map<string, ConnectFailure>();
  /** Handshake deadline and frame limits of every connection (ConnectionOwner). */
  readonly limits: ConnectionLimits;
  private readonly maxUnauthenticated: number;
  // Accepted sockets whose peer has not proved the cookie yet (capped at maxUnauthenticated).
  private readonly unauthenticated = new Set<Socket>();
  // Handshakes in progress from nodes that dialled in, by the name they claim (OTP's pending connections).
  private readonly incoming = new Map<string, Set<Connection>>();
  // Nodes this node is dialling right now (the simultaneous-connect tie-break looks here).
  private readonly dialling = new Set<string>();
  // Callbacks waiting for a node to come up (a dialler that lost a simultaneous connect).
  private readonly upWaiters = new Map<string, Set<() => void>>();
  // One-time challenges: those listeners gave this node for its next connection, and those this node gave diallers.
  private readonly tickets = new Map<string, string>();
  private readonly issued = new Map<string, string>();
  private readonly recentRefusals: Refusal[] = [];
  private refusalCount = 0;
  private capLoggedAt = 0;
  private capSuppressed = 0;
  // When a line about messages dropped for a node was last written, and how many were dropped since.
  private readonly dropLines = new Map<string, { at: number; suppressed: number }>();
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
  private tlsMaterial: ReturnType<typeof loadTls> | undefined;

  constructor(
    readonly node: OtpNode,
    readonly name: string,
    options: DistributionOptions,
  ) {
    if (typeof options.cookie !== 'string' || options.cookie === '') {
      throw new Error('distribution: no cookie: give the node a non-empty cookie (--cookie, OTP_COOKIE or ~/.otp-ts.cookie)');
    }
    splitNodeName(name);
    this.cookie = options.cookie;
    this.limits = {
      handshakeTimeoutMs: limitOption(options, 'handshakeTimeoutMs', DEFAULT_LIMITS.handshakeTimeoutMs),
      maxHandshakeFrame: limitOption(options, 'maxHandshakeBytes', DEFAULT_LIMITS.maxHandshakeFrame),
      maxFrame: limitOption(options, 'maxFrameBytes', DEFAULT_LIMITS.maxFrame),
    };
    this.maxUnauthenticated = limitOption(options, 'maxUnauthenticated', 128);
    this.hidden = options.hidden ?? false;
    this.tickTime = options.tickTime ?? 60_000;
    this.epmd = options.epmdPort ?? epmdPort();
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.names = [name];
    this.indexes.set(name, 0);
    this.busyLimit = options.busyLimit ?? 1024 * 1024;
    this.tls = options.tls;
    this.busy = new BusyWait(options.busyWaitUs ?? DEFAULT_BUSY_WAIT_US);
    this.discovery = options.discovery ? new Discovery(options.discovery, name, (n) => this.connect(n), this.log) : null;
  }

  /** Listens on the node's host, registers with the port mapper (starting the built-in one if none runs). */
  async start(): Promise<void> {
    const { name, host } = splitNodeName(this.name);
    this.tlsMaterial = this.tls ? loadTls(this.tls) : undefined;
    const gate = {
      handshakeTimeoutMs: this.limits.handshakeTimeoutMs,
      admit: (socket: Socket) => this.admitSocket(socket),
      release: (socket: Socket) => this.unauthenticated.delete(socket),
      refused: (address: string, reason: string) => this.refused({ at: new Date().toISOString(), by: 'this node', direction: 'incoming', peer: undefined, address, reason }),
    };
    const server = createListener(this.tlsMaterial, this.log, (socket, first, authenticated) => new Connection(socket, this, { initiator: false, onAuthenticated: authenticated, tls: this.tlsMaterial !== undefined, ...(first && { first }) }), gate);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host === 'localhost' ? '127.0.0.1' : host, () => resolve());
    });
    this.server = server;
    const port = (server.address() as { port: number }).port;
    const entry = { name, port, nodeType: this.hidden ? 72 : 77, protocol: 0, highestVersion: 6, lowestVersion: 5, extra: Buffer.alloc(0) };
    try {
      this.registration = await register(entry, '127.0.0.1', this.epmd);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ECONNREFUSED') throw error;
      await startBuiltInPortMapper(this.epmd, host);
      this.registration = await register(entry, '127.0.0.1', this.epmd);
    }
  }

  /** Closes every connection, deregisters and stops listening. */
  async stop(): Promise<void> {
    this.busy.stop();
    this.discovery?.stop();
    for (const c of this.connections.values()) c.close('the node stopped');
    this.registration?.close();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The connected nodes: visible ones (as Erlang's nodes()), hidden ones (tools), or both. */
  nodes(which: 'visible' | 'hidden' | 'connected' = 'visible'): string[] {
    return [...this.connections.values()].filter((c) => which === 'connected' || c.peerHidden === (which === 'hidden')).map((c) => c.peer);
  }

  /** Refused and failed handshakes: how many since the node started, and the most recent ones (oldest first). */
  refusals(): RefusalReport {
    return { count: this.refusalCount, recent: [...this.recentRefusals] };
  }

  /** The one-time challenge `listener` gave for this node's next connection, taken (ConnectionOwner). */
  takeTicket(listener: string): string | undefined {
    const t = this.tickets.get(listener);
    this.tickets.delete(listener);
    return t;
  }

  /** Keeps the one-time challenge an authenticated listener gave (ConnectionOwner). */
  keepTicket(listener: string, next: string): void {
    this.tickets.set(listener, next);
  }

  /** A fresh one-time challenge for `dialler`'s next connection (ConnectionOwner); the oldest go past 1024 diallers. */
  issueTicket(dialler: string): string {
    const next = challenge();
    this.issued.delete(dialler);
    this.issued.set(dialler, next);
    if (this.issued.size > MAX_TICKETS) this.issued.delete(this.issued.keys().next().value as string);
    return next;
  }

  /** The one-time challenge issued to `dialler`, taken (ConnectionOwner). */
  redeemTicket(dialler: string): string | undefined {
    const t = this.issued.get(dialler);
    this.issued.delete(dialler);
    return t;
  }

  /** Counts a refused handshake and keeps it among the recent ones (ConnectionOwner). */
  refused(r: Refusal): void {
    this.refusalCount++;
    this.recentRefusals.push(r);
    if (this.recentRefusals.length > RECENT_REFUSALS) this.recentRefusals.shift();
  }

  // One more TCP connection before authentication, or none: past the cap it is dropped, counted, and
  // logged at most once a second (a flood must not flood the log too).
  private admitSocket(socket: Socket): boolean {
    if (this.unauthenticated.size < this.maxUnauthenticated) {
      this.unauthenticated.add(socket);
      return true;
    }
    const address = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    this.refused({ at: new Date().toISOString(), by: 'this node', direction: 'incoming', peer: undefined, address, reason: 'too many unauthenticated connections' });
    const now = Date.now();
    if (now - this.capLoggedAt < 1000) {
      this.capSuppressed++;
      return false;
    }
    const more = this.capSuppressed > 0 ? ` (and ${this.capSuppressed} more since the last line)` : '';
    this.capLoggedAt = now;
    this.capSuppressed = 0;
    this.log(`distribution: dropped a connection from ${address}${more}: ${this.maxUnauthenticated} connections are still in their handshake (maxUnauthenticated)`);
    return false;
  }

  /** A hello from `peer` (ConnectionOwner): OTP's tie-break when both nodes dial each other at once. */
  admit(conn: Connection, peer: string): RefusalReason | undefined {
    // Both dialled: the connection the node with the greater name dialled is the one kept, on both sides.
    if (this.dialling.has(peer) && this.name > peer) return 'simultaneous';
    let set = this.incoming.get(peer);
    if (!set) this.incoming.set(peer, (set = new Set()));
    set.add(conn);
    return undefined;
  }

  private forgetIncoming(conn: Connection): void {
    const set = this.incoming.get(conn.peer);
    if (set?.delete(conn) && set.size === 0) this.incoming.delete(conn.peer);
  }

  // Waits for the handshakes from `nodeName` under way now (not later ones: a peer that keeps claiming
  // the name cannot hold a connect off for longer than one handshake deadline); true if one came up.
  private async incomingSettles(nodeName: string): Promise<boolean> {
    for (const c of [...(this.incoming.get(nodeName) ?? [])]) {
      if (this.connections.has(nodeName)) break;
      await c.settled;
    }
    return this.connections.has(nodeName);
  }

  // Resolves when `nodeName` comes up (true), or after `ms` (false).
  private waitUp(nodeName: string, ms: number): Promise<boolean> {
    if (this.connections.has(nodeName)) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      let set = this.upWaiters.get(nodeName);
      if (!set) this.upWaiters.set(nodeName, (set = new Set()));
      const done = (): void => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0 && this.upWaiters.get(nodeName) === set) this.upWaiters.delete(nodeName);
        resolve(this.connections.has(nodeName));
      };
      const timer = setTimeout(done, ms);
      set.add(done);
    });
  }

  nameOf(index: number): string {
    const n = this.names[index];
    if (n === undefined) throw new Error(`no node has index ${index}`);
    return n;
  }

  indexOf(name: string): number {
    let i = this.indexes.get(name);
    if (i === undefined) {
      // Names come from the wire too (pids of third nodes): nothing that is not a node name enters the table.
      const problem = nodeNameProblem(name);
      if (problem) throw new NotANodeName(`${quoteForLog(name)} is not a node name (${problem})`);
      i = this.names.push(name) - 1;
      this.indexes.set(name, i);
    }
    return i;
  }

  /** Sends to a pid on another node (connecting first if needed); dropped if the node cannot be reached, as in Erlang. */
  sendToPid(pid: Pid, message: unknown): void {
    this.route(this.nameOf(pid.node), ['send', pid, message]);
  }

  /** Sends through an alias (a ref) of a process on another node; dropped there if the alias is inactive. */
  sendToAlias(ref: Ref, message: unknown): void {
    this.route(this.nameOf(ref.node), ['alias_send', ref, message]);
  }

  /** Sends to a name registered on another node. */
  sendToName(name: string, nodeName: string, message: unknown): void {
    this.route(nodeName, ['reg_send', name, message]);
  }

  /** Connects to a node: resolves to true when connected (Erlang's net_adm:ping pong). */
  async ping(nodeName: string): Promise<boolean> {
    return (await this.connect(nodeName)) !== undefined;
  }

  /** Delivers a NodeDown message to `watcher` when `nodeName` goes down (or at once if not connected). */
  monitorNode(watcher: Pid, nodeName: string): void {
    if (!this.connections.has(nodeName)) {
      this.node.send(watcher, new NodeDown(nodeName, 'noconnection'));
      return;
    }
    let set = this.nodeMonitors.get(nodeName);
    if (!set) this.nodeMonitors.set(nodeName, (set = new Set()));
    set.add(watcher);
  }

  /** Cuts the connection to `nodeName` and refuses any new one, both ways, until `unblock`: a network partition for tests. */
  block(nodeName: string): void {
    this.blocked.add(nodeName);
    this.connections.get(nodeName)?.close('noconnection');
  }

  /** Lets `nodeName` connect again after `block` (a healed partition); the next send or ping reconnects. */
  unblock(nodeName: string): void {
    this.blocked.delete(nodeName);
  }

  /** Delivers NodeUp and NodeDown messages to `watcher` for every visible node from now on (net_kernel:monitor_nodes). */
  monitorNodes(watcher: Pid, on = true): void {
    if (on) this.allNodesWatchers.add(watcher);
    else this.allNodesWatchers.delete(watcher);
  }

  /** Closes the connection to a node (erlang:disconnect_node): links get noconnection; false if not connected. */
  disconnect(nodeName: string): boolean {
    const conn = this.connections.get(nodeName);
    conn?.close('disconnected on request');
    return conn !== undefined;
  }

  /** The connection to a node, if up (internal: tests and benchmarks look at its buffer). */
  connectionTo(nodeName: string): Connection | undefined {
    return this.connections.get(nodeName);
  }

  private tellWatchers(message: NodeUp | NodeDown): void {
    for (const w of this.allNodesWatchers) {
      if (this.node.isAlive(w)) this.node.send(w, message);
      else this.allNodesWatchers.delete(w);
    }
  }

  /** Whether a connection may come up now (ConnectionOwner): not to this node, a connected or a blocked one. */
  accepts(conn: Connection): boolean {
    return !this.connections.has(conn.peer) && conn.peer !== this.name && !this.blocked.has(conn.peer);
  }

  up(conn: Connection): boolean {
    if (!conn.initiator) this.forgetIncoming(conn);
    if (!this.accepts(conn)) return false;
    this.connections.set(conn.peer, conn);
    this.indexOf(conn.peer);
    conn.startTicks(this.tickTime);
    for (const payload of this.queued.get(conn.peer) ?? []) conn.send(payload);
    this.queued.delete(conn.peer);
    if (!conn.peerHidden) this.tellWatchers(new NodeUp(conn.peer));
    for (const wake of [...(this.upWaiters.get(conn.peer) ?? [])]) wake();
    return true;
  }

  frame(conn: Connection, payload: Buffer): void {
    let msg: unknown[];
    try {
      msg = decodeControl(payload, this, conn.peer);
    } catch (error) {
      // A well-formed message naming a node that cannot exist (a pid of 'not a node'): dropped, as a send to
      // an unreachable node is, and the connection's next frames are read as usual.
      if (error instanceof NotANodeName) {
        this.log(`distribution: dropped a message from ${conn.peer}: it names a pid or ref of ${error.message}`);
        return;
      }
      this.log(`distribution: closed the connection to ${conn.peer}: a frame could not be decoded (${(error as Error).message})`);
      conn.close('bad frame');
      return;
    }
    try {
      this.control(conn.peer, msg);
    } catch (error) {
      this.log(`distribution: closed the connection to ${conn.peer}: ${(error as Error).message}`);
      conn.close('bad control message');
    }
  }

  down(conn: Connection, reason: string, wasUp: boolean): void {
    if (!conn.initiator) this.forgetIncoming(conn);
    if (!wasUp || this.connections.get(conn.peer) !== conn) return;
    this.connections.delete(conn.peer);
    this.remote.nodeDown(this.indexOf(conn.peer), (local, from, why) => this.node.signalProcess(local, from, why, true));
    for (const watcher of this.nodeMonitors.get(conn.peer) ?? []) this.node.send(watcher, new NodeDown(conn.peer, reason));
    this.nodeMonitors.delete(conn.peer);
    if (!conn.peerHidden) this.tellWatchers(new NodeDown(conn.peer, reason));
  }

  // Sends a control message, connecting first if needed; `onFail` runs if the node cannot be reached.
  private route(nodeName: string, message: unknown[], onFail?: () => void): void {
    const conn = this.connections.get(nodeName);
    if (conn) {
      conn.sendControl(message, this, this.indexOf(nodeName));
      // busy_dist_port: the sender is descheduled until the buffer drains (the process takes `suspend`).
      if (conn.buffered > this.busyLimit) {
        this.suspend = conn.drained();
        // A send from outside any process cannot be suspended: nobody takes it, so it must not linger.
        queueMicrotask(() => (this.suspend = null));
      }
      return;
    }
    const payload = encodeControl(message, this, this.indexOf(nodeName));
    let q = this.queued.get(nodeName);
    if (!q) this.queued.set(nodeName, (q = []));
    q.push(payload);
    void this.connect(nodeName).then((c) => {
      if (c) return;
      const dropped = this.queued.get(nodeName)?.length ?? 0;
      this.queued.delete(nodeName);
      if (dropped > 0) this.droppedFor(nodeName, dropped);
      onFail?.();
    });
  }

  // Messages for `nodeName` were dropped: it could not be reached. One line per node a second at most (a
  // process sending in a loop to a node that is down must not flood the log), with the count of the rest.
  private droppedFor(nodeName: string, count: number): void {
    const now = Date.now();
    const last = this.dropLines.get(nodeName);
    if (last && now - last.at < 1000) {
      last.suppressed += count;
      return;
    }
    if (this.dropLines.size >= MAX_DROP_LINES) for (const [n, l] of this.dropLines) if (now - l.at >= 1000) this.dropLines.delete(n);
    if (this.dropLines.size < MAX_DROP_LINES) this.dropLines.set(nodeName, { at: now, suppressed: 0 });
    const total = count + (last?.suppressed ?? 0);
    const why = (this.failures.get(nodeName)?.message ?? 'it cannot be reached').replace(/^distribution: /, '');
    this.log(`distribution: dropped ${total} message${total === 1 ? '' : 's'} to ${quoteForLog(nodeName)}: ${why}`);
  }

  // Sends only over an existing connection (what a dying process tells nodes it was talking to).
  private tell(nodeName: string, message: unknown[]): void {
    this.connections.get(nodeName)?.sendControl(message, this, this.indexOf(nodeName));
  }

  /** Links a local process to a remote one; if its node cannot be reached, the local process gets noconnection. */
  link(proc: ProcessImpl, pid: Pid): void {
    this.remote.addLink(proc, pid);
    this.route(this.nameOf(pid.node), ['link', proc.pid, pid], () => {
      if (this.remote.removeLink(proc, pid)) this.node.signalProcess(proc, pid, 'noconnection', true);
    });
  }

  /** Removes a link with a remote process. */
  unlink(proc: ProcessImpl, pid: Pid): void {
    if (this.remote.removeLink(proc, pid)) this.tell(this.nameOf(pid.node), ['unlink', proc.pid, pid]);
  }

  /** Sends an exit signal (exit/2) to a remote process. */
  exit2(from: Pid, to: Pid, reason: ExitReason): void {
    this.route(this.nameOf(to.node), ['exit2', from, to, reason]);
  }

  /** Monitors a remote process (by pid, or by name on a node); DOWN noconnection if its node cannot be reached. */
  monitor(proc: ProcessImpl, target: Pid | { name: string; node: string }, ref: Ref): void {
    const node = target instanceof PidClass ? target.node : this.indexOf(target.node);
    const remoteTarget = target instanceof PidClass ? target : target.name;
    this.remote.addHeld(proc, { ref, node, target: remoteTarget });
    this.route(this.nameOf(node), ['monitor', proc.pid, remoteTarget, ref], () => {
      if (this.remote.takeHeld(proc, ref)) proc.deliver(new Down(ref, remoteTarget, 'noconnection'));
    });
  }

  /** Removes a monitor on a remote process; false if the ref is not one. */
  demonitor(proc: ProcessImpl, ref: Ref): boolean {
    const h = this.remote.takeHeld(proc, ref);
    if (!h) return false;
    this.tell(this.nameOf(h.node), ['demonitor', proc.pid, h.target, ref]);
    return true;
  }

  /** A local process exited: its remote links get exit signals, remote watchers DOWNs. */
  processExited(proc: ProcessImpl, reason: ExitReason): void {
    const { links, watchers, held } = this.remote.exited(proc);
    for (const pid of links) this.tell(this.nameOf(pid.node), ['exit', proc.pid, pid, reason]);
    for (const w of watchers) this.tell(this.nameOf(w.watcher.node), ['down', w.byName ?? proc.pid, w.watcher, w.ref, reason]);
    for (const h of held) this.tell(this.nameOf(h.node), ['demonitor', proc.pid, h.target, h.ref]);
  }

  // Handles one control message from `from` (a connected node).
  private control(peer: string, msg: unknown[]): void {
    // What arrives from the wire is the receiver's own copy: message isolation has nothing to guard in it.
    isolation.fromWire = true;
    try {
      this.handleControl(peer, msg);
    } finally {
      isolation.fromWire = false;
    }
  }

  private handleControl(peer: string, msg: unknown[]): void {
    const node = this.node;
    switch (msg[0]) {
      case 'send': {
        const m = msg[2];
        if (isReply(m)) {
          // A call's reply from another node: delivered only while the caller still waits on that call.
          const caller = node.localProcess(msg[1] as Pid);
          const waiting = caller?.activeCall;
          const tag = !caller || m.tag.node !== 0 ? undefined : waiting && waiting.node === 0 && waiting.id === m.tag.id ? waiting : awaitedTag(caller, m.tag.id);
          if (tag) caller!.deliver(new (m.constructor as new (tag: Ref, value: unknown) => unknown)(tag, m.value));
          return;
        }
        node.send(msg[1] as Pid, m);
        return;
      }
      case 'alias_send':
        if (msg[1] instanceof Ref && (msg[1] as Ref).node === 0) node.send(msg[1] as Ref, msg[2]);
        return;
      case 'reg_send':
        if (node.whereis(String(msg[1])) !== undefined) node.send(String(msg[1]), msg[2]);
        return;
      case 'link': {
        const [, from, to] = msg as [string, Pid, Pid];
        const target = node.localProcess(to);
        if (target) this.remote.addLink(target, from);
        else this.tell(peer, ['exit', to, from, 'noproc']);
        return;
      }
      case 'unlink': {
        const [, from, to] = msg as [string, Pid, Pid];
        const target = node.localProcess(to);
        if (target) this.remote.removeLink(target, from);
        return;
      }
      case 'exit': {
        const [, from, to, reason] = msg as [string, Pid, Pid, ExitReason];
        const target = node.localProcess(to);
        if (target && this.remote.removeLink(target, from)) node.signalProcess(target, from, reason, true);
        return;
      }
      case 'exit2': {
        const [, from, to, reason] = msg as [string, Pid, Pid, ExitReason];
        const target = node.localProcess(to);
        if (target) node.signalProcess(target, from, reason, false);
        return;
      }
      case 'monitor': {
        const [, from, target, ref] = msg as [string, Pid, Pid | string, Ref];
        const local = typeof target === 'string' ? node.localProcess(node.whereis(target)) : node.localProcess(target);
        if (local) this.remote.addWatcher(local, { watcher: from, ref, byName: typeof target === 'string' ? target : undefined });
        else this.tell(peer, ['down', target, from, ref, 'noproc']);
        return;
      }
      case 'demonitor': {
        const [, , target, ref] = msg as [string, Pid, Pid | string, Ref];
        const local = typeof target === 'string' ? node.localProcess(node.whereis(target)) : node.localProcess(target);
        if (local) this.remote.removeWatcher(local, ref);
        return;
      }
      case 'down': {
        const [, target, to, ref, reason] = msg as [string, Pid | string, Pid, Ref, ExitReason];
        const watcher = node.localProcess(to);
        const h = watcher ? this.remote.takeHeld(watcher, ref) : undefined;
        // The original ref object, so `isDown(m, ref)` matches it by identity.
        if (watcher && h) watcher.deliver(new Down(h.ref, target, reason));
        return;
      }
      default:
        throw new Error(`unknown operation '${String(msg[0])}'`);
    }
  }

  /** Connects to a node by name through its host's port mapper; undefined if it cannot be reached. */
  connect(nodeName: string): Promise<Connection | undefined> {
    const existing = this.connections.get(nodeName);
    if (existing) return Promise.resolve(existing);
    if (this.blocked.has(nodeName)) return Promise.resolve(undefined);
    let p = this.pending.get(nodeName);
    if (p) return p;
    p = this.connectNow(nodeName)
      .catch((error: Error) => {
        // A name that is no node name (from a pid off the wire, or a caller): dropped with a line, as Erlang drops a send.
        const failure: ConnectFailure = { reason: 'unknown', message: `distribution: cannot connect to ${quoteForLog(nodeName)}: ${error.message}` };
        this.failures.set(nodeName, failure);
        this.log(failure.message);
        return undefined;
      })
      .finally(() => this.pending.delete(nodeName));
    this.pending.set(nodeName, p);
    return p;
  }

  private async connectNow(nodeName: string): Promise<Connection | undefined> {
    const problem = nodeNameProblem(nodeName);
    if (problem) throw new Error(`it is not a node name (${problem})`);
    // A handshake from that node is under way: its outcome first (OTP's pending connection), then dial if it failed.
    if (await this.incomingSettles(nodeName)) return this.connections.get(nodeName);
    this.dialling.add(nodeName);
    try {
      return await this.dial(nodeName);
    } finally {
      this.dialling.delete(nodeName);
    }
  }

  /**
   * Sets up a connection. For a node reached before, the handshake starts at once on the port it
   * listened on then: the handshake proves the node's name and cookie, so a success there is the
   * connection, and a reconnection costs one TCP connection and one round trip, no port mapper. If that
   * attempt fails, or has not settled within HEDGE_MS (something else may hold the port now), the port
   * mapper is asked; if it names another port (the node restarted), the first attempt is dropped without
   * a word and the node is dialled where it is now.
   */
  private async dial(nodeName: string): Promise<Connection | undefined> {
    const outcome = await this.reach(nodeName);
    if (outcome instanceof Connection) {
      this.failures.delete(nodeName);
      return outcome;
    }
    this.failures.set(nodeName, outcome);
    return undefined;
  }

  private async reach(nodeName: string): Promise<Connection | ConnectFailure> {
    const { name, host: given } = splitNodeName(nodeName);
    const host = given === 'localhost' ? '127.0.0.1' : given;
    // The port mapper's answer: the node's entry, or why there is none (it does not know the node, or does not answer).
    let unknown: ConnectFailure = { reason: 'unknown', message: `distribution: the port mapper on ${host} does not know ${name}` };
    const ask = () =>
      lookup(name, host, this.epmd).catch((error: Error) => {
        unknown = { reason: 'unreachable', message: `distribution: no port mapper answers on ${host}:${this.epmd} (${error.message})` };
        return undefined;
      });
    const last = this.lastPorts.get(nodeName);
    if (last === undefined) {
      const entry = await ask();
      return entry ? this.attempt(nodeName, host, entry.port, this.log).done : unknown;
    }
    const lines: string[] = [];
    const early = this.attempt(nodeName, host, last, (line) => lines.push(line));
    let hedge: NodeJS.Timeout | undefined;
    const first = await Promise.race([early.done, new Promise<undefined>((resolve) => (hedge = setTimeout(() => resolve(undefined), HEDGE_MS)))]);
    clearTimeout(hedge);
    if (first instanceof Connection) return first;
    const entry = await ask();
    if (entry?.port === last) {
      // The node is still there: the early attempt was the real one, and its lines are told.
      const outcome = await early.done;
      for (const line of lines) this.log(line);
      return outcome;
    }
    early.abandon();
    this.lastPorts.delete(nodeName);
    // It may have come up in the meantime all the same: the handshake proved who answered.
    const proven = await early.done;
    if (proven instanceof Connection) return proven;
    return entry ? this.attempt(nodeName, host, entry.port, this.log).done : unknown;
  }

  // One handshake with the node at `port`; `abandon` closes it quietly unless it is already up.
  private attempt(nodeName: string, host: string, port: number, log: (line: string) => void): { done: Promise<Connection | ConnectFailure>; abandon(): void } {
    let conn: Connection | undefined;
    let abandoned = false;
    const done = (async (): Promise<Connection | ConnectFailure> => {
      const socket = await dial(host, port, this.tlsMaterial, nodeName, log);
      if (!(socket instanceof Socket)) return socket;
      if (abandoned) {
        socket.destroy();
        return { reason: 'closed', message: 'distribution: abandoned: the port mapper names another port' };
      }
      conn = new Connection(socket, this, { initiator: true, expected: nodeName, log });
      await conn.settled;
      if (conn.up) {
        this.lastPorts.set(nodeName, port);
        return conn;
      }
      // TLS 1.3: the peer checks this node's certificate after this side's handshake is done, and just closes.
      if (this.tlsMaterial && conn.peer === '' && conn.closeReason === 'the connection closed') {
        const message = `distribution: ${nodeName} closed the TLS connection before the handshake: it did not accept this node's certificate; both nodes need certificates signed by the same --ssl-ca`;
        log(message);
        return { reason: 'certificate-refused', message };
      }
      // Both nodes dialled at once and the peer's dial wins: its connection to this node is the one to use.
      if (conn.refusedBecause === 'simultaneous') await this.waitUp(nodeName, 2 * this.limits.handshakeTimeoutMs);
      // Closed: refused, or the peer's own connection to this node won the race and is the one to use.
      return this.connections.get(nodeName) ?? conn.failure ?? { reason: 'closed', message: `distribution: the connection to ${nodeName} closed (${conn.closeReason})` };
    })();
    return {
      done,
      abandon: () => {
        abandoned = true;
        if (conn && !conn.up) conn.close('abandoned: the port mapper names another port');
      },
    };
  }

  /** Why the last attempt to connect to `nodeName` failed (cleared when one succeeds), as data. */
  connectFailure(nodeName: string): ConnectFailure | undefined {
    return this.failures.get(nodeName);
  }
}

/** How long a handshake on a node's last known port may take before the port mapper is asked as well. */
const HEDGE_MS = 20;

/** Starts the built-in port mapper as a detached OS process (on the interfaces `portMapperAddresses` picks for the node's host) and waits until it accepts connections. */
export async function startBuiltInPortMapper(port: number, nodeHost?: string): Promise<void> {
  const here = fileURLToPath(import.meta.url);
  const candidates = [here.replace(/index\.js$/, 'epmd.js'), here.replace(/node-dist\.(ts|js)$/, 'epmd-main.$1')];
  const script = candidates.find((c) => c !== here && existsSync(c));
  if (!script) throw new Error('the built-in port mapper script is missing from @otp-ts/runtime: reinstall the package');
  const child = spawn(process.execPath, [...process.execArgv.filter((a) => !a.startsWith('--inspect')), script, '--port', String(port), '--address', portMapperAddresses(nodeHost).join(',')], { detached: true, stdio: 'ignore' });
  child.unref();
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`the built-in port mapper did not start on port ${port}`);
}
