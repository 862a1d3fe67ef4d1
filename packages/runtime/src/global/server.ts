import type { ProcessContext } from '../types.js';
import type { OtpNode } from '../node.js';
import { Pid, type Ref } from '../pid.js';
import { Down } from '../messages.js';
import { ok, noreply, reply, type GenServer } from '../gen-server/types.js';
import { NodeUp } from '../distribution/node-dist.js';
import { registerWireClass } from '../distribution/codec.js';
import { readsWireSenders, wireSenderOf } from '../distribution/control.js';
import { isNodeName, quoteForLog } from '../distribution/handshake.js';
import { formatValue, loggerOf } from '../logger.js';
import { pidKey, resolveConflict, tableOf, type ConflictResolver, type GlobalEntry, type Resolution } from './table.js';

/** The name of the global name server on every visible node (OTP's global_name_server). */
export const GLOBAL_SERVER = 'global_name_server';

/** What a process that lost a name conflict receives (OTP's {global_name_conflict, Name[, OtherPid]}). */
export class GlobalNameConflict {
  readonly type = 'global_name_conflict' as const;
  constructor(
    /** The name that was registered in both partitions. */
    readonly name: string,
    /** The pid that now holds the name or also lost it (notifyAll); undefined when none is known. */
    readonly other: Pid | undefined,
  ) {}
}

registerWireClass(
  'global_name_conflict',
  GlobalNameConflict,
  (m, encode) => ({ name: m.name, other: encode(m.other) }),
  (plain, decode) => new GlobalNameConflict(String(plain.name), decode(plain.other) as Pid | undefined),
);

/** Tells a global server started before its node was distributed that the node now is: it watches nodes from then on. */
export const DISTRIBUTED = Object.freeze({ op: 'distributed' as const });

/** Requests a registering process sends to each node's global server. */
export type GlobalCall =
  | { op: 'reserve'; name: string; lock: string; owner: Pid; force?: boolean }
  | { op: 'release'; name: string; lock: string }
  | { op: 'commit'; name: string; lock: string; pid: Pid; resolver: ConflictResolver }
  | { op: 'unregister'; name: string }
  | { op: 'setLock'; resource: string; requester: string; owner: Pid }
  | { op: 'delLock'; resource: string; requester: string; owner: Pid };

/** A reserve's (or setLock's) answer: the lock is ours, the name is registered already, or another registration (requester) holds it. */
export type ReserveAnswer = 'ok' | 'taken' | 'locked';

type Sync = { op: 'sync'; from: string; entries: Array<[string, Pid, ConflictResolver]> };
type Resolved = { op: 'resolved'; name: string; keep: Pid | null; drop: Pid[] };

interface Lock {
  id: string;
  ref: Ref;
  owner: Pid;
  /** The node whose connection asked for it (undefined: this node). */
  via: string | undefined;
}

// A global lock (OTP's global:set_lock) on one resource: its requester, and each process holding it for that
// requester with how many times it took it.
interface ResourceLock {
  requester: string;
  holders: Map<string, { pid: Pid; ref: Ref; count: number; via: string | undefined }>;
}

interface State {
  locks: Map<string, Lock>;
  /** The global locks (global.setLock) by resource; apart from the name locks of registrations. */
  resources: Map<string, ResourceLock>;
  /** How many of the locks each other node's connection asked for: with its names, what maxGlobalNames bounds. */
  lockedBy: Map<string, number>;
}

// How many names of the replica each other node's connection brought here: what maxGlobalNames bounds, with its locks.
// A sync carries the sender's whole replica, names of third nodes' processes too (as OTP's global exchanges every
// name it knows): each is counted against the connection that sent it, never against the node of its pid, so a
// member cannot get a third node disconnected by syncing names for that node's pids.
const namesHeld = new WeakMap<OtpNode, Map<string, number>>();

function heldNames(node: OtpNode): Map<string, number> {
  let m = namesHeld.get(node);
  if (!m) namesHeld.set(node, (m = new Map()));
  return m;
}

function counted(counts: Map<string, number>, via: string | undefined, delta: number): void {
  if (via === undefined) return;
  const n = (counts.get(via) ?? 0) + delta;
  if (n > 0) counts.set(via, n);
  else counts.delete(via);
}

