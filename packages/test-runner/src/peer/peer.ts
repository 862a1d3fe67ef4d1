import { spawn, type ChildProcess } from 'node:child_process';
import { isAbsolute, join, resolve } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { isDown, type OtpNode, type ProcessContext } from '@otp-ts/runtime';
import { compileTestFile } from '../run/compile.js';
import { markPeer } from '../run/children.js';
import { ensureDistributed, PEER_TICK_MS } from './local.js';
import { PeerError, peerProgram } from './locate.js';
import type { PeerBoot, PeerReply } from './protocol.js';

/** Options of `peer.start`. */
export interface PeerOptions {
  /** The short name; the node is `<name>@127.0.0.1` (default: `peer` and a number). */
  readonly name?: string;
  /** Source files (relative to the project root) loaded in the peer; a default export that is a function gets the peer's node. */
  readonly modules?: readonly string[];
  /** Extra Node.js arguments of the peer's OS process (e.g. `--max-old-space-size=64`). */
  readonly args?: readonly string[];
  /** Extra environment variables of the peer's OS process. */
  readonly env?: Readonly<Record<string, string>>;
  /** How long the peer may take to start and connect (default 10000 ms). */
  readonly startTimeoutMs?: number;
}

/** A running peer node: a real OS process connected to the test's node by distribution. */
export interface Peer {
  /** Its node name, to send to (`{ name, node }`), ping, monitor or rpc. */
  readonly node: string;
  /** The OS process id. */
  readonly osPid: number;
  /** Cuts the connection between this peer and `other` (another peer, a node name; default: the test's node) on both sides; neither reconnects until `heal`. */
  partition(other?: Peer | string): Promise<void>;
  /** Ends a partition on both sides and reconnects; resolves to whether the nodes are connected again. */
  heal(other?: Peer | string): Promise<boolean>;
  /** The nodes this peer is connected to (asked over its control channel, so it works during a partition). */
  nodes(): Promise<string[]>;
  /** Kills the peer's OS process and waits for it to exit. Idempotent. */
  stop(): Promise<void>;
}

let counter = 0;
// Inside the runner's worker, the main thread learns every peer's OS pid: it kills leftovers when the file ends, even after a timeout.
const inRunner = parentPort !== null && typeof (workerData as { bundle?: unknown } | null)?.bundle === 'string';

class PeerHandle implements Peer {
  private nextId = 0;
  private readonly waiting = new Map<number, (value: unknown) => void>();
  readonly exited: Promise<void>;

  constructor(readonly node: string, private readonly child: ChildProcess, private readonly local: OtpNode) {
    this.exited = new Promise((done) => child.once('exit', () => done()));
    child.on('message', (r: PeerReply) => {
      if ('id' in r) this.waiting.get(r.id)?.(r.value);
    });
    void this.exited.then(() => {
      for (const w of this.waiting.values()) w(undefined);
      if (inRunner) parentPort!.postMessage({ type: 'peer', osPid: child.pid, alive: false });
    });
  }

  get osPid(): number {
    return this.child.pid!;
  }

  command(c: { op: 'block' | 'unblock' | 'ping'; node: string } | { op: 'nodes' }): Promise<unknown> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.reject(new PeerError('exited', `peer ${this.node} has exited`));
    const id = this.nextId++;
    return new Promise((done) => {
      this.waiting.set(id, (v) => {
        this.waiting.delete(id);
        done(v);
      });
      this.child.send({ ...c, id });
    });
  }

  private side(other: Peer | string | undefined): { name: string; act: (op: 'block' | 'unblock') => Promise<unknown> } {
    if (other instanceof PeerHandle) return { name: other.node, act: (op) => other.command({ op, node: this.node }) };
    const name = typeof other === 'string' ? other : this.local.name;
    if (name !== this.local.name) return { name, act: async () => undefined };
    return { name, act: async (op) => this.local.dist![op](this.node) };
  }

  async partition(other?: Peer | string): Promise<void> {
    const o = this.side(other);
    await Promise.all([this.command({ op: 'block', node: o.name }), o.act('block')]);
  }

  async heal(other?: Peer | string): Promise<boolean> {
    const o = this.side(other);
    await Promise.all([this.command({ op: 'unblock', node: o.name }), o.act('unblock')]);
    return (await this.command({ op: 'ping', node: o.name })) === true;
  }

  async nodes(): Promise<string[]> {
    return (await this.command({ op: 'nodes' })) as string[];
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}

