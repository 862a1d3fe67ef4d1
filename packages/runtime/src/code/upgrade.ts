import type { Pid } from '../pid.js';
import type { ProcessContext } from '../types.js';
import { genMultiCall, type MultiCallAnswer } from '../gen/call.js';
import { From, SystemMessage, type SystemRequest } from '../gen/messages.js';
import { SysFailure, callbackModulesOf } from '../gen/sys-handler.js';
import type { ProcessImpl } from '../process.js';
import { StateCopier, Unprotectable } from './protect.js';
import { suspendAll, type Suspendable } from './suspend.js';
import type { CodeServer } from './server.js';
import type { ModuleSource, ModuleVersion } from './module.js';

/** Options of an upgrade. */
export interface UpgradeOptions {
  /** Passed to every codeChange as `oldVsn` (default: the module's current version label). */
  oldVsn?: unknown;
  /** Passed to every codeChange as `extra`. */
  extra?: unknown;
  /** How long a batch of suspends or codeChanges may wait for its next answer (default 5000 ms); who has not answered by then times out. */
  timeoutMs?: number;
  /** Per module name: the `oldVsn` and `extra` its processes' codeChange receive (a release's app versions). */
  perModule?: Record<string, { oldVsn?: unknown; extra?: unknown }>;
  /**
   * A downgrade (OTP's `{down, Vsn}`): each process migrates its state through the codeChange of the
   * version it is leaving, called with `oldVsn` = `{ down: <target> }`, before it is pointed at the older code.
   */
  downgrade?: boolean;
}

/** What an upgrade did. */
export interface UpgradeReport {
  /** The modules loaded, with their old and new version labels. */
  modules: Array<{ name: string; from: string | undefined; to: string }>;
  /** The behaviour processes whose state went through codeChange. */
  processes: Pid[];
  /** Processes killed because they still ran code purged by the load. */
  purged: number;
  /** How long the affected processes stayed suspended (the first suspend to the resumes), in ms. */
  suspendedMs: number;
}

/** An upgrade failed and was rolled back: code and states are as before; `stage` and `module` say where. */
export class UpgradeError extends Error {
  constructor(
    /** `check`: a state could not be copied for codeChange (refused before any code was swapped). */
    readonly stage: 'evaluate' | 'suspend' | 'check' | 'codeChange',
    readonly module: string,
    message: string,
    readonly pid?: Pid,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'UpgradeError';
  }
}

// One process taking part: suspended once, its state copied once, restored once, whatever it runs.
interface Participant extends Suspendable {
  readonly pid: Pid;
  /** The first changed module it runs, for messages. */
  readonly module: string;
  readonly behaviour: string;
  /** A supervisor: its code change is the new module's init, which builds a new state, so nothing is copied. */
  readonly supervisor: boolean;
  /** The callback modules being replaced in it (a gen_event manager may run several). */
  readonly replacing: Set<unknown>;
  /** The copy of the state its codeChanges work on; the original stays untouched for a rollback. */
  copy?: { state: unknown };
  /** A changeCode was sent: the process may have migrated, so a rollback restores its snapshot. */
  changeSent: boolean;
}

// One callback module of a participant moving to its new version.
interface Change {
  who: Participant;
  module: string;
  exportName: string;
  oldCallbacks: unknown;
}

// The first failed answer of a batch, in the order of `changes`, as the codeChange stage's UpgradeError.
function firstFailure(answers: MultiCallAnswer[], changes: Change[]): UpgradeError | undefined {
  for (let i = 0; i < answers.length; i++) {
    const answer = answers[i]!;
    if (answer.ok && !(answer.value instanceof SysFailure)) continue;
    const error = answer.ok ? (answer.value as SysFailure).error : answer.error;
    const c = changes[i]!;
    const why = (error as Error)?.message ?? String(error);
    return new UpgradeError('codeChange', c.module, `upgrade rolled back: codeChange of ${c.module} in ${c.who.pid} failed: ${why}`, c.who.pid, { cause: error });
  }
  return undefined;
}

// Suspends every participant (callers before the callees they are blocked on), saving each state and snapshot.
async function suspendParticipants(ctx: ProcessContext, participants: Participant[], timeoutMs: number): Promise<UpgradeError | undefined> {
  const failure = await suspendAll(ctx, participants, timeoutMs);
  if (failure === undefined) return undefined;
  const p = failure.target as Participant;
  return new UpgradeError('suspend', p.module, `upgrade rolled back: ${p.pid} (${p.module}) ${failure.why}`, p.pid, { cause: failure.cause });
}

