import { clearInterval, clearTimeout, setInterval, setTimeout } from 'node:timers';
import type { Socket } from 'node:net';
import type { NodeDownReason } from './node-watchers.js';
import { MAX_FRAME, MAX_HANDSHAKE_FRAME, MIN_FRAME, foreignProtocol, readFrames, writeFrames } from './framing.js';
import { Writer, writeControl, type PidTranslator } from './codec.js';
import { SAME_PROTO, type ConnectFailure, type ConnectFailureReason } from './transport.js';
import { agreeVersion, challenge, CREATION_VERSION, LOWEST_VERSION, parseHandshake, proof, PROTOCOL_VERSION, quoteForLog, verifyProof, versionRange, type HandshakeFrame, type Transcript } from './handshake.js';

/** Limits on a connection: what a peer may cost before it is authenticated, and frame size after. */
export interface ConnectionLimits {
  /** Milliseconds a handshake may take, from the TCP connection to the last proof. */
  handshakeTimeoutMs: number;
  /** The largest handshake frame accepted before the peer proved the cookie, in bytes. */
  maxHandshakeFrame: number;
  /** The largest frame accepted from an authenticated peer, in bytes. */
  maxFrame: number;
}

/** The defaults of ConnectionLimits: 5 s, 4 KiB, 64 MiB. */
export const DEFAULT_LIMITS: ConnectionLimits = { handshakeTimeoutMs: 5000, maxHandshakeFrame: MAX_HANDSHAKE_FRAME, maxFrame: MAX_FRAME };

/**
 * One refused or failed handshake, as data: which side refused (`this node`, or `peer` when the other
 * side refused this one), which way the connection went, the name the peer claimed (unverified, absent
 * if none was valid), its address, and why.
 */
export interface Refusal {
  at: string;
  by: 'this node' | 'peer';
  direction: 'incoming' | 'outgoing';
  peer: string | undefined;
  address: string;
  reason: string;
}

/** Why a side sends `refused`: a wrong cookie, a version or name problem, a frame limit below MIN_FRAME, a lost simultaneous connect, already connected, or the listener at its maxConnections. */
export type RefusalReason = 'cookie' | 'version' | 'name' | 'frame' | 'simultaneous' | 'already' | 'full';

/** What a handshake needs of its node's admission: the one-time challenges, and where refusals are counted. */
export interface HandshakeAdmission {
  /** Called for every refused or failed handshake (to count them and keep the recent ones). */
  refused(r: Refusal): void;
  /** Dialler: the one-time challenge `listener` gave this node for its next connection, taken (undefined if none). */
  takeTicket(listener: string): string | undefined;
  /** Dialler: keeps the one-time challenge an authenticated listener gave for the next connection. */
  keepTicket(listener: string, next: string): void;
  /** Listener: a fresh one-time challenge for `dialler`'s next connection, remembered until it is redeemed. */
  issueTicket(dialler: string): string;
  /** Listener: the one-time challenge issued to `dialler`, taken (undefined if none: a restart, or used). */
  redeemTicket(dialler: string): string | undefined;
  /** Listener: logs a line about a failed or refused handshake (from the peer at `from`) through `log`, a bounded number a second. */
  handshakeLine(line: string, log: (line: string) => void, from?: string): void;
}

/** What a connection needs from its node. */
export interface ConnectionOwner {
  readonly name: string;
  readonly cookie: string;
  readonly hidden: boolean;
  /** Which incarnation of this node it is: drawn at random when its distribution starts, announced in the handshake. */
  readonly creation: number;
  /** The capabilities this node offers in its handshake (the distribution services it runs). */
  readonly flags: readonly string[];
  /** The silence after which this node declares a peer down; peers tick at least four times as often. */
  readonly tickTime: number;
  /** Handshake deadline and frame limits. */
  readonly limits: ConnectionLimits;
  /** A hello arrived from `peer` (a valid name, not yet proven): a reason to refuse it at once, or undefined to go on. */
  admit(conn: Connection, peer: string): RefusalReason | undefined;
  /** Whether `conn` may come up now (not already connected, not blocked): asked before the listener's proof leaves. */
  accepts(conn: Connection): boolean;
  /** The line refusing `conn` when it would be one connection more than maxConnections allows; undefined while there is room. */
  full(conn: Connection): string | undefined;
  /** Listener: the connection up to `conn`'s peer when it alone keeps `conn` from coming up (undefined otherwise). */
  superseded(conn: Connection): Connection | undefined;
  /** Dialler: whether this node has a connection up to `peer` (its answer when the listener asks `alive`). */
  isConnected(peer: string): boolean;
  /** Called once the handshake succeeded; returns false to refuse (e.g. already connected). */
  up(conn: Connection): boolean;
  /** Called with every control frame after the handshake. */
  frame(conn: Connection, payload: Buffer): void;
  /** Called once when the connection closes (after up, or during the handshake). */
  down(conn: Connection, reason: string, wasUp: boolean): void;
  /** The node's one-time challenges and record of refusals. */
  readonly admission: HandshakeAdmission;
  log(line: string): void;
  /** Called when bytes arrive or leave: the node keeps polling for a while (busy wait). */
  activity(): void;
}

