import { clearInterval, clearTimeout, setInterval, setTimeout } from 'node:timers';
import { connect, type Server, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { EPMD, decodeAlive2, encodeAlive2Resp, encodeNamesResp, encodePort2Resp, listenAddressOf, type NodeEntry } from './epmd-protocol.js';
import { escapeForLog, isLocalPeer, listenAll } from './epmd-address.js';
import { keepServing, watchDescriptors } from './descriptors.js';

/** The largest request the port mapper accepts; anything bigger is garbage. */
const MAX_REQUEST = 1024;

/** How many lines of each kind (connections closed, requests ignored on registration connections) the port mapper logs a second; the rest are summed up. */
const LINES_PER_SECOND = 10;

/**
 * At most LINES_PER_SECOND lines a second through `log`; those left out are counted and summed up in one line
 * (`summary(count)`) when their second ends, so a flood of bad clients cannot grow the port mapper's log by a line each.
 */
class LineBudget {
  private at = 0;
  private logged = 0;
  private suppressed = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly log: (line: string) => void,
    private readonly summary: (count: number) => string,
  ) {}

  /** Logs `text`, or counts it when this second's lines are spent. */
  line(text: string): void {
    const now = Date.now();
    if (this.timer === null && now - this.at >= 1000) {
      this.at = now;
      this.logged = 0;
    }
    if (this.logged < LINES_PER_SECOND) {
      this.logged++;
      return this.log(text);
    }
    this.suppressed++;
    if (this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.log(this.summary(this.suppressed));
      this.timer = null;
      this.suppressed = 0;
      this.at = Date.now();
      this.logged = 0;
    }, Math.max(0, 1000 - (now - this.at)));
    this.timer.unref();
  }

  /** Drops the pending summing line (the port mapper stopped). */
  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}

// Probes of a holder, shared while in flight and for a second after: a flood of registrations for a held name makes
// one connection to the holder's port, not one each.
const recentProbes = new WeakMap<object, { until: number; alive: Promise<boolean> }>();

function probeHolder(holder: NodeEntry & { socket: Socket }, ms: number): Promise<boolean> {
  const known = recentProbes.get(holder);
  if (known !== undefined && Date.now() < known.until) return known.alive;
  const alive = holderListens(probeAddresses(holder), holder.port, ms);
  recentProbes.set(holder, { until: Date.now() + ms + 1000, alive });
  return alive;
}

// How many registered nodes' ports the periodic check probes at once (each probe is a socket: a full port mapper
// of 1024 nodes must not take 1024 descriptors at once).
const SWEEP_PARALLEL = 16;

type Holder = NodeEntry & { socket: Socket };

// This host's addresses, link-local ones aside (they need a scope).
function ownAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address).filter((a) => !/^fe80:/i.test(a)));
}

// Where a holder's distribution port is probed, besides loopback and this host's addresses: the address its ALIVE2
// says it listens on (an otp-ts node named after 127.0.0.2 listens there only, and registered over 127.0.0.1), when
// that is this host's (a registration cannot make the port mapper connect elsewhere), then the one it registered from.
function probeAddresses(holder: Holder): (string | undefined)[] {
  const said = listenAddressOf(holder.extra)?.replace(/^::ffff:/i, '');
  const local = said !== undefined && (/^127\./.test(said) || said === '::1' || ownAddresses().includes(said));
  return [local ? said : undefined, holder.socket.remoteAddress];
}

/**
 * Every registrationKeepAliveMs, each registered node's distribution port is checked, SWEEP_PARALLEL at a time. One
 * that accepts no connection twice running (its process gone, its host vanished, leaving its registration connection
 * half-open: TCP keepalive would notice after ~12 minutes with Linux's defaults) goes to `dead`. A stopped node keeps
 * its name: the kernel still accepts connections for it.
 */
class HolderSweeps {
  private timer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(
    private readonly nodes: ReadonlyMap<string, Holder>,
    private readonly limits: Required<EpmdLimits>,
    private readonly dead: (holder: Holder) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.sweep(), this.limits.registrationKeepAliveMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private async sweep(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const holders = [...this.nodes.values()];
      for (let i = 0; i < holders.length && this.timer !== null; i += SWEEP_PARALLEL) await Promise.all(holders.slice(i, i + SWEEP_PARALLEL).map((h) => this.check(h)));
    } finally {
      this.running = false;
    }
  }

