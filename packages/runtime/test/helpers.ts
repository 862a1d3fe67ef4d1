import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { transformSync } from 'esbuild';
import * as runtime from '@otp-ts/runtime';
import { CallError, codeServerOf, createNode, loggerOf, NodeDown, ok, reply, TIMEOUT, type CodeServer, type GenServer, type LogEvent, type OtpNode, type Pid, type ProcessContext, type ProcessFn, type ModuleSource } from '@otp-ts/runtime';
import { EpmdServer, type TraceEvent, type TraceMessage } from '@otp-ts/runtime/tools';
import { waitFor } from '../../../test/support/wait.ts';

/** A fresh node whose crash printer records instead of printing, shut down after `body`. */
export async function withNode<T>(body: (node: OtpNode, crashes: Array<[Pid, unknown]>) => Promise<T>): Promise<T> {
  const crashes: Array<[Pid, unknown]> = [];
  const node = createNode({ onCrash: (pid, error) => crashes.push([pid, error]) });
  try {
    return await body(node, crashes);
  } finally {
    node.shutdown();
  }
}

/**
 * Runs `body` with `count` fresh nodes named `${prefix}${i}@127.0.0.1`, distributed over real TCP on loopback through a
 * port mapper of their own and all connected to each other (`prepare` runs on each once it is distributed); then shuts
 * them and the port mapper down. The translated OTP suites' cluster.
 */
export async function withCluster(prefix: string, count: number, body: (nodes: OtpNode[]) => Promise<void>, { cookie = 'cluster', prepare }: { cookie?: string; prepare?: (node: OtpNode) => Promise<unknown> } = {}): Promise<void> {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const nodes: OtpNode[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const node = createNode({ onCrash: () => {} });
      await node.startDistribution({ name: `${prefix}${i}@127.0.0.1`, cookie, epmdPort, tickTime: 5000, log: () => {} });
      if (prepare) await prepare(node);
      nodes.push(node);
    }
    for (const a of nodes) for (const b of nodes) if (a !== b) await waitFor(`${a.name} reaches ${b.name}`, () => a.ping(b.name), { ms: 30_000 });
    await body(nodes);
  } finally {
    for (const n of nodes) n.shutdown();
    await epmd.close();
  }
}

/** Runs `fn` as a process on a fresh node and returns its result. */
export function inProcess<T>(fn: ProcessFn<T>): Promise<T> {
  return withNode((node) => node.run(fn));
}

/** A process body that waits for messages forever. */
export const idle: ProcessFn = async (ctx) => {
  for (;;) await ctx.receive();
};

/** Resolves once `pid` has ended (at once when it already has): a monitor's DOWN, no clock. */
export async function ended(ctx: ProcessContext, pid: Pid): Promise<void> {
  const ref = ctx.monitor(pid);
  await ctx.receive((m) => runtime.isDown(m, ref));
}

/** Lets every pending microtask and one macrotask run. */
export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Replaces a node's stderr log handler with one that collects the events, and returns them. */
export function quietLogs(node: OtpNode): LogEvent[] {
  const events: LogEvent[] = [];
  const logger = loggerOf(node);
  logger.removeHandler('default');
  logger.addHandler({ id: 'test', log: (e) => events.push(e) });
  return events;
}

/** Compiles TypeScript the way the compiler does: one CommonJS-shaped module per source, named like an app module. */
export function compileModule(name: string, ts: string, vsn?: string): ModuleSource {
  const { code } = transformSync(ts, { loader: 'ts', format: 'cjs', target: 'node20', supported: { 'dynamic-import': false }, sourcefile: `${name}.ts` });
  return { name, code, filename: `/virtual/${name}.ts`, vsn };
}

/** Version `v` of a gen_server module `name` exporting `srv`: init's state is the expression `init`, a call answers `{ vsn, state }`, `codeChange` is a member's source ('' for none). */
export function versionedServer(name: string, v: number, init: string, codeChange: string): ModuleSource {
  return compileModule(name, `
import { ok, reply } from '@otp-ts/runtime';
export const srv = {
  init: () => ok(${init}),
  handleCall: (_r: unknown, _f: unknown, s: unknown) => reply({ vsn: ${v}, state: s }, s),
  ${codeChange}
};`, String(v));
}

/** A node's code server sharing this runtime with the code it loads, with the node's log handler silenced. */
export function codeServerFor(node: OtpNode): CodeServer {
  loggerOf(node).removeHandler('default');
  return codeServerOf(node, { preloaded: { '@otp-ts/runtime': runtime } });
}

