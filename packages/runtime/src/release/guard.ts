import { inspect } from 'node:util';
import type { ProcessContext } from '../types.js';
import type { Pid } from '../pid.js';
import { isDown, TIMEOUT, type Down } from '../messages.js';
import { isNormalExit } from '../logger.js';
import * as supervisor from '../supervisor/api.js';
import { ResumeRestarts, setEscalationGuard, type Escalation } from '../supervisor/escalation.js';
import type { CodeServer } from '../code/server.js';

/** What an exit reason says, for one line: an error's name and message, a string, or the value inspected. */
export const reasonText = (reason: unknown): string =>
  reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : inspect(reason, { depth: 3, breakLength: Infinity });

const crashText = (reason: unknown): string => (reason instanceof Error ? `${reason.name}: ${reason.message}` : reasonText(reason));

/** The guard tripped: sent to the installing process, which rolls back. */
class GuardTripped {
  constructor(readonly why: string) {}
}

// One line for the operator: which process crashed, how often, with what.
function describe(e: Escalation): string {
  if (e.kind === 'application') return `application ${e.app} exited: ${crashText(e.reason)}`;
  const who = `${e.child ?? e.name}${e.pid ? ` ${e.pid}` : ''}`;
  const how = e.pid ? `crashed ${e.restarts} times` : `could not be restarted (${e.restarts} restarts)`;
  return `${who} ${how} in ${Math.round(e.withinMs)} ms: ${crashText(e.reason)}`;
}

/**
 * Holds the node's escalations while an upgrade is not yet permanent: a supervisor reaching its restart
 * intensity keeps running with the child down, an application's exit does not stop the node, and the
 * installing process hears of it (once) to roll back instead.
 */
export class UpgradeGuard {
  /** The first escalation held, as one line; undefined while none. */
  tripped: string | undefined;
  /** Supervisors holding children down, to resume after the rollback. */
  readonly heldSupervisors = new Set<Pid>();
  /** Applications whose exit was held, to start again after the rollback. */
  readonly exitedApps = new Set<string>();
  private lifted = false;

  constructor(private readonly ctx: ProcessContext) {
    const installer = ctx.self();
    setEscalationGuard(ctx.node, (e) => {
      if (this.lifted) return false;
      if (e.kind === 'supervisor') this.heldSupervisors.add(e.supervisor);
      else this.exitedApps.add(e.app);
      if (this.tripped === undefined) {
        this.tripped = describe(e);
        ctx.node.send(installer, new GuardTripped(this.tripped));
      }
      return true;
    });
  }

  /** Stops holding: escalations take their normal course again. */
  lift(): void {
    if (this.lifted) return;
    this.lifted = true;
    setEscalationGuard(this.ctx.node, null);
  }

  /**
   * After the rollback: lifts the guard and resumes the held supervisors, each child that crashed after
   * the swap coming back with its state from before it (`snapshots`); resolves once they restarted.
   */
  async resume(snapshots: readonly Snapshot[]): Promise<void> {
    this.lift();
    const ctx = this.ctx;
    for (const sup of this.heldSupervisors) {
      if (!ctx.isAlive(sup)) continue;
      const states = new Map(snapshots.filter((s) => s.supervisor === sup && !ctx.isAlive(s.pid)).map((s) => [s.id, s.state]));
      ctx.send(sup, new ResumeRestarts(states));
      // A call after the message is answered after it: the restarts are done.
      await supervisor.countChildren(ctx, sup).catch(() => undefined);
    }
  }

  /**
   * Waits up to `ms` (and on while `held()` says so) for the migrated processes (monitored by `watch`) and the guard:
   * resolves to the problems seen — each migrated process that crashed, or the escalation that tripped the guard,
   * which ends the wait at once.
   */
  async probe(watch: Watch, ms: number, held: () => boolean = () => false): Promise<string[]> {
    const crashed: string[] = [];
    const deadline = performance.now() + ms;
    const matches = (x: unknown): boolean => x instanceof GuardTripped || (isDown(x) && watch.refs.has(x.ref));
    for (let left = ms; this.tripped === undefined; left = deadline - performance.now()) {
      // The window over, the DOWNs delivered meanwhile are still read (a crash just before its end, or a window of 0 ms
      // the crash happened in while the application changes ran): the verdict counts every crash the window saw.
      const over = left <= 0 && !held();
      const m = await this.ctx.receive(matches, over ? 0 : left > 0 ? Math.ceil(left) : 50);
      if (m === TIMEOUT) {
        if (over) break;
        continue;
      }
      if (m instanceof GuardTripped) break;
      const { ref, pid, reason } = m as Down;
      watch.refs.delete(ref);
      // A process found only after the swap and dead before its monitor was set: its reason is gone, not noproc.
      if (reason === 'noproc') crashed.push(`${pid} exited right after the upgrade, before the probe started watching it (its exit reason was not seen)`);
      else if (!isNormalExit(reason)) crashed.push(`${pid} crashed after the upgrade: ${reasonText(reason)}`);
    }
    watch.stop();
    return this.tripped !== undefined ? [this.tripped] : crashed;
  }
}