  private async check(holder: Holder): Promise<void> {
    const current = (): boolean => this.timer !== null && this.nodes.get(holder.name) === holder;
    const listens = (): Promise<boolean> => holderListens(probeAddresses(holder), holder.port, this.limits.holderProbeMs);
    if (!current() || (await listens()) || (await listens())) return;
    if (current()) this.dead(holder);
  }
}

/** What handle() returns for a registration whose outcome waits on a probe of the name's holder. */
const PROBING = Symbol('probing');

/**
 * The answers sent on connections their clients have not closed yet, oldest first: their bytes may sit unread in the
 * socket's buffers. Past `cap` bytes in all, the oldest are given up (never the newest), so clients that ask and never
 * read cannot make the port mapper hold 256 full NAMES answers.
 */
class UnreadAnswers {
  private readonly sizes = new Map<Socket, number>();
  private total = 0;

  constructor(private readonly cap: number) {}

  /** Counts `bytes` sent on `socket`; returns the connections to close to keep within the cap. */
  add(socket: Socket, bytes: number): Socket[] {
    this.sizes.set(socket, bytes);
    this.total += bytes;
    const over: Socket[] = [];
    for (const oldest of [...this.sizes.keys()]) {
      if (this.total <= this.cap || oldest === socket) break;
      over.push(oldest);
      this.forget(oldest);
    }
    return over;
  }

  /** Stops counting a closed connection. */
  forget(socket: Socket): void {
    const size = this.sizes.get(socket);
    if (size === undefined) return;
    this.sizes.delete(socket);
    this.total -= size;
  }

  /** The bytes of answers not known to be read. */
  bytes(): number {
    return this.total;
  }
}

const plural = (n: number, word: string): string => `${n} more ${word}${n === 1 ? '' : 's'}`;

/** Limits of the port mapper against idle, slow and numerous clients (epmd's -packet_timeout and -max_conns). */
export interface EpmdLimits {
  /** How long a connection may take to send a whole request before it is closed (default 60000 ms, epmd's packet timeout); registrations are exempt. */
  requestTimeoutMs?: number;
  /** How many connections that are not registrations may be open at once (default 256); past it the oldest is closed. */
  maxConnections?: number;
  /** How many nodes may be registered at once (default 1024); past it a registration is refused. */
  maxNodes?: number;
  /** How long a registration for a held name waits for the holder's distribution port to accept a connection before the holder counts as gone and loses the name (default 3000 ms). */
  holderProbeMs?: number;
  /** How often every registered node's distribution port is checked (and the idle time before TCP keepalive probes on its registration connection), so a holder that no longer listens is dropped without a contender (default 60000 ms). */
  registrationKeepAliveMs?: number;
  /** How many bytes of answers not yet taken by their readers the port mapper holds in all (default 4 MiB); past it the readers furthest behind are closed. */
  maxUnreadBytes?: number;
}

/** The limits a port mapper uses when not told otherwise. */
export const DEFAULT_EPMD_LIMITS: Required<EpmdLimits> = { requestTimeoutMs: 60_000, maxConnections: 256, maxNodes: 1024, holderProbeMs: 3000, registrationKeepAliveMs: 60_000, maxUnreadBytes: 4 * 1024 * 1024 };

/**
 * Whether the node holding a name still listens: its distribution port accepts a connection within `ms` on one of
 * `addresses` (tried first), on loopback or on one of this host's addresses. The kernel completes the connect even while the node is busy or stopped,
 * so only a node whose listener is gone (its process dead, its host vanished while its registration connection
 * stays half-open) fails it.
 */
