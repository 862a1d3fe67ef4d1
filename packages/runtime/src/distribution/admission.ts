// Who may take part in a handshake: the cap on connections whose peer has not proved the cookie yet, the
// one-time challenges that let a known node resume with one round trip, and the record of refusals.
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

/** A node's admission to handshakes: unauthenticated sockets, one-time challenges, refusals. */
export class Admission implements HandshakeAdmission {
  // Accepted sockets whose peer has not proved the cookie yet (capped at maxUnauthenticated).
  private readonly unauthenticated = new Set<Socket>();
  // One-time challenges: those listeners gave this node for its next connection, and those this node gave diallers.
  private readonly tickets = new Map<string, string>();
  private readonly issued = new Map<string, string>();
  private readonly recentRefusals: Refusal[] = [];
  private refusalCount = 0;
  private capLoggedAt = 0;
  private capSuppressed = 0;

  constructor(
    private readonly maxUnauthenticated: number,
    private readonly log: (line: string) => void,
  ) {}

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
   * One more TCP connection before authentication, or none: past the cap it is dropped, counted, and
   * logged at most once a second (a flood must not flood the log too).
   */
  admitSocket(socket: Socket): boolean {
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

  /** A socket admitted by admitSocket authenticated or closed: its place is free. */
  releaseSocket(socket: Socket): void {
    this.unauthenticated.delete(socket);
  }
}
