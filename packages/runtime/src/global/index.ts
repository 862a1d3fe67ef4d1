import type { OtpNode } from '../node.js';
import type { ProcessContext } from '../types.js';
import type { ServerRef, ViaRegistry } from '../gen/call.js';
import { Pid } from '../pid.js';
import { RuntimeError } from '../errors.js';
import { formatValue, loggerOf } from '../logger.js';
import { CallError, StartError } from '../gen/errors.js';
import { installGlobalNames } from '../gen/global-names.js';
import * as genServer from '../gen-server/index.js';
import { addDistributionService } from '../distribution/node-dist.js';
import { isNodeName } from '../distribution/handshake.js';
import { DISTRIBUTED, GLOBAL_SERVER, globalServer, type GlobalCall, type ReserveAnswer } from './server.js';
import { pidKey, tableOf, type ConflictResolver } from './table.js';

export { GlobalNameConflict } from './server.js';
export type { ConflictResolver } from './table.js';

/** Options of `global.register`. */
export interface GlobalRegisterOptions {
  /** What happens if another partition registered the same name when they heal (default `'randomExit'`). */
  resolve?: ConflictResolver;
}

// On a node that used global before it was distributed, the server runs already: it starts watching nodes now.
addDistributionService('global', (node) => node.run((ctx) => ensureServer(ctx)), { onHidden: false });

// The node's global server, started on first use: a node that is not distributed is a cluster of one (as OTP's).
async function ensureServer(ctx: ProcessContext): Promise<void> {
  const running = ctx.whereis(GLOBAL_SERVER);
  if (running !== undefined) {
    if (ctx.node.dist) ctx.send(running, DISTRIBUTED);
    return;
  }
  try {
    await genServer.start(ctx, globalServer, undefined, { name: GLOBAL_SERVER });
  } catch (error) {
    if (!(error instanceof StartError && error.reason === 'alreadyStarted')) throw error;
  }
}

let locks = 0;

// Asks one node's global server; a node that went away meanwhile is simply no longer part of the cluster.
async function ask(ctx: ProcessContext, node: string, req: GlobalCall): Promise<ReserveAnswer | 'ok' | 'gone'> {
  try {
    return await genServer.call(ctx, { name: GLOBAL_SERVER, node } as ServerRef<GlobalCall, never, ReserveAnswer | 'ok'>, req, 10_000);
  } catch (error) {
    if (error instanceof CallError && error.failure !== 'timeout') return 'gone';
    throw error;
  }
}

async function clusterOf(ctx: ProcessContext): Promise<string[]> {
  if (!ctx.node.dist) {
    await ensureServer(ctx);
    return [ctx.node.name];
  }
  if (ctx.node.dist.hidden) throw new RuntimeError('badarg', `${ctx.node.name} is a hidden node: global names live on visible nodes only`);
  // The nodes that run global (every visible otp-ts node offers it in its handshake).
  return [ctx.node.name, ...ctx.node.nodes().filter((n) => ctx.node.dist!.offers(n, 'global'))].sort();
}

/**
 * Registers `pid` under `name` on every connected visible node (OTP's global:register_name): false if
 * the name is taken. The name is locked on every node first, so two concurrent registrations cannot
 * both win; a lock held by another registration is retried after a random pause, as OTP's global lock.
 */
function register(ctx: ProcessContext, name: string, pid: Pid, options: GlobalRegisterOptions = {}): Promise<boolean> {
  return take(ctx, name, pid, options, false);
}

/**
 * Registers `pid` under `name` on every connected visible node even if another process holds it, which then
 * no longer does (OTP's global:re_register_name); false only if `pid` holds another global name.
 */
async function reRegister(ctx: ProcessContext, name: string, pid: Pid, options: GlobalRegisterOptions = {}): Promise<boolean> {
  return take(ctx, name, pid, options, true);
}

