import type { ProcessContext } from '../types.js';
import type { Pid, Ref } from '../pid.js';
import { Down } from '../messages.js';
import { ok, noreply, reply, type GenServer } from '../gen-server/types.js';
import { NodeUp } from '../distribution/node-dist.js';
import { groupKey, pidKey, installTable, dropTable, ScopeTable, type PgGroup } from './table.js';

/** What `pg.monitorScope` and `pg.monitor` subscribers receive when members join or leave (OTP's {Ref, join | leave, Group, Pids}). */
export class PgUpdate {
  readonly type = 'pg_update' as const;
  constructor(
    /** The subscription's reference, as monitorScope or monitor returned it. */
    readonly ref: Ref,
    /** Whether `pids` joined or left. */
    readonly kind: 'join' | 'leave',
    /** The group whose membership changed. */
    readonly group: PgGroup,
    /** The processes that joined or left, once per join. */
    readonly pids: readonly Pid[],
  ) {}
}

/** Requests a scope's local API calls make of its scope server. */
export type PgCall =
  | { op: 'join'; group: PgGroup; pids: Pid[] }
  | { op: 'leave'; group: PgGroup; pids: Pid[] }
  | { op: 'monitorScope' }
  | { op: 'monitor'; group: PgGroup }
  | { op: 'demonitor'; ref: Ref };

/** The scope server's answers, by request. */
export type PgReply = 'ok' | 'notJoined' | boolean | { ref: Ref; groups: Map<PgGroup, readonly Pid[]> } | { ref: Ref; members: readonly Pid[] };

// Messages between the scope servers of one scope on different nodes (OTP's discover/sync/join/leave).
type PeerMessage =
  | { pg: 'discover'; peer: Pid }
  | { pg: 'sync'; peer: Pid; groups: Array<[PgGroup, Pid[]]> }
  | { pg: 'join'; peer: Pid; group: PgGroup; pids: Pid[] }
  | { pg: 'leave'; peer: Pid; pids: Pid[]; groups: PgGroup[] };

interface LocalMember {
  pid: Pid;
  ref: Ref;
  /** The groups it joined, once per join. */
  groups: PgGroup[];
}

interface Peer {
  pid: Pid;
  ref: Ref;
  /** Its node's members by group key, once per join: what a sync replaces and a nodedown removes. */
  groups: Map<string, { group: PgGroup; pids: Pid[] }>;
}

interface Watcher {
  pid: Pid;
  /** The group key watched, or null for the whole scope. */
  key: string | null;
}

interface State {
  scope: string;
  table: ScopeTable;
  local: Map<string, LocalMember>;
  peers: Map<string, Peer>;
  watchers: Map<Ref, Watcher>;
  /** True once the server watches NodeUp: a scope started before its node's distribution starts watching at its next message. */
  watchingNodes: boolean;
}

function notify(s: State, ctx: ProcessContext, kind: 'join' | 'leave', group: PgGroup, pids: readonly Pid[]): void {
  if (s.watchers.size === 0 || pids.length === 0) return;
  const key = groupKey(group);
  for (const [ref, w] of s.watchers) if (w.key === null || w.key === key) ctx.send(w.pid, new PgUpdate(ref, kind, group, pids));
}

function broadcast(s: State, ctx: ProcessContext, message: PeerMessage): void {
  for (const p of s.peers.values()) ctx.send(p.pid, message);
}

