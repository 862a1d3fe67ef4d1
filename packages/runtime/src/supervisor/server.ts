import { Exit, type ExitReason } from '../messages.js';
import { Pid } from '../pid.js';
import type { ProcessContext } from '../types.js';
import { loggerOf } from '../logger.js';
import { ok, ignore, noreply, reply, stop, type GenServer } from '../gen-server/types.js';
import { isNormalOrShutdown, normalizeFlags, normalizeSpecs, type Child, type FullSpec } from './children.js';
import { SupervisorError, type ChildSpec, type SupFlags, type Supervisor, type SupervisorSpec } from './types.js';
import type { ModuleHost } from '../gen-server/loop.js';
import { handleRequest, type SupRequest, type SupAnswer } from './requests.js';
import { report, startOne, stopOne, supervisorName, terminateChildren, type SupState } from './state.js';
import { escalationHeld, ResumeRestarts } from './escalation.js';
import { currentCallbacks } from '../gen/start.js';

/** A supervisor is a gen_server callback module, as in OTP. */
export const supervisorServer: GenServer<SupState, SupRequest, never, SupAnswer, { module: Supervisor<unknown>; args: unknown }> & ModuleHost = {
  name: 'supervisor',

  async init({ module: given, args }, ctx) {
    const module = currentCallbacks(ctx, given);
    ctx.trapExit(true);
    label(ctx, module);
    const spec = await module.init(args, ctx);
    if (spec === 'ignore') return ignore();
    let state: SupState;
    try {
      const { flags, specs } = checkSpec(module, spec);
      state = { ctx, module, flags, children: [], dynamic: new Map(), template: null, restarts: [], args, pending: { added: [], removed: [] } };
      if (flags.strategy === 'simpleOneForOne') state.template = specs[0]!;
      else state.children = specs.map((s) => ({ spec: s, pid: undefined, extra: [], restarts: 0 }));
    } catch (error) {
      return stop({ badSupervisorSpec: (error as Error).message });
    }
    for (const child of state.children.slice()) {
      const failure = await startOne(state, child);
      if (failure !== null) {
        await terminateChildren(state);
        return stop({ shutdown: { failedToStartChild: child.spec.id, reason: failure.reason } });
      }
      // A temporary child that ignored its start is not kept, as OTP does not save it.
      if (child.pid === undefined && child.spec.restart === 'temporary') state.children.splice(state.children.indexOf(child), 1);
    }
    return ok(state);
  },

  async handleCall(request, _from, state) {
    return reply(await handleRequest(state, request), state);
  },

  async handleInfo(message, state) {
    if (message instanceof Exit) return childExited(state, message.from, message.reason);
    if (message instanceof TryAgain) return tryAgain(state, message);
    if (message instanceof ResumeRestarts) {
      state.restarts = [];
      return restartPending(state, message.states);
    }
    loggerOf(state.ctx.node).warning(`supervisor ${supervisorName(state)} received an unexpected message`, { pid: state.ctx.self() });
    return noreply(state);
  },

  async terminate(_reason, state) {
    await terminateChildren(state);
  },

  // OTP's supervisor code_change: the new module's init runs again; flags and the specs of existing
  // children are updated, new children are added unstarted and removed ones kept, until syncChildren.
  // The children take the new specs' order (a boot of the new version's), those removed after them.
  async hostedCodeChange(current, module, _oldVsn, _extra) {
    const state = current as SupState;
    const next = (module ?? state.module) as Supervisor<unknown>;
    const spec = await next.init(state.args, state.ctx);
    if (spec === 'ignore') return this.hostedSetModule(state, next);
    const { flags, specs } = checkSpec(next, spec);
    if ((flags.strategy === 'simpleOneForOne') !== (state.template !== null)) throw new SupervisorError('badSpec', `${next.name ?? 'supervisor'} cannot change to or from simpleOneForOne in a code change`);
    label(state.ctx, next);
    if (state.template !== null) return { ...state, module: next, flags, template: specs[0]!, pending: { added: [], removed: [] } };
    const byId = new Map(specs.map((s) => [s.id, s]));
    const old = new Map(state.children.map((c) => [c.spec.id, c]));
    const children = specs.map((s): Child => {
      const c = old.get(s.id);
      return c ? { ...c, spec: s } : { spec: s, pid: undefined, extra: [], restarts: 0 };
    });
    const kept = state.children.filter((c) => !byId.has(c.spec.id));
    children.push(...kept);
    const added = specs.filter((s) => !old.has(s.id)).map((s) => s.id);
    return { ...state, module: next, flags, children, pending: { added, removed: kept.map((c) => c.spec.id) } };
  },

  hostedSetModule(current, module) {
    const state = current as SupState;
    label(state.ctx, module as Supervisor<unknown>);
    return { ...state, module: module as Supervisor<unknown> };
  },
};