export function holderListens(addresses: (string | undefined)[], port: number, ms: number): Promise<boolean> {
  // A node listens on the address its name gives, which it did not register from (it reached the port mapper on
  // loopback): one that said where it listens is tried there; every address of this host is tried too.
  const tries = [...new Set([...addresses.filter((a): a is string => a !== undefined).map((a) => a.replace(/^::ffff:/i, '')), '127.0.0.1', ...ownAddresses()])];
  return new Promise((resolve) => {
    let left = tries.length;
    let done = false;
    const sockets: Socket[] = [];
    const finish = (alive: boolean): void => {
      if (done) return;
      if (!alive && --left > 0) return;
      done = true;
      clearTimeout(timer);
      for (const s of sockets) s.destroy();
      resolve(alive);
    };
    const timer = setTimeout(() => ((left = 1), finish(false)), ms);
    for (const host of tries) {
      const socket = connect({ host, port }, () => finish(true));
      socket.on('error', () => finish(false));
      sockets.push(socket);
    }
  });
}

/**
 * A port mapper speaking EPMD's protocol: nodes register while their registration connection stays
 * open (one registration per connection), and anyone asks for a node's port or the list of names.
 * Malformed, idle or half-sent requests close that connection only; registrations are never touched.
 */
export class EpmdServer {
  private readonly nodes = new Map<string, NodeEntry & { socket: Socket }>();
  /** Open connections that are not registrations, oldest first (a Set keeps insertion order). */
  private readonly pending = new Set<Socket>();
  private servers: Server[] = [];
  private port = 0;
  private creation = 1 + Math.floor(Math.random() * 0xfff0);
  private readonly limits: Required<EpmdLimits>;
  private readonly unread: UnreadAnswers;
  private stopWatching: () => void = () => {};

  /**
   * `log` receives one line per rejected or closed connection (bytes from the wire escaped); `onKill`
   * runs after a KILL_REQ stopped the port mapper (the OS process of the built-in one exits there).
   */
  constructor(
    private readonly log: (line: string) => void = () => {},
    private readonly onKill: () => void = () => {},
    limits: EpmdLimits = {},
  ) {
    this.limits = { ...DEFAULT_EPMD_LIMITS, ...limits };
    this.unread = new UnreadAnswers(this.limits.maxUnreadBytes);
    this.sweeps = new HolderSweeps(this.nodes, this.limits, (holder) => {
      this.closedLines.line(`port mapper: dropped the registration of '${escapeForLog(holder.name)}': its distribution port ${holder.port} no longer accepts connections (checked every ${this.limits.registrationKeepAliveMs} ms), so the name is free`);
      this.nodes.delete(holder.name);
      holder.socket.destroy();
    });
  }

  private readonly sweeps: HolderSweeps;

  /**
   * Starts listening (`port` 0 picks a free one) on `addresses`: default 127.0.0.1, plus ::1 when the
   * host has IPv6 loopback (as epmd answers on both); `all` (or 0.0.0.0, ::) is every interface. Resolves to the port.
   */
  async listen(port: number, addresses: string | string[] = '127.0.0.1'): Promise<number> {
    const bound = await listenAll(typeof addresses === 'string' ? [addresses] : addresses, port, (socket) => this.accept(socket));
    this.servers = bound.servers;
    this.port = bound.port;
    this.sweeps.start();
    // An accept that fails later must not end the port mapper: Node throws a server's error no listener takes.
    keepServing(this.servers, 'port mapper', this.log);
    this.stopWatching = watchDescriptors('port mapper', this.log);
    return bound.port;
  }