async function take(ctx: ProcessContext, name: string, pid: Pid, options: GlobalRegisterOptions, force: boolean): Promise<boolean> {
  const resolver = options.resolve ?? 'randomExit';
  if (!['randomExit', 'randomNotify', 'notifyAll'].includes(resolver)) throw new RuntimeError('badarg', `'${String(resolver)}' is not a conflict resolver: use 'randomExit', 'randomNotify' or 'notifyAll'`);
  checkName(force ? 'reRegister' : 'register', name);
  if (!(pid instanceof Pid)) throw new RuntimeError('badarg', `global.${force ? 'reRegister' : 'register'} takes a pid to register under '${name}', got ${formatValue(pid, 100)}; nothing was registered`);
  // As OTP's global (kernel's global_multi_name_action left at its default): a process holds one global name.
  const held = namesOf(ctx, pid).filter((n) => n !== name);
  if (held.length > 0) {
    loggerOf(ctx.node).error(`global: ${String(pid)} registered under several names: ${[name, ...held].map((n) => `'${n}'`).join(', ')}`, { pid: ctx.self() });
    return false;
  }
  for (let attempt = 0; attempt < 100; attempt++) {
    const nodes = await clusterOf(ctx);
    const lock = `${ctx.node.name}:${ctx.self()}:${++locks}`;
    const held: string[] = [];
    let answer: ReserveAnswer = 'ok';
    try {
      for (const node of nodes) {
        held.push(node); // before asking: a node that times out may still lock late
        const a = await ask(ctx, node, { op: 'reserve', name, lock, owner: ctx.self(), force });
        if (a !== 'ok') held.pop();
        if (a !== 'ok' && a !== 'gone') {
          answer = a as ReserveAnswer;
          break;
        }
      }
      if (answer === 'ok') {
        for (const node of held) await ask(ctx, node, { op: 'commit', name, lock, pid, resolver });
        return true;
      }
    } catch (error) {
      // A server that did not answer in time: the locks taken so far go now, not when this process exits.
      for (const node of held) ctx.spawn((c) => ask(c, node, { op: 'release', name, lock }).catch(() => undefined));
      throw error;
    }
    for (const node of held) await ask(ctx, node, { op: 'release', name, lock });
    if (answer === 'taken') return false;
    await ctx.sleep(5 + Math.floor(Math.random() * Math.min(200, 10 * 2 ** attempt)));
  }
  throw new RuntimeError('badarg', `could not lock the global name '${name}' after 100 attempts: another registration keeps holding it`);
}

// A global name is a non-empty string: anything else would reach every node's server as a request it does not know, left unanswered.
function checkName(what: string, name: unknown): asserts name is string {
  if (typeof name !== 'string' || name === '') throw new RuntimeError('badarg', `global.${what} takes a name that is a non-empty string, got ${formatValue(name, 100)}; nothing was changed`);
}

// The global names this node's replica holds for `pid`.
function namesOf(ctx: ProcessContext, pid: Pid): string[] {
  return [...tableOf(ctx.node)].filter(([, e]) => e.pid.equals(pid)).map(([n]) => n);
}

/** Removes a global name on every connected visible node (OTP's global:unregister_name). */
async function unregister(ctx: ProcessContext, name: string): Promise<void> {
  checkName('unregister', name);
  for (const node of await clusterOf(ctx)) await ask(ctx, node, { op: 'unregister', name });
}

/** The pid registered under a global name, from this node's replica (OTP's global:whereis_name). */
function whereis(ctx: ProcessContext, name: string): Pid | undefined {
  return tableOf(ctx.node).get(name)?.pid;
}

/** Sends to the process registered under a global name and returns its pid; throws `badarg` if none is. */
function send(ctx: ProcessContext, name: string, message: unknown): Pid {
  const pid = whereis(ctx, name);
  if (pid === undefined) throw new RuntimeError('badarg', `cannot send to the global name '${name}': no process is registered under it (see global.registeredNames)`);
  ctx.send(pid, message);
  return pid;
}

/** Every global name this node knows (OTP's global:registered_names). */
function registeredNames(ctx: ProcessContext): string[] {
  return [...tableOf(ctx.node).keys()].sort();
}

/**
 * A global lock's id (OTP's {ResourceId, LockRequesterId}): the resource, a non-empty string, and who asks for it
 * (a pid, string or number); processes asking for the same requester share the lock.
 */
export type LockId = readonly [resource: string, requester: Pid | string | number];

// The requester as the same string on every node (a pid by its node's name, not this node's index for it).
function lockKeys(ctx: ProcessContext, what: string, id: unknown): { resource: string; requester: string } {
  const [resource, requester] = Array.isArray(id) && id.length === 2 ? (id as unknown[]) : [];
  if (typeof resource !== 'string' || resource === '' || !(requester instanceof Pid || typeof requester === 'string' || (typeof requester === 'number' && Number.isFinite(requester)))) {
    throw new RuntimeError('badarg', `global.${what} takes a lock id [resource, requester] (a non-empty string, then a pid, string or number), got ${formatValue(id, 100)}; no lock was changed`);
  }
  const key = requester instanceof Pid ? `pid:${pidKey(ctx.node, requester)}` : `${typeof requester}:${String(requester)}`;
  return { resource, requester: key };
}

// The nodes a lock is taken on: by default the cluster, which for a hidden node is that node alone (as OTP's, whose
// hidden node sees no visible nodes in nodes()), so its locks never meet the visible nodes' ones.
async function lockNodes(ctx: ProcessContext, what: string, nodes: readonly string[] | undefined): Promise<string[]> {
  if (nodes === undefined && ctx.node.dist?.hidden) {
    await ensureServer(ctx);
    return [ctx.node.name];
  }
  if (nodes === undefined) return clusterOf(ctx);
  if (!Array.isArray(nodes) || !nodes.every((n) => n === ctx.node.name || isNodeName(n))) throw new RuntimeError('badarg', `global.${what} takes its nodes as an array of node names, got ${formatValue(nodes, 100)}; no lock was changed`);
  if (!ctx.node.dist) await ensureServer(ctx);
  return [...new Set(nodes)].sort();
}