// Whether the node `via` (whose connection sent the request or sync) may bring one more name or lock here. Past
// maxGlobalNames its connection is closed with one line (its own processes' names and locks go with it, their monitors
// firing), and what it asked for is dropped: a buggy peer registering without end cannot take this node's memory.
// What this node's own processes ask for is not bounded.
function admit(ctx: ProcessContext, state: State | undefined, via: string | undefined): boolean {
  const dist = ctx.node.dist;
  if (via === undefined || !dist) return true;
  const held = (heldNames(ctx.node).get(via) ?? 0) + (state?.lockedBy.get(via) ?? 0);
  if (held < dist.maxGlobalNames) return true;
  dist.overBound(via, `it would bring more than ${dist.maxGlobalNames} global names and name locks here`, 'maxGlobalNames');
  return false;
}

function put(ctx: ProcessContext, name: string, pid: Pid, resolver: ConflictResolver, via: string | undefined, state?: State): void {
  const table = tableOf(ctx.node);
  const old = table.get(name);
  if (old?.pid.equals(pid)) return;
  if (!admit(ctx, state, via)) return;
  if (old?.ref) ctx.demonitor(old.ref, { flush: true });
  if (old) counted(heldNames(ctx.node), old.via, -1);
  const entry: GlobalEntry = { pid, resolver, ref: null, via };
  table.set(name, entry);
  counted(heldNames(ctx.node), via, 1);
  entry.ref = ctx.monitor(pid);
}

function remove(ctx: ProcessContext, name: string, onlyPid?: Pid): void {
  const table = tableOf(ctx.node);
  const e = table.get(name);
  if (!e || (onlyPid && !e.pid.equals(onlyPid))) return;
  if (e.ref) ctx.demonitor(e.ref, { flush: true });
  table.delete(name);
  counted(heldNames(ctx.node), e.via, -1);
}

function dropLock(state: State, name: string, l: Lock): void {
  state.locks.delete(name);
  counted(state.lockedBy, l.via, -1);
}

function releaseLock(ctx: ProcessContext, state: State, name: string, id?: string): void {
  const l = state.locks.get(name);
  if (!l || (id !== undefined && l.id !== id)) return;
  ctx.demonitor(l.ref, { flush: true });
  dropLock(state, name, l);
}

function reserve(ctx: ProcessContext, state: State, req: Extract<GlobalCall, { op: 'reserve' }>): ReserveAnswer {
  if (req.force !== true && tableOf(ctx.node).has(req.name)) return 'taken';
  const l = state.locks.get(req.name);
  if (l && l.id !== req.lock) return 'locked';
  const via = wireSenderOf(req);
  if (!l && !admit(ctx, state, via)) return 'locked';
  // The owner is monitored: a registering process that dies (or whose node goes) leaves no lock behind.
  if (!l) {
    state.locks.set(req.name, { id: req.lock, ref: ctx.monitor(req.owner), owner: req.owner, via });
    counted(state.lockedBy, via, 1);
  }
  return 'ok';
}

// Takes the resource lock for `owner` on behalf of `requester`: refused while another requester holds it.
function setLock(ctx: ProcessContext, state: State, req: Extract<GlobalCall, { op: 'setLock' }>): ReserveAnswer {
  let r = state.resources.get(req.resource);
  if (r && r.requester !== req.requester) return 'locked';
  const key = pidKey(ctx.node, req.owner);
  const held = r?.holders.get(key);
  if (held) {
    held.count++;
    return 'ok';
  }
  const via = wireSenderOf(req);
  if (!admit(ctx, state, via)) return 'locked';
  if (!r) state.resources.set(req.resource, (r = { requester: req.requester, holders: new Map() }));
  // The holder is monitored: its exit (or its node's loss) frees what it held.
  r.holders.set(key, { pid: req.owner, ref: ctx.monitor(req.owner), count: 1, via });
  counted(state.lockedBy, via, 1);
  return 'ok';
}

// Whether a lock request names as holder a process of the node whose connection sent it (or comes from this node).
function ownsLock(ctx: ProcessContext, req: { owner: Pid }): boolean {
  const via = wireSenderOf(req);
  return via === undefined || pidKey(ctx.node, req.owner).split('/')[0] === via;
}

// Gives back one take of the resource lock by `owner` (or all of them, `all`); the lock is free once no process holds it.
function delLock(ctx: ProcessContext, state: State, resource: string, requester: string, owner: Pid | Ref, all = false): void {
  const r = state.resources.get(resource);
  if (!r || r.requester !== requester) return;
  for (const [key, h] of r.holders) {
    if (owner instanceof Pid ? !h.pid.equals(owner) : h.ref !== owner) continue;
    if (!all && --h.count > 0) return;
    ctx.demonitor(h.ref, { flush: true });
    r.holders.delete(key);
    counted(state.lockedBy, h.via, -1);
  }
  if (r.holders.size === 0) state.resources.delete(resource);
}