/** Monitors on the processes an upgrade migrated, from the swap on. */
export interface Watch {
  /** Each monitor's ref, and the process it watches. */
  refs: Map<unknown, Pid>;
  /** Stops watching these processes (stopped on purpose: their exit is no crash). */
  forget(pids: readonly Pid[]): void;
  /** Watches exactly `pids` from now: those not watched yet are monitored, the others forgotten (returns this watch). */
  keep(pids: readonly Pid[]): Watch;
  stop(): void;
}

/** Monitors the migrated processes now, so a crash right after the swap is seen by the probe. */
export function watchExits(ctx: ProcessContext, pids: readonly Pid[]): Watch {
  const refs = new Map<unknown, Pid>(pids.map((pid) => [ctx.monitor(pid), pid]));
  const drop = (ref: unknown) => {
    ctx.demonitor(ref as ReturnType<ProcessContext['monitor']>, { flush: true });
    refs.delete(ref);
  };
  const watch: Watch = {
    refs,
    forget: (gone) => {
      for (const [ref, pid] of refs) if (gone.includes(pid)) drop(ref);
    },
    keep: (kept) => {
      const want = new Set(kept);
      for (const [ref, pid] of refs) if (!want.has(pid)) drop(ref);
      const have = new Set(refs.values());
      for (const pid of kept) if (!have.has(pid)) refs.set(ctx.monitor(pid), pid);
      return watch;
    },
    stop: () => {
      for (const ref of [...refs.keys()]) drop(ref);
    },
  };
  return watch;
}

/**
 * Before the swap: monitors the processes the upgrade will migrate (those running the changed modules' callbacks), so
 * one that crashes on the new code as soon as it is resumed, before the install goes on, is seen with its own reason.
 */
export function watchBeforeSwap(ctx: ProcessContext, code: CodeServer, modules: readonly string[]): Watch {
  return watchExits(ctx, migrated(code, modules));
}

/** The state a migrated process had at the swap, and where its supervisor restarts it: a rollback gives it back to the restarted child. */
export interface Snapshot {
  pid: Pid;
  supervisor: Pid;
  id: string;
  state: unknown;
}

/** The processes running these modules' callbacks (supervisors aside): those an upgrade migrates. */
function migrated(code: CodeServer, modules: readonly string[]): Pid[] {
  const pids: Pid[] = [];
  for (const name of modules) {
    const current = code.record(name).current;
    if (!current) continue;
    for (const p of code.processesRunning(current)) {
      const origin = p.label?.callbacks ? code.originOf(p.label.callbacks) : undefined;
      if (origin?.module === name && p.label?.behaviour !== 'supervisor') pids.push(p.pid);
    }
  }
  return pids;
}

/**
 * Before the swap: the processes the upgrade will migrate that a supervisor restarts by id (found through
 * their links and the supervisor's children), nothing suspended. `of` takes, after the swap, the state each
 * had when the upgrade suspended it (the one the new code starts from), as the upgrade gives them.
 */
export async function snapshotTargets(ctx: ProcessContext, code: CodeServer, modules: readonly string[]): Promise<{ of(states: ReadonlyMap<Pid, unknown>): Snapshot[] }> {
  const owners = new Map<Pid, Pid[]>();
  // A supervisor has a thousand links when it has a thousand children: each link's behaviour is read once.
  const isSupervisor = new Map<Pid, boolean>();
  const supervises = (l: Pid): boolean => {
    let yes = isSupervisor.get(l);
    if (yes === undefined) isSupervisor.set(l, (yes = ctx.processInfo(l)?.behaviour === 'supervisor'));
    return yes;
  };
  for (const pid of migrated(code, modules)) {
    const sup = ctx.processInfo(pid)?.links.find(supervises);
    if (sup === undefined) continue;
    const pids = owners.get(sup);
    if (pids === undefined) owners.set(sup, [pid]);
    else pids.push(pid);
  }
  const targets: Array<Omit<Snapshot, 'state'>> = [];
  for (const [sup, pids] of owners) {
    const mine = new Set(pids);
    const children = await supervisor.whichChildren(ctx, sup).catch(() => []);
    for (const c of children) if (c.id !== undefined && c.pid !== undefined && c.pid !== 'restarting' && mine.has(c.pid)) targets.push({ pid: c.pid, supervisor: sup, id: c.id });
  }
  return { of: (states) => targets.filter((t) => states.has(t.pid)).map((t) => ({ ...t, state: states.get(t.pid) })) };
}
