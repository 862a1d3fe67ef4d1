import { setTimeout } from 'node:timers';
import { existsSync, readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { ProcessContext } from '../types.js';
import type { Pid } from '../pid.js';
import { internalsOf } from '../process-internals.js';
import * as application from '../application/api.js';
import * as supervisor from '../supervisor/api.js';
import type { AppResource, ApplicationModule } from '../application/types.js';
import { CodeError, codeServerOf, type CodeServer } from '../code/server.js';
import { evaluateTogether } from '../code/batch.js';
import { readBuiltModules, resourceFields, type AppFile } from '../code/app-loader.js';
import { nextCallbacks, sourceHash, type ModuleSource, type ModuleVersion } from '../code/module.js';
import { upgradeKeepingStates, UpgradeError } from '../code/upgrade.js';
import { holdForInstall } from '../code/serial.js';
import { heldStarts, heldStartsLine } from '../code/held-starts.js';
import { appLedBy } from '../application/group-leader.js';
import { ReleaseConfigError } from './config.js';
import { checkRelup, hasVersion, markInstalling, readReleases, readRelupFile, readVersion, ReleaseBusyError, unmarkInstalling, withReleasesLock, writeReleases, type VersionFiles } from './files.js';
import { startApplications, stopApplications } from './apps.js';
import { ApplicationError } from '../application/types.js';
import type { LastUpgrade, RunningRelease } from './running.js';
import type { AppChange, ReleasesFile, Relup, RelupStep } from './types.js';
import { reasonText, snapshotTargets, UpgradeGuard, watchBeforeSwap, type Snapshot, type Watch } from './guard.js';

export type { LastUpgrade, RunningRelease };

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
  /** Processes killed because they still ran a module version the install purged (the version before the running one, a removed module's or a removed application's): pid and module. */
  killed: Array<{ pid: string; module: string }>;
  /** Processes left on the old code: they run callbacks a changed module made at run time (no export stands for them), and the next purge of it kills them: pid and module (a node before this field reports none); `kind: 'supervisor'`, a supervisor made inline, keeps its old child specs and is not killed; `kind: 'handler'`, a gen_event manager, loses that handler to the purge, not its life. */
  stranded?: Array<{ pid: string; module: string; kind?: 'supervisor' | 'handler' }>;
  /** Supervisor children started or stopped because a supervisor's child specs changed. */
  children: { started: string[]; stopped: string[] };
  /** The whole install, from the check to permanence, in ms. */
  ms: number;
}

/** An install refused or rolled back: the stage, the module or process at fault, and the reason. */
export class InstallError extends Error {
  constructor(
    readonly stage: 'find' | 'check' | 'evaluate' | 'suspend' | 'codeChange' | 'applications' | 'health' | 'permanent',
    message: string,
    readonly module?: string,
    readonly pid?: Pid,
  ) {
    super(message);
    this.name = 'InstallError';
  }
}

/** The release handler's answer to an install whose version it cannot go to (the start script exits 2 with it). */
export interface InstallRefused {
  refused: string;
  /** Set when another install of the same version is in progress (a failure of the moment, not of the input). */
  busy?: boolean;
  /** Set when no relup step leads from the running version to the one asked for: the start script says what to do instead. */
  noRelup?: { from: string; to: string };
}

/** How `install` checks the new version before making it permanent. */
export interface InstallOptions {
  /** Run the health probe and hold escalations until permanence (default true; the rollback itself runs without). */
  probe?: boolean;
  /**
   * How long after the swap the new version is watched before it is made permanent, in ms (default
   * 2000): a migrated process crashing, a supervisor reaching its restart intensity or an application
   * exiting in this window rolls the upgrade back.
   */
  probeMs?: number;
  /** A test hook, not an interface: while this file exists the health probe goes on past `probeMs` (a test removes it to end the window). */
  holdFile?: string;
  /** Where `${VAR}` in the version's sys.config.json and node.args come from: the upgrade command's environment (default: the node's). */
  env?: Record<string, string | undefined>;
  /** The version's files, already read (a rollback reinstalls the running version's as they were). */
  files?: VersionFiles;
  /** The direction the command asked for (`bin/<name> upgrade` or `downgrade`): a relup step the other way is refused. */
  expect?: 'up' | 'down';
  /** Internal (a rollback): the modules the install it undoes changed; the others run what they ran before it already. */
  modules?: readonly string[];
}

/** How long a new version is watched before it becomes permanent, by default. */
export const PROBE_MS = 2000;