/** A gen_server answering every call `req` with ['pong', req]. */
export const echo: GenServer<null, string, never, [string, string]> = {
  init: () => ok(null),
  handleCall: (req, _from, s) => reply(['pong', req], s),
};

/** Everything waiting in the caller's mailbox, without waiting for more. */
export async function leftovers(ctx: ProcessContext): Promise<unknown[]> {
  const got: unknown[] = [];
  for (;;) {
    const m = await ctx.receive(null, 0);
    if (m === TIMEOUT) return got;
    got.push(m);
  }
}

/** A `{ note }` message, as the gen_statem suites' machines report what they did. */
export type Note = { note: string };
/** Whether a message is a Note. */
export const isNote = (m: unknown): m is Note => typeof m === 'object' && m !== null && 'note' in m;

/** The next `n` notes to arrive, in order; fails naming the notes seen when one does not come within 20 s. */
export async function notes(ctx: ProcessContext, n: number): Promise<string[]> {
  const out: string[] = [];
  while (out.length < n) {
    const m = await ctx.receive(isNote, 20_000);
    if (m === TIMEOUT) throw new Error(`note ${out.length + 1} of ${n} was expected; got ${JSON.stringify(out)}`);
    out.push(m.note);
  }
  return out;
}

/** Runs a fixture script in a child Node.js with V8's natives syntax on (`%HasFastProperties`): its exit code and output. */
export function runWithNatives(file: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--allow-natives-syntax', ...process.execArgv, file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

/** For assert.rejects: a request to `{ name, node }` from a node that is not distributed failed with nodedown, in one sentence naming the fix. */
export function isNodedownNotDistributed(e: unknown): boolean {
  assert.ok(e instanceof CallError, `a CallError, got ${String(e)}`);
  assert.equal(e.failure, 'nodedown');
  assert.match(e.message, /not distributed.*startDistribution/);
  assert.ok(!e.message.includes('\n'));
  return true;
}

/** The events of trace `session` the agent `pid` sends this process until its done message, each batch acknowledged (5 s at most between batches). */
export async function collectTrace(ctx: ProcessContext, session: string, pid: Pid): Promise<TraceEvent[]> {
  const events: TraceEvent[] = [];
  for (;;) {
    const m = (await ctx.receive((x) => typeof x === 'object' && x !== null && 'otpTrace' in x && (x as TraceMessage).session === session, 5000)) as TraceMessage | typeof TIMEOUT;
    if (m === TIMEOUT) throw new Error(`trace session ${session} sent no done message`);
    if (m.otpTrace === 'done') return events;
    events.push(...m.events);
    ctx.send(pid, { otpTrace: 'ack' });
  }
}

const suitePeerScript = fileURLToPath(new URL('./fixtures/suite-peer.ts', import.meta.url));

/** Starts fixtures/suite-peer.ts as a node in an OS process of its own; resolves once it is ready. */
function startSuitePeer(name: string, cookie: string, epmdPort: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...process.execArgv, suitePeerScript, name, cookie, String(epmdPort)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      if (c.toString().includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`peer ${name} exited with ${code}: ${err}`)));
  });
}

/**
 * One case of a translated distributed suite: a port mapper, this test's node `<prefix>_a` and the peer `<prefix>_b`
 * (an OS process), connected; all ended after. `kill` ends the peer at once; `stop` (test_server:stop_node) returns
 * once its process ended and this node saw the nodedown.
 */
export async function withSuitePeer(prefix: string, cookie: string, body: (a: OtpNode, peer: string, kill: () => void, stop: () => Promise<void>) => Promise<void>): Promise<void> {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const peerName = `${prefix}_b@127.0.0.1`;
  const child = await startSuitePeer(peerName, cookie, epmdPort);
  const a = createNode({ onCrash: () => {} });
  try {
    await a.startDistribution({ name: `${prefix}_a@127.0.0.1`, cookie, epmdPort, tickTime: 1000, log: () => {} });
    await waitFor(`${a.name} reaches ${peerName}`, () => a.ping(peerName), { ms: 30_000 });
    const stop = async (): Promise<void> => {
      await a.run(async (ctx) => {
        ctx.monitorNode(peerName);
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
        await ctx.receive((m) => m instanceof NodeDown && m.node === peerName, 30_000);
      });
    };
    await body(a, peerName, () => child.kill('SIGKILL'), stop);
  } finally {
    child.kill('SIGKILL');
    a.shutdown();
    await epmd.close();
  }
}