function joinLocal(s: State, ctx: ProcessContext, group: PgGroup, pids: Pid[]): void {
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

// A local member exited: it leaves every group it joined, here and on every peer.
function memberDown(s: State, ctx: ProcessContext, m: LocalMember): void {
  s.local.delete(pidKey(m.pid));
  const byGroup = new Map<string, { group: PgGroup; pids: Pid[] }>();
  for (const g of m.groups) {
    const e = byGroup.get(groupKey(g));
    if (e) e.pids.push(m.pid);
    else byGroup.set(groupKey(g), { group: g, pids: [m.pid] });
  }
  for (const { group, pids } of byGroup.values()) notify(s, ctx, 'leave', group, s.table.remove(group, pids, true));
  broadcast(s, ctx, { pg: 'leave', peer: ctx.self(), pids: [m.pid], groups: m.groups });
}

function peerOf(s: State, ctx: ProcessContext, pid: Pid): Peer {
  let p = s.peers.get(pidKey(pid));
  // Monitoring the peer's scope server: its exit or its node's loss (noconnection) removes its members.
  if (!p) s.peers.set(pidKey(pid), (p = { pid, ref: ctx.monitor(pid), groups: new Map() }));
  return p;
}

function peerJoin(s: State, ctx: ProcessContext, p: Peer, group: PgGroup, pids: Pid[]): void {
  const key = groupKey(group);
  const e = p.groups.get(key);
  if (e) e.pids.push(...pids);
  else p.groups.set(key, { group, pids: [...pids] });
  s.table.add(group, pids, false);
  notify(s, ctx, 'join', group, pids);
}

function peerLeave(s: State, ctx: ProcessContext, p: Peer, group: PgGroup, pids: Pid[]): void {
  const key = groupKey(group);
  const e = p.groups.get(key);
  if (!e) return;
  const gone: Pid[] = [];
  for (const pid of pids) {
    const i = e.pids.findIndex((q) => q.equals(pid));
    if (i >= 0) gone.push(...e.pids.splice(i, 1));
  }
  if (e.pids.length === 0) p.groups.delete(key);
  notify(s, ctx, 'leave', group, s.table.remove(group, gone, false));
}

// `a` less one occurrence of each pid of `b` (multisets of pids).
function minus(a: readonly Pid[], b: readonly Pid[]): Pid[] {
  const rest = [...a];
  for (const p of b) {
    const i = rest.findIndex((q) => q.equals(p));
    if (i >= 0) rest.splice(i, 1);
  }
  return rest;
}

// A peer's sync replaces what this node knew of its members; subscribers hear only the difference.
function peerSync(s: State, ctx: ProcessContext, p: Peer, groups: Array<[PgGroup, Pid[]]>): void {
  const old = p.groups;
  p.groups = new Map(groups.map(([group, pids]) => [groupKey(group), { group, pids: [...pids] }]));
  for (const [key, { group, pids }] of old) notify(s, ctx, 'leave', group, s.table.remove(group, minus(pids, p.groups.get(key)?.pids ?? []), false));
  for (const [key, { group, pids }] of p.groups) {
    const added = minus(pids, old.get(key)?.pids ?? []);
    if (added.length === 0) continue;
    s.table.add(group, added, false);
    notify(s, ctx, 'join', group, added);
  }
}

function peerDown(s: State, ctx: ProcessContext, p: Peer): void {
  s.peers.delete(pidKey(p.pid));
  for (const { group, pids } of p.groups.values()) notify(s, ctx, 'leave', group, s.table.remove(group, pids, false));
}

function localSnapshot(s: State): Array<[PgGroup, Pid[]]> {
  return s.table.whichLocalGroups().map((g) => [g, [...s.table.localMembers(g)]]);
}

function onPeerMessage(s: State, ctx: ProcessContext, m: PeerMessage): void {
  switch (m.pg) {
    case 'discover':
      peerOf(s, ctx, m.peer);
      ctx.send(m.peer, { pg: 'sync', peer: ctx.self(), groups: localSnapshot(s) } satisfies PeerMessage);
      return;
    case 'sync':
      peerSync(s, ctx, peerOf(s, ctx, m.peer), m.groups);
      return;
    case 'join': {
      // Joins from a server not yet synced are dropped: its sync, which follows, carries them.
      const p = s.peers.get(pidKey(m.peer));
      if (p) peerJoin(s, ctx, p, m.group, m.pids);
      return;
    }
    case 'leave': {
      const p = s.peers.get(pidKey(m.peer));
      if (p) for (const g of m.groups) peerLeave(s, ctx, p, g, m.pids);
      return;
    }
  }
}

function isPeerMessage(m: unknown): m is PeerMessage {
  if (typeof m !== 'object' || m === null) return false;
  const op = (m as { pg?: unknown }).pg;
  return op === 'discover' || op === 'sync' || op === 'join' || op === 'leave';
}

function onDown(s: State, ctx: ProcessContext, d: Down): void {
  if (s.watchers.delete(d.ref)) return;
  for (const m of s.local.values()) if (m.ref === d.ref) return memberDown(s, ctx, m);
  for (const p of s.peers.values()) if (p.ref === d.ref) return peerDown(s, ctx, p);
}

// Subscribes to NodeUp and discovers the scope on the nodes connected now, once the node is distributed.
function watchNodes(s: State, ctx: ProcessContext): void {
  if (s.watchingNodes || !ctx.node.dist) return;
  s.watchingNodes = true;
  ctx.node.dist.monitorNodes(ctx.self());
  for (const node of ctx.node.nodes()) ctx.send({ name: s.scope, node }, { pg: 'discover', peer: ctx.self() } satisfies PeerMessage);
}

function groupsMap(table: ScopeTable): Map<PgGroup, readonly Pid[]> {
  return new Map(table.whichGroups().map((g) => [g, table.members(g)]));
}

/** The scope server (OTP's pg gen_server): owns the scope's table and keeps it in step with the same scope on connected nodes. */
export const scopeServer: GenServer<State, PgCall, never, PgReply, string> = {
  name: 'pg',
  init(scope, ctx) {
    const table = new ScopeTable(ctx.self());
    installTable(ctx.node, scope, table);
    const s: State = { scope, table, local: new Map(), peers: new Map(), watchers: new Map(), watchingNodes: false };
    watchNodes(s, ctx);
    return ok(s);
  },
  handleCall(req, from, s, ctx) {
    watchNodes(s, ctx);
    switch (req.op) {
      case 'join':
        joinLocal(s, ctx, req.group, req.pids);
        return reply('ok', s);
      case 'leave':
        return reply(leaveLocal(s, ctx, req.group, req.pids), s);
      case 'monitorScope': {
        const ref = ctx.monitor(from.pid);
        s.watchers.set(ref, { pid: from.pid, key: null });
        return reply({ ref, groups: groupsMap(s.table) }, s);
      }
      case 'monitor': {
        const ref = ctx.monitor(from.pid);
        s.watchers.set(ref, { pid: from.pid, key: groupKey(req.group) });
        return reply({ ref, members: s.table.members(req.group) }, s);
      }
      case 'demonitor': {
        const found = [...s.watchers.keys()].find((r) => r.equals(req.ref));
        if (!found) return reply(false, s);
        ctx.demonitor(found, { flush: true });
        s.watchers.delete(found);
        return reply(true, s);
      }
    }
  },
  handleInfo(m, s, ctx) {
    watchNodes(s, ctx);
    if (m instanceof Down) onDown(s, ctx, m);
    else if (m instanceof NodeUp) ctx.send({ name: s.scope, node: m.node }, { pg: 'discover', peer: ctx.self() } satisfies PeerMessage);
    else if (isPeerMessage(m)) onPeerMessage(s, ctx, m);
    return noreply(s);
  },
  terminate(_reason, s, ctx) {
    dropTable(ctx.node, s.scope, ctx.self());
  },
};