// The relup step leading from the running version to `target`, its direction, and the running version's files with the
// relup that step came from. A downgrade reads the relup of the version it leaves as the root has it now, as OTP's release
// handler does (one edited or replaced since that version was installed is the one used); a rollback (`again`) undoes its
// install with the relup that install read. A relup.json an operator broke, or removed, throws a ReleaseConfigError naming it.
function findStep(root: string, running: VersionFiles, target: VersionFiles, again: boolean): { step: RelupStep; direction: 'up' | 'down'; running: VersionFiles } {
  const relupOf = (v: VersionFiles): Relup | undefined => v.relup && checkRelup(v.relup, join(root, 'releases', v.release.vsn, 'relup.json'));
  const up = relupOf(target)?.up.find((s) => s.vsn === running.release.vsn);
  if (up) return { step: up, direction: 'up', running };
  const leaving = again ? running : { ...running, relup: relupNow(root, running) };
  const down = relupOf(leaving)?.down.find((s) => s.vsn === target.release.vsn);
  if (down) return { step: down, direction: 'down', running: leaving };
  const from = running.release.vsn;
  const to = target.release.vsn;
  throw Object.assign(new InstallError('find', `no relup leads from ${from} to ${to}: build ${to} with otp release --upgrade-from ${from}${target.relup ? ` (${to}'s relup.json covers ${target.relup.up.map((s) => s.vsn).join(', ') || 'no version'})` : ''}`), { noRelup: { from, to } });
}

// Per module an upgrade changes, the version label of its code in the running version's lib folder (what the release
// loaded: a module's label is its code's hash unless given). While that code runs, codeChange is told the application's
// old version; a module running other code (a hot fix loaded since) is told that code's label, as OTP's release handler
// passes the running module's vsn. A folder that cannot be read names no code: the application's old version is passed then.
async function releaseCodeOf(root: string, changes: ReadonlyArray<Extract<AppChange, { kind: 'change' }>>): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const c of changes) {
    const sources = await readBuiltModules(join(root, 'lib', `${c.app}-${c.from}`)).then((r) => r.sources, () => []);
    for (const s of sources) if (c.changed.some((m) => m.module === s.name)) out[s.name] = sourceHash(s.code);
  }
  return out;
}

// The running version's relup.json as it is on disk now; undefined when it has none and never had one. One removed since
// the version was installed with it is refused: it held the way back.
function relupNow(root: string, running: VersionFiles): Relup | undefined {
  const vsn = running.release.vsn;
  const file = join(root, 'releases', vsn, 'relup.json');
  if (existsSync(file)) return checkRelup(readRelupFile(file), file);
  if (running.relup === undefined) return undefined;
  throw new ReleaseConfigError(file, `${file} is missing, and it holds the way down from ${vsn}: restore it from ${vsn}'s tarball (releases/${vsn}/relup.json in it), or rebuild ${vsn} with otp release --upgrade-from the version to go back to`);
}

// Reads the modules an app change loads (added and changed), from the version's lib folder.
// A module the relup (`relup`: which version's, and how it was reached) names that the folder lacks is the relup's fault (an
// edit, or a folder of another build): refused as the caller's input, nothing changed, as a broken relup.json is.
async function modulesToLoad(root: string, change: Extract<AppChange, { kind: 'change' }>, relup: { vsn: string; from: string; to: string }): Promise<{ app: AppFile; added: ModuleSource[]; changed: ModuleSource[] }> {
  const { app, sources } = await readBuiltModules(join(root, 'lib', `${change.app}-${change.to}`));
  const byName = new Map(sources.map((s) => [s.name, s]));
  const pick = (names: string[]): ModuleSource[] =>
    names.map((n) => {
      const s = byName.get(n);
      if (!s) throw new InstallError('find', `${relup.to} was not installed, nothing was changed: releases/${relup.vsn}/relup.json names module ${n}, which lib/${change.app}-${change.to} does not have: restore the relup.json and lib/${change.app}-${change.to} of ${relup.vsn} from its tarball, or rebuild ${relup.vsn} with otp release --upgrade-from ${relup.vsn === relup.to ? relup.from : relup.to}`, n);
      return s;
    });
  return { app, added: pick(change.added), changed: pick(change.changed.map((c) => c.module)) };
}

// The applications of `files` the step does not add (those are loaded after the swap), each with the version its lib folder has.
function keptApps(step: RelupStep, files: VersionFiles): Array<{ name: string; vsn: string }> {
  const vsnOf = new Map(step.apps.map((a) => [a.app, a.kind === 'change' ? a.to : a.vsn]));
  return files.release.applications.filter((app) => !step.apps.some((a) => a.app === app.name && a.kind === 'add')).map((app) => ({ name: app.name, vsn: vsnOf.get(app.name) ?? app.vsn }));
}

type EnvDiffs = Map<string, application.ConfigDiff>;

// Before the swap, as OTP's change_application_data before its relup runs: each application the step keeps gets the
// version's env (resource and sys.config), its callback module still the running one, so the code change (a
// supervisor's new init) reads the new env. Resolves to what changed, for each one's configChange after the swap.
// `back`: a swap that failed puts the running version's env back.
async function stageEnv(ctx: ProcessContext, state: RunningRelease, plan: InstallPlan, back = false): Promise<EnvDiffs> {
  const code = codeServerOf(state.node);
  const files = back ? plan.running : plan.target;
  const kept = new Set(keptApps(plan.step, plan.target).map((a) => a.name));
  const apps = back ? files.release.applications.filter((a) => kept.has(a.name)) : keptApps(plan.step, files);
  const diffs: EnvDiffs = new Map();
  for (const app of apps) {
    // A callback module the step adds is not loaded before the swap: the resource names none until then.
    const resource = await resourceOf(code, state.root, app.name, app.vsn).catch(async () => ({ ...resourceFields((await readBuiltModules(join(state.root, 'lib', `${app.name}-${app.vsn}`))).app), dir: join(state.root, 'lib', `${app.name}-${app.vsn}`) }));
    const { running: _, ...diff } = await application.updateData(ctx, resource, files.sysConfig[app.name] ?? {});
    diffs.set(app.name, diff);
  }
  return diffs;
}

// The modules of an application an install adds, from the version's lib folder.
async function addedModules(root: string, name: string, vsn: string): Promise<ModuleSource[]> {
  try {
    return (await readBuiltModules(join(root, 'lib', `${name}-${vsn}`))).sources;
  } catch (error) {
    throw new InstallError('check', `the relup adds application ${name} ${vsn}, whose modules cannot be read: ${(error as Error).message}; rebuild the release`);
  }
}

// The resource of an application an install adds, its modules loaded by the swap; one whose otp.mod exports no start() is refused.
async function addedResource(code: CodeServer, root: string, name: string, vsn: string): Promise<AppResource> {
  const resource = await resourceOf(code, root, name, vsn);
  const { app } = await readBuiltModules(join(root, 'lib', `${name}-${vsn}`));
  if (app.mod && typeof (resource.mod as ApplicationModule | undefined)?.start !== 'function') {
    throw new InstallError('applications', `module ${app.mod} (otp.mod of ${name}) exports no application module with start(): export default { start(type, args, ctx) { ... } }`, app.mod);
  }
  return resource;
}

// The dry run: each changed module evaluates, and the callbacks of every process that will be migrated are still
// exported. One without codeChange keeps its state as it is, as OTP's soft update (no {advanced, Extra}) does.
// A module that does not evaluate (its top level throws, or it does not parse) is named with what it threw, that
// nothing changed, and the fix.
async function check(code: CodeServer, sources: ModuleSource[], plan: InstallPlan, vsn: string): Promise<ModuleVersion[]> {
  const { direction } = plan;
  let versions: ModuleVersion[];
  try {
    versions = await evaluateTogether(code, sources);
  } catch (error) {
    const module = error instanceof CodeError ? error.module : sources[0]!.name;
    const said = String((error as Error)?.message ?? error).replace(`module ${module} failed to load: `, '');
    const from = plan.running.release.vsn;
    throw new InstallError('evaluate', `${vsn} was not installed and ${from} still runs, nothing changed: module ${module} of ${vsn} does not load (${said}): fix what its top level runs as it is imported, then build ${vsn} again (otp release${direction === 'up' ? ` --upgrade-from ${from}` : ''}) and run ${verbOf(direction)} ${vsn}`, module);
  }
  if (direction === 'down') return versions;
  for (const [i, source] of sources.entries()) {
    const exports = versions[i]!.exports;
    const current = code.record(source.name).current;
    if (!current) continue;
    for (const p of code.processesRunning(current)) {
      const origin = p.label?.callbacks ? code.originOf(p.label.callbacks) : undefined;
      // A namespace (import * as m) is the module itself: it cannot stop exporting itself.
      if (!origin || origin.module !== source.name || origin.exportName === '*' || p.label?.behaviour === 'supervisor') continue;
      let next: unknown;
      try {
        next = nextCallbacks(exports[origin.exportName], p.label!.callbacks);
      } catch (error) {
        throw new InstallError('check', `the new version of ${source.name} cannot take over the ${p.label!.behaviour} ${p.pid}: ${(error as Error).message}`, source.name, p.pid);
      }
      if (next === null || typeof next !== 'object' && typeof next !== 'function') {
        throw new InstallError('check', `the new version of ${source.name} no longer exports '${origin.exportName}', which its ${p.label!.behaviour} ${p.pid} runs: keep the export (with a codeChange if its state changes), or stop that process in an earlier version`, source.name, p.pid);
      }
    }
  }
  return versions;
}

async function resourceOf(code: CodeServer, root: string, name: string, vsn: string): Promise<AppResource> {
  const { app } = await readBuiltModules(join(root, 'lib', `${name}-${vsn}`));
  const table = app.mod ? code.exportsOf(app.mod) : undefined;
  const mod = (table?.default ?? (table && Object.values(table).find((v) => typeof (v as ApplicationModule)?.start === 'function'))) as ApplicationModule | undefined;
  return { ...resourceFields(app), mod, dir: join(root, 'lib', `${name}-${vsn}`) };
}

// Step 4, the applications: every application's resource and sys.config (changed ones hear of it through
// configChange), the migrated supervisors' child specs, removed applications stopped and their modules
// unloaded (the processes still running their code killed, into report.killed), added ones loaded with the version's
// sys.config and started. Returns the children that failed, and the processes of those the supervisors stopped.
async function changeApplications(ctx: ProcessContext, state: RunningRelease, step: RelupStep, target: VersionFiles, migrated: readonly Pid[], staged: EnvDiffs, report: Pick<InstallReport, 'apps' | 'children' | 'killed'>): Promise<Synced> {
  const code = codeServerOf(state.node);
  for (const app of keptApps(step, target)) {
    const resource = await resourceOf(code, state.root, app.name, app.vsn);
    // The env changed before the swap (stageEnv): what changed then is what configChange hears.
    const { running, ...late } = await application.updateData(ctx, resource, target.sysConfig[app.name] ?? {});
    if (running) await application.configChange(resource, staged.get(app.name) ?? late);
  }
  // Later loads (the added applications') take their env from the version's sys.config.
  await application.setConfig(ctx, target.sysConfig);
  const synced = await syncSupervisors(ctx, state, migrated, report);
  for (const a of [...step.apps].reverse()) {
    if (a.kind !== 'remove') continue;
    await application.stop(ctx, a.app).catch(() => undefined);
    await application.unload(ctx, a.app).catch(() => undefined);
    report.killed.push(...(await unloadModules(code, join(state.root, 'lib', `${a.app}-${a.vsn}`))));
    if (state.started.includes(a.app)) state.started.splice(state.started.indexOf(a.app), 1);
    report.apps.removed.push(a.app);
  }
  for (const a of step.apps) {
    if (a.kind !== 'add') continue;
    // Its modules were loaded by the swap, with the changed ones that may import them.
    await application.load(ctx, await addedResource(code, state.root, a.app, a.vsn));
    const type = target.release.applications.find((r) => r.name === a.app)?.type ?? 'permanent';
    await application.start(ctx, a.app, type);
    state.started.push(a.app);
    report.apps.added.push(a.app);
  }
  return synced;
}

// The children that did not start (a phrase each), and the processes of those stopped on purpose (no crash to the probe).
interface Synced {
  failed: string[];
  stopped: Pid[];
}

// The migrated supervisors start the children their new specs add and stop those they drop (syncChildren).
async function syncSupervisors(ctx: ProcessContext, state: RunningRelease, migrated: readonly Pid[], report: Pick<InstallReport, 'children'>): Promise<Synced> {
  const synced: Synced = { failed: [], stopped: [] };
  for (const pid of migrated) {
    // Its label, not a processInfo snapshot: that lists a supervisor's every link (one per child).
    const p = internalsOf(pid);
    if (p === undefined || p.dead || p.label?.behaviour !== 'supervisor') continue;
    const sync = await supervisor.syncChildren(ctx, pid);
    report.children.started.push(...sync.started);
    report.children.stopped.push(...sync.stopped);
    synced.stopped.push(...sync.stoppedPids);
    for (const f of sync.failed) synced.failed.push(`child ${f.id} of ${pid} did not start: ${reasonText(f.reason)}`);
  }
  return synced;
}

// A removed application's modules leave the code server: deleted, then purged (what still runs them, outside the stopped
// application, is killed); resolves to the processes killed.
async function unloadModules(code: CodeServer, dir: string): Promise<Killed[]> {
  const { app } = await readBuiltModules(dir).catch(() => ({ app: { modules: {} } as AppFile }));
  return Object.keys(app.modules).flatMap((name) => deleteModule(code, name, true));
}

type Killed = InstallReport['killed'][number];

// Deletes a module, which purges its old version (as OTP's delete_module after a purge), and with `purge` the version
// deleted too: the processes those purges killed, pid and module, for the report.
function deleteModule(code: CodeServer, name: string, purge: boolean): Killed[] {
  const killed = code.record(name).current ? code.delete(name) : [];
  if (purge) killed.push(...code.purgeKilling(name));
  return killed.map((p) => ({ pid: String(p.pid), module: name }));
}

// After a rollback: the applications of the version rolled back to that do not run (one whose exit the
// guard held) start again; resolves to a phrase for each that does not.
async function restartStopped(ctx: ProcessContext, state: RunningRelease, files: VersionFiles): Promise<string[]> {
  const runningApps = new Set((await application.whichApplications(ctx)).map((a) => a.name));
  const failed: string[] = [];
  for (const app of files.release.applications) {
    if (runningApps.has(app.name)) continue;
    try {
      await application.start(ctx, app.name, app.type ?? 'permanent');
      if (!state.started.includes(app.name)) state.started.push(app.name);
    } catch (error) {
      failed.push(`${app.name} did not start again: ${reasonText(error)}`);
    }
  }
  return failed;
}

// Probe: the health probe's verdict is the guard's one line when it tripped, else every child that did not
// start, migrated process that crashed in the window and application of the new version that does not run;
// any of them fails the install (stage 'health'). Passed, the guard lifts: checked and lifted in one turn,
// from here on the new version's failures take their normal course.
async function probe(ctx: ProcessContext, guard: UpgradeGuard, watch: Watch, ms: number, target: VersionFiles, failedChildren: string[], holdFile?: string): Promise<void> {
  // A child that did not start is reason enough: no need to watch the rest of the window.
  const crashed = await guard.probe(watch, failedChildren.length > 0 ? 0 : ms, () => failedChildren.length === 0 && holdFile !== undefined && existsSync(holdFile));
  let problems: string[];
  if (guard.tripped !== undefined) problems = [guard.tripped];
  else {
    const runningApps = new Set((await application.whichApplications(ctx)).map((a) => a.name));
    const missing = target.release.applications.filter((a) => !runningApps.has(a.name)).map((a) => `${a.name} did not run`);
    problems = [...failedChildren, ...crashed, ...missing];
  }
  if (problems.length) throw new InstallError('health', problems.join('; '));
  guard.lift();
}

// The install errors whose line the log has already (a rollback's), so the install's caller does not log them again.
const loggedErrors = new WeakSet<Error>();
const logged = (error: InstallError): InstallError => (loggedErrors.add(error), error);

// Rollback: past the swap, a failure installs the running version back (its files as they were read), then lets the
// guard's held supervisors restart their children (with their states from the swap) and starts the
// applications whose exit it held. Resolves to the error to throw: one line, what failed and what runs.
async function rollBack(ctx: ProcessContext, state: RunningRelease, running: VersionFiles, what: string, guard: UpgradeGuard, snapshots: readonly Snapshot[], error: unknown, ran: ReadonlyMap<string, string | undefined>): Promise<InstallError> {
  const old = running.release.vsn;
  let notes: string[];
  try {
    // Only the modules the install changed go back: one it left alone (its code was already running) still runs as before.
    const back = await install(ctx, state, old, { probe: false, files: running, modules: [...ran.keys()] });
    notes = notLoadedBack(codeServerOf(state.node), old, what, ran, back.killed);
  } catch (e) {
    await guard.resume([]);
    state.log(`rollback to ${old} failed too: ${(e as Error).message}`);
    return logged(new InstallError('health', `${what} failed after its code was loaded and rolling back to ${old} failed too: ${(e as Error).message}; stop the node and start it again (bin/${running.release.name} stop, then daemon) to boot the permanent version, ${old}`));
  }
  await guard.resume(snapshots);
  const notRestarted = await restartStopped(ctx, state, running);
  const line = `${what} rolled back, ${old} still runs: ${[(error as Error).message, ...notRestarted, ...notes].join('; ')}`;
  state.log(line);
  return logged(new InstallError(error instanceof InstallError ? error.stage : 'applications', line));
}

// The modules a rollback could not give back the code that ran before the install: one a hot fix (a version loaded
// outside the release) ran. As OTP's release handler, a rollback installs the release's own version, never the hot fix.
function notLoadedBack(code: CodeServer, old: string, what: string, ran: ReadonlyMap<string, string | undefined>, killed: readonly Killed[]): string[] {
  const notes: string[] = [];
  for (const [name, vsn] of ran) {
    if (vsn === undefined || code.versions(name).current === vsn) continue;
    const n = killed.filter((k) => k.module === name).length;
    const gone = n > 0 ? `, and the ${n === 1 ? 'process' : `${n} processes`} still running ${vsn} ${n === 1 ? 'was' : 'were'} killed with it` : '';
    notes.push(`${name} runs release ${old}'s own code again, not ${vsn}, loaded outside the release, which ran before the ${what.split(' ')[0]} (a rollback restores the release's version${gone}): load ${vsn} again if it is still wanted`);
  }
  return notes;
}

// What an install moves: the relup step, its direction and the modules it adds, changes and removes.
interface InstallPlan {
  running: VersionFiles;
  target: VersionFiles;
  step: RelupStep;
  direction: 'up' | 'down';
  changes: Array<Extract<AppChange, { kind: 'change' }>>;
  added: ModuleSource[];
  /** The modules of the applications the step adds: loaded with the others (a changed module may import them), started after the swap. */
  appModules: ModuleSource[];
  changed: ModuleSource[];
  /** Per changed module of an upgrade: the version label of the code the running version's lib folder holds (see releaseCodeOf). */
  releaseCode: Record<string, string>;
  /** The applications the step removes, each with the modules its lib folder has (deleted and purged after the swap). */
  removedApps: Array<{ app: string; modules: string[] }>;
}

// What the swap did and what undoes it: the migrated processes, the guard holding escalations and the states.
interface Swapped {
  processes: Pid[];
  suspendedMs: number;
  killed: Array<{ pid: string; module: string }>;
  stranded: NonNullable<InstallReport['stranded']>;
  removedModules: string[];
  guard: UpgradeGuard | undefined;
  /** The version label each changed module ran before the swap (a hot fix's, when one was loaded outside the release). */
  ran: Map<string, string | undefined>;
  /** Monitors set before the swap on the processes it would migrate (guarded installs): the probe watches through them. */
  watch: Watch | undefined;
  snapshots: readonly Snapshot[];
  /** What the env staged before the swap changed, per application (stageEnv). */
  staged: EnvDiffs;
}

const verbOf = (direction: 'up' | 'down'): string => (direction === 'up' ? 'upgrade' : 'downgrade');

// One runtime per node (it holds the process table): a version built with another one cannot be installed into it
// (OTP's relup says restart_new_emulator), or its code would run on the old runtime while the tool said it was installed.
function checkRuntime(state: RunningRelease, target: VersionFiles, direction: 'up' | 'down'): void {
  const { runtime } = target.release;
  if (state.runtime === undefined || runtime === undefined || runtime === state.runtime) return;
  const { name, vsn } = target.release;
  throw new InstallError(
    'find',
    `${name} ${vsn} was built with @otp-ts/runtime ${runtime} and this node runs @otp-ts/runtime ${state.runtime}: a node's runtime cannot be replaced live (OTP's restart_new_emulator), so nothing was changed; to ${verbOf(direction)} live, rebuild ${vsn} with @otp-ts/runtime ${state.runtime}, else deploy ${vsn} as a new release root (stop this node, extract ${name}-${vsn}.tar.gz into an empty folder and start it there with daemon)`,
  );
}

// The root's runtime replaced under the running node (an npm install in the root): a version installed now would be made
// permanent on a runtime the node does not run, which its next boot refuses, and the node would mix two runtimes' code.
function checkRootRuntime(state: RunningRelease, target: VersionFiles, direction: 'up' | 'down'): void {
  let holds: string | undefined;
  try {
    holds = (JSON.parse(readFileSync(join(state.root, 'node_modules', '@otp-ts', 'runtime', 'package.json'), 'utf8')) as { version?: string }).version;
  } catch {
    return;
  }
  if (state.runtime === undefined || holds === undefined || holds === state.runtime) return;
  const { name, vsn } = target.release;
  throw new InstallError(
    'find',
    `this release root's node_modules/@otp-ts/runtime is ${holds}, replaced since the node booted on @otp-ts/runtime ${state.runtime} (an npm install in the root?), so ${vsn} was not installed and nothing was changed: installed now, ${name} ${vsn} would be permanent on a runtime its next boot refuses; put @otp-ts/runtime ${state.runtime} back in the root (as ${vsn}'s tarball carries it) and run ${verbOf(direction)} ${vsn} again, or stop the node and boot a version built with ${holds}`,
  );
}

// Find: the version's files (read, or given by a rollback), the relup step leading there and the modules it loads.
async function planInstall(state: RunningRelease, vsn: string, options: InstallOptions): Promise<InstallPlan> {
  const { name, vsn: runs } = state.files.release;
  if (vsn === runs) throw new InstallError('find', `${name} ${vsn} is already running, so there is nothing to install: give another version (bin/${name} versions lists them)`);
  if (!options.files && !hasVersion(state.root, vsn)) {
    const { releases } = await readReleases(state.root);
    // A downgrade goes back to a version the root still has: unpacking one that never was here is no advice.
    if (options.expect === 'down' && !releases.some((r) => r.vsn === vsn)) {
      throw new InstallError('find', `${vsn} is not a version of this release root, so there is nothing to downgrade to: versions here: ${releases.map((r) => `${r.vsn} (${r.status})`).join(', ')}; run bin/${name} downgrade with one of them`);
    }
    throw new InstallError('find', `version ${vsn} is not unpacked in ${state.root}: unpack it first (bin/${name} unpack ${vsn}); versions here: ${releases.map((r) => r.vsn).join(', ')}`);
  }
  // A version whose files are broken (an operator's edit of its relup.json) is the caller's input: refused, nothing changed.
  const broken = (error: unknown): never => {
    throw error instanceof ReleaseConfigError ? new InstallError('find', `${vsn} was not installed, nothing was changed: ${error.message}`) : error;
  };
  const target = options.files ?? (await readVersion(state.root, vsn, options.env ?? state.env).catch(broken));
  const { step, direction, running } = await Promise.resolve().then(() => findStep(state.root, state.files, target, options.files !== undefined)).catch(broken);
  checkRuntime(state, target, direction);
  // A rollback puts back what runs: only the install the caller asked for is refused.
  if (!options.files) checkRootRuntime(state, target, direction);
  if (options.expect !== undefined && options.expect !== direction) {
    throw new InstallError('find', `${vsn} is ${direction === 'up' ? 'an upgrade' : 'a downgrade'} from the running ${running.release.vsn}, not ${options.expect === 'up' ? 'an upgrade' : 'a downgrade'}: run bin/${running.release.name} ${verbOf(direction)} ${vsn}`);
  }
  const changes = step.apps.filter((a): a is Extract<AppChange, { kind: 'change' }> => a.kind === 'change');
  const relup = { vsn: direction === 'up' ? vsn : running.release.vsn, from: running.release.vsn, to: vsn };
  const loads = await Promise.all(changes.map((c) => modulesToLoad(state.root, c, relup)));
  const appModules = (await Promise.all(step.apps.filter((a) => a.kind === 'add').map((a) => addedModules(state.root, a.app, a.vsn)))).flat();
  const releaseCode = direction === 'up' ? await releaseCodeOf(state.root, changes) : {};
  const removedApps = await Promise.all(
    step.apps.filter((a) => a.kind === 'remove').map(async (a) => ({ app: a.app, modules: await readBuiltModules(join(state.root, 'lib', `${a.app}-${a.vsn}`)).then((r) => r.sources.map((m) => m.name), () => []) })),
  );
  // A module whose code is the one running (the relup names it, but a hot fix loaded that very code, or an edit changed
  // nothing) is left alone, as OTP's relup names only changed modules: no suspension, no codeChange, no purge.
  const code = codeServerOf(state.node);
  const changed = loads.flatMap((l) => l.changed).filter((s) => (options.modules === undefined || options.modules.includes(s.name)) && !code.sameCode(s));
  return { running, target, step, direction, changes, added: loads.flatMap((l) => l.added), appModules, changed, releaseCode, removedApps };
}

// Check: the dry run, where nothing changes: the added modules are evaluated with the changed ones (which may import
// them), none installed. Loading one here would purge the version an earlier upgrade removed, killing the processes
// still running it, before the point of no return.
async function checkInstall(code: CodeServer, root: string, plan: InstallPlan, vsn: string): Promise<ModuleVersion[]> {
  let evaluated: ModuleVersion[];
  try {
    evaluated = await check(code, [...plan.appModules, ...plan.added, ...plan.changed], plan, vsn);
  } catch (error) {
    throw error instanceof InstallError ? error : new InstallError('check', (error as Error).message);
  }
  try {
    checkPurges(code, root, plan, evaluated, vsn, await readReleases(root).then((r) => r.releases, () => []));
  } catch (error) {
    code.discard(evaluated);
    throw error;
  }
  return evaluated;
}

// OTP's soft_purge check before the point of no return (release_handler's check_old_processes): a supervisor whose child
// spec starts with a closure of a version the swap purges (the changed and removed modules' old versions) would have
// that child's restart refused long after the install passed its probe. Refused here, before anything changed.
function checkPurges(code: CodeServer, root: string, plan: InstallPlan, evaluated: readonly ModuleVersion[], vsn: string, releases: ReleasesFile['releases']): void {
  const purged: ModuleVersion[] = [];
  for (const v of evaluated) {
    const { current, old } = code.record(v.module);
    // A version installed again over a deleted module's old one revives it (upgrade.ts's revives), as a downgrade back to
    // the code the old version has does (that very version becomes current again): nothing is purged.
    if (old !== null && old !== v && !((current === null || plan.direction === 'down') && old.vsn === v.vsn)) purged.push(old);
  }
  for (const m of plan.changes.flatMap((c) => c.removed)) {
    const old = code.record(m).old;
    if (old !== null) purged.push(old);
  }
  // A removed application's modules are deleted and purged, both versions: a supervisor outside it holding their
  // closures could not restart that child; its own supervisors are stopped with it, so they hold nothing up.
  for (const m of plan.removedApps.flatMap((a) => a.modules)) {
    const { current, old } = code.record(m);
    for (const v of [current, old]) if (v !== null && !purged.includes(v)) purged.push(v);
  }
  const removed = new Set(plan.removedApps.map((a) => a.app));
  const held = heldStarts(code, purged);
  for (const v of purged) {
    const h = held.get(v)!.filter((x) => !removed.has(appLedBy(code.node, x.proc.groupLeader) ?? ''));
    if (h.length > 0) throw new InstallError('check', heldStartsLine(v, h, `${vsn} was not installed, nothing was changed`, releaseLabel(root, releases, v)), v.module, h[0]!.proc.pid);
  }
}

// A module version as an operator knows it: the release versions whose lib/<app>-<vsn> folder it was loaded from
// (`fx/srv of release version 1 (lib/fx-1)`), not its source hash; the hash when it came from elsewhere.
function releaseLabel(root: string, releases: ReleasesFile['releases'], v: ModuleVersion): string {
  const lib = join(root, 'lib') + sep;
  const file = v.filename.replace(/\?v=[^?]*$/, '');
  if (!file.startsWith(lib)) return `${v.module} (version ${v.vsn})`;
  const folder = file.slice(lib.length).split(sep)[0]!;
  const of = releases.filter((r) => r.applications.some((a) => `${a.name}-${a.vsn}` === folder)).map((r) => r.vsn);
  if (of.length === 0) return `${v.module} (as lib/${folder} has it)`;
  return `${v.module} of release version${of.length > 1 ? 's' : ''} ${of.join(', ')} (lib/${folder})`;
}

// Swap, the point of no return: the code and the states move together, or not at all. A guarded install
// holds escalations first and keeps the states the upgrade migrated (of the processes a supervisor restarts,
// found beforehand) for a rollback; a rollback (not guarded) runs under the guard of the install it undoes.
async function swap(ctx: ProcessContext, code: CodeServer, plan: InstallPlan, evaluated: readonly ModuleVersion[], vsn: string, guarded: boolean): Promise<Swapped> {
  const { changes, changed, direction } = plan;
  const snapshot = guarded ? await snapshotTargets(ctx, code, changed.map((s) => s.name)) : undefined;
  const guard = guarded ? new UpgradeGuard(ctx) : undefined;
  const watch = guarded ? watchBeforeSwap(ctx, code, changed.map((s) => s.name)) : undefined;
  const ran = new Map(changed.map((s) => [s.name, code.versions(s.name).current]));
  const perModule: Record<string, { oldVsn: unknown; extra: unknown }> = {};
  for (const c of changes) for (const m of c.changed) perModule[m.module] = { oldVsn: direction === 'up' ? c.from : { down: c.to }, extra: c.extra };
  let upgrade;
  try {
    upgrade = await upgradeKeepingStates(ctx, code, changed, { perModule, releaseCode: plan.releaseCode, downgrade: direction === 'down', added: [...plan.appModules, ...plan.added], evaluated, revive: !guarded || direction === 'down' });
  } catch (error) {
    watch?.stop();
    await guard?.resume([]);
    // The upgrade's own 'upgrade rolled back: ' would say it twice.
    if (error instanceof UpgradeError) throw new InstallError(error.stage, `${verbOf(direction)} to ${vsn} rolled back, ${plan.running.release.vsn} still runs: ${error.message.replace(/^upgrade rolled back: /, '')}`, error.module, error.pid);
    throw error;
  }
  const removedModules = changes.flatMap((c) => c.removed);
  const { report } = upgrade;
  const killed = report.killed.map((k) => ({ pid: String(k.pid), module: k.module }));
  for (const m of removedModules) killed.push(...deleteModule(code, m, false));
  const stranded = report.stranded.map((k) => ({ pid: String(k.pid), module: k.module, ...(k.kind ? { kind: k.kind } : {}) }));
  return { processes: report.processes, suspendedMs: report.suspendedMs, killed, stranded, removedModules, guard, ran, watch, snapshots: snapshot?.of(upgrade.before) ?? [], staged: new Map() };
}

// Apply: the application changes (see changeApplications), after which the target is the version the node
// runs. Resolves to what changed and the supervisor children that did not start.
async function apply(ctx: ProcessContext, state: RunningRelease, plan: InstallPlan, migrated: readonly Pid[], staged: EnvDiffs): Promise<{ report: Pick<InstallReport, 'apps' | 'children' | 'killed'>; synced: Synced }> {
  const report = { children: { started: [] as string[], stopped: [] as string[] }, apps: { added: [] as string[], removed: [] as string[], changed: plan.changes.map((c) => c.app) }, killed: [] as Killed[] };
  const synced = await changeApplications(ctx, state, plan.step, plan.target, migrated, staged, report);
  state.files = plan.target;
  return { report, synced };
}

// Apply, then (guarded) probe; past the swap, anything that fails — an application change, a supervisor's
// new child that does not start, a crash or an escalation in the probe window — rolls back to the running version.
async function applyAndProbe(ctx: ProcessContext, state: RunningRelease, plan: InstallPlan, swapped: Swapped, vsn: string, options: InstallOptions, evaluated: readonly ModuleVersion[]): Promise<Pick<InstallReport, 'apps' | 'children' | 'killed'>> {
  const { guard } = swapped;
  try {
    const watch = guard ? swapped.watch?.keep(swapped.processes) : undefined;
    const { report, synced } = await apply(ctx, state, plan, swapped.processes, swapped.staged);
    // A migrated child its supervisor's new specs dropped was stopped on purpose: its exit (killed, for a brutalKill) is no crash.
    watch?.forget(synced.stopped);
    if (guard) await probe(ctx, guard, watch!, options.probeMs ?? PROBE_MS, plan.target, synced.failed, options.holdFile);
    await permanent(state.root, vsn);
    return report;
  } catch (error) {
    if (!guard) throw error; // a rollback that fails is reported by the install it undoes
    state.files = plan.target;
    const failure = await rollBack(ctx, state, plan.running, `${verbOf(plan.direction)} to ${vsn}`, guard, swapped.snapshots, error, swapped.ran);
    // The versions rolled back from keep no timer or process their top levels started (those still current, when the
    // rollback itself failed, keep theirs).
    codeServerOf(state.node).rolledBack(evaluated);
    throw failure;
  }
}

/**
 * Installs another version on the running node, as OTP's release_handler does: a dry run (every module
 * evaluates, every migrated process has a codeChange), then the point of no return: load, suspend,
 * codeChange, resume, application changes, a health probe, and permanence. From the swap to permanence
 * an UpgradeGuard holds the node's escalations (a crash-looping supervisor, an exiting application);
 * any failure in that window installs the old version back, code, states and applications.
 */
export async function install(ctx: ProcessContext, state: RunningRelease, vsn: string, options: InstallOptions = {}): Promise<InstallReport> {
  const started = performance.now();
  const code = codeServerOf(state.node);
  const plan = await planInstall(state, vsn, options);
  // What the release handler's install tries, for its report if it rolls back (a rollback's own install, to another version, leaves it).
  const attempt = state.attempt?.to === vsn ? state.attempt : undefined;
  if (attempt) attempt.modules = { changed: plan.changed.map((s) => s.name), added: plan.added.map((s) => s.name), removed: plan.changes.flatMap((c) => c.removed) };
  if (options.probe !== false) await checkWritable(state.root);
  const evaluated = await checkInstall(code, state.root, plan, vsn);
  // Versions the check evaluated that the swap then does not install: the timers their top levels started stop.
  const staged = await stageEnv(ctx, state, plan).catch((error: unknown) => {
    code.discard(evaluated);
    throw error;
  });
  const swapped = await swap(ctx, code, plan, evaluated, vsn, options.probe !== false).catch(async (error: unknown) => {
    code.discard(evaluated);
    await stageEnv(ctx, state, plan, true).catch(() => undefined);
    throw error;
  });
  swapped.staged = staged;
  if (attempt) Object.assign(attempt, { processes: swapped.processes.length, suspendedMs: swapped.suspendedMs, killed: swapped.killed });
  // Until permanent or rolled back, the version that ran stays loaded as the changed modules' old version, for a
  // rollback to bring back: a load, purge or upgrade of them by hand would purge it (serial.ts), so they are refused.
  const release = options.probe !== false ? holdForInstall(code, plan.changed.map((s) => s.name)) : () => undefined;
  const report = await applyAndProbe(ctx, state, plan, swapped, vsn, options, evaluated).finally(release);
  const from = plan.running.release.vsn;
  const result: InstallReport = {
    from,
    to: vsn,
    direction: plan.direction,
    modules: { changed: plan.changed.map((s) => s.name), added: plan.added.map((s) => s.name), removed: swapped.removedModules },
    apps: report.apps,
    processes: swapped.processes.length,
    suspendedMs: swapped.suspendedMs,
    killed: [...swapped.killed, ...report.killed],
    stranded: swapped.stranded,
    children: report.children,
    ms: performance.now() - started,
  };
  state.log(`${plan.direction === 'up' ? 'upgraded' : 'downgraded'} ${plan.running.release.name} ${from} → ${vsn}: ${result.modules.changed.length} modules, ${result.processes} processes suspended for ${result.suspendedMs.toFixed(1)} ms${result.killed.length ? `, ${result.killed.length} killed running purged code` : ''}${result.stranded?.length ? `, ${result.stranded.length} left on ${plan.direction === 'up' ? 'the old code' : `the code of ${from}`} (callbacks made at run time: ${result.stranded.map((s) => `${s.pid} ${s.module}`).join(', ')})` : ''}`);
  return result;
}

/** The longest health-probe window an install takes (one hour): while it runs the node installs and restarts nothing else. */
export const MAX_PROBE_MS = 3_600_000;

// A sentence refusing release_handler install's arguments (an rpc from any connected node) when they are not a version
// label and an options object with a whole probeMs >= 0; undefined when they are.
function badInstallArgs(vsn: unknown, options: unknown, name: string): string | undefined {
  // The command the caller ran: a downgrade's refusal names downgrade, not upgrade.
  const verb = options !== null && typeof options === 'object' && (options as { expect?: unknown }).expect === 'down' ? 'downgrade' : 'upgrade';
  if (typeof vsn !== 'string' || vsn === '' || vsn === '.' || vsn === '..' || /[/\\\0]/.test(vsn)) {
    return `release_handler install needs a version label (the name of a folder of releases/, such as '0.2.0'), got ${describeArg(vsn)}, so nothing was installed: run bin/${name} ${verb} VSN with a version bin/${name} versions lists`;
  }
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    return `release_handler install needs its options as an object ({ probeMs, env, expect }), got ${describeArg(options)}, so ${vsn} was not installed: pass {} for none`;
  }
  const { probeMs, env } = options as { probeMs?: unknown; env?: unknown };
  if (probeMs !== undefined && !(typeof probeMs === 'number' && Number.isInteger(probeMs) && probeMs >= 0 && probeMs <= MAX_PROBE_MS)) {
    return `release_handler install needs probeMs as a whole number of milliseconds from 0 to ${MAX_PROBE_MS} (one hour: the node installs nothing else while it watches), got ${describeArg(probeMs)}, so ${vsn} was not installed: pass e.g. { probeMs: 5000 }, or leave it out for the default`;
  }
  if (env !== undefined && (env === null || typeof env !== 'object' || Object.values(env).some((v) => typeof v !== 'string'))) {
    return `release_handler install needs env as an object of strings (the variables the version's files use), got ${describeArg(env)}, so ${vsn} was not installed: pass { env: { NAME: 'value' } }, or leave it out`;
  }
  return undefined;
}

