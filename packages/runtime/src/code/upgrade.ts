import type { Pid } from '../pid.js';
import type { ProcessContext } from '../types.js';
import { sys } from '../sys.js';
import { genCall } from '../gen/call.js';
import { From, SystemMessage } from '../gen/messages.js';
import { SysFailure } from '../gen/sys-handler.js';
import type { CodeServer } from './server.js';
import type { ModuleSource, ModuleVersion } from './module.js';

/** Options of an upgrade. */
export interface UpgradeOptions {
  /** Passed to every codeChange as `oldVsn` (default: the module's current version label). */
  oldVsn?: unknown;
  /** Passed to every codeChange as `extra`. */
  extra?: unknown;
  /** How long each suspend, codeChange and resume may take (default 5000 ms). */
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
  state?: unknown;
  changed: boolean;
}

async function setModule(ctx: ProcessContext, pid: Pid, module: unknown, timeoutMs: number): Promise<void> {
  const answer = await genCall(ctx, pid, (from) => new SystemMessage(from, { type: 'setModule', module }), 'setModule', timeoutMs);
  if (answer instanceof SysFailure) throw answer.error;
}

/**
 * Upgrades modules in a running node (ARCHITECTURE.md): evaluate every new version, suspend the
 * behaviour processes running a changed callback module, re-point the export tables, run codeChange
 * in each, resume. Any failure re-points the tables back, restores the states, resumes, and throws.
 */
export async function upgradeModules(ctx: ProcessContext, code: CodeServer, sources: ModuleSource[], options: UpgradeOptions = {}): Promise<UpgradeReport> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const versions: ModuleVersion[] = [];
  for (const source of sources) {
    try {
      versions.push(await code.evaluate(source));
    } catch (error) {
      throw new UpgradeError('evaluate', source.name, `upgrade stopped before any change: ${(error as Error).message}`, undefined, { cause: error });
    }
  }
  const names = new Set(versions.map((v) => v.module));
  const affected: Affected[] = [];
  for (const v of versions) {
    const current = code.record(v.module).current;
    if (!current) continue;
    for (const p of code.processesRunning(current)) {
      const origin = p.label?.callbacks ? code.originOf(p.label.callbacks) : undefined;
      if (origin && names.has(origin.module)) affected.push({ pid: p.pid, module: origin.module, exportName: origin.exportName, oldCallbacks: p.label!.callbacks, changed: false });
    }
  }
  const previous = new Map(versions.map((v) => [v.module, code.record(v.module)]));
  const suspended: Pid[] = [];
  let failure: UpgradeError | undefined;
  let purged = 0;
  const suspendedAt = performance.now();
  let resumedAt: number | undefined;
  try {
    for (const a of affected) {
      try {
        const answer = await genCall(ctx, a.pid, (from) => new SystemMessage(from, { type: 'suspend', withState: true }), 'suspend', timeoutMs);
        if (answer instanceof SysFailure) throw answer.error;
        suspended.push(a.pid);
        a.state = (answer as { state: unknown }).state;
      } catch (error) {
        throw new UpgradeError('suspend', a.module, `upgrade rolled back: ${a.pid} (${a.module}) could not be suspended: ${(error as Error).message}`, a.pid, { cause: error });
      }
    }
    for (const v of versions) {
      const before = previous.get(v.module)!;
      purged += before.old ? code.processesRunning(before.old).length : 0;
      code.install(v);
    }
    for (const a of affected) {
      const next = versions.find((v) => v.module === a.module)!.exports[a.exportName];
      const given = options.perModule?.[a.module];
      const oldVsn = given && 'oldVsn' in given ? given.oldVsn : (options.oldVsn ?? previous.get(a.module)!.current?.vsn);
      const extra = given && 'extra' in given ? given.extra : options.extra;
      try {
        if (options.downgrade) {
          // The version being left knows both state shapes: it migrates the state, then the process
          // moves to the older code, in one request.
          a.changed = true;
          const answer = await genCall(ctx, a.pid, (from) => new SystemMessage(from, { type: 'changeCode', module: next, oldVsn, extra, migrateWith: a.oldCallbacks }), 'changeCode', timeoutMs);
          if (answer instanceof SysFailure) throw answer.error;
        } else {
          await sys.changeCode(ctx, a.pid, next, oldVsn, extra, timeoutMs);
          a.changed = true;
        }
      } catch (error) {
        throw new UpgradeError('codeChange', a.module, `upgrade rolled back: codeChange of ${a.module} in ${a.pid} failed: ${(error as Error)?.message ?? String(error)}`, a.pid, { cause: error });
      }
    }
  } catch (error) {
    failure = error as UpgradeError;
    for (const [name, before] of previous) code.restore(name, before.current, before.old);
    for (const a of affected) {
      if (!a.changed || !ctx.isAlive(a.pid)) continue;
      await setModule(ctx, a.pid, a.oldCallbacks, timeoutMs).catch(() => undefined);
      await sys.replaceState(ctx, a.pid, () => a.state, timeoutMs).catch(() => undefined);
    }
  } finally {
    // Resumes are sent without waiting for each answer: every process resumes as soon as it reads its
    // mailbox, and the upgrade does not pay one round trip per process for it.
    for (const pid of suspended) if (ctx.isAlive(pid)) ctx.send(pid, new SystemMessage(new From(ctx.self(), ctx.makeRef()), { type: 'resume' }));
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
