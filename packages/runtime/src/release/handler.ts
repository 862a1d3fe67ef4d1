import { join } from 'node:path';
import { inspect } from 'node:util';
import type { OtpNode } from '../node.js';
import type { ProcessContext } from '../types.js';
import type { Pid } from '../pid.js';
import { isDown, TIMEOUT, type Down } from '../messages.js';
import { isNormalExit } from '../logger.js';
import * as application from '../application/api.js';
import * as supervisor from '../supervisor/api.js';
import type { AppResource, ApplicationModule } from '../application/types.js';
import { codeServerOf, type CodeServer } from '../code/server.js';
import { loadBuiltApplication, readBuiltModules, type AppFile } from '../code/app-loader.js';
import type { ModuleSource } from '../code/module.js';
import { upgradeModules, UpgradeError } from '../code/upgrade.js';
import { hasVersion, readReleases, readVersion, writeReleases, type VersionFiles } from './files.js';
import { startApplications, stopApplications } from './apps.js';
import type { AppChange, RelupStep } from './types.js';

/** What the release handler knows about the release its node runs. */
export interface RunningRelease {
  root: string;
  node: OtpNode;
  env: Record<string, string | undefined>;
  /** The running version's files. */
  files: VersionFiles;
  /** Applications started, in start order. */
  started: string[];
  log: (line: string) => void;
  stop: (reason?: unknown) => Promise<void>;
}

/** What an upgrade or downgrade did: `bin/<name> upgrade` prints it. */
export interface InstallReport {
  from: string;
  to: string;
  direction: 'up' | 'down';
  /** Modules loaded, added and deleted. */
  modules: { changed: string[]; added: string[]; removed: string[] };
  /** Applications added, removed and changed. */
  apps: { added: string[]; removed: string[]; changed: string[] };
  /** Processes suspended and migrated through codeChange. */
  processes: number;
  /** How long they stayed suspended, in ms (all of them at once: the longest suspension). */
  suspendedMs: number;
  /** Supervisor children started or stopped because a supervisor's child specs changed. */
  children: { started: string[]; stopped: string[] };
  /** The whole install, from the check to permanence, in ms. */
  ms: number;
}

/** An install refused or rolled back: the stage, the module or process at fault, and the reason. */
export class InstallError extends Error {
  constructor(
    readonly stage: 'find' | 'check' | 'evaluate' | 'suspend' | 'codeChange' | 'applications' | 'health',
    message: string,
    readonly module?: string,
    readonly pid?: Pid,
  ) {
    super(message);
    this.name = 'InstallError';
  }
}

/** How `install` checks the new version before making it permanent. */
export interface InstallOptions {
  /** Run the health probe (default true; the rollback itself runs without one). */
  probe?: boolean;
  /** How long the probe watches the migrated processes for a crash, in ms (default 100). */
  probeMs?: number;
}

const PROBE_MS = 100;

// Monitors the migrated processes now; the returned function waits `ms` and lists those that ended
// with a reason other than normal or shutdown (a process of the new code crashing right after the swap).
function watchExits(ctx: ProcessContext, pids: readonly Pid[]): (ms: number) => Promise<string[]> {
  const refs = new Set(pids.map((pid) => ctx.monitor(pid)));
  return async (ms) => {
    const crashed: string[] = [];
    const deadline = performance.now() + ms;
    for (let left = ms; refs.size > 0 && left > 0; left = deadline - performance.now()) {
      const down = await ctx.receive((m) => isDown(m) && refs.has(m.ref), left);
      if (down === TIMEOUT) break;
      const { ref, pid, reason } = down as Down;
      refs.delete(ref);
      if (!isNormalExit(reason)) crashed.push(`${pid} crashed after the upgrade: ${reasonText(reason)}`);
    }
    for (const ref of refs) ctx.demonitor(ref, { flush: true });
    return crashed;
  };
}