function label(ctx: ProcessContext, module: Supervisor<unknown>): void {
  ctx.setLabel({ behaviour: 'supervisor', module: module.name ?? 'supervisor', callbacks: module });
}

// Checks what a Supervisor module's init returned; throws a sentence naming the problem.
function checkSpec(module: Supervisor<unknown>, spec: Exclude<SupervisorSpec, 'ignore'> | undefined): { flags: Required<SupFlags>; specs: FullSpec[] } {
  const flags = normalizeFlags(spec?.flags);
  if (!spec || !Array.isArray(spec.children)) throw new SupervisorError('badSpec', `${module.name ?? 'supervisor'} init must return { flags, children: [...] } or 'ignore'`);
  const specs = normalizeSpecs(spec.children, flags.autoShutdown);
  if (flags.strategy === 'simpleOneForOne' && specs.length !== 1) throw new SupervisorError('badSpec', `a simpleOneForOne supervisor needs exactly one child spec (the template), got ${specs.length}`);
  return { flags, specs };
}

// Whether the node's escalation guard (an upgrade not yet permanent) holds this supervisor's giving up.
function held(state: SupState, child: Child | undefined, pid: Pid | undefined, reason: unknown): boolean {
  return escalationHeld(state.ctx.node, {
    kind: 'supervisor',
    supervisor: state.ctx.self(),
    name: supervisorName(state),
    child: child?.spec.id,
    pid,
    reason,
    restarts: state.restarts.length,
    withinMs: performance.now() - (state.restarts[0] ?? performance.now()),
  });
}

// Records a restart; false when it exceeds the intensity within the period. The times are in the order they were
// recorded, so those out of the period are at the front: dropping them looks at no more than it drops, where a filter
// of every restart in the period (OTP's add_restart) made each restart cost as many steps as the period held.
function addRestart(state: SupState): boolean {
  const now = performance.now();
  const horizon = now - state.flags.period * 1000;
  const restarts = state.restarts;
  let gone = 0;
  while (gone < restarts.length && restarts[gone]! <= horizon) gone++;
  if (gone > 0) restarts.splice(0, gone);
  restarts.push(now);
  return restarts.length <= state.flags.intensity;
}

/** Asks the supervisor (through its own mailbox, so requests and exits queued meanwhile are seen) to retry a failed restart. */
class TryAgain {
  constructor(
    /** The static child's id, or the last pid of the dynamic child. */
    readonly child: string | Pid,
    readonly reason: unknown,
  ) {}
}

async function childExited(state: SupState, pid: Pid, reason: ExitReason) {
  // Dynamic children are keyed by pid: an exit costs one lookup however many there are.
  const child = state.template !== null ? state.dynamic.get(pid) : state.children.find((c) => c.pid === pid);
  if (child === undefined) return noreply(state);
  if (child.spec.restart === 'permanent' || !isNormalOrShutdown(reason)) report(state, 'childTerminated', reason, child, pid);
  if (child.spec.restart === 'temporary' || (child.spec.restart === 'transient' && isNormalOrShutdown(reason))) {
    child.pid = undefined;
    if (state.template !== null) state.dynamic.delete(pid);
    else if (child.spec.restart === 'temporary') state.children.splice(state.children.indexOf(child), 1);
    return autoShutdown(state, child) ? stop('shutdown', state) : noreply(state);
  }
  // Over the intensity, a held escalation leaves the child down (restarting) until the guard resumes it.
  const exceeded = !addRestart(state);
  if (exceeded && !held(state, child, pid, reason)) {
    report(state, 'shutdown', 'reachedMaxRestartIntensity', child, pid);
    child.pid = undefined;
    return stop('shutdown', state);
  }
  if (state.template !== null) {
    child.pid = 'restarting';
    return exceeded ? noreply(state) : restartDynamic(state, pid, child);
  }
  child.pid = 'restarting';
  // Only the child that exited shows restarting: its group's others are stopped (no pid) until the restart starts them.
  if (exceeded) {
    if (groupRunning(state, child)) await stopGroup(state, child);
    stopped(state, child);
  } else await restartFrom(state, child);
  return noreply(state);
}

// Whether a significant child that ended on its own (and is not restarted) shuts the supervisor down: for
// anySignificant at once, for allSignificant once no other significant child is running.
function autoShutdown(state: SupState, ended: Child): boolean {
  const mode = state.flags.autoShutdown;
  if (!ended.spec.significant || mode === 'never') return false;
  if (mode === 'anySignificant') return true;
  const others = state.template !== null ? state.dynamic.values() : state.children.values();
  for (const c of others) if (c !== ended && c.spec.significant && c.pid !== undefined) return false;
  return true;
}