// The handler object of a gen_event handler id (the handler itself, or { handler, id }).
function handlerOfId(id: unknown): unknown {
  return id !== null && typeof id === 'object' && 'handler' in id && !('handleEvent' in id) ? id.handler : id;
}

// The copy of a participant's state that its codeChanges get, in getState's shape (gen_statem: { state, data };
// gen_event: the handlers, only those being replaced copied).
function copyOf(p: Participant, copier: StateCopier): unknown {
  const state = p.state;
  if (p.behaviour === 'gen_statem') {
    const { state: s, data } = state as { state: unknown; data: unknown };
    return { state: copier.copy(s, 'state'), data: copier.copy(data, 'data') };
  }
  if (p.behaviour === 'gen_event') {
    return (state as Array<{ id: unknown; state: unknown }>).map((h) => ({ id: h.id, state: p.replacing.has(handlerOfId(h.id)) ? copier.copy(h.state, 'state') : h.state }));
  }
  return copier.copy(state, 'state');
}

// The check stage: every state codeChange will see is copied; one that cannot be stops the upgrade before any code is swapped.
function protectAll(code: CodeServer, participants: Participant[]): UpgradeError | undefined {
  const keep = (value: object): boolean => code.originOf(value) !== undefined;
  for (const p of participants) {
    if (p.supervisor) continue;
    try {
      p.copy = { state: copyOf(p, new StateCopier(keep)) };
    } catch (error) {
      if (!(error instanceof Unprotectable)) throw error;
      return new UpgradeError('check', p.module, `upgrade refused before any code was swapped: ${p.pid} (${p.module}): ${error.message}`, p.pid, { cause: error });
    }
  }
  return undefined;
}

// The changeCode request of one change: its new callback module, oldVsn, extra and the state copy (a downgrade migrates with the version it leaves).
function changeRequest(c: Change, versions: ModuleVersion[], previous: Map<string, { current: ModuleVersion | null }>, options: UpgradeOptions): SystemRequest {
  const next = versions.find((v) => v.module === c.module)!.exports[c.exportName];
  const given = options.perModule?.[c.module];
  const oldVsn = given && 'oldVsn' in given ? given.oldVsn : (options.oldVsn ?? previous.get(c.module)!.current?.vsn);
  const extra = given && 'extra' in given ? given.extra : options.extra;
  const request: SystemRequest = { type: 'changeCode', module: next, oldVsn, extra, replaces: c.oldCallbacks };
  // The version being left knows both state shapes: it migrates the state, then the process moves to the older code, in one request.
  // A supervisor has no state shapes to know: the older module's init gives its child specs back (OTP's supervisor code_change).
  if (options.downgrade && !c.who.supervisor) request.migrateWith = c.oldCallbacks;
  if (c.who.copy !== undefined) request.state = c.who.copy.state;
  return request;
}

// Runs codeChange in every suspended process in one batch.
async function changeAll(ctx: ProcessContext, changes: Change[], requests: SystemRequest[], timeoutMs: number): Promise<UpgradeError | undefined> {
  for (const c of changes) c.who.changeSent = true;
  const answers = await genMultiCall(ctx, changes.map((c) => c.who.pid), (from, i) => new SystemMessage(from, requests[i]!), 'changeCode', timeoutMs);
  return firstFailure(answers, changes);
}

// Puts back the tables, then the snapshot (callback modules and the original state) of every process that was sent a
// changeCode, answered or not: requests reach a process in order, so the restore runs after its changeCode.
async function rollBack(ctx: ProcessContext, code: CodeServer, previous: Map<string, { current: ModuleVersion | null; old: ModuleVersion | null }>, participants: Participant[], timeoutMs: number): Promise<void> {
  for (const [name, before] of previous) code.restore(name, before.current, before.old);
  const touched = participants.filter((p) => p.changeSent && ctx.isAlive(p.pid));
  await genMultiCall(ctx, touched.map((p) => p.pid), (from, i) => new SystemMessage(from, { type: 'restore', snapshot: touched[i]!.saved }), 'restore', timeoutMs);
}

