import type { ProcessContext } from '../types.js';
import { Pid, Ref } from '../pid.js';
import { formatValue, loggerOf } from '../logger.js';
import { Down } from '../messages.js';
import { ok, noreply, reply, type GenServer } from '../gen-server/types.js';
import { addDistributionService, NodeUp } from '../distribution/node-dist.js';
import { readsWireSenders, wireSenderOf } from '../distribution/control.js';
import { groupKey, isGroupName, pidKey, installTable, dropTable, scopeServers, ScopeTable, type PgGroup } from './table.js';
import { broadcast, notify, sendTo, type LocalMember, type PeerMessage, type State } from './state.js';
import { isPeerMessage, onPeerMessage, peerDown } from './peers.js';

export { PgUpdate } from './state.js';

/** Requests a scope's local API calls make of its scope server. */
export type PgCall =
  | { op: 'join'; group: PgGroup; pids: Pid[] }
  | { op: 'leave'; group: PgGroup; pids: Pid[] }
  | { op: 'monitorScope' }
  | { op: 'monitor'; group: PgGroup }
  | { op: 'demonitor'; ref: Ref };

/** The scope server's answers, by request. */
export type PgReply = 'ok' | 'notJoined' | boolean | { ref: Ref; groups: Map<PgGroup, readonly Pid[]> } | { ref: Ref; members: readonly Pid[] };

function joinLocal(s: State, ctx: ProcessContext, group: PgGroup, pids: Pid[]): void {
  if (pids.length === 0) return;
  for (const pid of pids) {
    const k = pidKey(pid);
    let m = s.local.get(k);
    if (!m) s.local.set(k, (m = { pid, ref: ctx.monitor(pid), groups: [] }));
    m.groups.push(group);
  }
  s.table.add(group, pids, true);
  broadcast(s, ctx, { pg: 'join', peer: ctx.self(), group, pids });
  notify(s, ctx, 'join', group, pids);
}

function leaveLocal(s: State, ctx: ProcessContext, group: PgGroup, pids: Pid[]): 'ok' | 'notJoined' {
  const key = groupKey(group);
  const leaving = pids.filter((pid) => {
    const m = s.local.get(pidKey(pid));
    const i = m ? m.groups.findIndex((g) => groupKey(g) === key) : -1;
    if (!m || i < 0) return false;
    m.groups.splice(i, 1);
    if (m.groups.length === 0) {
      ctx.demonitor(m.ref, { flush: true });
      s.local.delete(pidKey(pid));
    }
    return true;
  });
  if (leaving.length === 0) return 'notJoined';
  s.table.remove(group, leaving, true);
  broadcast(s, ctx, { pg: 'leave', peer: ctx.self(), pids: leaving, groups: [group] });
  notify(s, ctx, 'leave', group, leaving);
  return 'ok';
}

// A local member exited: it leaves every group it joined, here and on every peer; as in OTP, subscribers
// hear one leave of [pid] per join (a pid joined twice leaves twice), as the peers' subscribers do.
function memberDown(s: State, ctx: ProcessContext, m: LocalMember): void {
  s.local.delete(pidKey(m.pid));
  for (const group of m.groups) notify(s, ctx, 'leave', group, s.table.remove(group, [m.pid], true));
  broadcast(s, ctx, { pg: 'leave', peer: ctx.self(), pids: [m.pid], groups: m.groups });
}

// A subscription for `from`, counted against the node whose connection asked for it (`req` as received). Each holds
// an entry and a monitor: past maxPgMembers of them that connection is closed with one line and nothing is added (its
// subscriptions go with it, as their monitors fire), so a peer subscribing without end cannot take this node's memory.
function subscribe(s: State, ctx: ProcessContext, req: PgCall, from: Pid, key: string | null): Ref | undefined {
  const via = wireSenderOf(req);
  const dist = ctx.node.dist;
  if (via !== undefined && dist) {
    const held = s.watchersOf.get(via) ?? 0;
    if (held >= dist.maxPgMembers) {
      dist.overBound(via, `it would hold more than ${dist.maxPgMembers} monitors of pg scope ${s.scope} here`, 'maxPgMembers');
      return undefined;
    }
    s.watchersOf.set(via, held + 1);
  }
  const ref = ctx.monitor(from);
  s.watchers.set(ref, { pid: from, key, via });
  return ref;
}

