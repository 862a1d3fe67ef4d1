import type { Socket } from 'node:net';
import { readFrames, writeFrame } from './framing.js';
import { Writer, writeControl, type PidTranslator } from './codec.js';
import { SAME_PROTO, type ConnectFailure, type ConnectFailureReason } from './transport.js';
import { agreeVersion, challenge, digest, flagsOf, LOWEST_VERSION, parseHandshake, PROTOCOL_VERSION, verify, versionRange, type HandshakeFrame } from './handshake.js';

/** What a connection needs from its node. */
export interface ConnectionOwner {
  readonly name: string;
  readonly cookie: string;
  readonly hidden: boolean;
  /** The capabilities this node offers in its handshake (the distribution services it runs). */
  readonly flags: readonly string[];
  /** The silence after which this node declares a peer down; peers tick at least four times as often. */
  readonly tickTime: number;
  /** Called once the handshake succeeded; returns false to refuse (e.g. already connected). */
  up(conn: Connection): boolean;
  /** Called with every control frame after the handshake. */
  frame(conn: Connection, payload: Buffer): void;
  /** Called once when the connection closes (after up, or during the handshake). */
  down(conn: Connection, reason: string, wasUp: boolean): void;
  log(line: string): void;
  /** Called when bytes arrive or leave: the node keeps polling for a while (busy wait). */
  activity(): void;
}

const HANDSHAKE_TIMEOUT = 5000;

/**
 * One TCP connection to another node: the versioned handshake (HMAC-SHA256 challenge in both directions
 * over the cookie, never the cookie itself), then length-prefixed control frames and ticks.
 */
export class Connection {
  peer = '';
  /** The capabilities the peer offered in its handshake. */
  peerFlags: ReadonlySet<string> = new Set();
  /** True when the peer is a hidden node (a tool): it is not listed by nodes(). */
  peerHidden = false;
  private isUp = false;
  private closed = false;
  /** Why the connection closed ('' while open). */
  closeReason = '';
  private lastIn = Date.now();
  private lastOut = Date.now();
  private ticker: NodeJS.Timeout | null = null;
  private readonly timer: NodeJS.Timeout;

  readonly initiator: boolean;
  /** The node this side expects to reach (initiator only). */
  private readonly expected: string | undefined;

  constructor(
    readonly socket: Socket,
    private readonly owner: ConnectionOwner,
    options: {
      initiator: boolean;
      expected?: string;
      /** Where this connection's handshake lines go (default: the owner's log). */
      log?: (line: string) => void;
      /** Bytes already read from the socket (the listener's first chunk), taken before any later ones. */
      first?: Buffer;
    },
  ) {
    this.initiator = options.initiator;
    this.expected = options.expected;
    const log = options.log ?? ((line: string) => owner.log(line));
    this.log = (line) => {
      this.lastLine = line;
      log(line);
    };
    socket.setNoDelay(true);
    this.timer = setTimeout(() => this.close('the handshake did not finish within 5 s', 'timeout'), HANDSHAKE_TIMEOUT);
    this.timer.unref();
    socket.on('error', (e: NodeJS.ErrnoException) => this.close(`socket error: ${e.message}`, e.code === 'ECONNREFUSED' || e.code === 'EHOSTUNREACH' || e.code === 'ETIMEDOUT' ? 'unreachable' : 'closed'));
    socket.on('close', () => this.close('the connection closed'));
    readFrames(
      socket,
      (f) => this.onFrame(f),
      (why) => this.close(why),
      owner.activity,
      options.first,
    );
    if (this.initiator) this.myChallenge = this.sendHello();
  }

  private readonly log: (line: string) => void;
  private myChallenge = '';
  private settle: () => void = () => {};
  /** Resolves once the handshake succeeded (and the owner took the connection) or the connection closed. */
  readonly settled = new Promise<void>((resolve) => (this.settle = resolve));
  /** The peer's tick time, from the handshake: it must hear from us more often than that. */
  private peerTick = Infinity;

