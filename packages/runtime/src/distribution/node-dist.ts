import { connect, createServer, type Server, type Socket } from 'node:net';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { OtpNode } from '../node.js';
import type { Pid } from '../pid.js';
import { Connection, type ConnectionOwner } from './connection.js';
import { decodeControl, encodeControl, type PidTranslator } from './codec.js';
import { epmdPort, lookup, register, type Registration } from './epmd-client.js';
import { splitNodeName } from './handshake.js';

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
  private server: Server | null = null;
  private registration: Registration | null = null;
  private readonly tickTime: number;
  private readonly epmd: number;
  readonly log: (line: string) => void;

  constructor(
    readonly node: OtpNode,
    readonly name: string,
    options: DistributionOptions,
  ) {
    this.cookie = options.cookie;
    this.hidden = options.hidden ?? false;
    this.tickTime = options.tickTime ?? 60_000;
    this.epmd = options.epmdPort ?? epmdPort();
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.names = [name];
    this.indexes.set(name, 0);
  }

  /** Listens on the node's host, registers with the port mapper (starting the built-in one if none runs). */
  async start(): Promise<void> {
    const { name, host } = splitNodeName(this.name);
    const server = createServer((socket) => new Connection(socket, this, false));
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
      await startBuiltInPortMapper(this.epmd);
      this.registration = await register(entry, '127.0.0.1', this.epmd);
    }
  }

  /** Closes every connection, deregisters and stops listening. */
  async stop(): Promise<void> {
    for (const c of this.connections.values()) c.close('the node stopped');
    this.registration?.close();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The connected nodes (not counting hidden ones when `visibleOnly`). */
  nodes(): string[] {
    return [...this.connections.keys()];
  }

  nameOf(index: number): string {
    const n = this.names[index];
    if (n === undefined) throw new Error(`no node has index ${index}`);
    return n;
  }

  indexOf(name: string): number {
    let i = this.indexes.get(name);
    if (i === undefined) {
      i = this.names.push(name) - 1;
      this.indexes.set(name, i);
    }
    return i;
  }

  /** Sends to a pid on another node (connecting first if needed); dropped if the node cannot be reached, as in Erlang. */
  sendToPid(pid: Pid, message: unknown): void {
    this.route(this.nameOf(pid.node), ['send', pid, message]);
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

  up(conn: Connection): boolean {
    if (this.connections.has(conn.peer) || conn.peer === this.name) return false;
    this.connections.set(conn.peer, conn);
    this.indexOf(conn.peer);
    conn.startTicks(this.tickTime);
    for (const payload of this.queued.get(conn.peer) ?? []) conn.send(payload);
    this.queued.delete(conn.peer);
    return true;
  }

  frame(conn: Connection, payload: Buffer): void {
    let msg: unknown[];
    try {
      msg = decodeControl(payload, this);
    } catch (error) {
      this.log(`distribution: closed the connection to ${conn.peer}: a frame could not be decoded (${(error as Error).message})`);
      conn.close('bad frame');
      return;
    }
    try {
      if (msg[0] === 'send') this.node.send(msg[1] as Pid, msg[2]);
      else if (msg[0] === 'reg_send') {
        if (this.node.whereis(String(msg[1])) !== undefined) this.node.send(String(msg[1]), msg[2]);
      } else throw new Error(`unknown operation '${String(msg[0])}'`);
    } catch (error) {
      this.log(`distribution: closed the connection to ${conn.peer}: ${(error as Error).message}`);
      conn.close('bad control message');
    }
  }

  down(conn: Connection, reason: string, wasUp: boolean): void {
    if (!wasUp || this.connections.get(conn.peer) !== conn) return;
    this.connections.delete(conn.peer);
    for (const watcher of this.nodeMonitors.get(conn.peer) ?? []) this.node.send(watcher, new NodeDown(conn.peer, reason));
    this.nodeMonitors.delete(conn.peer);
  }

  private route(nodeName: string, message: unknown[]): void {
    const payload = encodeControl(message, this);
    const conn = this.connections.get(nodeName);
    if (conn) {
      conn.send(payload);
      return;
    }
    let q = this.queued.get(nodeName);
    if (!q) this.queued.set(nodeName, (q = []));
    q.push(payload);
    void this.connect(nodeName).then((c) => {
      if (!c) this.queued.delete(nodeName);
    });
  }

  /** Connects to a node by name through its host's port mapper; undefined if it cannot be reached. */
  connect(nodeName: string): Promise<Connection | undefined> {
    const existing = this.connections.get(nodeName);
    if (existing) return Promise.resolve(existing);
    let p = this.pending.get(nodeName);
    if (p) return p;
    p = this.dial(nodeName).finally(() => this.pending.delete(nodeName));
    this.pending.set(nodeName, p);
    return p;
  }

  private async dial(nodeName: string): Promise<Connection | undefined> {
    const { name, host } = splitNodeName(nodeName);
    const entry = await lookup(name, host === 'localhost' ? '127.0.0.1' : host, this.epmd).catch(() => undefined);
    if (!entry) return undefined;
    const socket = await new Promise<Socket | undefined>((resolve) => {
      const s = connect({ host: host === 'localhost' ? '127.0.0.1' : host, port: entry.port });
      s.once('connect', () => resolve(s));
      s.once('error', () => resolve(undefined));
    });
    if (!socket) return undefined;
    const conn = new Connection(socket, this, true, nodeName);
    return new Promise((resolve) => {
      const check = setInterval(() => {
        if (conn.up) {
          clearInterval(check);
          resolve(conn);
        } else if (socket.destroyed) {
          clearInterval(check);
          resolve(this.connections.get(nodeName));
        }
      }, 2);
    });
  }
}

/** Starts the built-in port mapper as a detached OS process and waits until it accepts connections. */
export async function startBuiltInPortMapper(port: number): Promise<void> {
  const here = fileURLToPath(import.meta.url);
  const candidates = [here.replace(/index\.js$/, 'epmd.js'), here.replace(/node-dist\.(ts|js)$/, 'epmd-main.$1')];
  const script = candidates.find((c) => c !== here && existsSync(c));
  if (!script) throw new Error('the built-in port mapper script is missing from @otp-ts/runtime: reinstall the package');
  const child = spawn(process.execPath, [...process.execArgv.filter((a) => !a.startsWith('--inspect')), script, '--port', String(port)], { detached: true, stdio: 'ignore' });
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