// An argument as a sentence shows it: its JSON when it has one (cut short), else its type.
function describeArg(value: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    json = undefined;
  }
  return json === undefined ? typeof value : json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

// What the node's install writes in the root's lock, for a command waiting on it.
const NODE_LOCK = { who: "the running node's install" };

/** Marks a version permanent in RELEASES.json (the one the next boot starts); the previous one becomes old. */
export async function makePermanent(root: string, vsn: string): Promise<void> {
  // A rollback to the version still permanent takes no lock and writes nothing (so it does not fail where the install it undoes did).
  if (!marked(await readReleases(root), vsn)) return;
  await withReleasesLock(root, async () => {
    const releases = await readReleases(root);
    if (!marked(releases, vsn)) return;
    const files = await readVersion(root, vsn, {}).catch(() => undefined);
    if (!releases.releases.some((r) => r.vsn === vsn)) releases.releases.push({ vsn, status: 'permanent', applications: files?.release.applications ?? [] });
    await writeReleases(root, releases);
  }, NODE_LOCK);
}

// Marks `vsn` permanent in `releases` (the previous one old); whether that changed anything (an unlisted version is added by the caller).
function marked(releases: ReleasesFile, vsn: string): boolean {
  let found = false;
  let changed = false;
  for (const r of releases.releases) {
    const status = r.vsn === vsn ? 'permanent' : r.status === 'permanent' || r.status === 'current' ? 'old' : r.status;
    found ||= r.vsn === vsn;
    changed ||= status !== r.status;
    r.status = status;
  }
  return changed || !found;
}