/**
 * Starts a peer node, as Common Test's `?CT_PEER`: a real OS process running the runtime, connected to the
 * test's node (made distributed on demand, with a random cookie). The peer is stopped when the process
 * that started it exits (so one started in `initPerSuite` lives until `endPerSuite`), and in any case when the test file ends.
 */
export async function start(from: ProcessContext | { readonly ctx: ProcessContext }, options: PeerOptions = {}): Promise<Peer> {
  const ctx = 'ctx' in from ? from.ctx : from;
  const local = ctx.node;
  await ensureDistributed(local);
  const name = `${options.name ?? `peer${++counter}_${process.pid}`}@127.0.0.1`;
  // The port mapper this node registered with (its own epmdPort, else the runtime's rule), whatever env the peer gets.
  const boot: PeerBoot = { name, cookie: local.dist!.cookie, tickTime: PEER_TICK_MS, parent: local.name, modules: await compileModules(options.modules ?? []), epmdPort: local.dist!.epmdPort };
  const child = spawn(process.execPath, [...(options.args ?? []), peerProgram(), JSON.stringify(boot)], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env: { ...process.env, ...options.env } });
  markPeer(child);
  if (inRunner) parentPort!.postMessage({ type: 'peer', osPid: child.pid, alive: true });
  const prefix = (d: Buffer): string => d.toString().replace(/^(?=.)/gm, `[${name}] `);
  child.stdout!.on('data', (d: Buffer) => process.stdout.write(prefix(d)));
  child.stderr!.on('data', (d: Buffer) => process.stderr.write(d));
  const peer = new PeerHandle(name, child, local);
  await ready(peer, child, options.startTimeoutMs ?? 10_000);
  stopWithOwner(local, ctx, peer);
  return peer;
}

function ready(peer: PeerHandle, child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((done, fail) => {
    const failWith = (error: PeerError): void => {
      clearTimeout(timer);
      void peer.stop().then(() => fail(error));
    };
    const timer = setTimeout(() => failWith(new PeerError('timeout', `peer ${peer.node} did not start within ${timeoutMs} ms`)), timeoutMs);
    child.once('exit', (code, signal) => failWith(new PeerError('exited', `peer ${peer.node} exited while starting (${signal ?? `code ${code}`})`)));
    child.once('message', (r: PeerReply) => {
      if (!('ready' in r)) return;
      if (!r.ready) return failWith(new PeerError('boot', `peer ${peer.node} failed to start: ${r.error}`));
      clearTimeout(timer);
      done();
    });
  });
}

// A process of the test's node that stops the peer when the process that started it exits (OTP's peer is linked to its starter).
function stopWithOwner(node: OtpNode, owner: ProcessContext, peer: PeerHandle): void {
  const ownerPid = owner.self();
  node.spawn(async (c) => {
    const ref = c.monitor(ownerPid);
    const me = c.self();
    void peer.exited.then(() => node.send(me, 'peer-exited'));
    await c.receive((m) => isDown(m, ref) || m === 'peer-exited');
    // Not awaited: the kill is sent at once, and this process must not outlive its case (it would count as a leak).
    void peer.stop();
  });
}

async function compileModules(files: readonly string[]): Promise<string[]> {
  const root = process.env.OTP_TEST_ROOT ?? process.cwd();
  const out: string[] = [];
  for (const f of files) {
    const compiled = await compileTestFile(root, isAbsolute(f) ? f : resolve(root, f), join(root, '_build', 'test', 'peers'));
    if (!compiled.ok) throw new PeerError('boot', compiled.text);
    out.push(compiled.bundle);
  }
  return out;
}
