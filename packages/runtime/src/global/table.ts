import { createHash } from 'node:crypto';
import type { OtpNode } from '../node.js';
import type { Pid, Ref } from '../pid.js';

/**
 * What happens when two partitions that registered the same name heal (OTP's resolve methods):
 * `randomExit` keeps one pid and exits the other with reason `global_name_conflict` (random_exit_name,
 * the default); `randomNotify` keeps one and sends the other a `GlobalNameConflict` message
 * (random_notify_name); `notifyAll` unregisters both and sends each a `GlobalNameConflict` naming the
 * other (notify_all_name).
 */
export type ConflictResolver = 'randomExit' | 'randomNotify' | 'notifyAll';

/** One globally registered name as a node's replica holds it. */
export interface GlobalEntry {
  pid: Pid;
  resolver: ConflictResolver;
  /** The monitor this node's global server holds on the pid: its exit or its node's loss removes the name. */
  ref: Ref | null;
  /** The node whose connection brought the name here (undefined: this node): the one maxGlobalNames counts it against. */
  via: string | undefined;
}

const tables = new WeakMap<OtpNode, Map<string, GlobalEntry>>();

/** A node's replica of the cluster's global names (OTP keeps it in an ETS table; reads are local). */
export function tableOf(node: OtpNode): Map<string, GlobalEntry> {
  let t = tables.get(node);
  if (!t) tables.set(node, (t = new Map()));
  return t;
}

/** A pid's identity across nodes: its node's name, id and serial (in-memory node indexes differ per node). */
export function pidKey(node: OtpNode, pid: Pid): string {
  return `${pid.node === 0 ? node.name : (node.dist?.nameOf(pid.node) ?? '?')}/${pid.id}/${pid.serial}`;
}

/** The outcome of a name conflict: the pid that keeps the name (none for notifyAll) and those that lose it. */
export interface Resolution {
  keep: Pid | null;
  drop: Pid[];
}

/**
 * Resolves a conflict (pure). The "random" choice is a hash of the name and both pids' identities, so
 * every node that sees the same conflict picks the same winner and a three-way heal cannot kill both.
 */
export function resolveConflict(resolver: ConflictResolver, name: string, a: { pid: Pid; key: string }, b: { pid: Pid; key: string }): Resolution {
  if (resolver === 'notifyAll') return { keep: null, drop: [a.pid, b.pid] };
  const score = (key: string): string => createHash('sha256').update(`${name}\u0000${key}`).digest('hex');
  const aWins = score(a.key) < score(b.key) || (score(a.key) === score(b.key) && a.key < b.key);
  return aWins ? { keep: a.pid, drop: [b.pid] } : { keep: b.pid, drop: [a.pid] };
}