// The last step of an install, inside its rollback: the version becomes the one the next boot starts, or the install
// is undone (a node running a version its next boot would not start loses the upgrade at its next restart).
async function permanent(root: string, vsn: string): Promise<void> {
  try {
    await makePermanent(root, vsn);
  } catch (error) {
    throw new InstallError('permanent', `${vsn} could not be made permanent: ${(error as Error).message}`);
  }
}

// Before anything changes: RELEASES.json can be rewritten, so the install can be made permanent. The temporary file
// writeReleases renames over it is written and removed (RELEASES.json itself is not rewritten: an unpack may be adding to it).
async function checkWritable(root: string): Promise<void> {
  const file = join(root, 'releases', 'RELEASES.json');
  try {
    await withReleasesLock(root, async () => {
      await writeFile(`${file}.tmp`, '');
      await rm(`${file}.tmp`);
    }, NODE_LOCK);
  } catch (error) {
    if (error instanceof ReleaseBusyError) throw new InstallError('check', error.message);
    throw new InstallError('check', `${file} cannot be written (${(error as Error).message}), so no version could be made permanent: make ${join(root, 'releases')} writable by the node's user and run the upgrade again`);
  }
}

/** The release handler's functions, served to the start script by rpc as module `release_handler`. */
export function releaseHandler(state: RunningRelease): Record<string, (...args: never[]) => unknown> {
  // One install (or restart) at a time, as OTP's release_handler (one gen_server) runs them. A second one asked for meanwhile
  // is refused, not queued: a queued install could outlast its caller's wait, be reported failed and still run afterwards,
  // over a version its caller did not see running.
  let queue: Promise<unknown> = Promise.resolve();
  let busy: string | undefined;
  const serial = <T>(what: string, work: () => Promise<T>): Promise<T> => {
    busy = what;
    const next = work().finally(() => (busy = undefined));
    queue = next.catch(() => undefined);
    return next;
  };
  // Until the work running (an install, a restart) has ended.
  state.idle = async () => {
    for (let last: Promise<unknown> | undefined; last !== queue; ) await (last = queue);
  };
  const run = <T>(fn: (ctx: ProcessContext) => Promise<T>): Promise<T> => state.node.run(fn);
  const name = (): string => state.files.release.name;
  return {
    // `installing`: the version an install in progress goes to (it runs from the swap, not permanent until its probe passes).
    // Its root moved (mv) or removed since boot, the versions file is not where the node booted it from: what runs is still said
    // (the start script of the moved root lists its own releases), without the list.
    versions: async () => {
      const releases = await readReleases(state.root).then((r) => r.releases, () => undefined);
      return { running: state.files.release.vsn, ...(releases ? { releases } : {}), ...(state.lastUpgrade ? { lastUpgrade: state.lastUpgrade } : {}), ...(state.attempt ? { installing: { from: state.attempt.from, to: state.attempt.to } } : {}) };
    },
    which: () => run((ctx) => application.whichApplications(ctx)),
    pid: () => process.pid,
    // The root it was started from: a start script run from a copy of the root (sharing the node name) refuses to act on it.
    root: () => resolve(state.root),
    // The start script sends the variables the version's files use, from the shell that runs upgrade.
    install: (vsn: string, options: { env?: Record<string, string>; probeMs?: number; expect?: 'up' | 'down'; holdFile?: string } = {}) => {
      // Any connected node may call this: arguments of the wrong shape are refused before anything is marked or logged.
      const bad = badInstallArgs(vsn, options, name());
      if (bad !== undefined) return Promise.resolve({ refused: bad } satisfies InstallRefused);
      // The same version asked again while an install of it runs: not "already running" (it is not permanent until its
      // probe passes, and may roll back), but busy, which the caller may retry once it is done; another version, or during
      // a restart, is busy too, and the caller runs its command again once that has ended.
      if (busy !== undefined) {
        const verb = options.expect === 'down' ? 'downgrade' : 'upgrade';
        const refused = state.attempt?.to === vsn ? `an install of ${vsn} (over ${state.attempt.from}) is in progress on this node: wait for it to end (bin/${name()} versions shows it), then check whether ${vsn} is permanent` : `${busy} is in progress on this node, so ${vsn} was not installed: wait for it to end (bin/${name()} versions shows it), then run bin/${name()} ${verb} ${vsn} again`;
        return Promise.resolve({ refused, busy: true } satisfies InstallRefused);
      }
      const from = state.files.release.vsn;
      return serial(`an install of ${vsn} (over ${from})`, async () => {
        const attempt = (state.attempt = { from, to: vsn, modules: { changed: [], added: [], removed: [] }, processes: 0, suspendedMs: 0, killed: [] });
        await markInstalling(state.root, { pid: process.pid, from, to: vsn });
        try {
          // The install's failure is its answer, not a crash: it comes back as a value, so the log gets its one line
          // below rather than an "Error in process" report with the handler's stack.
          const ran = await run((ctx) =>
            install(ctx, state, vsn, { ...(options.env ? { env: options.env } : {}), ...(options.probeMs !== undefined ? { probeMs: options.probeMs } : {}), ...(options.expect === 'up' || options.expect === 'down' ? { expect: options.expect } : {}), ...(typeof options.holdFile === 'string' ? { holdFile: options.holdFile } : {}) }).then(
              (report) => ({ report }),
              (failed: unknown) => ({ failed }),
            ),
          );
          if ('failed' in ran) throw ran.failed;
          const r = ran.report;
          state.lastUpgrade = { from: r.from, to: r.to, at: Date.now(), outcome: 'installed', modules: r.modules, processes: r.processes, suspendedMs: r.suspendedMs, killed: r.killed };
          return r;
        } catch (error) {
          // The install's own error, not node.run's wrapping of its process's exit.
          const failure: unknown = error instanceof Error && error.name === 'ProcessExit' ? error.cause : error;
          // A version this node cannot go to (unknown, not unpacked, no relup, running already) is the caller's input,
          // not a failed install: answered as a refusal, since only an error's message crosses rpc.
          if (failure instanceof InstallError && failure.stage === 'find') {
            const noRelup = (failure as { noRelup?: InstallRefused['noRelup'] }).noRelup;
            return { refused: failure.message, ...(noRelup ? { noRelup } : {}) } satisfies InstallRefused;
          }
          // A refusal before the swap changes nothing: only what touched the node is kept.
          if (!(failure instanceof InstallError) || !['find', 'check', 'evaluate'].includes(failure.stage))
            state.lastUpgrade = { from, to: vsn, at: Date.now(), outcome: 'rolled back', reason: failure instanceof Error ? failure.message : String(failure), modules: attempt.modules, processes: attempt.processes, suspendedMs: attempt.suspendedMs, killed: attempt.killed };
          if (!(failure instanceof Error && loggedErrors.has(failure))) state.log(failure instanceof Error ? failure.message : String(failure));
          throw error;
        } finally {
          state.attempt = undefined;
          await unmarkInstalling(state.root).catch(() => undefined);
        }
      });
    },
    stop: () => {
      setTimeout(() => void state.stop('stop'), 20);
      return 'ok';
    },
    restart: () => {
      if (busy !== undefined) return Promise.reject(new Error(`${busy} is in progress on this node, so the applications were not restarted: wait for it to end (bin/${name()} versions shows it), then run bin/${name()} restart again`));
      return serial('a restart of the applications', async () => {
        // An application stopped already (by hand, application.stop) is started again with the others, as OTP's
        // init:restart starts whatever the release names: before, the restart failed with every other one stopped.
        const failures = (await stopApplications(state)).filter((e) => !(e instanceof ApplicationError && e.code === 'notStarted'));
        if (failures.length > 0) throw failures[0];
        await startApplications(state, state.files);
        return state.started;
      });
    },
  };
}