// The static children a strategy restarts when `child` exits: itself, every child, or it and those started after it.
function restartGroup(state: SupState, child: Child): Child[] {
  const strategy = state.flags.strategy;
  if (strategy === 'oneForAll') return state.children.slice();
  if (strategy === 'restForOne') return state.children.slice(state.children.indexOf(child));
  return [child];
}

// Whether any child of `root`'s restart group other than `root` runs (and must be stopped before the group restarts).
function groupRunning(state: SupState, root: Child): boolean {
  return state.flags.strategy !== 'oneForOne' && restartGroup(state, root).some((c) => c !== root && c.pid instanceof Pid);
}

// Stops the running children of `root`'s restart group, last started first; `root` itself is down.
async function stopGroup(state: SupState, root: Child): Promise<void> {
  const group = restartGroup(state, root);
  for (let i = group.length - 1; i >= 0; i--) {
    const c = group[i]!;
    if (c !== root && c.pid instanceof Pid) await stopOne(state, c);
  }
}

// After `root`'s group was stopped: the temporary children it stopped are forgotten, as OTP does. Answers the group
// left, in start order. Nothing is awaited when nothing runs beside `root` (a oneForOne child, a restForOne's last):
// the child restarts in the turn its exit is read, so an upgrade that suspended it as it crashed finds its
// replacement in its next look (joinLate), not after the swap, which would leave it on the old code.
function stopped(state: SupState, root: Child): Child[] {
  const group = restartGroup(state, root);
  state.children = state.children.filter((c) => !(group.includes(c) && c !== root && c.spec.restart === 'temporary' && c.pid === undefined));
  return group.filter((c) => state.children.includes(c));
}

/**
 * Restarts `root` (down, restarting) with its strategy's group, in start order, as OTP's restart: the group's
 * running children are stopped and all started in order. When a start fails, that child alone is left
 * restarting (those after it stay stopped, with no pid; those before it run) and is retried through the
 * mailbox (TryAgain, for it alone), when its group restarts again.
 */
async function restartFrom(state: SupState, root: Child, states?: ReadonlyMap<string, unknown>): Promise<void> {
  if (groupRunning(state, root)) await stopGroup(state, root);
  let failed = false;
  for (const c of stopped(state, root)) {
    if (failed) {
      // Not tried: no pid; the failed child's retry restarts it with the group.
      if (c.pid === 'restarting') c.pid = undefined;
      continue;
    }
    const failure = await startOne(state, c, states?.has(c.spec.id) ? { state: states.get(c.spec.id) } : undefined);
    if (failure === null) {
      c.restarts++;
      continue;
    }
    c.pid = 'restarting';
    state.ctx.send(state.ctx.self(), new TryAgain(c.spec.id, failure.reason));
    failed = true;
  }
}

/** Restarts every child left restarting (a held escalation resumed), each with its group; one that fails does not hold up the others. */
async function restartPending(state: SupState, states?: ReadonlyMap<string, unknown>) {
  for (const root of state.children.slice()) if (root.pid === 'restarting' && state.children.includes(root)) await restartFrom(state, root, states);
  for (const [key, c] of [...state.dynamic]) if (c.pid === 'restarting') await restartDynamic(state, key, c, states?.has(c.spec.id) ? { state: states.get(c.spec.id) } : undefined);
  return noreply(state);
}

// Restarts a dynamic child known under its last pid `key`; it is filed under its new pid, or stays restarting under `key` and is retried.
async function restartDynamic(state: SupState, key: Pid, child: Child, restored?: { state: unknown }) {
  state.dynamic.delete(key);
  const failure = await startOne(state, child, restored);
  if (failure !== null) {
    child.pid = 'restarting';
    state.dynamic.set(key, child);
    state.ctx.send(state.ctx.self(), new TryAgain(key, failure.reason));
  } else if (child.pid instanceof Pid) {
    child.restarts++;
    state.dynamic.set(child.pid, child);
  }
  return noreply(state);
}

async function tryAgain(state: SupState, retry: TryAgain) {
  const dynamic = retry.child instanceof Pid ? state.dynamic.get(retry.child) : undefined;
  // As OTP's try_again_restart, the retry is for that child (and its group) alone: another whose restart also
  // failed has its own retry, and is not held up by this one failing again.
  const pending = dynamic ?? state.children.find((c) => c.spec.id === retry.child);
  if (!pending || pending.pid !== 'restarting') return noreply(state);
  if (!addRestart(state)) {
    if (held(state, pending, undefined, retry.reason)) return noreply(state);
    report(state, 'shutdown', 'reachedMaxRestartIntensity');
    return stop('shutdown', state);
  }
  if (dynamic !== undefined) return restartDynamic(state, retry.child as Pid, dynamic);
  await restartFrom(state, pending);
  return noreply(state);
}

export type { ChildSpec };
export { SupervisorError };
