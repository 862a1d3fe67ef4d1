import { Exit, isDown, type ExitReason } from '../messages.js';
import { Pid } from '../pid.js';
import type { ProcessContext } from '../types.js';
import { describeBrief, ExitSignal } from '../errors.js';
import { From } from '../gen/messages.js';
import { replyTo } from '../gen/call.js';
import type { Acknowledge } from '../gen/start.js';
import type { ApplicationModule, StartPhase } from './types.js';
import { killLed, setGroupLeader, setLeaderOf } from './group-leader.js';
import { loggerOf } from '../logger.js';

/** Tells the controller an application's top supervisor exited on its own. */
export class AppExited {
  constructor(
    readonly app: string,
    readonly reason: ExitReason,
  ) {}
}

/** Asks a master to stop its application in order: prepStop, the supervision tree, then stop. */
export class StopApp {
  constructor(readonly from: From) {}
}

/** Tells a running application's master of its new callback module (a release upgrade replaced it): its prepStop and stop run. */
export class NewCallbackModule {
  constructor(readonly mod: ApplicationModule) {}
}

/**
 * An application master: the group leader of its application's processes (every process its start spawns,
 * and theirs, inherit it). It starts the top supervisor linked to itself, runs the start phases, then watches
 * the tree. When the tree exits, or when asked to stop, every process it leads is killed, as OTP's
 * application_master does, also those outside the supervision tree.
 */
export async function runMaster(ctx: ProcessContext, app: string, mod: ApplicationModule, args: unknown, phases: readonly StartPhase[], controller: Pid, ack: Acknowledge): Promise<void> {
  ctx.trapExit(true);
  ctx.setLabel({ behaviour: 'application_master', module: app });
  const self = ctx.self();
  setGroupLeader(ctx, self);
  setLeaderOf(ctx.node, self, app);
  try {
    await lead(ctx, app, mod, args, phases, controller, ack);
  } finally {
    killLed(ctx, self);
    setLeaderOf(ctx.node, self, undefined);
  }
}

// A start that returned a top supervisor not linked to the master.
class Unlinked extends Error {}

/** A start that returned `{ error: reason }` (OTP's `{error, Reason}`): the start fails with that reason, never as an exit. */
export class StartReturnedError extends Error {
  constructor(app: string, readonly reason: unknown) {
    super(`${app}'s start returned an error: ${describe(reason)}`, { cause: reason });
  }
}

async function lead(ctx: ProcessContext, app: string, mod: ApplicationModule, args: unknown, phases: readonly StartPhase[], controller: Pid, ack: Acknowledge): Promise<void> {
  let top: Pid | undefined;
  let state: unknown;
  try {
    const started = (await mod.start('normal', args, ctx)) as unknown;
    // As OTP's start/2 returning {error, Reason}: the start fails with that reason.
    if (started !== null && typeof started === 'object' && !(started instanceof Pid) && 'error' in started && !('pid' in started)) throw new StartReturnedError(app, started.error);
    if (started !== null && typeof started === 'object' && 'pid' in started) {
      top = (started as { pid: Pid }).pid;
      state = (started as { state?: unknown }).state;
    } else {
      top = started as Pid;
    }
    if (!(top instanceof Pid) || top.node !== 0 || !ctx.isAlive(top)) throw new Error(`${app}'s start returned ${top instanceof Pid ? String(top) : describeBrief(top)}, which is not a live process: return the pid of a top supervisor started with supervisor.startLink, or { error: reason }`);
    // Unlinked, its exit would never reach the master: the application would look alive with its tree gone.
    if (!ctx.processInfo(ctx.self())?.links.includes(top)) throw new Unlinked(`${app}'s start returned ${String(top)}, which is not linked to the application: start the top supervisor with supervisor.startLink (not start)`);
    await runPhases(app, mod, phases, ctx);
  } catch (error) {
    // An unlinked top is no child of the master: it would ignore a shutdown from it.
    if (top !== undefined && top.node === 0 && ctx.isAlive(top)) await shutdownTree(ctx, top, error instanceof Unlinked ? 'kill' : 'shutdown');
    ack(false, error);
    throw new ExitSignal(error);
  }
  ack(true, top);
  // OTP's master calls Mod:prep_stop and Mod:stop as remote calls: the newest version's, after an upgrade.
  let current = mod;
  for (;;) {
    const m = await ctx.receive();
    if (m instanceof NewCallbackModule) current = m.mod;
    else if (m instanceof Exit && m.from === top) {
      // As OTP's application master: a tree that exited on its own still gets prepStop and stop.
      state = await prepStop(ctx, app, current, state);
      killLed(ctx, ctx.self());
      await stopCallback(ctx, app, current, state);
      ctx.send(controller, new AppExited(app, m.reason));
      return;
    }
    if (m instanceof StopApp || (m instanceof Exit && m.from === controller)) {
      state = await prepStop(ctx, app, current, state);
      await shutdownTree(ctx, top);
      killLed(ctx, ctx.self());
      await stopCallback(ctx, app, current, state);
      if (m instanceof StopApp) replyTo(m.from, 'ok');
      return;
    }
  }
}

// mod.prepStop, as OTP's: one that throws is reported and the state is kept, so the stop goes on.
async function prepStop(ctx: ProcessContext, app: string, mod: ApplicationModule, state: unknown): Promise<unknown> {
  if (!mod.prepStop) return state;
  try {
    return await mod.prepStop(state);
  } catch (error) {
    loggerOf(ctx.node).error({ kind: 'application', application: app, shutdownError: 'prepStop', reason: error }, { pid: ctx.self() });
    return state;
  }
}

// mod.stop, as OTP's (caught there): one that throws is reported and the application stops all the same.
async function stopCallback(ctx: ProcessContext, app: string, mod: ApplicationModule, state: unknown): Promise<void> {
  if (!mod.stop) return;
  try {
    await mod.stop(state);
  } catch (error) {
    loggerOf(ctx.node).error({ kind: 'application', application: app, shutdownError: 'stop', reason: error }, { pid: ctx.self() });
  }
}

async function shutdownTree(ctx: ProcessContext, top: Pid, reason: 'shutdown' | 'kill' = 'shutdown'): Promise<void> {
  // Monitored as well as linked: a top the start returned unlinked (refused) is waited for too.
  const ref = ctx.monitor(top);
  ctx.exit(top, reason);
  await ctx.receive((x) => (x instanceof Exit && x.from === top) || isDown(x, ref));
  ctx.demonitor(ref, { flush: true });
}

// OTP's application_starter for an application without included applications: each phase in order, after
// the top supervisor started; a phase that throws or returns { error } fails the start.
async function runPhases(app: string, mod: ApplicationModule, phases: readonly StartPhase[], ctx: ProcessContext): Promise<void> {
  if (phases.length === 0) return;
  if (typeof mod.startPhase !== 'function') throw new Error(`${app} lists start phases but its callback module has no startPhase(phase, type, args): add one or remove startPhases`);
  for (const { phase, args } of phases) {
    const r = (await mod.startPhase(phase, 'normal', args, ctx)) as unknown;
    if (r !== null && typeof r === 'object' && 'error' in r) throw new Error(`${app}'s start phase '${phase}' failed: ${describe((r as { error: unknown }).error)}`, { cause: (r as { error: unknown }).error });
  }
}

function describe(reason: unknown): string {
  return reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : JSON.stringify(reason) ?? String(reason);
}

export { From };
