import { OtpNode } from '../node.js';
import { Pid, type Ref } from '../pid.js';
import type { ProcessContext } from '../types.js';
import type { ServerRef } from '../gen/call.js';
import { RuntimeError } from '../errors.js';
import { formatValue } from '../logger.js';
import { TIMEOUT } from '../messages.js';
import { CallError, StartError } from '../gen/errors.js';
import * as genServer from '../gen-server/index.js';
import { worker } from '../supervisor/api.js';
import type { ChildSpec } from '../supervisor/types.js';
import { scopeServer, PgUpdate, type PgCall, type PgReply } from './server.js';
import { isGroupName, tableOf, type PgGroup } from './table.js';

export { PgUpdate } from './server.js';
export type { PgGroup } from './table.js';

/** The scope used when none is given (OTP's default scope `pg`). */
export const DEFAULT_SCOPE = 'pg';

function checkScope(scope: unknown): string {
  if (typeof scope !== 'string' || scope === '') throw new RuntimeError('badarg', `pg scope ${JSON.stringify(scope)} is not a scope name: give a non-empty string such as 'pg'`);
  return scope;
}

async function startScope(ctx: ProcessContext, scope: string, link: boolean): Promise<Pid> {
  checkScope(scope);
  try {
    return await (link ? genServer.startLink : genServer.start)(ctx, scopeServer, scope, { name: scope });
  } catch (error) {
    if (error instanceof StartError && error.reason === 'alreadyStarted') {
      throw new RuntimeError('badarg', `pg scope '${scope}' cannot start: the name '${scope}' is already registered on ${ctx.node.name} (by ${String(error.pid)}); use that scope or pick another name`);
    }
    throw error;
  }
}

/** Starts a scope's server linked to the caller, registered under the scope's name (OTP's pg:start_link). */
function startLink(ctx: ProcessContext, scope = DEFAULT_SCOPE): Promise<Pid> {
  return startScope(ctx, scope, true);
}

/** Starts a scope's server outside any supervision tree (OTP's pg:start). */
function start(ctx: ProcessContext, scope = DEFAULT_SCOPE): Promise<Pid> {
  return startScope(ctx, scope, false);
}

/** A supervisor child that runs a scope's server, named after the scope. */
function childSpec(scope = DEFAULT_SCOPE): ChildSpec {
  checkScope(scope);
  return worker(`pg:${scope}`, (ctx) => startLink(ctx, scope));
}

function pidsOf(what: string, pidOrPids: Pid | readonly Pid[]): Pid[] {
  const pids = Array.isArray(pidOrPids) ? [...(pidOrPids as readonly Pid[])] : [pidOrPids as Pid];
  for (const p of pids) {
    if (!(p instanceof Pid)) throw new RuntimeError('badarg', `pg.${what} takes a pid or an array of pids, got ${String(p)}`);
    if (p.node !== 0) throw new RuntimeError('badarg', `pg.${what}: ${String(p)} runs on another node; a node can ${what} only its own processes, so call pg.${what} on that node (e.g. through rpc)`);
  }
  return pids;
}

// A group name is JSON-like (docs/pg.md): see isGroupName.
function checkGroup(what: string, group: unknown): PgGroup {
  if (isGroupName(group)) return group;
  throw new RuntimeError('badarg', `pg.${what}: ${formatValue(group, 100)} is not a group name: give a string, a finite number, a boolean, null or an array of those, such as ['room', 42]`);
}

async function ask(ctx: ProcessContext, scope: string, req: PgCall): Promise<PgReply> {
  checkScope(scope);
  try {
    return await genServer.call(ctx, scope as ServerRef<PgCall, never, PgReply>, req, Infinity);
  } catch (error) {
    if (error instanceof CallError && error.failure === 'noproc') {
      throw new RuntimeError('noproc', `pg scope '${scope}' is not running on ${ctx.node.name}: start it first with pg.startLink(ctx, '${scope}') or the supervisor child pg.childSpec('${scope}')`);
    }
    throw error;
  }
}

