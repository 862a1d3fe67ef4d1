import { Down, Exit, TIMEOUT, type ExitReason } from '../messages.js';
import type { Pid } from '../pid.js';
import type { ProcessContext } from '../types.js';
import { StartError } from '../gen/errors.js';
import { latestExport } from '../code/server.js';
import { SupervisorError, type ChildSpec, type ChildType, type Restart, type Shutdown, type SupFlags } from './types.js';

/** A child spec with every default filled in. */
export interface FullSpec {
  id: string;
  start: ChildSpec['start'];
  restart: Restart;
  shutdown: Shutdown;
  type: ChildType;
  modules: string[];
}

/** A child as the supervisor tracks it. */
export interface Child {
  spec: FullSpec;
  pid: Pid | 'restarting' | undefined;
  /** Extra start arguments of a dynamic (simpleOneForOne) child. */
  extra: unknown[];
  /** How many times the supervisor restarted it after an exit (its own or, in a group restart, a sibling's). */
  restarts: number;
}

/** Checks a child spec and fills in OTP's defaults; throws a `badSpec` SupervisorError naming the child and the bad field. */
export function normalizeSpec(spec: ChildSpec): FullSpec {
  const where = `child spec ${spec && typeof spec.id === 'string' ? `'${spec.id}'` : JSON.stringify(spec?.id)}`;
  if (spec === null || typeof spec !== 'object') throw new SupervisorError('badSpec', `a child spec must be an object, got ${typeof spec}`);
  if (typeof spec.id !== 'string' || spec.id === '') throw new SupervisorError('badSpec', `${where}: id must be a non-empty string`);
  if (typeof spec.start !== 'function') throw new SupervisorError('badSpec', `${where}: start must be a function (ctx) => Promise<Pid>`);
  const restart = spec.restart ?? 'permanent';
  if (!['permanent', 'transient', 'temporary'].includes(restart)) throw new SupervisorError('badSpec', `${where}: restart must be 'permanent', 'transient' or 'temporary', got ${JSON.stringify(restart)}`);
  const type = spec.type ?? 'worker';
  if (type !== 'worker' && type !== 'supervisor') throw new SupervisorError('badSpec', `${where}: type must be 'worker' or 'supervisor', got ${JSON.stringify(type)}`);
  const shutdown = spec.shutdown ?? (type === 'supervisor' ? 'infinity' : 5000);
  if (!(shutdown === 'brutalKill' || shutdown === 'infinity' || (typeof shutdown === 'number' && shutdown >= 0))) {
    throw new SupervisorError('badSpec', `${where}: shutdown must be 'brutalKill', 'infinity' or milliseconds >= 0, got ${JSON.stringify(shutdown)}`);
  }
  return { id: spec.id, start: spec.start, restart, shutdown, type, modules: spec.modules ?? [] };
}

/** Checks supervisor flags and fills in OTP's defaults. */
export function normalizeFlags(flags: SupFlags = {}): Required<SupFlags> {
  const strategy = flags.strategy ?? 'oneForOne';
  if (!['oneForOne', 'oneForAll', 'restForOne', 'simpleOneForOne'].includes(strategy)) {
    throw new SupervisorError('badSpec', `supervisor flags: strategy must be 'oneForOne', 'oneForAll', 'restForOne' or 'simpleOneForOne', got ${JSON.stringify(strategy)}`);
  }
  const intensity = flags.intensity ?? 1;
  if (!Number.isInteger(intensity) || intensity < 0) throw new SupervisorError('badSpec', `supervisor flags: intensity must be an integer >= 0, got ${JSON.stringify(intensity)}`);
  const period = flags.period ?? 5;
  if (!(typeof period === 'number' && period > 0)) throw new SupervisorError('badSpec', `supervisor flags: period must be a number of seconds > 0, got ${JSON.stringify(period)}`);
  return { strategy, intensity, period };
}

/** Starts one child: its pid, `'ignore'`, or a thrown failure carrying the reason. */
export async function startChildProcess(ctx: ProcessContext, child: Child): Promise<Pid | 'ignore'> {
  try {
    // A start function exported by a loaded module runs in its newest version, as OTP's {M, F, A} does:
    // a child restarted after an upgrade runs the upgraded code, not the version its spec was made with.
    const r = await latestExport(ctx.node, child.spec.start)(ctx, ...child.extra);
    if (r === 'ignore') return 'ignore';
    if (r === undefined || r === null || typeof r !== 'object' || !('id' in r)) {
      throw new Error(`start of child '${child.spec.id}' returned ${JSON.stringify(r)} instead of a pid or 'ignore'`);
    }
    return r;
  } catch (error) {
    if (error instanceof StartError && error.reason === 'ignore') return 'ignore';
    throw error instanceof StartError ? error.reason : error;
  }
}

/** True for exits a transient child is not restarted after. */
export function isNormalOrShutdown(reason: ExitReason): boolean {
  return reason === 'normal' || reason === 'shutdown' || (reason !== null && typeof reason === 'object' && 'shutdown' in reason);
}

/**
 * Stops a child as OTP's supervisor does: unlink (dropping an EXIT already queued), monitor, then kill at
 * once, or send `shutdown` and kill after the shutdown time. Resolves to the reason the child exited with.
 */
export async function shutdownChild(ctx: ProcessContext, pid: Pid, shutdown: Shutdown): Promise<ExitReason> {
  const ref = ctx.monitor(pid);
  ctx.unlink(pid);
  const early = await ctx.receive((m): m is Exit => m instanceof Exit && m.from === pid, 0);
  if (early !== TIMEOUT) {
    // It had already exited: its DOWN follows (noproc or its reason), and the EXIT told us why.
    await ctx.receive((m) => m instanceof Down && m.ref === ref);
    return early.reason;
  }
  const isDown = (m: unknown): m is Down => m instanceof Down && m.ref === ref;
  if (shutdown === 'brutalKill') {
    ctx.exit(pid, 'kill');
    return (await ctx.receive(isDown)).reason;
  }
  ctx.exit(pid, 'shutdown');
  const down = await ctx.receive(isDown, shutdown === 'infinity' ? Infinity : shutdown);
  if (down !== TIMEOUT) return down.reason;
  ctx.exit(pid, 'kill');
  return (await ctx.receive(isDown)).reason;
}
