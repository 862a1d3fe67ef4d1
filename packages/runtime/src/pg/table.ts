import type { OtpNode } from '../node.js';
import type { Pid } from '../pid.js';

/** A process group's name: any JSON-like value (OTP's group() is any term); structured names compare by value. */
export type PgGroup = string | number | boolean | null | readonly PgGroup[];

/**
 * True for a JSON-like group name: anything else would share a key with another group (undefined, a function,
 * NaN) or make the scope server throw on it (a BigInt, a cycle), losing every group of the scope.
 */
export function isGroupName(group: unknown): group is PgGroup {
  const within = new Set<unknown>(); // the arrays being checked: one found inside itself is a cycle
  const ok = (g: unknown): boolean => {
    if (g === null || typeof g === 'string' || typeof g === 'boolean') return true;
    if (typeof g === 'number') return Number.isFinite(g);
    if (!Array.isArray(g) || within.has(g)) return false;
    within.add(g);
    const all = g.every(ok);
    within.delete(g);
    return all;
  };
  return ok(group);
}

/** A group's key in the tables: strings as they are, anything else by its JSON text (a prefix keeps the two apart). */
export function groupKey(group: PgGroup): string {
  return typeof group === 'string' && !group.startsWith('\u0000') ? group : `\u0000${JSON.stringify(group)}`;
}

/** A pid's key within one node (remote pids carry that node's index of their node, which never changes). */
export function pidKey(pid: Pid): string {
  return `${pid.node}.${pid.id}.${pid.serial}`;
}

interface GroupEntry {
  group: PgGroup;
  all: Pid[];
  local: Pid[];
  // Read-only copies handed to readers, made on the first read after a change (ETS copies on read too).
  allView: readonly Pid[] | null;
  localView: readonly Pid[] | null;
}

const NONE: readonly Pid[] = Object.freeze([]);

// Removes one occurrence of each pid in `pids` from `list`; returns those found.
function removeOnce(list: Pid[], pids: readonly Pid[]): Pid[] {
  const removed: Pid[] = [];
  for (const p of pids) {
    const i = list.findIndex((q) => q.equals(p));
    if (i >= 0) removed.push(...list.splice(i, 1));
  }
  return removed;
}

/** One scope's membership on one node, written by its scope server and read by anyone (OTP's scope ETS table). */
export class ScopeTable {
  private readonly groups = new Map<string, GroupEntry>();

  constructor(
    /** The scope server that owns the table: the table is gone when it exits. */
    readonly owner: Pid,
  ) {}

  /** Every member of `group`, a pid once per join. */
  members(group: PgGroup): readonly Pid[] {
    const e = this.groups.get(groupKey(group));
    if (!e) return NONE;
    return (e.allView ??= Object.freeze(e.all.slice()));
  }

  /** The members of `group` that run on this node. */
  localMembers(group: PgGroup): readonly Pid[] {
    const e = this.groups.get(groupKey(group));
    if (!e) return NONE;
    return (e.localView ??= Object.freeze(e.local.slice()));
  }

  /** The groups with at least one member. */
  whichGroups(): PgGroup[] {
    return Array.from(this.groups.values(), (e) => e.group);
  }

  /** The groups with at least one local member. */
  whichLocalGroups(): PgGroup[] {
    return [...this.groups.values()].filter((e) => e.local.length > 0).map((e) => e.group);
  }

  /** Adds `pids` (local ones also to the local list) to `group`. */
  add(group: PgGroup, pids: readonly Pid[], local: boolean): void {
    if (pids.length === 0) return;
    const key = groupKey(group);
    let e = this.groups.get(key);
    if (!e) this.groups.set(key, (e = { group, all: [], local: [], allView: null, localView: null }));
    e.all.push(...pids);
    e.allView = null;
    if (local) {
      e.local.push(...pids);
      e.localView = null;
    }
  }

  /** Removes one occurrence of each of `pids` from `group`; returns the pids that were members. */
  remove(group: PgGroup, pids: readonly Pid[], local: boolean): Pid[] {
    const key = groupKey(group);
    const e = this.groups.get(key);
    if (!e) return [];
    const removed = removeOnce(e.all, pids);
    e.allView = null;
    if (local) {
      removeOnce(e.local, removed);
      e.localView = null;
    }
    if (e.all.length === 0) this.groups.delete(key);
    return removed;
  }
}

const tables = new WeakMap<OtpNode, Map<string, ScopeTable>>();

/** Installs a scope's table on a node, replacing the table of a scope server that exited. */
export function installTable(node: OtpNode, scope: string, table: ScopeTable): void {
  let t = tables.get(node);
  if (!t) tables.set(node, (t = new Map()));
  t.set(scope, table);
}

/** Removes a scope's table if `owner` still owns it. */
export function dropTable(node: OtpNode, scope: string, owner: Pid): void {
  const t = tables.get(node);
  if (t?.get(scope)?.owner.equals(owner)) t.delete(scope);
}

/** A running scope's table on a node, or undefined when the scope is not running (a killed server leaves no table). */
export function tableOf(node: OtpNode, scope: string): ScopeTable | undefined {
  const table = tables.get(node)?.get(scope);
  return table && node.isAlive(table.owner) ? table : undefined;
}

/** The servers of the scopes running on a node. */
export function scopeServers(node: OtpNode): Pid[] {
  return [...(tables.get(node)?.values() ?? [])].map((t) => t.owner).filter((p) => node.isAlive(p));
}
