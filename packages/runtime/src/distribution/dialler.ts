// Connection set-up: dialling a node (through its last known port or the port mapper), the handshakes
// other nodes dial in with, and the simultaneous-connect tie-break between the two (OTP's pending connections).
import { clearTimeout, setTimeout } from 'node:timers';
import { Socket } from 'node:net';
import { Connection, type ConnectionOwner, type RefusalReason } from './connection.js';
import { lookup } from './epmd-client.js';
import { isLoopbackHost } from './epmd-address.js';
import { nodeNameProblem, quoteForLog, splitNodeName } from './handshake.js';
import { dial, type ConnectFailure, type TlsMaterial } from './transport.js';

/** How long a handshake on a node's last known port may take before the port mapper is asked as well. */
const HEDGE_MS = 20;

/** What the dialler reads of its distribution: the connections up and the nodes blocked. */
export interface DiallerHost extends ConnectionOwner {
  connectionTo(nodeName: string): Connection | undefined;
  isBlocked(nodeName: string): boolean;
}

/** Sets up a node's connections to other nodes, one attempt per node at a time. */
export class Dialler {
  /** TLS material, once the distribution started (loaded then). */
  tls: TlsMaterial | undefined;
  private readonly pending = new Map<string, Promise<Connection | undefined>>();
  /** The port each node listened on when this node last connected to it (see dial). */
  private readonly lastPorts = new Map<string, number>();
  /** Why the last attempt to reach each node failed (see connectFailure). */
  private readonly failures = new Map<string, ConnectFailure>();
  // Handshakes in progress from nodes that dialled in, by the name they claim (OTP's pending connections).
  private readonly incoming = new Map<string, Set<Connection>>();
  // Nodes this node is dialling right now (the simultaneous-connect tie-break looks here).
  private readonly dialling = new Set<string>();
  // Callbacks waiting for a node to come up (a dialler that lost a simultaneous connect).
  private readonly upWaiters = new Map<string, Set<() => void>>();

  constructor(
    private readonly host: DiallerHost,
    private readonly epmd: number,
  ) {}

  /** Connects to a node by name through its host's port mapper; undefined if it cannot be reached. */
  connect(nodeName: string): Promise<Connection | undefined> {
    const existing = this.host.connectionTo(nodeName);
    if (existing) return Promise.resolve(existing);
    if (this.host.isBlocked(nodeName)) return Promise.resolve(undefined);
    let p = this.pending.get(nodeName);
    if (p) return p;
    p = this.connectNow(nodeName)
      .catch((error: Error) => {
        // A name that is no node name (from a pid off the wire, or a caller): dropped with a line, as Erlang drops a send.
        const failure: ConnectFailure = { reason: 'unknown', message: `distribution: cannot connect to ${quoteForLog(nodeName)}: ${error.message}` };
        this.failures.set(nodeName, failure);
        this.host.log(failure.message);
        return undefined;
      })
      .finally(() => this.pending.delete(nodeName));
    this.pending.set(nodeName, p);
    return p;
  }

  /** Why the last attempt to connect to `nodeName` failed (cleared when one succeeds), as data. */
  connectFailure(nodeName: string): ConnectFailure | undefined {
    return this.failures.get(nodeName);
  }

  /** A hello from `peer`: OTP's tie-break when both nodes dial each other at once. */
  admit(conn: Connection, peer: string): RefusalReason | undefined {
    // Both dialled: the connection the node with the greater name dialled is the one kept, on both sides.
    if (this.dialling.has(peer) && this.host.name > peer) return 'simultaneous';
    let set = this.incoming.get(peer);
    if (!set) this.incoming.set(peer, (set = new Set()));
    set.add(conn);
    return undefined;
  }

  /** A connection came up or closed: a handshake dialled in is no longer pending. */
  settled(conn: Connection): void {
    if (conn.initiator) return;
    const set = this.incoming.get(conn.peer);
    if (set?.delete(conn) && set.size === 0) this.incoming.delete(conn.peer);
  }

  /** `nodeName` is up: whoever waits for it goes on. */
  wake(nodeName: string): void {
    for (const wake of [...(this.upWaiters.get(nodeName) ?? [])]) wake();
  }

  private async connectNow(nodeName: string): Promise<Connection | undefined> {
    const problem = nodeNameProblem(nodeName);
    if (problem) throw new Error(`it is not a node name (${problem})`);
    // A handshake from that node is under way: its outcome first (OTP's pending connection), then dial if it failed.
    if (await this.incomingSettles(nodeName)) return this.host.connectionTo(nodeName);
    this.dialling.add(nodeName);
    try {
      return await this.dial(nodeName);
    } finally {
      this.dialling.delete(nodeName);
    }
  }