  /** Stops listening and drops every registration and connection. */
  close(): Promise<void> {
    this.stopWatching();
    this.sweeps.stop();
    if (this.evictedWindow !== null) clearTimeout(this.evictedWindow);
    this.evictedWindow = null;
    this.ignoredLines.stop();
    this.closedLines.stop();
    for (const n of this.nodes.values()) n.socket.destroy();
    for (const s of this.pending) s.destroy();
    this.nodes.clear();
    this.pending.clear();
    return Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())))).then(() => undefined);
  }

  /** The bytes of answers sent on connections their clients have not closed yet (at most maxUnreadBytes, or one answer). */
  unreadBytes(): number {
    return this.unread.bytes();
  }

  /** The registered node names. */
  names(): string[] {
    return [...this.nodes.keys()];
  }

  private accept(socket: Socket): void {
    let buffered = Buffer.alloc(0);
    let registered: string | undefined;
    let answered = false;
    this.admit(socket);
    // An absolute deadline, not an inactivity timer: a client dribbling one byte at a time is closed too.
    const deadline = setTimeout(() => this.drop(socket, `idle or incomplete after ${this.limits.requestTimeoutMs} ms`), this.limits.requestTimeoutMs);
    deadline.unref();
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      clearTimeout(deadline);
      this.pending.delete(socket);
      this.unread.forget(socket);
      if (registered !== undefined && this.nodes.get(registered)?.socket === socket) this.nodes.delete(registered);
    });
    socket.on('data', (chunk: Buffer) => {
      // One request a connection: an answered one only waits for its close.
      if (answered) return;
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2) {
        const len = buffered.readUInt16BE(0);
        if (len === 0 || len > MAX_REQUEST) {
          if (registered === undefined) return this.drop(socket, `a request of ${len} bytes`);
          buffered = Buffer.alloc(0);
          return this.afterRegistration(registered, undefined);
        }
        if (buffered.length < 2 + len) return;
        const body = buffered.subarray(2, 2 + len);
        buffered = buffered.subarray(2 + len);
        if (registered !== undefined) {
          this.afterRegistration(registered, body[0]);
          continue;
        }
        let result: string | undefined | typeof PROBING;
        try {
          result = this.handle(socket, body[0]!, body.subarray(1), (name) => {
            if (name === undefined) return;
            registered = name;
            answered = false;
            clearTimeout(deadline);
            this.pending.delete(socket);
          });
        } catch (error) {
          return this.drop(socket, (error as Error).message);
        }
        if (result === undefined || result === PROBING) {
          answered = true;
          return;
        }
        registered = result;
        clearTimeout(deadline);
        this.pending.delete(socket);
      }
    });
  }

  // A registration connection holds one name: anything sent after its ALIVE2, a second ALIVE2 too, gets no
  // answer (as epmd, which answers nothing on a registration connection); the name stays. The log takes at
  // most LINES_PER_SECOND lines a second.
  private afterRegistration(name: string, code: number | undefined): void {
    const what = code === EPMD.ALIVE2_REQ ? 'a second registration' : 'a request';
    this.ignoredLines.line(`port mapper: ignored ${what} on the registration connection of '${escapeForLog(name)}' (one registration per connection)`);
  }

  // Lines about requests ignored on registration connections, and about connections closed: each at most LINES_PER_SECOND a second.
  private readonly ignoredLines = new LineBudget((line) => this.log(line), (n) => `port mapper: ignored ${plural(n, 'request')} on registration connections in that second, not logged one by one (at most ${LINES_PER_SECOND} lines a second)`);
  private readonly closedLines = new LineBudget((line) => this.log(line), (n) => `port mapper: closed ${plural(n, 'connection')} in that second, not logged one by one (at most ${LINES_PER_SECOND} lines a second)`);

  // Counts a new connection; at the cap the oldest one still waiting for its request makes room, so a flood of idle clients cannot lock out lookups.
  private admit(socket: Socket): void {
    if (this.pending.size >= this.limits.maxConnections) this.evict(this.pending.values().next().value as Socket);
    this.pending.add(socket);
  }

  private evicted = 0;
  private evictedWindow: NodeJS.Timeout | null = null;

  // A flood evicts a connection for each one it opens: one line, then at most one a second with the count
  // since, so the flood cannot grow the port mapper's log by a line a connection.
  private evict(socket: Socket): void {
    const why = `more than ${this.limits.maxConnections} connections are open; closed the oldest`;
    if (this.evictedWindow === null) {
      this.drop(socket, why);
      this.evictedWindow = setTimeout(() => this.endEvictionWindow(why), 1000);
      this.evictedWindow.unref();
      return;
    }
    this.evicted++;
    this.pending.delete(socket);
    socket.destroy();
  }

  private endEvictionWindow(why: string): void {
    this.evictedWindow = null;
    if (this.evicted === 0) return;
    this.log(`port mapper: closed ${this.evicted} more connection${this.evicted === 1 ? '' : 's'} in the last second: ${why}`);
    this.evicted = 0;
  }

  // Registers `entry` on `socket` unless its name is held or the port mapper is full; returns the name registered, if any.
  private register(socket: Socket, entry: NodeEntry): string | undefined {
    const holder = this.nodes.get(entry.name);
    if (holder !== undefined || this.nodes.size >= this.limits.maxNodes) {
      // Within the budget of lines about closed connections: a local flood of registrations must not flood the log.
      const why = holder !== undefined ? `the name is taken by a running node (listening on port ${holder.port}); stop that node, or give the new one another name` : `${this.limits.maxNodes} nodes are registered already`;
      this.closedLines.line(`port mapper: refused to register '${escapeForLog(entry.name)}': ${why}`);
      socket.end(encodeAlive2Resp(1, 0));
      return undefined;
    }
    this.creation = (this.creation % 0xffff) + 1;
    this.nodes.set(entry.name, { ...entry, socket });
    // A holder whose host vanished without a contender is noticed by TCP keepalive (its first probe after this idle time).
    socket.setKeepAlive(true, this.limits.registrationKeepAliveMs);
    socket.write(encodeAlive2Resp(0, this.creation));
    return entry.name;
  }

  // Sends an answer and closes; answers their clients leave unread are bounded in all (UnreadAnswers).
  private answer(socket: Socket, bytes: Buffer): void {
    socket.end(bytes);
    for (const slow of this.unread.add(socket, bytes.length)) {
      this.closedLines.line(`port mapper: closed a connection from ${escapeForLog(String(slow.remoteAddress))}: its answer went unread while over ${this.limits.maxUnreadBytes} bytes of answers were unread`);
      this.pending.delete(slow);
      slow.resetAndDestroy();
    }
  }

  // Returns the name registered by this request, if it registered one, or PROBING when `registered` gets the outcome later.
  private handle(socket: Socket, code: number, body: Buffer, registered: (name: string | undefined) => void): string | undefined | typeof PROBING {
    // As epmd: anyone may look a node up, only a client on this host may register one or stop the port
    // mapper (a remote one could take a node's name, and have nodes dial it and prove their cookie to it).
    if ((code === EPMD.ALIVE2_REQ || code === EPMD.KILL_REQ) && !isLocalPeer(socket.remoteAddress, socket.localAddress)) {
      const what = code === EPMD.ALIVE2_REQ ? 'a registration' : 'a kill request';
      throw new Error(`refused ${what} from another host: only nodes on this host register with its port mapper`);
    }
    switch (code) {
      case EPMD.ALIVE2_REQ: {
        const entry = decodeAlive2(body);
        const holder = this.nodes.get(entry.name);
        if (holder === undefined) return this.register(socket, entry);
        // A held name goes to the new node only when its holder no longer listens: a holder whose host vanished
        // leaves a half-open registration connection that nothing else would notice for many minutes.
        void probeHolder(holder, this.limits.holderProbeMs).then((alive) => {
          if (socket.destroyed) return;
          if (!alive && this.nodes.get(entry.name) === holder) {
            this.closedLines.line(`port mapper: dropped the registration of '${escapeForLog(entry.name)}': its distribution port ${holder.port} no longer accepts connections, so the name goes to the node registering it now`);
            this.nodes.delete(entry.name);
            holder.socket.destroy();
          }
          registered(this.register(socket, entry));
        });
        return PROBING;
      }
      case EPMD.PORT_PLEASE2_REQ:
        this.answer(socket, encodePort2Resp(this.nodes.get(body.toString('utf8'))));
        return undefined;
      case EPMD.NAMES_REQ:
        this.answer(socket, encodeNamesResp(this.port, this.nodes.values()));
        return undefined;
      case EPMD.KILL_REQ:
        // As epmd without -relaxed_command_check: a port mapper that nodes rely on is not stopped.
        if (this.nodes.size > 0) {
          socket.end('NO');
          return undefined;
        }
        socket.end('OK', () => void this.close().then(this.onKill));
        return undefined;
      default:
        throw new Error(`unknown request code ${code}`);
    }
  }

  private drop(socket: Socket, what: string): void {
    if (socket.destroyed) return;
    this.closedLines.line(`port mapper: closed a connection from ${escapeForLog(String(socket.remoteAddress))}: ${escapeForLog(what)}`);
    this.pending.delete(socket);
    socket.destroy();
  }
}