// Dialler: hello-sent (its hello out, the listener's challenge awaited) → proof-sent → up; resuming, its
// hello and proof go out at once (proof-sent). Listener: awaiting-hello → awaiting-proof (its challenge
// out, with whatever else it answers to the same read) → up; discard-proof when it asked a resuming
// dialler to retry; alive-asked when it still holds a connection to the dialler and asked whether to replace it.
type Stage = 'hello-sent' | 'awaiting-hello' | 'awaiting-proof' | 'discard-proof' | 'alive-asked' | 'proof-sent' | 'up';

// The first byte of a TLS ClientHello: a plain listener tells a TLS dialler by it.
const TLS_RECORD_HANDSHAKE = 0x16;

// How a refusal reads in the node's list of recent refusals.
// The line about a peer announcing a frame limit too small for the runtime's own messages.
const tinyFrame = (who: string, frame: number): string =>
  `distribution: refused ${who}: it announces a maxFrameBytes of ${frame} bytes, below the ${MIN_FRAME}-byte minimum the runtime's own messages need; start it with a larger maxFrameBytes`;

const SHORT: Record<RefusalReason, string> = { cookie: 'wrong cookie', version: 'no protocol version in common', name: 'wrong node name', frame: 'frame limit too small', simultaneous: 'simultaneous connect', already: 'already connected', full: 'too many connections (maxConnections)' };

// What one parked frame costs besides its bytes: its length header and its Buffer object (about 100 bytes on V8).
const PARKED_FRAME_COST = 128;
// The size of the blocks small parked frames are copied into.
const PARK_BLOCK = 64 * 1024;

const COOKIE_HINT = 'both nodes need the same cookie: --cookie, OTP_COOKIE or ~/.otp-ts.cookie';

/**
 * One TCP connection to another node: the versioned handshake (mutual HMAC-SHA256 proofs of the cookie,
 * the dialler's first, each over both challenges, both names and its direction), then length-prefixed
 * control frames and ticks. Longer than the ~250 lines a class should take, on purpose: the handshake's
 * stages and the framed stream share the socket, the stage, the deadline timer and the close path, and
 * the set-up's timing rests on them being one object (the proof, the uncork and the switch to 'up' in
 * one place; bench/dist measures it).
 */
export class Connection {
  peer = '';
  /** The capabilities the peer offered in its handshake. */
  peerFlags: ReadonlySet<string> = new Set();
  /** True when the peer is a hidden node (a tool): it is not listed by nodes(). */
  peerHidden = false;
  /** The largest frame the peer reads (its maxFrameBytes, from the handshake; the default when it did not say). */
  peerMaxFrame = MAX_FRAME;
  /** Which incarnation of its node the peer is (from the handshake; undefined when it did not say). */
  peerCreation: number | undefined;
  /** The protocol version both ends speak (docs/protocol.md §3): the highest in both ranges, once the peer said its range. */
  version = LOWEST_VERSION;
  private stage: Stage;
  private closed = false;
  /** Why the connection closed ('' while open). */
  closeReason = '';
  /** What NodeDown says once it closes (OTP's nodedown_reason): the peer's close unless this node says otherwise first. */
  downReason: NodeDownReason = 'connection_closed';
  /** The reason the peer gave when it refused this connection ('' if it did not). */
  refusedBecause = '';
  private lastIn = Date.now();
  private lastOut = Date.now();
  private ticker: NodeJS.Timeout | null = null;
  private readonly timer: NodeJS.Timeout;