const reasonText = (reason: unknown): string => (reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : inspect(reason, { depth: 3, breakLength: Infinity }));

// The relup step leading from the running version to `target`, and its direction.
function findStep(running: VersionFiles, target: VersionFiles): { step: RelupStep; direction: 'up' | 'down' } {
  const up = target.relup?.up.find((s) => s.vsn === running.release.vsn);
  if (up) return { step: up, direction: 'up' };
  const down = running.relup?.down.find((s) => s.vsn === target.release.vsn);
  if (down) return { step: down, direction: 'down' };
  const from = running.release.vsn;
  const to = target.release.vsn;
  throw new InstallError('find', `no relup leads from ${from} to ${to}: build ${to} with otp release --upgrade-from ${from}${target.relup ? ` (${to}'s relup.json covers ${target.relup.up.map((s) => s.vsn).join(', ') || 'no version'})` : ''}`);
}

// Reads the modules an app change loads (added and changed), from the version's lib folder.
async function modulesToLoad(root: string, change: Extract<AppChange, { kind: 'change' }>): Promise<{ app: AppFile; added: ModuleSource[]; changed: ModuleSource[] }> {
  const { app, sources } = await readBuiltModules(join(root, 'lib', `${change.app}-${change.to}`));
  const byName = new Map(sources.map((s) => [s.name, s]));
  const pick = (names: string[]): ModuleSource[] =>
    names.map((n) => {
      const s = byName.get(n);
      if (!s) throw new InstallError('check', `the relup names module ${n}, which lib/${change.app}-${change.to} does not have: rebuild the release`, n);
      return s;
    });
  return { app, added: pick(change.added), changed: pick(change.changed.map((c) => c.module)) };
}

// The dry run: each changed module evaluates, and every process that will be migrated has a codeChange to run.
async function check(code: CodeServer, sources: ModuleSource[], direction: 'up' | 'down'): Promise<void> {
  for (const source of sources) {
    let exports: Record<string, unknown>;
    try {
      exports = (await code.evaluate(source)).exports;
    } catch (error) {
      throw new InstallError('evaluate', `module ${source.name} does not load: ${(error as Error).message}`, source.name);
    }
    const current = code.record(source.name).current;
    if (!current) continue;
    for (const p of code.processesRunning(current)) {
      const origin = p.label?.callbacks ? code.originOf(p.label.callbacks) : undefined;
      if (!origin || origin.module !== source.name || p.label?.behaviour === 'supervisor') continue;
      const migrating = (direction === 'up' ? exports[origin.exportName] : p.label!.callbacks) as { codeChange?: unknown } | undefined;
      if (typeof migrating?.codeChange !== 'function') {
        const which = direction === 'up' ? 'the new' : 'the running';
        throw new InstallError('check', `${which} version of ${source.name} has no codeChange for its ${p.label!.behaviour} ${p.pid}: add codeChange(oldVsn, state, extra) to its export '${origin.exportName}'`, source.name, p.pid);
      }
    }
  }
}

async function resourceOf(code: CodeServer, root: string, name: string, vsn: string): Promise<AppResource> {
  const { app } = await readBuiltModules(join(root, 'lib', `${name}-${vsn}`));
  const table = app.mod ? code.exportsOf(app.mod) : undefined;
  const mod = (table?.default ?? (table && Object.values(table).find((v) => typeof (v as ApplicationModule)?.start === 'function'))) as ApplicationModule | undefined;
  return { name: app.name, vsn: app.vsn, description: app.description, mod, applications: app.applications, registered: app.registered, env: app.env, dir: join(root, 'lib', `${name}-${vsn}`) };
}

/**
 * Installs another version on the running node, as OTP's release_handler does: a dry run (every module
 * evaluates, every migrated process has a codeChange), then the point of no return: load, suspend,
 * codeChange, resume, application changes, a health probe, and permanence. A failure before
 * permanence rolls back code and states (a failed health probe installs the old version back).
 */
export async function install(ctx: ProcessContext, state: RunningRelease, vsn: string, options: InstallOptions = {}): Promise<InstallReport> {
  const started = performance.now();
  const running = state.files;
  if (vsn === running.release.vsn) throw new InstallError('find', `${running.release.name} ${vsn} is already running`);
  if (!hasVersion(state.root, vsn)) {
    const known = (await readReleases(state.root)).releases.map((r) => r.vsn);
    throw new InstallError('find', `version ${vsn} is not unpacked in ${state.root}: unpack it first (bin/${running.release.name} unpack ${vsn}); versions here: ${known.join(', ')}`);
  }
  const target = await readVersion(state.root, vsn, state.env);
  const { step, direction } = findStep(running, target);
  const code = codeServerOf(state.node);
  const changes = step.apps.filter((a): a is Extract<AppChange, { kind: 'change' }> => a.kind === 'change');
  const loads = await Promise.all(changes.map((c) => modulesToLoad(state.root, c)));
  const added = loads.flatMap((l) => l.added);
  const changed = loads.flatMap((l) => l.changed);

  // Check: nothing visible changes (added modules load, but nothing imports them yet).
  try {
    if (added.length) await code.loadAll(added);
    await check(code, changed, direction);
  } catch (error) {
    for (const s of added) if (code.record(s.name).current) code.delete(s.name);
    throw error instanceof InstallError ? error : new InstallError('check', (error as Error).message);
  }

  // The point of no return: the code and the states move together, or not at all.
  const perModule: Record<string, { oldVsn: unknown; extra: unknown }> = {};
  for (const c of changes) for (const m of c.changed) perModule[m.module] = { oldVsn: direction === 'up' ? c.from : { down: c.to }, extra: c.extra };
  let upgrade;
  try {
    upgrade = await upgradeModules(ctx, code, changed, { perModule, downgrade: direction === 'down' });
  } catch (error) {
    for (const s of added) if (code.record(s.name).current) code.delete(s.name);
    if (error instanceof UpgradeError) throw new InstallError(error.stage, `${direction === 'up' ? 'upgrade' : 'downgrade'} to ${vsn} rolled back, ${running.release.vsn} still runs: ${error.message}`, error.module, error.pid);
    throw error;
  }
  const removedModules = changes.flatMap((c) => c.removed);
  for (const m of removedModules) if (code.record(m).current) code.delete(m);

  // Past the code swap, anything that fails — an application change, a supervisor's new child that
  // does not start, a migrated process crashing in the probe window — installs the old version back.
  const children = { started: [] as string[], stopped: [] as string[] };
  const apps = { added: [] as string[], removed: [] as string[], changed: changes.map((c) => c.app) };
  try {
    const watched = options.probe === false ? undefined : watchExits(ctx, upgrade.processes);
    for (const c of changes) await application.update(ctx, await resourceOf(code, state.root, c.app, c.to), target.sysConfig[c.app]);
    const failedChildren: string[] = [];
    for (const pid of upgrade.processes) {
      if (state.node.processInfo(pid)?.behaviour !== 'supervisor') continue;
      const sync = await supervisor.syncChildren(ctx, pid);
      children.started.push(...sync.started);
      children.stopped.push(...sync.stopped);
      for (const f of sync.failed) failedChildren.push(`child ${f.id} of ${pid} did not start: ${reasonText(f.reason)}`);
    }
    for (const a of [...step.apps].reverse()) {
      if (a.kind !== 'remove') continue;
      await application.stop(ctx, a.app).catch(() => undefined);
      await application.unload(ctx, a.app).catch(() => undefined);
      state.started.splice(state.started.indexOf(a.app), 1);
      apps.removed.push(a.app);
    }
    for (const a of step.apps) {
      if (a.kind !== 'add') continue;
      await application.load(ctx, await loadBuiltApplication(code, join(state.root, 'lib', `${a.app}-${a.vsn}`)));
      const type = target.release.applications.find((r) => r.name === a.app)?.type ?? 'permanent';
      await application.start(ctx, a.app, type);
      state.started.push(a.app);
      apps.added.push(a.app);
    }
    state.files = target;
    if (options.probe !== false) {
      // Health probe: every application of the new version runs, every new child started, and no
      // migrated process crashed in the probe window.
      const crashed = await watched!(options.probeMs ?? PROBE_MS);
      const runningApps = new Set((await application.whichApplications(ctx)).map((a) => a.name));
      const missing = target.release.applications.filter((a) => !runningApps.has(a.name)).map((a) => `${a.name} did not run`);
      const problems = [...failedChildren, ...crashed, ...missing];
      if (problems.length) throw new InstallError('health', problems.join('; '));
    }
  } catch (error) {
    if (options.probe === false) throw error; // a rollback that fails is reported by the install it undoes
    state.files = target;
    await install(ctx, state, running.release.vsn, { probe: false }).catch((e) => {
      state.log(`rollback to ${running.release.vsn} failed too: ${(e as Error).message}`);
      throw new InstallError('health', `${vsn} failed after its code was loaded and rolling back to ${running.release.vsn} failed too: ${(e as Error).message}; stop the node and start it again (bin/${running.release.name} stop, then daemon) to boot the permanent version, ${running.release.vsn}`);
    });
    const stage = error instanceof InstallError ? error.stage : 'applications';
    throw new InstallError(stage, `${direction === 'up' ? 'upgrade' : 'downgrade'} to ${vsn} rolled back, ${running.release.vsn} still runs: ${(error as Error).message}`);
  }
  await makePermanent(state.root, vsn);
  const report: InstallReport = {
    from: running.release.vsn,
    to: vsn,
    direction,
    modules: { changed: changed.map((s) => s.name), added: added.map((s) => s.name), removed: removedModules },
    apps,
    processes: upgrade.processes.length,
    suspendedMs: upgrade.suspendedMs,
    children,
    ms: performance.now() - started,
  };
  state.log(`${direction === 'up' ? 'upgraded' : 'downgraded'} ${running.release.name} ${report.from} → ${vsn}: ${report.modules.changed.length} modules, ${report.processes} processes suspended for ${report.suspendedMs.toFixed(1)} ms`);
  return report;
}

/** Marks a version permanent in RELEASES.json (the one the next boot starts); the previous one becomes old. */
export async function makePermanent(root: string, vsn: string): Promise<void> {
  const releases = await readReleases(root);
  const files = await readVersion(root, vsn, {}).catch(() => undefined);
  let found = false;
  for (const r of releases.releases) {
    if (r.vsn === vsn) {
      r.status = 'permanent';
      found = true;
    } else if (r.status === 'permanent' || r.status === 'current') r.status = 'old';
  }
  if (!found) releases.releases.push({ vsn, status: 'permanent', applications: files?.release.applications ?? [] });
  await writeReleases(root, releases);
}

/** The release handler's functions, served to the start script by rpc as module `release_handler`. */
export function releaseHandler(state: RunningRelease): Record<string, (...args: never[]) => unknown> {
  // One install at a time, like OTP's release_handler (a gen_server).
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };
  const run = <T>(fn: (ctx: ProcessContext) => Promise<T>): Promise<T> => state.node.run(fn);
  return {
    versions: async () => ({ running: state.files.release.vsn, releases: (await readReleases(state.root)).releases }),
    which: () => run((ctx) => application.whichApplications(ctx)),
    pid: () => process.pid,
    install: (vsn: string) => serial(() => run((ctx) => install(ctx, state, vsn))),
    stop: () => {
      setTimeout(() => void state.stop('stop'), 20);
      return 'ok';
    },
    restart: () =>
      serial(async () => {
        const [failure] = await stopApplications(state);
        if (failure !== undefined) throw failure;
        await startApplications(state, state.files);
        return state.started;
      }),
  };
}
