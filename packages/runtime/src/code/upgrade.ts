import type { Pid } from '../pid.js';
import type { ProcessContext } from '../types.js';
import { genMultiCall, type MultiCallAnswer } from '../gen/call.js';
import { From, SystemMessage, type SystemRequest } from '../gen/messages.js';
import { SysFailure } from '../gen/sys-handler.js';
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
    readonly stage: 'evaluate' | 'suspend' | 'codeChange',
    readonly module: string,
    message: string,
    readonly pid?: Pid,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'UpgradeError';
  }
}

interface Affected {
  pid: Pid;
  module: string;
  exportName: string;
  oldCallbacks: unknown;
  /** A supervisor: its code change is the init of the module it moves to, whichever the direction. */
  supervisor: boolean;
  /** The state saved when it suspended, for a rollback. */
  state?: unknown;
  /** A changeCode was sent: the process may have migrated, so a rollback restores its module and state. */
  changeSent: boolean;
}

const system = (request: SystemRequest) => (from: From) => new SystemMessage(from, request);

// The first failed answer of a batch, in the order of `affected`, as an UpgradeError of `stage`.
function firstFailure(answers: MultiCallAnswer[], affected: Affected[], stage: 'suspend' | 'codeChange'): UpgradeError | undefined {
  for (let i = 0; i < answers.length; i++) {
    const answer = answers[i]!;
    const error = !answer.ok ? answer.error : answer.value instanceof SysFailure ? answer.value.error : undefined;
    if (!answer.ok || answer.value instanceof SysFailure) {
      const a = affected[i]!;
      const why = (error as Error)?.message ?? String(error);
      const message = stage === 'suspend' ? `upgrade rolled back: ${a.pid} (${a.module}) could not be suspended: ${why}` : `upgrade rolled back: codeChange of ${a.module} in ${a.pid} failed: ${why}`;
      return new UpgradeError(stage, a.module, message, a.pid, { cause: error });
    }
  }
  return undefined;
}

// Suspends every affected process in one batch (all requests sent, then the answers collected), saving each state.
async function suspendAll(ctx: ProcessContext, affected: Affected[], timeoutMs: number): Promise<UpgradeError | undefined> {
  const answers = await genMultiCall(ctx, affected.map((a) => a.pid), system({ type: 'suspend', withState: true }), 'suspend', timeoutMs);
  answers.forEach((answer, i) => {
    if (answer.ok && !(answer.value instanceof SysFailure)) affected[i]!.state = (answer.value as { state: unknown }).state;
  });
  return firstFailure(answers, affected, 'suspend');
}

// The changeCode request of one process: its new callback module, oldVsn and extra (a downgrade migrates with the version it leaves).
function changeRequest(a: Affected, versions: ModuleVersion[], previous: Map<string, { current: ModuleVersion | null }>, options: UpgradeOptions): SystemRequest {
  const next = versions.find((v) => v.module === a.module)!.exports[a.exportName];
  const given = options.perModule?.[a.module];
  const oldVsn = given && 'oldVsn' in given ? given.oldVsn : (options.oldVsn ?? previous.get(a.module)!.current?.vsn);
  const extra = given && 'extra' in given ? given.extra : options.extra;
  // The version being left knows both state shapes: it migrates the state, then the process moves to the older code, in one request.
  // A supervisor has no state shapes to know: the older module's init gives its child specs back (OTP's supervisor code_change).
  return options.downgrade && !a.supervisor ? { type: 'changeCode', module: next, oldVsn, extra, migrateWith: a.oldCallbacks } : { type: 'changeCode', module: next, oldVsn, extra };
}

// Runs codeChange in every suspended process in one batch.
async function changeAll(ctx: ProcessContext, affected: Affected[], requests: SystemRequest[], timeoutMs: number): Promise<UpgradeError | undefined> {
  for (const a of affected) a.changeSent = true;
  const answers = await genMultiCall(ctx, affected.map((a) => a.pid), (from, i) => new SystemMessage(from, requests[i]!), 'changeCode', timeoutMs);
  return firstFailure(answers, affected, 'codeChange');
}

// Puts back the tables, then the callback module and saved state of every process that was sent a changeCode,
// answered or not: requests reach a process in order, so the restore runs after its changeCode.
async function rollBack(ctx: ProcessContext, code: CodeServer, previous: Map<string, { current: ModuleVersion | null; old: ModuleVersion | null }>, affected: Affected[], timeoutMs: number): Promise<void> {
  for (const [name, before] of previous) code.restore(name, before.current, before.old);
  const touched = affected.filter((a) => a.changeSent && ctx.isAlive(a.pid));
  const pids = touched.map((a) => a.pid);
  await genMultiCall(ctx, pids, (from, i) => new SystemMessage(from, { type: 'setModule', module: touched[i]!.oldCallbacks }), 'setModule', timeoutMs);
  await genMultiCall(ctx, pids, (from, i) => new SystemMessage(from, { type: 'replaceState', fn: () => touched[i]!.state }), 'replaceState', timeoutMs);
}

// Resumes every process a suspend was sent to, without waiting for the answers: each resumes as soon as it reads its mailbox.
function resumeAll(ctx: ProcessContext, affected: Affected[]): void {
  for (const a of affected) if (ctx.isAlive(a.pid)) ctx.send(a.pid, new SystemMessage(new From(ctx.self(), ctx.makeRef()), { type: 'resume' }));
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

// The behaviour processes whose callback module is one of the changed modules.
function affectedBy(code: CodeServer, versions: ModuleVersion[]): Affected[] {
  const names = new Set(versions.map((v) => v.module));
  const affected: Affected[] = [];
  for (const v of versions) {
    const current = code.record(v.module).current;
    if (!current) continue;
    for (const p of code.processesRunning(current)) {
      const origin = p.label?.callbacks ? code.originOf(p.label.callbacks) : undefined;
      if (origin && names.has(origin.module)) affected.push({ pid: p.pid, module: origin.module, exportName: origin.exportName, oldCallbacks: p.label!.callbacks, supervisor: p.label!.behaviour === 'supervisor', changeSent: false });
    }
  }
  return affected;
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
  const affected = affectedBy(code, versions);
  const previous = new Map(versions.map((v) => [v.module, code.record(v.module)]));
  let failure: UpgradeError | undefined;
  let purged = 0;
  const suspendedAt = performance.now();
  let resumedAt: number | undefined;
  try {
    failure = await suspendAll(ctx, affected, timeoutMs);
    if (!failure) {
      for (const v of versions) {
        const before = previous.get(v.module)!;
        purged += before.old ? code.processesRunning(before.old).length : 0;
        code.install(v);
      }
      failure = await changeAll(ctx, affected, affected.map((a) => changeRequest(a, versions, previous, options)), timeoutMs);
    }
    if (failure) await rollBack(ctx, code, previous, affected, timeoutMs);
  } catch (error) {
    failure = new UpgradeError('codeChange', affected[0]?.module ?? versions[0]?.module ?? '', `upgrade rolled back: ${(error as Error)?.message ?? String(error)}`, undefined, { cause: error });
    await rollBack(ctx, code, previous, affected, timeoutMs).catch(() => undefined);
  } finally {
    resumeAll(ctx, affected);
    resumedAt = performance.now();
  }
  if (failure) throw failure;
  return {
    modules: versions.map((v) => ({ name: v.module, from: previous.get(v.module)!.current?.vsn, to: v.vsn })),
    processes: affected.map((a) => a.pid),
    purged,
    suspendedMs: affected.length > 0 ? resumedAt! - suspendedAt : 0,
  };
}
