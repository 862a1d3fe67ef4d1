import { Exit, type ExitReason } from '../messages.js';
import { Pid } from '../pid.js';
import type { ProcessContext } from '../types.js';
import { isNormalExit, loggerOf } from '../logger.js';
import { ok, ignore, noreply, reply, stop, type GenServer } from '../gen-server/types.js';
import { isNormalOrShutdown, normalizeFlags, normalizeSpec, shutdownChild, startChildProcess, type Child, type FullSpec } from './children.js';
import { SupervisorError, type ChildSpec, type SupFlags, type Supervisor, type SupervisorSpec } from './types.js';
import type { ModuleHost } from '../gen-server/loop.js';
import { handleRequest, type SupRequest, type SupAnswer } from './requests.js';
import { escalationHeld, ResumeRestarts, startWithState } from './escalation.js';

/** A supervisor's state: its module, flags, children in start order, and recent restart times. */
export interface SupState {
  ctx: ProcessContext;
  module: Supervisor<unknown>;
  flags: Required<SupFlags>;
  children: Child[];
  /** The template of a simpleOneForOne supervisor. */
  template: FullSpec | null;
  restarts: number[];
  /** The args init got: a code change calls the new module's init with them again, as OTP does. */
  args: unknown;
  /** Child ids the last code change added (not yet started) and removed (still running), for syncChildren. */
  pending: { added: string[]; removed: string[] };
}