// Resumes every process a suspend was sent to, without waiting for the answers: each resumes as soon as it reads its mailbox.
function resumeAll(ctx: ProcessContext, participants: Participant[]): void {
  for (const p of participants) if (ctx.isAlive(p.pid)) ctx.send(p.pid, new SystemMessage(new From(ctx.self(), ctx.makeRef()), { type: 'resume' }));
}

// Evaluates every new version; a failure stops the upgrade before anything changed.
async function evaluateAll(code: CodeServer, sources: ModuleSource[]): Promise<ModuleVersion[]> {
  const versions: ModuleVersion[] = [];
  for (const source of sources) {
    try {
      versions.push(await code.evaluate(source));
    } catch (error) {
      throw new UpgradeError('evaluate', source.name, `upgrade stopped before any change: ${(error as Error).message}`, undefined, { cause: error });
    }
  }
  return versions;
}

// The behaviour processes running one of the changed modules as a callback module: the one their label names
// (gen_server, gen_statem, supervisor), or any of those they list (a gen_event manager's handlers).
function affectedBy(code: CodeServer, versions: ModuleVersion[]): { participants: Participant[]; changes: Change[] } {
  const names = new Set(versions.map((v) => v.module));
  const byPid = new Map<Pid, Participant>();
  const changes: Change[] = [];
  const add = (p: ProcessImpl, callbacks: unknown): void => {
    const origin = code.originOf(callbacks);
    if (!origin || !names.has(origin.module)) return;
    let who = byPid.get(p.pid);
    if (who === undefined) {
      const behaviour = p.label?.behaviour ?? 'process';
      byPid.set(p.pid, (who = { pid: p.pid, module: origin.module, behaviour, supervisor: behaviour === 'supervisor', replacing: new Set(), changeSent: false }));
    }
    if (who.replacing.has(callbacks)) return;
    who.replacing.add(callbacks);
    changes.push({ who, module: origin.module, exportName: origin.exportName, oldCallbacks: callbacks });
  };
  for (const v of versions) {
    const current = code.record(v.module).current;
    if (current) for (const p of code.processesRunning(current)) if (p.label?.callbacks) add(p, p.label.callbacks);
  }
  for (const p of code.node.liveProcesses()) for (const handler of callbackModulesOf(p) ?? []) add(p, handler);
  return { participants: [...byPid.values()], changes };
}

/**
 * Upgrades modules in a running node (ARCHITECTURE.md): evaluate every new version, suspend the
 * behaviour processes running a changed callback module, re-point the export tables, run codeChange
 * in each, resume. Suspends and codeChanges go out in batches (all sent, then all answers collected).
 * Any failure re-points the tables back, restores the states, resumes, and throws.
 */
export async function upgradeModules(ctx: ProcessContext, code: CodeServer, sources: ModuleSource[], options: UpgradeOptions = {}): Promise<UpgradeReport> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const versions = await evaluateAll(code, sources);
  const { participants, changes } = affectedBy(code, versions);
  const previous = new Map(versions.map((v) => [v.module, code.record(v.module)]));
  let failure: UpgradeError | undefined;
  let purged = 0;
  const suspendedAt = performance.now();
  let resumedAt: number | undefined;
  try {
    failure = (await suspendParticipants(ctx, participants, timeoutMs)) ?? protectAll(code, participants);
    if (!failure) {
      for (const v of versions) {
        const before = previous.get(v.module)!;
        purged += before.old ? code.processesRunning(before.old).length : 0;
        code.install(v);
      }
      failure = await changeAll(ctx, changes, changes.map((c) => changeRequest(c, versions, previous, options)), timeoutMs);
    }
    if (failure) await rollBack(ctx, code, previous, participants, timeoutMs);
  } catch (error) {
    failure = new UpgradeError('codeChange', changes[0]?.module ?? versions[0]?.module ?? '', `upgrade rolled back: ${(error as Error)?.message ?? String(error)}`, undefined, { cause: error });
    await rollBack(ctx, code, previous, participants, timeoutMs).catch(() => undefined);
  } finally {
    resumeAll(ctx, participants);
    resumedAt = performance.now();
  }
  if (failure) throw failure;
  return {
    modules: versions.map((v) => ({ name: v.module, from: previous.get(v.module)!.current?.vsn, to: v.vsn })),
    processes: participants.map((p) => p.pid),
    purged,
    suspendedMs: participants.length > 0 ? resumedAt! - suspendedAt : 0,
  };
}