function broadcast(ctx: ProcessContext, message: Sync | Resolved, nodes = ctx.node.nodes()): void {
  for (const node of nodes) {
    if (!ctx.node.dist?.offers(node, 'global')) continue;
    // A node that refuses to take it (over its maxFrameBytes, a peer announcing a tiny one) misses it, with a
    // warning: the name server goes on serving the others rather than end, and global names with it.
    try {
      ctx.send({ name: GLOBAL_SERVER, node }, message);
    } catch (error) {
      loggerOf(ctx.node).warning(`${GLOBAL_SERVER} could not send its '${message.op}' to ${node}: ${(error as Error).message}`, { pid: ctx.self() });
    }
  }
}

// Applies a resolution on this node (one `via` another node's connection sent): the loser loses the name, the winner
// (if any) holds it.
function applyResolution(ctx: ProcessContext, name: string, r: Resolution, via: string | undefined): void {
  const current = tableOf(ctx.node).get(name);
  for (const pid of r.drop) remove(ctx, name, pid);
  if (r.keep && (!current || r.drop.some((p) => p.equals(current.pid)) || current.pid.equals(r.keep))) put(ctx, name, r.keep, current?.resolver ?? 'randomExit', via);
}

// This node decides a conflict found while syncing with `peer`: resolve, tell everyone, act on the losers.
function decide(ctx: ProcessContext, name: string, mine: GlobalEntry, theirs: Pid, peer: string): void {
  const node = ctx.node;
  const r = resolveConflict(mine.resolver, name, { pid: mine.pid, key: pidKey(node, mine.pid) }, { pid: theirs, key: pidKey(node, theirs) });
  applyResolution(ctx, name, r, undefined);
  broadcast(ctx, { op: 'resolved', name, keep: r.keep, drop: r.drop });
  const where = (p: Pid): string => pidKey(node, p).split('/')[0]!;
  const what = mine.resolver === 'randomExit' ? 'exited' : 'notified';
  node.dist?.log(
    `global: name conflict on ${quoteForLog(name)} after ${isNodeName(peer) ? peer : quoteForLog(peer)} connected: ${r.keep ? `kept ${pidKey(node, r.keep)} on ${where(r.keep)}, ` : 'unregistered both, '}${what} ${r.drop.map((p) => pidKey(node, p)).join(' and ')} (${mine.resolver})`,
  );
  for (const loser of r.drop) {
    if (mine.resolver === 'randomExit') ctx.exit(loser, 'global_name_conflict');
    else notifyLoser(ctx, loser, new GlobalNameConflict(name, r.keep ?? r.drop.find((p) => !p.equals(loser))));
  }
}

// Tells a losing process of the conflict; one whose node refuses to take it (over its maxFrameBytes) misses it,
// with a warning: the name server goes on serving rather than end, as for broadcast.
function notifyLoser(ctx: ProcessContext, loser: Pid, message: GlobalNameConflict): void {
  try {
    ctx.send(loser, message);
  } catch (error) {
    const where = loser.node === 0 ? ctx.node.name : (ctx.node.dist?.nameOf(loser.node) ?? '?');
    loggerOf(ctx.node).warning(`${GLOBAL_SERVER} could not send its GlobalNameConflict to ${String(loser)} on ${where}: ${(error as Error).message}`, { pid: ctx.self() });
  }
}

// A sync's names are counted against the connection it came over, and that node, not the `from` it claims, is the
// peer a conflict is decided with.
function onSync(ctx: ProcessContext, state: State, m: Sync): void {
  const table = tableOf(ctx.node);
  const via = wireSenderOf(m);
  const from = via ?? m.from;
  for (const [name, pid, resolver] of m.entries) {
    const mine = table.get(name);
    if (!mine) put(ctx, name, pid, resolver, via, state);
    // Both sides see the conflict; the node whose name sorts first decides, so it is resolved once.
    else if (!mine.pid.equals(pid) && ctx.node.name < from) decide(ctx, name, mine, pid, from);
  }
}

