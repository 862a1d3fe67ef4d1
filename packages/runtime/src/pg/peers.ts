import type { ProcessContext } from '../types.js';
import { Pid } from '../pid.js';
import { groupKey, isGroupName, pidKey, type PgGroup } from './table.js';
import { notify, sendTo, type Peer, type PeerMessage, type State } from './state.js';

/** The peer entry of another node's scope server, monitored from its first message; undefined past maxPgMembers of them (its connection closed). */
export function peerOf(s: State, ctx: ProcessContext, pid: Pid): Peer | undefined {
  let p = s.peers.get(pidKey(pid));
  if (p) return p;
  // A node runs one scope server (two across a restart): one naming ever new ones is held to maxPgMembers.
  const known = s.peersOf.get(pid.node) ?? 0;
  const dist = ctx.node.dist;
  if (dist && known >= dist.maxPgMembers) {
    dist.overBound(dist.nameOf(pid.node), `it named more than ${dist.maxPgMembers} scope servers of pg scope ${s.scope}`, 'maxPgMembers');
    return undefined;
  }
  s.peersOf.set(pid.node, known + 1);
  // Monitoring the peer's scope server: its exit or its node's loss (noconnection) removes its members.
  s.peers.set(pidKey(pid), (p = { pid, ref: ctx.monitor(pid), groups: new Map(), members: 0 }));
  return p;
}

// Whether a peer may announce `members` members in this scope. Past maxPgMembers its connection is closed with one
// line (its members leave as its scope server's monitor fires) and what it announced is dropped: a buggy peer
// joining without end cannot take this node's memory.
function admits(s: State, ctx: ProcessContext, p: Peer, members: number): boolean {
  const dist = ctx.node.dist;
  if (!dist || members <= dist.maxPgMembers) return true;
  dist.overBound(dist.nameOf(p.pid.node), `it would have more than ${dist.maxPgMembers} members in pg scope ${s.scope} here`, 'maxPgMembers');
  return false;
}

function peerJoin(s: State, ctx: ProcessContext, p: Peer, group: PgGroup, pids: Pid[]): void {
  if (pids.length === 0) return;
  if (!admits(s, ctx, p, p.members + pids.length)) return;
  p.members += pids.length;
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
  p.members -= gone.length;
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
  const next = new Map(groups.map(([group, pids]) => [groupKey(group), { group, pids: [...pids] }]));
  let members = 0;
  for (const e of next.values()) members += e.pids.length;
  if (!admits(s, ctx, p, members)) return;
  p.members = members;
  const old = p.groups;
  p.groups = next;
  for (const [key, { group, pids }] of old) notify(s, ctx, 'leave', group, s.table.remove(group, minus(pids, p.groups.get(key)?.pids ?? []), false));
  for (const [key, { group, pids }] of p.groups) {
    const added = minus(pids, old.get(key)?.pids ?? []);
    if (added.length === 0) continue;
    s.table.add(group, added, false);
    notify(s, ctx, 'join', group, added);
  }
}

/** A peer's server exited or its node went down: every member of that node leaves. */
export function peerDown(s: State, ctx: ProcessContext, p: Peer): void {
  s.peers.delete(pidKey(p.pid));
  const known = (s.peersOf.get(p.pid.node) ?? 1) - 1;
  if (known > 0) s.peersOf.set(p.pid.node, known);
  else s.peersOf.delete(p.pid.node);
  for (const { group, pids } of p.groups.values()) notify(s, ctx, 'leave', group, s.table.remove(group, pids, false));
}

function localSnapshot(s: State): Array<[PgGroup, Pid[]]> {
  return s.table.whichLocalGroups().map((g) => [g, [...s.table.localMembers(g)]]);
}

/** Handles discover, sync, join and leave from the same scope on another node. */
export function onPeerMessage(s: State, ctx: ProcessContext, m: PeerMessage): void {
  switch (m.pg) {
    case 'discover': {
      // A peer not known yet (a scope started, or restarted, after this one) is discovered back, as OTP's pg does:
      // its own sync then tells this node what it joined before this node's sync reached it.
      const known = s.peers.has(pidKey(m.peer));
      if (!peerOf(s, ctx, m.peer)) return;
      sendTo(s, ctx, m.peer, { pg: 'sync', peer: ctx.self(), groups: localSnapshot(s) } satisfies PeerMessage);
      if (!known) sendTo(s, ctx, m.peer, { pg: 'discover', peer: ctx.self() } satisfies PeerMessage);
      return;
    }
    case 'sync': {
      const p = peerOf(s, ctx, m.peer);
      if (p) peerSync(s, ctx, p, m.groups);
      return;
    }
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

const isPids = (v: unknown): v is Pid[] => Array.isArray(v) && v.every((p) => p instanceof Pid);

/**
 * True for the messages scope servers exchange, checked field by field: a peer's malformed join (a BigInt group,
 * pids that are no pids) is dropped rather than crash this scope server, which would lose every group of the scope.
 */
export function isPeerMessage(m: unknown): m is PeerMessage {
  if (typeof m !== 'object' || m === null || !((m as { peer?: unknown }).peer instanceof Pid)) return false;
  const f = m as Record<string, unknown>;
  switch (f.pg) {
    case 'discover':
      return true;
    case 'sync':
      return Array.isArray(f.groups) && f.groups.every((e) => Array.isArray(e) && e.length === 2 && isGroupName(e[0]) && isPids(e[1]));
    case 'join':
      return isGroupName(f.group) && isPids(f.pids);
    case 'leave':
      return isPids(f.pids) && Array.isArray(f.groups) && f.groups.every(isGroupName);
    default:
      return false;
  }
}