  /** True once the handshake succeeded and until the connection closes. */
  get up(): boolean {
    return this.isUp && !this.closed;
  }

  /**
   * Queues a control message for the peer. Frames of one turn of the event loop are encoded one after
   * another into one buffer and leave in one write: no allocation per message, a syscall per batch.
   */
  sendControl(message: readonly unknown[], t: PidTranslator, peerIndex: number): void {
    if (!this.up) return;
    writeControl(this.out, message, t, peerIndex);
    this.scheduleFlush();
  }

  /** Queues a control frame encoded earlier (see encodeControl): messages sent while connecting. */
  send(payload: Buffer): void {
    if (!this.up) return;
    this.out.u32(payload.length);
    this.out.bytes(payload);
    this.scheduleFlush();
  }

  /** Bytes written to this connection that the peer has not taken yet: this turn's batch and Node's socket buffer. */
  get buffered(): number {
    return this.socket.writableLength + this.out.pos;
  }

  private readonly out = new Writer();
  private flushScheduled = false;

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    process.nextTick(this.flush);
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    if (this.out.pos === 0 || this.closed) return;
    this.lastOut = Date.now();
    this.socket.write(this.out.take());
    this.owner.activity();
  };

  private drain: Promise<void> | null = null;

  /** Resolves once the socket's buffer is empty again, or the connection closed (busy_dist_port's end). */
  drained(): Promise<void> {
    if (this.drain) return this.drain;
    // The batch goes out first: what is left unsent after that is what the peer has not taken.
    this.flush();
    // Without a pending 'drain' (below the socket's high-water mark) there is nothing to wait for.
    if (this.closed || this.socket.writableLength === 0 || !this.socket.writableNeedDrain) return Promise.resolve();
    this.drain = new Promise<void>((resolve) => {
      const done = (): void => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        this.drain = null;
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
    return this.drain;
  }

  /** Starts ticking: a tick when idle for a quarter of `tickMs`, and down when silent for `tickMs`. */
  startTicks(tickMs: number): void {
    // Tick often enough for the stricter of the two tick times, so nodes with different settings agree.
    const every = Math.min(tickMs, this.peerTick) / 4;
    this.ticker = setInterval(() => {
      const now = Date.now();
      if (now - this.lastIn > tickMs) this.close(`no sign of life from ${this.peer} for ${tickMs} ms (net tick time)`);
      else if (now - this.lastOut > every) {
        // A tick is an empty frame, queued behind this turn's frames.
        this.out.u32(0);
        this.scheduleFlush();
      }
    }, Math.max(20, every / 2));
    this.ticker.unref();
  }

  /** Why the handshake failed, as data, when the connection closed before it was up (and the last line it logged). */
  failure: ConnectFailure | undefined;
  private lastLine = '';

  /** Closes the connection (once) and tells the owner why; `kind` classifies a close before the handshake ended. */
  close(reason: string, kind: ConnectFailureReason = 'closed'): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = reason;
    if (!this.isUp) this.failure = { reason: kind, message: this.lastLine || `distribution: the connection to ${this.peer || this.expected || 'a node'} closed during the handshake (${reason})` };
    clearTimeout(this.timer);
    if (this.ticker) clearInterval(this.ticker);
    this.socket.destroy();
    this.owner.down(this, reason, this.isUp);
    this.settle();
  }

  private sendHello(): string {
    const c = challenge();
    this.handshake({ t: 'hello', v: PROTOCOL_VERSION, vmin: LOWEST_VERSION, name: this.owner.name, hidden: this.owner.hidden, challenge: c, tick: this.owner.tickTime, flags: [...this.owner.flags] });
    return c;
  }

  private handshake(f: HandshakeFrame): void {
    writeFrame(this.socket, Buffer.from(JSON.stringify(f), 'utf8'));
  }

  private refuse(reason: 'cookie' | 'name' | 'version', log: string): void {
    this.handshake({ t: 'refused', reason });
    this.log(log);
    this.close(reason, reason);
  }

  private onFrame(frame: Buffer): void {
    this.lastIn = Date.now();
    if (this.isUp) {
      if (frame.length > 0) this.owner.frame(this, frame);
      return;
    }
    let f: HandshakeFrame;
    try {
      f = parseHandshake(frame);
    } catch (error) {
      this.log(`distribution: closed a connection${this.peer ? ` from ${this.peer}` : ''}: ${(error as Error).message}`);
      this.close((error as Error).message);
      return;
    }
    const { cookie, name } = this.owner;
    if (!this.initiator && f.t === 'hello') {
      const agreed = agreeVersion(f.v, f.vmin);
      if (agreed === undefined) return this.refuse('version', `distribution: refused ${f.name}: it speaks protocol ${versionRange(f.v, f.vmin)}, this node ${versionRange(PROTOCOL_VERSION, LOWEST_VERSION)}; run runtimes whose versions overlap`);
      this.peerFlags = flagsOf(f.flags);
      this.peer = String(f.name);
      this.peerHidden = f.hidden === true;
      this.peerTick = typeof f.tick === 'number' && f.tick > 0 ? f.tick : Infinity;
      this.myChallenge = challenge();
      this.handshake({ t: 'welcome', v: agreed, vmin: LOWEST_VERSION, name, challenge: this.myChallenge, digest: digest(cookie, f.challenge, name), tick: this.owner.tickTime, hidden: this.owner.hidden, flags: [...this.owner.flags] });
    } else if (!this.initiator && f.t === 'ack') {
      if (!verify(cookie, this.myChallenge, this.peer, f.digest)) {
        return this.refuse('cookie', `distribution: refused a connection from ${this.peer}: wrong cookie (both nodes need the same cookie: --cookie, OTP_COOKIE or ~/.otp-ts.cookie)`);
      }
      this.becomeUp();
    } else if (this.initiator && f.t === 'welcome') {
      if (this.expected && f.name !== this.expected) return this.refuse('name', `distribution: expected ${this.expected} but ${f.name} answered`);
      this.peer = f.name;
      // The listener chose the version; it must be one this node speaks.
      if (typeof f.v !== 'number' || f.v < LOWEST_VERSION || f.v > PROTOCOL_VERSION) return this.refuse('version', `distribution: ${f.name} chose protocol ${String(f.v)}, which this node (${versionRange(PROTOCOL_VERSION, LOWEST_VERSION)}) does not speak`);
      this.peerFlags = flagsOf(f.flags);
      this.peerHidden = f.hidden === true;
      this.peerTick = typeof f.tick === 'number' && f.tick > 0 ? f.tick : Infinity;
      if (!verify(cookie, this.myChallenge, f.name, f.digest)) {
        return this.refuse('cookie', `distribution: ${f.name} did not prove the cookie: wrong cookie (both nodes need the same cookie)`);
      }
      this.handshake({ t: 'ack', digest: digest(cookie, f.challenge, name) });
      // Up at once: the welcome proved the peer has the same cookie, so it will accept this ack, and
      // frames sent from now on follow the ack. Waiting for an answer would add a round trip to set-up.
      this.becomeUp();
    } else if (f.t === 'refused') {
      const why = f.reason === 'cookie' ? 'wrong cookie' : f.reason === 'tls' ? `it speaks TLS and this node does not; ${SAME_PROTO}` : f.reason;
      this.log(`distribution: ${this.peer || this.expected} refused the connection: ${why}`);
      const kinds: Record<string, ConnectFailureReason> = { cookie: 'cookie', tls: 'tls-mismatch', version: 'version', name: 'name' };
      this.close(`refused: ${f.reason}`, kinds[String(f.reason)] ?? 'closed');
    } else {
      this.log(`distribution: closed a connection${this.peer ? ` from ${this.peer}` : ''}: unexpected handshake frame '${String(f.t)}'`);
      this.close('out-of-order handshake frame');
    }
  }

  private becomeUp(): void {
    clearTimeout(this.timer);
    this.isUp = true;
    if (!this.owner.up(this)) {
      this.isUp = false;
      this.close('already connected');
    }
    this.settle();
  }
}
