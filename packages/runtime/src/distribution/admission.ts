// Who may take part in a handshake: the cap on connections whose peer has not proved the cookie yet, the
// one-time challenges that let a known node resume with one round trip, and the record of refusals.
import { setImmediate, setTimeout } from 'node:timers';
import type { Socket } from 'node:net';
import type { HandshakeAdmission, Refusal } from './connection.js';
import { challenge } from './handshake.js';

/** Recent refused handshakes of a node and how many there were since it started (`otp nodes --refused`). */
export interface RefusalReport {
  count: number;
  recent: Refusal[];
}

/** How many diallers' one-time challenges a node remembers (each is 64 bytes). */
const MAX_TICKETS = 1024;

/** How many refusals a node keeps to show (the count covers all of them). */
const RECENT_REFUSALS = 50;

/** How many lines about incoming handshakes that failed or were refused a node logs a second; the rest are summed up. */
const HANDSHAKE_LINES_PER_SECOND = 10;

/** How many hosts the summary of left-out handshake lines tells apart in a second (a flood from many addresses is not kept address by address). */
const MAX_SUMMED_HOSTS = 256;

const addressOf = (socket: Socket): string => `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;

/** A node's admission to handshakes: unauthenticated sockets, one-time challenges, refusals. */
export class Admission implements HandshakeAdmission {
  // Accepted sockets whose peer has not proved the cookie yet (capped at maxUnauthenticated), and the same by
  // the address they come from, oldest first (at the cap, the address holding the most gives up its oldest).
  private readonly unauthenticated = new Map<Socket, string>();
  private readonly byAddress = new Map<string, Set<Socket>>();
  // Those whose peer sent a valid hello: pushed out at the cap only when their address holds no silent one.
  private readonly helloed = new WeakSet<Socket>();
  // Those accepted so recently that their first bytes may not have been read yet (no full turn of the event loop
  // since): never pushed out, or a flood accepted in the same turn would push out a good dialler before its hello.
  private readonly young = new WeakSet<Socket>();
  private youngBatch: Socket[] | null = null;
  // One-time challenges: those listeners gave this node for its next connection, and those this node gave diallers.
  private readonly tickets = new Map<string, string>();
  private readonly issued = new Map<string, string>();
  private readonly recentRefusals: Refusal[] = [];
  private refusalCount = 0;
  // When a line about each kind of drop at the cap (refused, made room) was last logged, and how many since.
  private readonly capLines = { refused: { at: 0, suppressed: 0 }, evicted: { at: 0, suppressed: 0 } };

  // The current second's lines about incoming handshakes, and those left out of it (summed up when it ends).
  private readonly handshakeLines = { at: 0, logged: 0, suppressed: 0 };
  // The hosts the left-out lines were about, and how many each (at most MAX_SUMMED_HOSTS are told apart).
  private readonly suppressedFrom = new Map<string, number>();

  constructor(
    private readonly maxUnauthenticated: number,
    private readonly log: (line: string) => void,
  ) {}

  /**
   * Logs `line` about an incoming connection whose handshake failed or was refused, through `log`: at most
   * HANDSHAKE_LINES_PER_SECOND a second, so a flood of stalled or garbage connections cannot flood the log; the
   * lines left out are summed up in one line when their second ends, naming the hosts they came from (`from`, the
   * peer's address; each is still counted in refusals()).
   */
  handshakeLine(line: string, log: (line: string) => void, from?: string): void {
    const h = this.handshakeLines;
    const now = Date.now();
    if (now - h.at >= 1000 && h.suppressed === 0) {
      h.at = now;
      h.logged = 0;
    }
    if (h.logged < HANDSHAKE_LINES_PER_SECOND) {
      h.logged++;
      return log(line);
    }
    const host = from === undefined ? 'an address not known' : from.replace(/:\d+$/, '');
    if (this.suppressedFrom.has(host) || this.suppressedFrom.size < MAX_SUMMED_HOSTS) this.suppressedFrom.set(host, (this.suppressedFrom.get(host) ?? 0) + 1);
    if (h.suppressed++ > 0) return;
    const timer = setTimeout(
      () => {
        this.log(`distribution: ${h.suppressed} more incoming handshakes failed or were refused in that second, not logged one by one: ${this.suppressedHosts(h.suppressed)} (at most ${HANDSHAKE_LINES_PER_SECOND} lines a second; otp nodes --refused lists the recent ones)`);
        this.suppressedFrom.clear();
        h.suppressed = 0;
        h.at = Date.now();
        h.logged = 0;
      },
      Math.max(0, 1000 - (now - h.at)),
    );
    timer.unref();
  }

  // Where the left-out lines came from, the three hosts with the most first: "from 10.0.0.9 (150), 127.0.0.1 (7) and 12 from other hosts".
  private suppressedHosts(total: number): string {
    const top = [...this.suppressedFrom].sort((x, y) => y[1] - x[1]).slice(0, 3);
    const rest = total - top.reduce((n, [, k]) => n + k, 0);
    return `from ${top.map(([host, n]) => `${host} (${n})`).join(', ')}${rest > 0 ? ` and ${rest} from other hosts` : ''}`;
  }

  /** Refused and failed handshakes: how many since the node started, and the most recent ones (oldest first). */
  refusals(): RefusalReport {
    return { count: this.refusalCount, recent: [...this.recentRefusals] };
  }

  /** Counts a refused handshake and keeps it among the recent ones. */
  refused(r: Refusal): void {
    this.refusalCount++;
    this.recentRefusals.push(r);
    if (this.recentRefusals.length > RECENT_REFUSALS) this.recentRefusals.shift();
  }

  /** The one-time challenge `listener` gave for this node's next connection, taken. */
  takeTicket(listener: string): string | undefined {
    const t = this.tickets.get(listener);
    this.tickets.delete(listener);
    return t;
  }

  /** Keeps the one-time challenge an authenticated listener gave. */
  keepTicket(listener: string, next: string): void {
    this.tickets.set(listener, next);
  }

  /** A fresh one-time challenge for `dialler`'s next connection; the oldest go past 1024 diallers. */
  issueTicket(dialler: string): string {
    const next = challenge();
    this.issued.delete(dialler);
    this.issued.set(dialler, next);
    if (this.issued.size > MAX_TICKETS) this.issued.delete(this.issued.keys().next().value as string);
    return next;
  }

  /** The one-time challenge issued to `dialler`, taken. */
  redeemTicket(dialler: string): string | undefined {
    const t = this.issued.get(dialler);
    this.issued.delete(dialler);
    return t;
  }

  /**
   * One more TCP connection before authentication, or none. Past the cap, the address that holds the most
   * places gives up its oldest one when the newcomer comes from it, or when it holds more than the newcomer's
   * address would: a flood of stalled handshakes from one host cannot lock out the other nodes of the cluster,
   * nor a node on that host itself. Otherwise the newcomer is dropped. Either is counted, and logged at most once a second (a flood must not flood the log too).
   */
  admitSocket(socket: Socket): boolean {
    const from = socket.remoteAddress ?? '?';
    if (this.unauthenticated.size >= this.maxUnauthenticated) {
      const top = this.largestHolder();
      // A newcomer from the address holding the most pushes out that address's oldest: stalled handshakes hold
      // places, handshakes that go through leave them soon, so a flood from the host a good node shares (loopback)
      // cannot lock it out; one from elsewhere makes room only when the top address holds more than its own would.
      if (top === undefined || (top.address !== from && top.sockets.size <= (this.byAddress.get(from)?.size ?? 0) + 1)) {
        this.capped('refused', socket, `a connection from ${addressOf(socket)}`, `${this.maxUnauthenticated} connections are still in their handshake (maxUnauthenticated)`);
        return false;
      }
      const oldest = this.evictable(top.sockets);
      if (oldest === undefined) {
        this.capped('refused', socket, `a connection from ${addressOf(socket)}`, `${this.maxUnauthenticated} connections are still in their handshake (maxUnauthenticated), all accepted too recently to have spoken`);
        return false;
      }
      this.releaseSocket(oldest);
      this.capped('evicted', oldest, `the oldest handshake from ${addressOf(oldest)} to make room for ${addressOf(socket)}`, `${top.address} held ${top.sockets.size + 1} of the ${this.maxUnauthenticated} places for connections in their handshake (maxUnauthenticated)`);
      oldest.destroy();
    }
    this.unauthenticated.set(socket, from);
    let held = this.byAddress.get(from);
    if (!held) this.byAddress.set(from, (held = new Set()));
    held.add(socket);
    this.markYoung(socket);
    return true;
  }

  // `socket` is young until the event loop has been through a whole poll phase after this one (two check
  // phases): by then whatever its peer sent at once (a dialler's hello) has been read.
  private markYoung(socket: Socket): void {
    this.young.add(socket);
    if (this.youngBatch) return void this.youngBatch.push(socket);
    const batch = (this.youngBatch = [socket]);
    setImmediate(() => {
      this.youngBatch = null;
      setImmediate(() => {
        for (const s of batch) this.young.delete(s);
      });
    });
  }

  /** `socket`'s peer sent a valid hello: a flood of silent or garbage connections from its address no longer pushes it out. */
  progressed(socket: Socket): void {
    if (this.unauthenticated.has(socket)) this.helloed.add(socket);
  }

  // The oldest of `sockets` whose peer has not sent a valid hello; when none is silent, the oldest. Never one
  // accepted too recently to have spoken, nor one that sent its hello while a young silent one may yet speak.
  private evictable(sockets: Set<Socket>): Socket | undefined {
    let silent = false;
    for (const s of sockets) {
      if (this.helloed.has(s)) continue;
      if (!this.young.has(s)) return s;
      silent = true;
    }
    if (silent) return undefined;
    for (const s of sockets) if (!this.young.has(s)) return s;
    return undefined;
  }

  // The address holding the most places (the first met among equals).
  private largestHolder(): { address: string; sockets: Set<Socket> } | undefined {
    let top: { address: string; sockets: Set<Socket> } | undefined;
    for (const [address, sockets] of this.byAddress) if (!top || sockets.size > top.sockets.size) top = { address, sockets };
    return top;
  }

  // A connection dropped at the cap (refused, or closed to make room): counted, and one line of each kind a second at most.
  private capped(kind: keyof Admission['capLines'], socket: Socket, what: string, why: string): void {
    this.refused({ at: new Date().toISOString(), by: 'this node', direction: 'incoming', peer: undefined, address: addressOf(socket), reason: 'too many unauthenticated connections' });
    const now = Date.now();
    const line = this.capLines[kind];
    if (now - line.at < 1000) {
      line.suppressed++;
      return;
    }
    const more = line.suppressed > 0 ? ` (and ${line.suppressed} more since the last line)` : '';
    line.at = now;
    line.suppressed = 0;
    this.log(`distribution: dropped ${what}${more}: ${why}`);
  }

  /** A socket admitted by admitSocket authenticated or closed: its place is free. */
  releaseSocket(socket: Socket): void {
    const from = this.unauthenticated.get(socket);
    if (from === undefined) return;
    this.unauthenticated.delete(socket);
    const held = this.byAddress.get(from);
    held?.delete(socket);
    if (held?.size === 0) this.byAddress.delete(from);
  }
}