  readonly initiator: boolean;
  /** The node this side expects to reach (initiator only). */
  private readonly expected: string | undefined;
  private readonly onAuthenticated: (() => void) | undefined;
  private readonly onHelloReceived: (() => void) | undefined;
  private readonly tls: boolean;

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
      /** Called once, when the peer has proved the cookie (the listener counts unauthenticated connections). */
      onAuthenticated?: () => void;
      /** Listener: called once, when the dialler's hello parsed (the listener then pushes it out last at its cap). */
      onHello?: () => void;
      /** True when the connection runs inside TLS (a plain listener refuses a TLS dialler by its first byte). */
      tls?: boolean;
    },
  ) {
    this.initiator = options.initiator;
    this.expected = options.expected;
    this.onAuthenticated = options.onAuthenticated;
    this.onHelloReceived = options.onHello;
    this.tls = options.tls ?? false;
    this.stage = this.initiator ? 'hello-sent' : 'awaiting-hello';
    const log = options.log ?? ((line: string) => owner.log(line));
    this.log = (line) => {
      this.lastLine = line;
      log(line);
    };
    socket.setNoDelay(true);
    const { handshakeTimeoutMs, maxHandshakeFrame, maxFrame } = owner.limits;
    this.timer = setTimeout(() => this.fail(this.heard ? `the handshake did not finish within ${handshakeTimeoutMs} ms` : `it sent nothing within ${handshakeTimeoutMs} ms`, 'timeout'), handshakeTimeoutMs);
    this.timer.unref();
    socket.on('error', (e: NodeJS.ErrnoException) => {
      this.brokeOff(`its connection failed (${e.code ?? e.message})`);
      this.close(`socket error: ${e.message}`, e.code === 'ECONNREFUSED' || e.code === 'EHOSTUNREACH' || e.code === 'ETIMEDOUT' ? 'unreachable' : 'closed');
    });
    socket.on('close', () => {
      this.brokeOff('it closed the connection');
      this.close('the connection closed');
    });
    this.reading = readFrames(
      socket,
      (f) => this.onFrame(f),
      (why, head) => (this.stage === 'up' ? this.closeUp(why) : this.failFrame(why, head)),
      (chunk) => this.onChunk(chunk),
      options.first,
      () => (this.stage === 'up' ? maxFrame : maxHandshakeFrame),
    );
    // The dialler speaks first. The listener answers the hello with its challenge, in the same write as the
    // rest of its answer to that read (see onChunk): a resuming dialler's hello and proof get the challenge
    // and the proof in one segment, one wake-up.
    if (this.initiator) this.sendHello();
  }

  // Bytes held of the peer's frame not read whole yet (see readFrames).
  private readonly reading: () => number;

  private challengeSent = false;

  // Dialler: true when this connection proves itself over a one-time challenge from the last one.
  private resumed = false;
  // Dialler: the listener's fresh challenge, kept in case it asks a resuming dialler to retry.
  private freshChallenge = '';

  private heard = false;

  // Listener: the dialler's hello said it answers the `alive` question (a connection to it still held here).
  private answersAlive = false;
  // Dialler: it answered the listener's `alive` question (once per handshake).
  private aliveAnswered = false;
  // Listener: the connection it asked the dialler about; only that one is replaced.
  private held: Connection | undefined;

  // Every chunk read. Once up, the node keeps polling (busy wait). During the handshake, the frames this
  // side writes in answer to one chunk leave in one write (one segment, one wake-up of the peer): a resuming
  // dialler's hello and proof get the challenge and the proof; a plain listener's first byte tells a TLS dialler.
  private onChunk(chunk: Buffer): void {
    // Busy waiting pays off for traffic, not for set-up: on a machine with few cores a spinning process
    // takes the core its peer needs to answer (bench/dist).
    if (this.stage === 'up') {
      // Any bytes are a sign of life (as OTP counts bytes received), not only whole frames: a large frame
      // still arriving over a slow link is no silence, and must not get the peer declared down.
      this.lastIn = Date.now();
      this.owner.activity();
      // Frames read now are parked: the frame still arriving counts with them, so a large one cannot take a whole
      // maxFrameBytes more past the parked ones (this read is the last taken).
      if ((this.inputHeld || this.parked.length > 0) && this.parkedBytes + this.reading() + chunk.length > this.owner.limits.maxFrame) this.socket.pause();
      return;
    }
    if (!this.socket.writableCorked) {
      this.socket.cork();
      process.nextTick(() => this.socket.uncork());
    }
    if (this.heard) return;
    this.heard = true;
    if (!this.initiator && !this.tls && chunk[0] === TLS_RECORD_HANDSHAKE) {
      this.log(`distribution: connection from ${this.address} refused: it speaks TLS and this node does not; ${SAME_PROTO}`);
      this.record('this node', 'it speaks TLS and this node does not');
      this.handshake({ t: 'refused', reason: 'tls' });
      this.close('it speaks TLS', 'tls-mismatch', true);
    }
  }

  private readonly log: (line: string) => void;
  private myChallenge = challenge();
  private transcript: Transcript | undefined;
  private settle: () => void = () => {};
  /** Resolves once the handshake succeeded (and the owner took the connection) or the connection closed. */
  readonly settled = new Promise<void>((resolve) => (this.settle = resolve));
  /** The peer's tick time, from the handshake: it must hear from us more often than that. */
  private peerTick = Infinity;

  /** True once the handshake succeeded and until the connection closes. */
  get up(): boolean {
    return this.stage === 'up' && !this.closed;
  }

  /** The peer's address and port, for log lines. */
  get address(): string {
    return `${this.socket.remoteAddress ?? '?'}:${this.socket.remotePort ?? '?'}`;
  }

  /**
   * Queues a control message for the peer. Frames of one turn of the event loop are encoded one after
   * another into one buffer and leave in one write: no allocation per message, a syscall per batch.
   */
  sendControl(message: readonly unknown[], t: PidTranslator, peerIndex: number): void {
    if (!this.up) return;
    // Within the smaller of the two limits: a frame the peer would refuse throws here, naming its limit,
    // instead of the peer closing the connection and losing the messages behind it.
    const own = this.owner.limits.maxFrame;
    const creations = this.version >= CREATION_VERSION;
    if (this.peerMaxFrame < own) writeControl(this.out, message, t, peerIndex, this.peerMaxFrame, this.peer, creations);
    else writeControl(this.out, message, t, peerIndex, own, undefined, creations);
    this.scheduleFlush();
  }

  /** The largest frame this connection sends: the smaller of this node's and the peer's maxFrameBytes. */
  get sendLimit(): number {
    return Math.min(this.owner.limits.maxFrame, this.peerMaxFrame);
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
    const answers = this.answersBatched;
    if (answers === 0) this.socket.write(this.out.take());
    else {
      // The answers in this write are owed until the OS took all of it.
      this.answersBatched = 0;
      this.answersWritten += answers;
      this.socket.write(this.out.take(), () => (this.answersWritten -= answers));
    }
    this.owner.activity();
  };

  // Bytes of answers to the peer's signals (see owe) in this turn's batch, and in writes the OS has not taken yet.
  private answersBatched = 0;
  private answersWritten = 0;

  /** Counts `bytes` just queued as this node's answers to the peer's signals (noproc exits and DOWNs), not its processes' sends. */
  owe(bytes: number): void {
    this.answersBatched += bytes;
  }

  /** Bytes of answers to the peer's signals (see owe) the OS has not taken yet: what a peer that reads nothing makes this node hold. */
  get owedAnswers(): number {
    return this.answersBatched + this.answersWritten;
  }

  // When the peer was last seen taking bytes written to it (the OS's queue of them moved), or none were unsent.
  private lastTaken = Date.now();
  private lastQueue: number | undefined;

  // Bytes of this connection the OS has not taken yet (libuv's write queue of its TCP socket): it moves, byte by
  // byte, as the peer reads, even within one large frame. Undefined where Node does not show it (a TLS connection
  // this node dialled: its TCP socket is inside the TLS layer, whose queue holds whole writes).
  private osQueue(): number | undefined {
    type Raw = { _parent?: Socket; encrypted?: boolean; _handle?: { writeQueueSize?: unknown } | null };
    const s = this.socket as unknown as Raw;
    const raw = (s._parent ?? (s.encrypted ? undefined : s)) as Raw | undefined;
    const size = raw?._handle?.writeQueueSize;
    return typeof size === 'number' ? size : undefined;
  }

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

  // True while this node owes the peer more than busyLimit of answers: the peer's frames are parked, not handled.
  private inputHeld = false;
  private heldAt = 0;
  // Frames that arrived while held, in order, and their bytes: handled once the peer took what it is owed.
  private parked: Buffer[] = [];
  private parkedBytes = 0;

  /** Bytes of the peer's frames read but not handled yet, while this node waits for the peer to take its answers. */
  get parkedInput(): number {
    return this.parkedBytes;
  }

  /** Bytes of the peer's next frame read so far, not whole yet. */
  get arrivingInput(): number {
    return this.reading();
  }

  /**
   * Stops handling the peer's frames until what waits for it drained: the answers this node owes it (a noproc DOWN
   * for a monitor of a process that does not exist) must not pile up without bound while the peer reads none of them.
   * Its frames are still read and parked, up to maxFrameBytes of them: a peer held the same way by this node's own
   * answers drains its backlog into them and reads again, so two such nodes never wait on each other. Past that,
   * the peer is no longer read: its sends wait in TCP, and one that never reads is closed at the tick time.
   */
  holdInput(): void {
    if (this.inputHeld || this.closed) return;
    this.inputHeld = true;
    this.heldAt = Date.now();
    void this.drained().then(() => {
      this.inputHeld = false;
      this.lastIn = Date.now();
      this.unpark();
    });
  }

  // A frame that arrived while held waits its turn; past maxFrameBytes of them, the socket is not read until they are handled.
  // Each is copied out of the chunk it arrived in (a view would keep the whole chunk, and a chunk joined for a frame
  // split across reads holds the next frame's start too: up to twice the bytes counted), and counted with its header
  // and what its Buffer object costs, so the memory parked frames take is the count.
  private park(frame: Buffer): void {
    this.parked.push(this.parkedCopy(frame));
    this.parkedBytes += frame.length + PARKED_FRAME_COST;
    if (this.parkedBytes > this.owner.limits.maxFrame && !this.socket.isPaused()) this.socket.pause();
  }

  // Where small parked frames are copied, one after another: one allocation for many of them.
  private parkBlock: Buffer | undefined;
  private parkBlockAt = 0;

  // A copy of `frame` of its own bytes: a large one alone, a small one packed into the current block (a block's unused
  // end is below an eighth of it).
  private parkedCopy(frame: Buffer): Buffer {
    if (frame.length > PARK_BLOCK / 8) {
      const own = Buffer.allocUnsafeSlow(frame.length);
      frame.copy(own);
      return own;
    }
    if (!this.parkBlock || this.parkBlockAt + frame.length > PARK_BLOCK) {
      this.parkBlock = Buffer.allocUnsafeSlow(PARK_BLOCK);
      this.parkBlockAt = 0;
    }
    frame.copy(this.parkBlock, this.parkBlockAt);
    const copy = this.parkBlock.subarray(this.parkBlockAt, this.parkBlockAt + frame.length);
    this.parkBlockAt += frame.length;
    return copy;
  }

  // Handles the parked frames in order, until one leaves more than busyLimit owed again (held anew); then reads on.
  private unpark(): void {
    let i = 0;
    while (i < this.parked.length && !this.inputHeld && !this.closed) {
      const frame = this.parked[i++]!;
      this.parkedBytes -= frame.length + PARKED_FRAME_COST;
      this.owner.frame(this, frame);
    }
    this.parked = this.closed ? [] : this.parked.slice(i);
    if (this.closed) this.parkedBytes = 0;
    if (this.parked.length === 0) this.parkBlock = undefined;
    // Still held, it reads on while the parked frames and the one arriving are within maxFrameBytes; no longer held, it reads on.
    const room = !this.inputHeld || this.parkedBytes + this.reading() <= this.owner.limits.maxFrame;
    if (!this.closed && room && this.socket.isPaused()) this.socket.resume();
  }

  /** Starts ticking: a tick when idle for a quarter of `tickMs`, and down when silent for `tickMs`. */
  startTicks(tickMs: number): void {
    // Tick often enough for the stricter of the two tick times, so nodes with different settings agree.
    const every = Math.min(tickMs, this.peerTick) / 4;
    const period = Math.max(20, every / 2);
    let lastRun = Date.now();
    this.ticker = setInterval(() => {
      const now = Date.now();
      // Late by more than a period: this node did not run (a long synchronous turn, a machine too loaded to schedule
      // it, the clock set forward). What the peer sent meanwhile waits unread (timers run before sockets are read)
      // and what it took went unseen: that time is not the peer's silence, so it is not counted against it.
      const stalled = now - lastRun - period;
      lastRun = now;
      if (stalled > period) {
        this.lastIn += stalled;
        this.lastTaken += stalled;
        this.heldAt += stalled;
      }
      const queue = this.osQueue();
      if (this.socket.writableLength === 0 || queue === undefined || queue !== this.lastQueue) this.lastTaken = now;
      this.lastQueue = queue;
      // Held, the peer's bytes wait unread here: its silence says nothing, what it takes of the answers does.
      // Where Node does not show what the peer took (a TLS connection this node dialled), held for a whole tick time is the sign.
      if (this.inputHeld && queue === undefined && now - this.heldAt > tickMs) this.stoppedReading(tickMs, 'held');
      else if (!this.inputHeld && now - this.lastIn > tickMs) this.closeFor('net_tick_timeout', `no sign of life from ${this.peer} for ${tickMs} ms (net tick time)`);
      else if (now - this.lastTaken > tickMs) this.stoppedReading(tickMs);
      else if (now - this.lastOut > every) {
        // A tick is an empty frame, queued behind this turn's frames.
        this.out.u32(0);
        this.scheduleFlush();
      }
    }, period);
    this.ticker.unref();
  }

  // A peer that keeps sending (ticks) but took none of what waits for it for a whole tick time stopped reading: what
  // this node sends it would pile up for ever, and its senders stay suspended. Closed, with one line.
  private stoppedReading(tickMs: number, held?: 'held'): void {
    const why = held
      ? `the ${this.socket.writableLength} bytes waiting for it did not drain within ${tickMs} ms (the tick time) while it sent more: it stopped reading`
      : `it took none of the ${this.socket.writableLength} bytes waiting for it within ${tickMs} ms (the tick time): it stopped reading`;
    this.log(`distribution: closed the connection to ${this.peer} (${this.address}): ${why}`);
    this.closeFor('net_tick_timeout', why);
  }

  /** Why the handshake failed, as data, when the connection closed before it was up (and the last line it logged). */
  failure: ConnectFailure | undefined;
  private lastLine = '';

  /**
   * Closes the connection (once) and tells the owner why; `kind` classifies a close before the handshake
   * ended. `graceful` lets what was written (a refusal, the last messages of a stopping node) reach the peer first: TLS would drop it on a destroy.
   */
  close(reason: string, kind: ConnectFailureReason = 'closed', graceful = false): void {
    if (this.closed) return;
    // What processes sent this turn (a last cast before the node stops) leaves before the end of the stream.
    if (graceful) this.flush();
    this.closed = true;
    this.closeReason = reason;
    this.parked = [];
    this.parkedBytes = 0;
    this.parkBlock = undefined;
    const wasUp = this.stage === 'up';
    if (!wasUp) this.failure = { reason: kind, message: this.lastLine || `distribution: the connection to ${this.peer || this.expected || 'a node'} closed during the handshake (${reason})` };
    clearTimeout(this.timer);
    if (this.ticker) clearInterval(this.ticker);
    if (graceful) {
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 1000).unref();
    } else this.socket.destroy();
    this.owner.down(this, reason, wasUp);
    this.settle();
  }

  /** Closes the connection, saying why to NodeDown watchers (OTP's nodedown_reason) and in words; `graceful` as close's. */
  closeFor(downReason: NodeDownReason, reason: string, graceful = false): void {
    if (!this.closed) this.downReason = downReason;
    this.close(reason, 'closed', graceful);
  }

  // Who the peer is for a log line before it proved anything: the name it claims, never asserted.
  private who(): string {
    if (this.initiator) return `${this.expected ?? this.peer} (${this.address})`;
    return this.peer ? `a peer claiming to be ${this.peer} (${this.address})` : `a peer at ${this.address}`;
  }

  private record(by: Refusal['by'], reason: string): void {
    this.owner.admission.refused({ at: new Date().toISOString(), by, direction: this.initiator ? 'outgoing' : 'incoming', peer: this.peer || this.expected || undefined, address: this.address, reason });
  }

  // A frame over the limit before authentication: from a peer that speaks another protocol (a web client
  // pointed at the port: its first bytes read as a huge length), say so, in one line; else the frame's size.
  private failFrame(why: string, head: Buffer): void {
    const foreign = this.stage === 'awaiting-hello' || this.stage === 'hello-sent' ? foreignProtocol(head) : undefined;
    this.fail(foreign ? `it does not speak the distribution protocol: it sent ${foreign}` : `${why} before authentication`);
  }

  // Listener: the peer went away during its handshake after it sent something (part of a hello, or a hello and no
  // proof): a line within the budget of handshake lines, and counted, as OTP logs such attempts. One that sent
  // nothing (a health check, a port probe) is no handshake: no line.
  private brokeOff(how: string): void {
    if (this.closed || this.initiator || this.stage === 'up' || !this.heard) return;
    const at: Partial<Record<Stage, string>> = {
      'awaiting-hello': `after ${this.reading()} bytes of its hello`,
      'awaiting-proof': 'before it proved the cookie',
      'discard-proof': 'before it proved the cookie',
      'alive-asked': 'before it said whether it still holds its old connection',
    };
    this.fail(`${how} ${at[this.stage] ?? 'before the handshake finished'}`);
  }

  // A handshake that broke off on this side (bad frame, deadline, oversized frame): one line, counted, closed.
  private fail(why: string, kind: ConnectFailureReason = 'closed'): void {
    if (this.closed) return;
    this.handshakeLog(`distribution: closed the ${this.initiator ? 'connection to' : 'connection from'} ${this.who()} during the handshake: ${why}`);
    this.record('this node', why);
    this.close(why, kind);
  }

  // A handshake's failure or refusal: a connection this node dialled says so at once; lines about incoming ones
  // are bounded a second (a flood of them must not flood the log), the failure message keeps its own line.
  private handshakeLog(line: string): void {
    if (this.initiator) return this.log(line);
    this.lastLine = line;
    this.owner.admission.handshakeLine(line, this.log, this.address);
  }

  // An authenticated connection that sent something it must not: one line, closed.
  private closeUp(why: string): void {
    this.log(`distribution: closed the connection to ${this.peer} (${this.address}): ${why}`);
    this.close(why);
  }

  // The hello; with a one-time challenge from the listener's last proof, the proof over it at once too,
  // so a reconnection costs one round trip (docs/protocol.md §3, resumption).
  private sendHello(): void {
    const { owner } = this;
    const ticket = this.expected ? owner.admission.takeTicket(this.expected) : undefined;
    const hello: HandshakeFrame = { t: 'hello', v: PROTOCOL_VERSION, vmin: LOWEST_VERSION, name: owner.name, hidden: owner.hidden, challenge: this.myChallenge, tick: owner.tickTime, flags: [...owner.flags], frame: owner.limits.maxFrame, creation: owner.creation, resume: ticket !== undefined, alive: true };
    if (ticket === undefined || !this.expected) return this.handshake(hello);
    this.resumed = true;
    this.transcript = { dialler: owner.name, listener: this.expected, diallerChallenge: this.myChallenge, listenerChallenge: ticket };
    this.stage = 'proof-sent';
    // Both frames in one write: one segment on the wire.
    this.handshake(hello, { t: 'proof', digest: proof(owner.cookie, 'dialler', this.transcript), next: undefined });
  }

  // The listener's challenge, once: its first frame, whatever it then makes of the hello.
  private sendChallenge(): void {
    if (this.challengeSent || this.closed) return;
    this.challengeSent = true;
    const { owner } = this;
    this.handshake({ t: 'challenge', v: PROTOCOL_VERSION, vmin: LOWEST_VERSION, name: owner.name, challenge: this.myChallenge, tick: owner.tickTime, hidden: owner.hidden, flags: [...owner.flags], frame: owner.limits.maxFrame, creation: owner.creation });
  }

  private handshake(...frames: HandshakeFrame[]): void {
    writeFrames(this.socket, frames.map((f) => Buffer.from(JSON.stringify(f), 'utf8')));
  }

  // Refuses the peer: tells it why, logs `line` (unless the refusal is routine) and counts it.
  private refuse(reason: RefusalReason, line: string | undefined): void {
    this.handshake({ t: 'refused', reason });
    if (line !== undefined) {
      this.handshakeLog(line);
      this.record('this node', SHORT[reason]);
    }
    this.close(`refused ${reason}`, reason === 'simultaneous' || reason === 'already' || reason === 'frame' || reason === 'full' ? 'closed' : reason, true);
  }

  private onFrame(frame: Buffer): void {
    if (this.closed) return;
    this.lastIn = Date.now();
    if (this.stage === 'up') {
      if (frame.length === 0) return;
      if (this.inputHeld || this.parked.length > 0) this.park(frame);
      else this.owner.frame(this, frame);
      return;
    }
    let f: HandshakeFrame;
    try {
      f = parseHandshake(frame);
    } catch (error) {
      this.fail((error as Error).message);
      return;
    }
    if (f.t === 'refused') return this.peerRefused(f.reason);
    if (this.stage === 'awaiting-hello' && f.t === 'hello') return this.onHello(f);
    if (this.stage === 'hello-sent' && f.t === 'challenge') return this.onChallenge(f);
    if (this.stage === 'awaiting-proof' && f.t === 'proof') return this.onDiallerProof(f.digest);
    if (this.stage === 'discard-proof' && f.t === 'proof') {
      // The resuming dialler's proof over a challenge this node no longer has: the next one counts.
      this.stage = 'awaiting-proof';
      return;
    }
    if (this.stage === 'proof-sent' && f.t === 'challenge' && this.resumed && this.freshChallenge === '') return this.onChallenge(f);
    if (this.stage === 'proof-sent' && f.t === 'retry' && this.resumed && this.freshChallenge !== '') return this.onRetry();
    if (this.stage === 'proof-sent' && f.t === 'proof') return this.onListenerProof(f.digest, f.next);
    if (this.stage === 'proof-sent' && f.t === 'alive' && f.replace === undefined && !this.aliveAnswered) return this.onAliveAsked();
    if (this.stage === 'alive-asked' && f.t === 'alive' && f.replace !== undefined) return this.onAliveAnswer(f.replace);
    this.fail(`it sent a '${f.t}' frame out of order`);
  }

  // Listener: a hello. Nothing derived from the cookie leaves this node before the dialler proved it.
  private onHello(f: Extract<HandshakeFrame, { t: 'hello' }>): void {
    const { owner } = this;
    this.onHelloReceived?.();
    this.sendChallenge();
    const agreed = agreeVersion(f.v, f.vmin);
    this.peer = f.name;
    if (agreed === undefined) return this.refuse('version', `distribution: refused ${this.who()}: it speaks protocol ${versionRange(f.v, f.vmin)}, this node ${versionRange(PROTOCOL_VERSION, LOWEST_VERSION)}; run runtimes whose versions overlap`);
    this.version = agreed;
    if (f.name === owner.name) return this.refuse('name', `distribution: refused ${this.who()}: it claims this node's own name`);
    if (f.frame !== undefined && f.frame < MIN_FRAME) return this.refuse('frame', tinyFrame(this.who(), f.frame));
    const refusal = owner.admit(this, f.name);
    if (refusal) return this.refuse(refusal, undefined);
    this.peerFlags = new Set(f.flags);
    this.peerHidden = f.hidden;
    this.peerTick = f.tick ?? Infinity;
    this.peerMaxFrame = f.frame ?? MAX_FRAME;
    this.peerCreation = f.creation;
    this.answersAlive = f.alive;
    if (f.challenge === this.myChallenge) return this.refuse('cookie', `distribution: refused ${this.who()}: it sent this node's own challenge back`);
    const ticket = f.resume ? owner.admission.redeemTicket(f.name) : undefined;
    this.transcript = { dialler: f.name, listener: owner.name, diallerChallenge: f.challenge, listenerChallenge: ticket ?? this.myChallenge };
    this.stage = 'awaiting-proof';
    if (f.resume && ticket === undefined) {
      this.stage = 'discard-proof';
      this.handshake({ t: 'retry' });
    }
  }

  // Dialler: the listener's challenge. This node proves the cookie first, for exactly this listener.
  private onChallenge(f: Extract<HandshakeFrame, { t: 'challenge' }>): void {
    const { owner } = this;
    if (this.expected && f.name !== this.expected) return this.refuse('name', `distribution: expected ${this.expected} at ${this.address} but ${f.name} answered`);
    this.peer = f.name;
    // Both sides pick the highest version both speak, each from the other's range.
    const agreed = agreeVersion(f.v, f.vmin);
    if (agreed === undefined) return this.refuse('version', `distribution: ${f.name} (${this.address}) speaks protocol ${versionRange(f.v, f.vmin)}, this node ${versionRange(PROTOCOL_VERSION, LOWEST_VERSION)}; run runtimes whose versions overlap`);
    if (f.challenge === this.myChallenge) return this.refuse('cookie', `distribution: ${f.name} (${this.address}) sent this node's own challenge back: closed`);
    if (f.frame !== undefined && f.frame < MIN_FRAME) return this.refuse('frame', tinyFrame(`${f.name} (${this.address})`, f.frame));
    this.peerFlags = new Set(f.flags);
    this.peerHidden = f.hidden;
    this.peerTick = f.tick ?? Infinity;
    this.peerMaxFrame = f.frame ?? MAX_FRAME;
    this.peerCreation = f.creation;
    this.version = agreed;
    this.freshChallenge = f.challenge;
    // Resuming, the proof is out already: the fresh challenge is kept in case the listener asks to retry.
    if (this.resumed) return;
    this.transcript = { dialler: owner.name, listener: f.name, diallerChallenge: this.myChallenge, listenerChallenge: f.challenge };
    this.stage = 'proof-sent';
    this.handshake({ t: 'proof', digest: proof(owner.cookie, 'dialler', this.transcript), next: undefined });
  }

  // Dialler: the listener no longer has the one-time challenge (it restarted): prove over the fresh one.
  private onRetry(): void {
    const { owner } = this;
    this.resumed = false;
    this.transcript = { dialler: owner.name, listener: this.peer, diallerChallenge: this.myChallenge, listenerChallenge: this.freshChallenge };
    this.handshake({ t: 'proof', digest: proof(owner.cookie, 'dialler', this.transcript), next: undefined });
  }

  // Listener: the dialler's proof. Only when it holds does this node answer with its own.
  private onDiallerProof(digest: string): void {
    const { owner } = this;
    if (!verifyProof(owner.cookie, 'dialler', this.transcript!, digest)) {
      return this.refuse('cookie', `distribution: refused ${this.who()}: it did not prove the cookie (wrong cookie; ${COOKIE_HINT})`);
    }
    this.onAuthenticated?.();
    // One connection more than maxConnections: refused before this node proves anything, with one line.
    const full = owner.full(this);
    if (full !== undefined) return this.refuse('full', full);
    if (!owner.accepts(this)) {
      // This node still holds a connection to the dialler, which dialled all the same: it may have lost that
      // connection without this node seeing it go yet (a quick reconnect, a restart, a half-open link). As
      // OTP does, the dialler says whether it still has one: if it has not, the old one is replaced.
      this.held = this.answersAlive ? owner.superseded(this) : undefined;
      if (this.held) {
        this.stage = 'alive-asked';
        this.handshake({ t: 'alive', replace: undefined });
        return;
      }
      return this.refuse('already', undefined);
    }
    this.welcome();
  }

  // Dialler: the listener still holds a connection to this node. Replace it unless this node has one up
  // (a connection that came up meanwhile, e.g. the listener's own dial): then the listener refuses this one.
  private onAliveAsked(): void {
    this.aliveAnswered = true;
    this.handshake({ t: 'alive', replace: !this.owner.isConnected(this.expected ?? this.peer) });
  }

  // Listener: the dialler's answer. Replacing closes the old connection first (its links and monitors end
  // with noconnection, its watchers see the node go down and up again), then this one comes up.
  private onAliveAnswer(replace: boolean): void {
    // Only the connection the dialler was asked about: one that came up since (this node's own dial) is no stale one.
    if (replace && this.held && this.owner.superseded(this) === this.held) this.held.close(`${this.peer} connected again: its side of this connection is gone`);
    this.held = undefined;
    if (!this.owner.accepts(this)) return this.refuse('already', undefined);
    this.welcome();
  }

  // Listener: the dialler proved the cookie and may come up: this node's proof, then up.
  private welcome(): void {
    const { owner } = this;
    // The proof leaves first, so the dialler's wait does not include this node's work of taking it up.
    clearTimeout(this.timer);
    this.handshake({ t: 'proof', digest: proof(owner.cookie, 'listener', this.transcript!), next: owner.admission.issueTicket(this.peer) });
    // Out now (with the challenge, if it waited for this read), not after the work of taking the connection up.
    this.socket.uncork();
    this.stage = 'up';
    // The owner may queue frames for the peer now: they go out on the next tick, after the proof.
    if (!owner.up(this)) this.close('already connected');
    this.settle();
  }

  // Dialler: the listener's proof, over the same values in the other direction.
  private onListenerProof(digest: string, next: string | undefined): void {
    const { owner } = this;
    if (!verifyProof(owner.cookie, 'listener', this.transcript!, digest)) {
      return this.refuse('cookie', `distribution: ${this.who()} answered with a proof that does not match this node's cookie: closed (wrong cookie; ${COOKIE_HINT})`);
    }
    clearTimeout(this.timer);
    if (this.peer === '') this.peer = this.transcript!.listener;
    if (next !== undefined) owner.admission.keepTicket(this.peer, next);
    this.stage = 'up';
    if (!owner.up(this)) {
      this.stage = 'proof-sent';
      this.close('already connected');
    }
    this.settle();
  }

  private peerRefused(reason: string): void {
    this.refusedBecause = reason;
    const kinds: Record<string, ConnectFailureReason> = { cookie: 'cookie', tls: 'tls-mismatch', version: 'version', name: 'name' };
    // A lost simultaneous connect, or a connection the peer already has: routine, no line.
    if (reason === 'simultaneous' || reason === 'already') return this.close(`refused: ${reason}`);
    const why =
      reason === 'cookie'
        ? `wrong cookie (${COOKIE_HINT})`
        : reason === 'tls'
          ? `it speaks TLS and this node does not; ${SAME_PROTO}`
          : reason === 'full'
            ? 'it holds as many connections as its maxConnections allows: start it with a larger maxConnections, or disconnect nodes from it'
            : quoteForLog(reason);
    if (this.initiator) this.log(`distribution: ${this.who()} refused this node's connection: ${why}`);
    // An incoming connection's refusal costs its peer nothing: a flood of them is held to the handshake lines' budget.
    else this.handshakeLog(`distribution: ${this.who()} dialled in, then refused this node: ${why}`);
    this.record('peer', Object.hasOwn(SHORT, reason) ? SHORT[reason as RefusalReason] : quoteForLog(reason));
    this.close(`refused: ${quoteForLog(reason)}`, Object.hasOwn(kinds, reason) ? kinds[reason] : 'closed');
  }
}