/** The global name server: keeps this node's replica of the global names in step with the cluster. */
export const globalServer: GenServer<State, GlobalCall, never, ReserveAnswer | 'ok'> = {
  name: GLOBAL_SERVER,
  init(_args, ctx) {
    readsWireSenders(ctx.node.localProcess(ctx.self()));
    watchNodes(ctx);
    return ok({ locks: new Map(), resources: new Map(), lockedBy: new Map() });
  },
  handleCall(req, _from, state, ctx) {
    // Any node with the cookie can call this server: a request it does not know is logged and left
    // unanswered, as OTP's global_name_server does, rather than ending the server for every caller.
    if (!isCall(req)) return unexpected(ctx, 'handleCall', req, state);
    switch (req.op) {
      case 'reserve':
        return reply(reserve(ctx, state, req), state);
      case 'release':
        releaseLock(ctx, state, req.name, req.lock);
        return reply('ok', state);
      case 'commit':
        put(ctx, req.name, req.pid, req.resolver, wireSenderOf(req), state);
        releaseLock(ctx, state, req.name, req.lock);
        return reply('ok', state);
      case 'unregister':
        remove(ctx, req.name);
        return reply('ok', state);
      // A peer takes and gives back locks for its own processes only: it cannot free a third node's process's hold.
      case 'setLock':
        return reply(ownsLock(ctx, req) ? setLock(ctx, state, req) : 'locked', state);
      case 'delLock':
        if (ownsLock(ctx, req)) delLock(ctx, state, req.resource, req.requester, req.owner);
        return reply('ok', state);
    }
  },
  handleInfo(m, state, ctx) {
    if (m instanceof NodeUp) {
      const entries = [...tableOf(ctx.node)].map(([name, e]): [string, Pid, ConflictResolver] => [name, e.pid, e.resolver]);
      broadcast(ctx, { op: 'sync', from: ctx.node.name, entries }, [m.node]);
    } else if (isOp(m, DISTRIBUTED.op)) {
      watchNodes(ctx);
    } else if (m instanceof Down) {
      for (const [name, e] of tableOf(ctx.node)) if (e.ref === m.ref) remove(ctx, name);
      for (const [name, l] of state.locks) if (l.ref === m.ref) dropLock(state, name, l);
      for (const [resource, r] of state.resources) delLock(ctx, state, resource, r.requester, m.ref, true);
    } else if (isOp(m, 'sync')) {
      if (!isSync(m)) return unexpected(ctx, 'handleInfo', m, state);
      onSync(ctx, state, m);
    } else if (isOp(m, 'resolved')) {
      const r = m as Resolved;
      if (typeof r.name !== 'string' || !Array.isArray(r.drop) || !r.drop.every((p) => p instanceof Pid)) return unexpected(ctx, 'handleInfo', m, state);
      applyResolution(ctx, r.name, { keep: r.keep instanceof Pid ? r.keep : null, drop: r.drop }, wireSenderOf(m));
    }
    return noreply(state);
  },
  handleCast(req, state, ctx) {
    return unexpected(ctx, 'handleCast', req, state);
  },
};

// On a distributed node: hears of every node that connects, and syncs with those connected already, as on nodeup.
function watchNodes(ctx: ProcessContext): void {
  if (!ctx.node.dist) return;
  ctx.node.dist.monitorNodes(ctx.self());
  for (const node of ctx.node.nodes()) ctx.send(ctx.self(), new NodeUp(node));
}

function unexpected(ctx: ProcessContext, callback: string, m: unknown, state: State): ReturnType<typeof noreply<State>> {
  loggerOf(ctx.node).warning(`${GLOBAL_SERVER} received an unexpected message: ${callback}(${formatValue(m, 500)})`, { pid: ctx.self() });
  return noreply(state);
}

const RESOLVERS: ReadonlySet<unknown> = new Set<ConflictResolver>(['randomExit', 'randomNotify', 'notifyAll']);

// The requests of GlobalCall, with fields of the right types (they come from other nodes).
function isCall(req: unknown): req is GlobalCall {
  if (typeof req !== 'object' || req === null) return false;
  const r = req as Record<string, unknown>;
  if (r.op === 'setLock' || r.op === 'delLock') return typeof r.resource === 'string' && typeof r.requester === 'string' && r.owner instanceof Pid;
  if (typeof r.name !== 'string') return false;
  if (r.op === 'unregister') return true;
  if (typeof r.lock !== 'string') return false;
  if (r.op === 'reserve') return r.owner instanceof Pid;
  if (r.op === 'commit') return r.pid instanceof Pid && RESOLVERS.has(r.resolver);
  return r.op === 'release';
}

function isSync(m: unknown): m is Sync {
  const s = m as Record<string, unknown>;
  return typeof s.from === 'string' && Array.isArray(s.entries) && s.entries.every((e) => Array.isArray(e) && typeof e[0] === 'string' && e[1] instanceof Pid && RESOLVERS.has(e[2]));
}

function isOp(m: unknown, op: string): boolean {
  return typeof m === 'object' && m !== null && (m as { op?: unknown }).op === op;
}