/**
 * Takes the lock `id` for the calling process on every one of `nodes` (default: this node and every connected visible
 * node), all or none (OTP's global:set_lock): true once held, false if another requester still held it after
 * `retries` retries (default Infinity), each after a random pause that grows. The same requester may take it again
 * (each take is given back by one delLock); the holder's exit frees it.
 */
async function setLock(ctx: ProcessContext, id: LockId, nodes?: readonly string[], retries = Infinity): Promise<boolean> {
  const keys = lockKeys(ctx, 'setLock', id);
  if (typeof retries !== 'number' || !(retries >= 0)) throw new RuntimeError('badarg', `global.setLock takes retries as a number of 0 or more (or Infinity), got ${formatValue(retries, 100)}; no lock was changed`);
  const where = await lockNodes(ctx, 'setLock', nodes);
  const req = { ...keys, owner: ctx.self() };
  for (let attempt = 0; ; attempt++) {
    const held: string[] = [];
    let refused = false;
    try {
      for (const node of where) {
        held.push(node); // before asking: a node that times out may still lock late
        const answer = await ask(ctx, node, { op: 'setLock', ...req });
        if (answer !== 'ok') held.pop();
        // As OTP's: a node that cannot be reached is no longer part of the cluster, and is passed over.
        if (answer !== 'ok' && answer !== 'gone') {
          refused = true;
          break;
        }
      }
    } catch (error) {
      for (const node of held) ctx.spawn((c) => ask(c, node, { op: 'delLock', ...req }).catch(() => undefined));
      throw error;
    }
    if (!refused) return true;
    // All or none: what this round took goes back before the pause.
    for (const node of held) await ask(ctx, node, { op: 'delLock', ...req });
    if (attempt >= retries) return false;
    await ctx.sleep(5 + Math.floor(Math.random() * Math.min(1000, 10 * 2 ** Math.min(attempt, 10))));
  }
}

/** Gives back one take of the lock `id` by the calling process on every one of `nodes` (OTP's global:del_lock); always true. */
async function delLock(ctx: ProcessContext, id: LockId, nodes?: readonly string[]): Promise<boolean> {
  const keys = lockKeys(ctx, 'delLock', id);
  for (const node of await lockNodes(ctx, 'delLock', nodes)) await ask(ctx, node, { op: 'delLock', ...keys, owner: ctx.self() });
  return true;
}

/**
 * Runs `fn` holding the lock `id` on `nodes` and gives the lock back after, even when `fn` throws (OTP's global:trans):
 * what `fn` returns, or `'aborted'` if the lock was not got within `retries` retries (default Infinity).
 */
async function trans<T>(ctx: ProcessContext, id: LockId, fn: () => T | Promise<T>, nodes?: readonly string[], retries = Infinity): Promise<T | 'aborted'> {
  if (typeof fn !== 'function') throw new RuntimeError('badarg', `global.trans takes a function to run holding the lock, got ${formatValue(fn, 100)}; no lock was taken`);
  const where = await lockNodes(ctx, 'trans', nodes);
  if (!(await setLock(ctx, id, where, retries))) return 'aborted';
  try {
    return await fn();
  } finally {
    await delLock(ctx, id, where);
  }
}

const registries = new WeakMap<OtpNode, ViaRegistry>();

/**
 * A node's global names as a via registry: whereis reads the replica. Taking a name needs the whole
 * cluster's agreement, which a synchronous register cannot wait for: start the server, then `global.register`.
 */
function registry(node: OtpNode): ViaRegistry {
  let r = registries.get(node);
  if (!r) {
    r = {
      whereis: (name) => tableOf(node).get(String(name))?.pid,
      register: (name) => {
        throw new RuntimeError('badarg', `cannot start a server under the global name '${String(name)}' directly: start it, then call global.register(ctx, name, pid)`);
      },
      unregister: (name) => void node.run((ctx) => unregister(ctx, String(name))),
    };
    registries.set(node, r);
  }
  return r;
}

/** A server reference to a globally registered process, for genServer.call and cast: `{ global: name }` (OTP's {global, Name}). */
function ref<Call = unknown, Cast = unknown, Reply = unknown>(_ctx: ProcessContext, name: string): ServerRef<Call, Cast, Reply> {
  return { global: name } as ServerRef<Call, Cast, Reply>;
}

installGlobalNames({ whereis, register: (ctx, name, pid) => register(ctx, name, pid), unregister });

/** OTP's global: cluster-wide names with conflict resolution when partitions heal. */
export const global = { register, reRegister, unregister, whereis, send, registeredNames, registry, ref, setLock, delLock, trans };