/** A supervisor is a gen_server callback module, as in OTP. */
export const supervisorServer: GenServer<SupState, SupRequest, never, SupAnswer, { module: Supervisor<unknown>; args: unknown }> & ModuleHost = {
  name: 'supervisor',

  async init({ module, args }, ctx) {
    ctx.trapExit(true);
    label(ctx, module);
    const spec = await module.init(args, ctx);
    if (spec === 'ignore') return ignore();
    let state: SupState;
    try {
      const { flags, specs } = checkSpec(module, spec);
      state = { ctx, module, flags, children: [], template: null, restarts: [], args, pending: { added: [], removed: [] } };
      if (flags.strategy === 'simpleOneForOne') state.template = specs[0]!;
      else state.children = specs.map((s) => ({ spec: s, pid: undefined, extra: [], restarts: 0 }));
    } catch (error) {
      return stop({ badSupervisorSpec: (error as Error).message });
    }
    for (const child of state.children) {
      const failure = await startOne(state, child);
      if (failure !== null) {
        await terminateChildren(state);
        return stop({ shutdown: { failedToStartChild: child.spec.id, reason: failure.reason } });
      }
    }
    return ok(state);
  },

  async handleCall(request, _from, state) {
    return reply(await handleRequest(state, request), state);
  },

  async handleInfo(message, state) {
    if (message instanceof Exit) return childExited(state, message.from, message.reason);
    if (message !== null && typeof message === 'object' && 'tryAgain' in message) return tryAgain(state, (message as { reason?: unknown }).reason);
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
  async hostedCodeChange(current, module, _oldVsn, _extra) {
    const state = current as SupState;
    const next = (module ?? state.module) as Supervisor<unknown>;
    const spec = await next.init(state.args, state.ctx);
    if (spec === 'ignore') return this.hostedSetModule(state, next);
    const { flags, specs } = checkSpec(next, spec);
    if ((flags.strategy === 'simpleOneForOne') !== (state.template !== null)) throw new Error(`${next.name ?? 'supervisor'} cannot change to or from simpleOneForOne in a code change`);
    label(state.ctx, next);
    if (state.template !== null) return { ...state, module: next, flags, template: specs[0]!, pending: { added: [], removed: [] } };
    const byId = new Map(specs.map((s) => [s.id, s]));
    const children = state.children.map((c): Child => (byId.has(c.spec.id) ? { ...c, spec: byId.get(c.spec.id)! } : c));
    const known = new Set(state.children.map((c) => c.spec.id));
    const added = specs.filter((s) => !known.has(s.id));
    for (const s of added) children.push({ spec: s, pid: undefined, extra: [], restarts: 0 });
    const removed = state.children.filter((c) => !byId.has(c.spec.id)).map((c) => c.spec.id);
    return { ...state, module: next, flags, children, pending: { added: added.map((s) => s.id), removed } };
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
  if (!spec || !Array.isArray(spec.children)) throw new Error(`${module.name ?? 'supervisor'} init must return { flags, children: [...] } or 'ignore'`);
  const specs = spec.children.map(normalizeSpec);
  const ids = new Set<string>();
  for (const s of specs) {
    if (ids.has(s.id)) throw new Error(`two children have the id '${s.id}': ids must be unique`);
    ids.add(s.id);
  }
  if (flags.strategy === 'simpleOneForOne' && specs.length !== 1) throw new Error(`a simpleOneForOne supervisor needs exactly one child spec (the template), got ${specs.length}`);
  return { flags, specs };
}

/** The name reports use for a supervisor: its registered name, or its pid. */
export function supervisorName(state: SupState): string {
  return state.ctx.processInfo(state.ctx.self())?.registeredName ?? String(state.ctx.self());
}

function offender(child: Child, pid?: unknown): Record<string, unknown> {
  return { id: child.spec.id, pid, restart: child.spec.restart, shutdown: child.spec.shutdown, type: child.spec.type };
}

function report(state: SupState, errorContext: string, reason: ExitReason, child?: Child, pid?: unknown): void {
  loggerOf(state.ctx.node).error(
    { kind: 'supervisor', supervisor: supervisorName(state), errorContext, reason, ...(child ? { offender: offender(child, pid) } : {}) },
    { pid: state.ctx.self(), module: state.module.name ?? 'supervisor' },
  );
}

/** Starts a child (with `restored`, given that state before it handles a message); null on success or ignore, the failure otherwise (reported). */
export async function startOne(state: SupState, child: Child, restored?: { state: unknown }): Promise<{ reason: unknown } | null> {
  try {
    const pid = restored ? await startWithState(state.ctx, restored.state, (ctx) => startChildProcess(ctx, child)) : await startChildProcess(state.ctx, child);
    child.pid = pid === 'ignore' ? undefined : pid;
    if (pid !== 'ignore') loggerOf(state.ctx.node).info({ kind: 'progress', supervisor: supervisorName(state), started: offender(child, pid) }, { pid: state.ctx.self() });
    return null;
  } catch (reason) {
    child.pid = undefined;
    report(state, 'startError', reason, child);
    return { reason };
  }
}

/** Stops every running child, last started first. */
export async function terminateChildren(state: SupState): Promise<void> {
  for (let i = state.children.length - 1; i >= 0; i--) {
    const child = state.children[i]!;
    if (child.pid instanceof Pid) await stopOne(state, child);
    if (child.pid === 'restarting') child.pid = undefined;
  }
}

/** Stops one child within its shutdown time, reporting an unexpected exit reason. */
export async function stopOne(state: SupState, child: Child): Promise<void> {
  const pid = child.pid as Pid;
  const exitReason = await shutdownChild(state.ctx, pid, child.spec.shutdown);
  const expected = child.spec.shutdown === 'brutalKill' ? exitReason === 'killed' : exitReason === 'shutdown';
  if (!expected && !isNormalExit(exitReason) && exitReason !== 'noproc') report(state, 'shutdownError', exitReason, child, pid);
  child.pid = undefined;
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

// Records a restart; false when it exceeds the intensity within the period.
function addRestart(state: SupState): boolean {
  const now = performance.now();
  const horizon = now - state.flags.period * 1000;
  state.restarts = state.restarts.filter((t) => t > horizon);
  state.restarts.push(now);
  return state.restarts.length <= state.flags.intensity;
}

async function childExited(state: SupState, pid: Pid, reason: ExitReason) {
  const index = state.children.findIndex((c) => c.pid === pid);
  if (index < 0) return noreply(state);
  const child = state.children[index]!;
  if (child.spec.restart === 'permanent' || !isNormalOrShutdown(reason)) report(state, 'childTerminated', reason, child, pid);
  if (child.spec.restart === 'temporary' || (child.spec.restart === 'transient' && isNormalOrShutdown(reason))) {
    child.pid = undefined;
    if (child.spec.restart === 'temporary' || state.template !== null) state.children.splice(index, 1);
    return noreply(state);
  }
  // Over the intensity, a held escalation leaves the child down (restarting) until the guard resumes it.
  const exceeded = !addRestart(state);
  if (exceeded && !held(state, child, pid, reason)) {
    report(state, 'shutdown', 'reachedMaxRestartIntensity', child, pid);
    child.pid = undefined;
    return stop('shutdown', state);
  }
  const strategy = state.flags.strategy;
  const group = strategy === 'oneForAll' ? state.children.slice() : strategy === 'restForOne' ? state.children.slice(index) : [child];
  for (let i = group.length - 1; i >= 0; i--) {
    const c = group[i]!;
    if (c !== child && c.pid instanceof Pid) await stopOne(state, c);
  }
  // Temporary children stopped by a group restart are not restarted, as in OTP.
  state.children = state.children.filter((c) => !(group.includes(c) && c !== child && c.spec.restart === 'temporary'));
  for (const c of group) if (state.children.includes(c)) c.pid = 'restarting';
  return exceeded ? noreply(state) : restartPending(state);
}

async function restartPending(state: SupState, states?: ReadonlyMap<string, unknown>) {
  for (const c of state.children) {
    if (c.pid !== 'restarting') continue;
    const failure = await startOne(state, c, states?.has(c.spec.id) ? { state: states.get(c.spec.id) } : undefined);
    if (failure === null) c.restarts++;
    else {
      c.pid = 'restarting';
      // Try again through the mailbox, so requests and exits queued meanwhile are seen, and count it.
      state.ctx.send(state.ctx.self(), { tryAgain: c.spec.id, reason: failure.reason });
      return noreply(state);
    }
  }
  return noreply(state);
}

async function tryAgain(state: SupState, reason: unknown) {
  const pending = state.children.find((c) => c.pid === 'restarting');
  if (!pending) return noreply(state);
  if (!addRestart(state)) {
    if (held(state, pending, undefined, reason)) return noreply(state);
    report(state, 'shutdown', 'reachedMaxRestartIntensity');
    return stop('shutdown', state);
  }
  return restartPending(state);
}

export type { ChildSpec };
export { SupervisorError };
