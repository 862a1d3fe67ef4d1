import { Ref } from './pid.js';
import { RuntimeError } from './errors.js';
import type { MonitorLink, Monitored } from './process-monitors.js';

/**
 * How an alias stops accepting messages (OTP 24's alias options):
 * - `'explicitUnalias'`: only `unalias` (or the process's exit) deactivates it;
 * - `'reply'`: the first message sent through it deactivates it (that message is delivered);
 * - `'demonitor'` (monitor aliases only): it dies with its monitor — `demonitor` or the DOWN message;
 * - `'replyDemonitor'` (monitor aliases only): as `'demonitor'`, and the first message through it also
 *   removes the monitor (the usual shape of a call: one reply or one DOWN, never both).
 */
export type AliasMode = 'explicitUnalias' | 'reply' | 'demonitor' | 'replyDemonitor';

/** Options of `monitor`. */
export interface MonitorOptions {
  /** Also make the monitor's ref an alias of the calling process (OTP 24's `{alias, UnaliasOpt}`). */
  alias?: 'explicitUnalias' | 'demonitor' | 'replyDemonitor';
}

/**
 * What the aliases read of a process: its monitors, its alias ids, whether it is dead, its node, and the delivery
 * of a message. The process files hand a `ProcessImpl` in (the same object, so a send through an alias reads
 * nothing more than before); this shape keeps this file below them (rule below-the-process-files).
 */
export interface AliasOwner extends Monitored {
  aliases: Set<number> | null;
  readonly dead: boolean;
  readonly node: AliasNode;
  deliver(message: unknown): void;
}

/** What the aliases read of a node: its distribution (a remote alias, a remote monitor's hold) and `demonitor`. */
export interface AliasNode {
  readonly dist: {
    sendToAlias(ref: Ref, message: unknown): void;
    readonly remote: { holds(local: AliasOwner, ref: Ref): boolean };
  } | null;
  demonitor(watcher: AliasOwner, ref: Ref): boolean;
}

/** One active alias: who receives through it and when it stops. */
class AliasEntry {
  constructor(
    readonly owner: AliasOwner,
    readonly ref: Ref,
    readonly mode: AliasMode,
    /** The local monitor a monitor alias lives as long as (null for plain aliases and remote monitors). */
    readonly link: MonitorLink | null,
    /** True for a monitor alias whose monitor is on another node's process. */
    readonly remote: boolean,
  ) {}
}

// The active aliases of each node by ref id (refs of one node are unique by id).
const registries = new WeakMap<AliasNode, Map<number, AliasEntry>>();

function registryOf(node: AliasNode): Map<number, AliasEntry> {
  let r = registries.get(node);
  if (r === undefined) registries.set(node, (r = new Map()));
  return r;
}

/** Makes `ref` (a fresh local ref, or a monitor's ref) an alias of `owner`. */
export function createAlias(owner: AliasOwner, ref: Ref, mode: AliasMode, monitorTarget?: 'local' | 'remote'): Ref {
  let link: MonitorLink | null = null;
  if (monitorTarget === 'local') {
    // A local monitor just set up is the last one attached to the watcher (none if its target was already dead).
    const mons = owner.mons;
    const last = mons === null ? undefined : mons[mons.length - 1];
    if (last !== undefined && last.ref === ref) link = last;
  }
  const registry = registryOf(owner.node);
  registry.set(ref.id, new AliasEntry(owner, ref, mode, link, monitorTarget === 'remote'));
  const set = (owner.aliases ??= new Set());
  set.add(ref.id);
  // Monitor aliases whose DOWN arrived stay registered until a send finds them inactive: sweep them as the
  // set doubles, so a process that makes many such aliases holds only the active ones (amortised O(1)).
  if (set.size >= 64 && (set.size & (set.size - 1)) === 0) {
    for (const id of set) {
      const e = registry.get(id);
      if (e !== undefined && (e.mode === 'demonitor' || e.mode === 'replyDemonitor') && !monitorActive(e)) drop(registry, e);
    }
  }
  return ref;
}

/** A monitor alias goes with its monitor: called when the owner demonitors `ref`. */
export function demonitored(owner: AliasOwner, ref: Ref): void {
  const registry = registries.get(owner.node);
  const entry = registry?.get(ref.id);
  if (entry !== undefined && entry.owner === owner && (entry.mode === 'demonitor' || entry.mode === 'replyDemonitor')) drop(registry!, entry);
}

/** Deactivates an alias of `owner`; false if `ref` is not an active alias of that process (as OTP's unalias). */
export function removeAlias(owner: AliasOwner, ref: Ref): boolean {
  if (!(ref instanceof Ref)) throw new RuntimeError('badarg', `unalias needs a reference, got ${String(ref)}`);
  if (ref.node !== 0) return false;
  const registry = registries.get(owner.node);
  const entry = registry?.get(ref.id);
  if (entry === undefined || entry.owner !== owner) return false;
  // A monitor alias whose monitor went (its DOWN is out) is already inactive, though still registered.
  const active = entry.mode === 'demonitor' || entry.mode === 'replyDemonitor' ? monitorActive(entry) : true;
  drop(registry!, entry);
  return active;
}

function drop(registry: Map<number, AliasEntry>, entry: AliasEntry): void {
  registry.delete(entry.ref.id);
  const set = entry.owner.aliases;
  if (set !== null) {
    set.delete(entry.ref.id);
    if (set.size === 0) entry.owner.aliases = null;
  }
}

/** Drops every alias of a process that exited. */
export function releaseAliases(owner: AliasOwner, ids: Set<number>): void {
  const registry = registries.get(owner.node);
  if (registry !== undefined) for (const id of ids) registry.delete(id);
}

// Whether the monitor a monitor alias depends on is still in place.
function monitorActive(entry: AliasEntry): boolean {
  const link = entry.link;
  if (link !== null) return link.watcher.mons?.[link.wi] === link;
  if (entry.remote) return entry.owner.node.dist?.remote.holds(entry.owner, entry.ref) ?? false;
  // The target was already gone when the monitor was set up: the DOWN is out, the monitor is not active.
  return false;
}

/**
 * Sends `message` through an alias: delivered to its process while the alias is active, dropped
 * silently otherwise (as a send to an inactive alias in OTP). An alias of another node goes over
 * the connection to that node.
 */
export function sendToAlias(node: AliasNode, ref: Ref, message: unknown): void {
  if (ref.node !== 0) {
    if (node.dist === null) return;
    node.dist.sendToAlias(ref, message);
    return;
  }
  const registry = registries.get(node);
  const entry = registry?.get(ref.id);
  if (entry === undefined) return;
  const owner = entry.owner;
  switch (entry.mode) {
    case 'explicitUnalias':
      break;
    case 'reply':
      drop(registry!, entry);
      break;
    case 'demonitor':
      if (!monitorActive(entry)) {
        drop(registry!, entry);
        return;
      }
      break;
    case 'replyDemonitor':
      drop(registry!, entry);
      if (!monitorActive(entry)) return;
      owner.node.demonitor(owner, ref);
      break;
  }
  if (!owner.dead) owner.deliver(message);
}

/** The active alias `ref` of `owner`, if it is one (a call tag that is a user alias is answered through it). */
export function isActiveAlias(owner: AliasOwner, ref: Ref): boolean {
  if (ref.node !== 0) return false;
  const entry = registries.get(owner.node)?.get(ref.id);
  if (entry === undefined || entry.owner !== owner) return false;
  return entry.mode === 'demonitor' || entry.mode === 'replyDemonitor' ? monitorActive(entry) : true;
}