// Ends the subscription `ref`; false when there is none.
function unsubscribe(s: State, ref: Ref): boolean {
  const w = s.watchers.get(ref);
  if (!w) return false;
  s.watchers.delete(ref);
  if (w.via === undefined) return true;
  const held = (s.watchersOf.get(w.via) ?? 1) - 1;
  if (held > 0) s.watchersOf.set(w.via, held);
  else s.watchersOf.delete(w.via);
  return true;
}

function onDown(s: State, ctx: ProcessContext, d: Down): void {
  if (unsubscribe(s, d.ref)) return;
  for (const m of s.local.values()) if (m.ref === d.ref) return memberDown(s, ctx, m);
  for (const p of s.peers.values()) if (p.ref === d.ref) return peerDown(s, ctx, p);
}

// Subscribes to NodeUp and discovers the scope on the nodes connected now, once the node is distributed.
function watchNodes(s: State, ctx: ProcessContext): void {
  if (s.watchingNodes || !ctx.node.dist) return;
  s.watchingNodes = true;
  ctx.node.dist.monitorNodes(ctx.self());
  for (const node of ctx.node.nodes()) sendTo(s, ctx, { name: s.scope, node }, { pg: 'discover', peer: ctx.self() } satisfies PeerMessage);
}

function groupsMap(table: ScopeTable): Map<PgGroup, readonly Pid[]> {
  return new Map(table.whichGroups().map((g) => [g, table.members(g)]));
}

// Scopes started before their node was distributed watch nodes from the moment it is: any message wakes
// watchNodes, and this one is sent to each running scope as distribution starts.
addDistributionService('pg', async (node) => {
  for (const pid of scopeServers(node)) node.send(pid, { pg: 'distributed' });
});

/** The scope server (OTP's pg gen_server): owns the scope's table and keeps it in step with the same scope on connected nodes. */
export const scopeServer: GenServer<State, PgCall, never, PgReply, string> = {
  name: 'pg',
  init(scope, ctx) {
    readsWireSenders(ctx.node.localProcess(ctx.self()));
    const table = new ScopeTable(ctx.self());
    installTable(ctx.node, scope, table);
    const s: State = { scope, table, local: new Map(), peers: new Map(), watchers: new Map(), peersOf: new Map(), watchersOf: new Map(), watchingNodes: false };
    watchNodes(s, ctx);
    return ok(s);
  },
  handleCall(req, from, s, ctx) {
    watchNodes(s, ctx);
    // Any node with the cookie can call the scope server: a request of the wrong shape is logged and left
    // unanswered, as the global name server does, rather than ending the scope and every group in it.
    if (!isPgCall(req)) return unexpected(ctx, 'handleCall', req, s);
    switch (req.op) {
      case 'join':
        joinLocal(s, ctx, req.group, req.pids);
        return reply('ok', s);
      case 'leave':
        return reply(leaveLocal(s, ctx, req.group, req.pids), s);
      case 'monitorScope': {
        const ref = subscribe(s, ctx, req, from.pid, null);
        return ref ? reply({ ref, groups: groupsMap(s.table) }, s) : noreply(s);
      }
      case 'monitor': {
        const ref = subscribe(s, ctx, req, from.pid, groupKey(req.group));
        return ref ? reply({ ref, members: s.table.members(req.group) }, s) : noreply(s);
      }
      case 'demonitor': {
        const found = [...s.watchers.keys()].find((r) => r.equals(req.ref));
        if (!found) return reply(false, s);
        ctx.demonitor(found, { flush: true });
        unsubscribe(s, found);
        return reply(true, s);
      }
    }
  },
  handleInfo(m, s, ctx) {
    watchNodes(s, ctx);
    if (m instanceof Down) onDown(s, ctx, m);
    else if (m instanceof NodeUp) sendTo(s, ctx, { name: s.scope, node: m.node }, { pg: 'discover', peer: ctx.self() } satisfies PeerMessage);
    else if (isPeerMessage(m)) fromPeer(s, ctx, m);
    return noreply(s);
  },
  handleCast(req, s, ctx) {
    return unexpected(ctx, 'handleCast', req, s);
  },
  terminate(_reason, s, ctx) {
    dropTable(ctx.node, s.scope, ctx.self());
  },
};