/** Joins local processes to a group (once more each: a pid joined twice must leave twice); the group is created on first join. */
async function join(ctx: ProcessContext, group: PgGroup, pidOrPids: Pid | readonly Pid[], scope = DEFAULT_SCOPE): Promise<void> {
  await ask(ctx, scope, { op: 'join', group: checkGroup('join', group), pids: pidsOf('join', pidOrPids) });
}

/** Makes local processes leave a group once each: `'notJoined'` when none of them was a member. */
async function leave(ctx: ProcessContext, group: PgGroup, pidOrPids: Pid | readonly Pid[], scope = DEFAULT_SCOPE): Promise<'ok' | 'notJoined'> {
  return (await ask(ctx, scope, { op: 'leave', group: checkGroup('leave', group), pids: pidsOf('leave', pidOrPids) })) as 'ok' | 'notJoined';
}

const nodeOf = (where: ProcessContext | OtpNode): OtpNode => (where instanceof OtpNode ? where : where.node);

/** Every member of a group on every connected node, as this node knows it (a pid once per join; read-only, no call). */
function getMembers(where: ProcessContext | OtpNode, group: PgGroup, scope = DEFAULT_SCOPE): readonly Pid[] {
  return tableOf(nodeOf(where), scope)?.members(checkGroup('getMembers', group)) ?? [];
}

/** The members of a group that run on this node. */
function getLocalMembers(where: ProcessContext | OtpNode, group: PgGroup, scope = DEFAULT_SCOPE): readonly Pid[] {
  return tableOf(nodeOf(where), scope)?.localMembers(checkGroup('getLocalMembers', group)) ?? [];
}

/** The groups with at least one member anywhere (empty groups do not exist). */
function whichGroups(where: ProcessContext | OtpNode, scope = DEFAULT_SCOPE): PgGroup[] {
  return tableOf(nodeOf(where), scope)?.whichGroups() ?? [];
}

/** The groups with at least one member on this node. */
function whichLocalGroups(where: ProcessContext | OtpNode, scope = DEFAULT_SCOPE): PgGroup[] {
  return tableOf(nodeOf(where), scope)?.whichLocalGroups() ?? [];
}

/** Subscribes the caller to every join and leave in a scope: returns the groups now, then `PgUpdate` messages follow (OTP 25's monitor_scope). */
async function monitorScope(ctx: ProcessContext, scope = DEFAULT_SCOPE): Promise<{ ref: Ref; groups: Map<PgGroup, readonly Pid[]> }> {
  return (await ask(ctx, scope, { op: 'monitorScope' })) as { ref: Ref; groups: Map<PgGroup, readonly Pid[]> };
}

/** Subscribes the caller to joins and leaves of one group: returns its members now, then `PgUpdate` messages follow. */
async function monitor(ctx: ProcessContext, group: PgGroup, scope = DEFAULT_SCOPE): Promise<{ ref: Ref; members: readonly Pid[] }> {
  return (await ask(ctx, scope, { op: 'monitor', group: checkGroup('monitor', group) })) as { ref: Ref; members: readonly Pid[] };
}

/** Ends a monitorScope or monitor subscription and drops its updates already in the mailbox; false if `ref` is none. */
async function demonitor(ctx: ProcessContext, ref: Ref, scope = DEFAULT_SCOPE): Promise<boolean> {
  if (!(await ask(ctx, scope, { op: 'demonitor', ref }))) return false;
  while ((await ctx.receive((m) => m instanceof PgUpdate && m.ref.equals(ref), 0)) !== TIMEOUT);
  return true;
}

/** True when `m` is an update of the subscription `ref` (or of any, without `ref`). */
function isUpdate(m: unknown, ref?: Ref): m is PgUpdate {
  return m instanceof PgUpdate && (ref === undefined || m.ref.equals(ref));
}

/** OTP's pg: scoped, distributed, eventually consistent process groups. */
export const pg = { start, startLink, childSpec, join, leave, getMembers, getLocalMembers, whichGroups, whichLocalGroups, monitorScope, monitor, demonitor, isUpdate, DEFAULT_SCOPE };
