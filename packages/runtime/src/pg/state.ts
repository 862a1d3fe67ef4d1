import type { ProcessContext } from '../types.js';
import type { Pid, Ref } from '../pid.js';
import { groupKey, type ScopeTable, type PgGroup } from './table.js';
import { loggerOf } from '../logger.js';

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

/** Messages between the scope servers of one scope on different nodes (OTP's discover, sync, join and leave). */
export type PeerMessage =
  | { pg: 'discover'; peer: Pid }
  | { pg: 'sync'; peer: Pid; groups: Array<[PgGroup, Pid[]]> }
  | { pg: 'join'; peer: Pid; group: PgGroup; pids: Pid[] }
  | { pg: 'leave'; peer: Pid; pids: Pid[]; groups: PgGroup[] };

/** A local process that joined groups of the scope, and the monitor on it. */
export interface LocalMember {
  pid: Pid;
  ref: Ref;
  /** The groups it joined, once per join. */
  groups: PgGroup[];
}

/** The same scope's server on another node, the monitor on it, and its members. */
export interface Peer {
  pid: Pid;
  ref: Ref;
  /** Its node's members by group key, once per join: what a sync replaces and a nodedown removes. */
  groups: Map<string, { group: PgGroup; pids: Pid[] }>;
  /** How many members (one per join) it announced in all: what maxPgMembers bounds. */
  members: number;
}

/** A monitorScope or monitor subscriber. */
export interface Watcher {
  pid: Pid;
  /** The group key watched, or null for the whole scope. */
  key: string | null;
  /** The node whose connection asked for it (undefined: this node): the one maxPgMembers counts it against. */
  via: string | undefined;
}

/** A scope server's state (its table is shared with readers through the node). */
export interface State {
  scope: string;
  table: ScopeTable;
  local: Map<string, LocalMember>;
  peers: Map<string, Peer>;
  watchers: Map<Ref, Watcher>;
  /** How many peer scope servers each other node (by index) has here: bounded by maxPgMembers with their members. */
  peersOf: Map<number, number>;
  /** How many subscriptions each other node's connection asked for here: bounded by maxPgMembers. */
  watchersOf: Map<string, number>;
  /** True once the server watches NodeUp: a scope started before its node's distribution starts watching at its next message. */
  watchingNodes: boolean;
}

/** Sends a PgUpdate to every subscriber of the scope or of `group`. */
export function notify(s: State, ctx: ProcessContext, kind: 'join' | 'leave', group: PgGroup, pids: readonly Pid[]): void {
  if (s.watchers.size === 0 || pids.length === 0) return;
  const key = groupKey(group);
  for (const [ref, w] of s.watchers) if (w.key === null || w.key === key) sendTo(s, ctx, w.pid, new PgUpdate(ref, kind, group, pids));
}

/** Sends a message to the same scope's server on every synced node. */
export function broadcast(s: State, ctx: ProcessContext, message: PeerMessage): void {
  for (const p of s.peers.values()) sendTo(s, ctx, p.pid, message);
}

/**
 * Sends `message`; one another node refuses to take (over its maxFrameBytes, a peer announcing a tiny one) is left
 * unsent with a warning, rather than ending the scope server and every group of the scope with it.
 */
export function sendTo(s: State, ctx: ProcessContext, to: Pid | { name: string; node: string }, message: unknown): void {
  try {
    ctx.send(to, message);
  } catch (error) {
    const whom = 'name' in to ? `${to.name} on ${to.node}` : String(to);
    loggerOf(ctx.node).warning(`pg scope ${s.scope} could not send to ${whom}: ${(error as Error).message}`, { pid: ctx.self() });
  }
}