// A peer names its own scope server: one naming a process of this node (this scope server, sent back by a
// hostile or confused node) would make the scope its own peer and list every local member twice.
// One whose connection is another node's (a member speaking for a third node's scope server) is dropped with a
// warning too: what it announced would be counted against, and could get disconnected, the node it names.
function fromPeer(s: State, ctx: ProcessContext, m: PeerMessage): void {
  const via = wireSenderOf(m);
  const named = m.peer.node === 0 ? undefined : ctx.node.dist?.nameOf(m.peer.node);
  if (named !== undefined && via !== undefined && via !== named) {
    loggerOf(ctx.node).warning(`pg scope ${s.scope} ignored a '${m.pg}' from ${via} naming ${String(m.peer)} of ${named} as its scope server: a node speaks only for its own scope server`, { pid: ctx.self() });
    return;
  }
  if (m.peer.node !== 0) return onPeerMessage(s, ctx, ownMembersOnly(s, ctx, m));
  loggerOf(ctx.node).warning(`pg scope ${s.scope} ignored a '${m.pg}' naming ${String(m.peer)}, a process of this node, as a peer scope server: peers are the same scope on other nodes`, { pid: ctx.self() });
}

// A scope server announces only its own node's processes (joins take local pids only). Members of another node in a
// peer's sync, join or leave (this node's, a third node's) are dropped with a warning: nothing would ever remove them
// (their exit is seen by their own node's scope server, not by the peer's), so they would stay listed once dead.
function ownMembersOnly(s: State, ctx: ProcessContext, m: PeerMessage): PeerMessage {
  if (m.pg === 'discover') return m;
  const own = (p: Pid): boolean => p.node === m.peer.node;
  const all = m.pg === 'sync' ? m.groups.flatMap(([, pids]) => pids) : m.pids;
  const foreign = all.filter((p) => !own(p));
  if (foreign.length === 0) return m;
  const listed = foreign.slice(0, 5).map(String).join(', ') + (foreign.length > 5 ? ` and ${foreign.length - 5} more` : '');
  const where = ctx.node.dist?.nameOf(m.peer.node) ?? 'its node';
  loggerOf(ctx.node).warning(`pg scope ${s.scope} ignored ${listed} in a '${m.pg}' from ${String(m.peer)}: not processes of ${where}, and a scope server announces only its own node's members`, { pid: ctx.self() });
  if (m.pg === 'sync') return { ...m, groups: m.groups.map(([group, pids]): [PgGroup, Pid[]] => [group, pids.filter(own)]).filter(([, pids]) => pids.length > 0) };
  return { ...m, pids: m.pids.filter(own) };
}

function unexpected(ctx: ProcessContext, callback: string, m: unknown, s: State): ReturnType<typeof noreply<State>> {
  loggerOf(ctx.node).warning(`pg scope ${s.scope} received an unexpected message: ${callback}(${formatValue(m, 500)})`, { pid: ctx.self() });
  return noreply(s);
}

// The requests of PgCall with fields of the right types: joins and leaves name local pids only, as the API's do.
function isPgCall(req: unknown): req is PgCall {
  if (typeof req !== 'object' || req === null) return false;
  const r = req as Record<string, unknown>;
  switch (r.op) {
    case 'join':
    case 'leave':
      return isGroupName(r.group) && Array.isArray(r.pids) && r.pids.every((p) => p instanceof Pid && p.node === 0);
    case 'monitorScope':
      return true;
    case 'monitor':
      return isGroupName(r.group);
    case 'demonitor':
      return r.ref instanceof Ref;
    default:
      return false;
  }
}