  // Waits for the handshakes from `nodeName` under way now (not later ones: a peer that keeps claiming
  // the name cannot hold a connect off for longer than one handshake deadline); true if one came up.
  private async incomingSettles(nodeName: string): Promise<boolean> {
    for (const c of [...(this.incoming.get(nodeName) ?? [])]) {
      if (this.host.connectionTo(nodeName)) break;
      await c.settled;
    }
    return this.host.connectionTo(nodeName) !== undefined;
  }

  // Resolves when `nodeName` comes up (true), or after `ms` (false).
  private waitUp(nodeName: string, ms: number): Promise<boolean> {
    if (this.host.connectionTo(nodeName)) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      let set = this.upWaiters.get(nodeName);
      if (!set) this.upWaiters.set(nodeName, (set = new Set()));
      const done = (): void => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0 && this.upWaiters.get(nodeName) === set) this.upWaiters.delete(nodeName);
        resolve(this.host.connectionTo(nodeName) !== undefined);
      };
      const timer = setTimeout(done, ms);
      set.add(done);
    });
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
      lookupOnHost(name, host, this.epmd, this.host.limits.handshakeTimeoutMs).catch((error: Error) => {
        unknown = { reason: 'unreachable', message: `distribution: no port mapper answers on ${host}:${this.epmd} (${error.message})` };
        return undefined;
      });
    const log = (line: string): void => this.host.log(line);
    const last = this.lastPorts.get(nodeName);
    if (last === undefined) {
      const entry = await ask();
      return entry ? this.attempt(nodeName, host, entry.port, log).done : unknown;
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
      for (const line of lines) log(line);
      return outcome;
    }
    early.abandon();
    this.lastPorts.delete(nodeName);
    // It may have come up in the meantime all the same: the handshake proved who answered.
    const proven = await early.done;
    if (proven instanceof Connection) return proven;
    return entry ? this.attempt(nodeName, host, entry.port, log).done : unknown;
  }

  // One handshake with the node at `port`; `abandon` closes it quietly unless it is already up.
  private attempt(nodeName: string, host: string, port: number, log: (line: string) => void): { done: Promise<Connection | ConnectFailure>; abandon(): void } {
    let conn: Connection | undefined;
    let abandoned = false;
    const done = (async (): Promise<Connection | ConnectFailure> => {
      const socket = await dial(host, port, this.tls, nodeName, log);
      if (!(socket instanceof Socket)) return socket;
      if (abandoned) {
        socket.destroy();
        return { reason: 'closed', message: 'distribution: abandoned: the port mapper names another port' };
      }
      conn = new Connection(socket, this.host, { initiator: true, expected: nodeName, log });
      await conn.settled;
      if (conn.up) {
        this.lastPorts.set(nodeName, port);
        return conn;
      }
      return this.whyNotUp(conn, nodeName, log);
    })();
    return {
      done,
      abandon: () => {
        abandoned = true;
        if (conn && !conn.up) conn.close('abandoned: the port mapper names another port');
      },
    };
  }

  // A dialled connection settled without coming up: the connection to use all the same, or why there is none.
  private async whyNotUp(conn: Connection, nodeName: string, log: (line: string) => void): Promise<Connection | ConnectFailure> {
    // TLS 1.3: the peer checks this node's certificate after this side's handshake is done, and just closes.
    if (this.tls && conn.peer === '' && conn.closeReason === 'the connection closed') {
      const message = `distribution: ${nodeName} closed the TLS connection before the handshake: it did not accept this node's certificate; both nodes need certificates signed by the same --ssl-ca`;
      log(message);
      return { reason: 'certificate-refused', message };
    }
    // Both nodes dialled at once and the peer's dial wins: its connection to this node is the one to use.
    if (conn.refusedBecause === 'simultaneous') await this.waitUp(nodeName, 2 * this.host.limits.handshakeTimeoutMs);
    // Closed: refused, or the peer's own connection to this node won the race and is the one to use.
    return this.host.connectionTo(nodeName) ?? conn.failure ?? { reason: 'closed', message: `distribution: the connection to ${nodeName} closed (${conn.closeReason})` };
  }
}

// The port mapper's entry for `name` on `host`. Every 127.x.x.x address is this host, and a port mapper started for a
// node named after 127.0.0.1 listens there only (as on a loopback cluster b@127.0.0.2, c@127.0.0.3 of one machine):
// refused on another loopback address, the lookup asks 127.0.0.1, where this host's nodes register. A port mapper
// bound to that other address on purpose (one host simulated per address) answers there first.
async function lookupOnHost(name: string, host: string, port: number, timeoutMs: number): Promise<Awaited<ReturnType<typeof lookup>>> {
  try {
    return await lookup(name, host, port, timeoutMs);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ECONNREFUSED' || !isLoopbackHost(host) || host === '127.0.0.1') throw error;
    return lookup(name, '127.0.0.1', port, timeoutMs);
  }
}
