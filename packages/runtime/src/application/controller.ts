import { setImmediate } from 'node:timers';
import type { Pid } from '../pid.js';
import type { ProcessContext } from '../types.js';
import { Exit } from '../messages.js';
import { genCall, replyTo } from '../gen/call.js';
import type { From } from '../gen/messages.js';
import { ok, noreply, reply, type GenServer } from '../gen-server/types.js';
import { loggerOf, isNormalExit } from '../logger.js';
import { describeBrief } from '../errors.js';
import { envOf } from './env.js';
import { newLoadedTable } from './keys.js';
import { AppExited, NewCallbackModule, runMaster, StartReturnedError, StopApp } from './master.js';
import { validateConfig, validateResource, validateSettings } from './resource.js';
import { escalationHeld } from '../supervisor/escalation.js';
import { ApplicationError, checkStartType, type AppResource, type ApplicationModule, type ModuleLoader, type RunningApp, type StartType } from './types.js';

/** Options of the application controller of a node. */
export interface ControllerOptions {
  /** Loads callback modules named by path in resources (default: dynamic import of the file). */
  loader?: ModuleLoader;
  /** Called when a permanent application exits, or a transient one abnormally: the node must stop. */
  onNodeStop?: (reason: unknown) => void;
  /** Awaited first, with the same reason, while the other applications still run: a crash dump records the node as the exit left it. */
  beforeNodeStop?: (reason: unknown) => Promise<unknown>;
}

/** What clients ask the controller. */
export type ControllerRequest =
  | { op: 'load'; resource: AppResource }
  | { op: 'unload'; app: string }
  | { op: 'start'; app: string; type: StartType }
  | { op: 'stop'; app: string }
  | { op: 'loaded' }
  | { op: 'which' }
  | { op: 'supervisor'; app: string }
  | { op: 'config'; config: Record<string, Record<string, unknown>> }
  | { op: 'update'; resource: AppResource; config?: Record<string, unknown> };

/** The controller's answer: a value, or an error the client rethrows. */
export type ControllerAnswer = { ok: true; value: unknown } | { ok: false; error: ApplicationError };

interface Started {
  type: StartType;
  master: Pid | null;
  /** Its top supervisor (the pid its start returned); null for a library application. */
  top: Pid | null;
}

// An application whose master runs its start (and start phases): the callers waiting for the outcome.
interface Starting {
  type: StartType;
  master: Pid;
  waiters: From[];
}

interface State {
  ctx: ProcessContext;
  options: ControllerOptions;
  loaded: Map<string, AppResource>;
  started: Map<string, Started>;
  starting: Map<string, Starting>;
  /** Applications whose stop is under way (their master runs prepStop, the tree's shutdown, stop), with the starts waiting for it. */
  stopping: Map<string, Array<{ type: StartType; from: From }>>;
}

/** A master's answer to its start: the top supervisor runs and the phases passed, or why not. */
class MasterAck {
  constructor(
    readonly app: string,
    readonly master: Pid,
    readonly ok: boolean,
    readonly value: unknown,
  ) {}
}

// A stopper's report: the applications it was given are down; `then` runs in the controller.
class Stopped {
  constructor(
    readonly apps: readonly string[],
    readonly then: () => unknown,
  ) {}
}

// The start of an application that will answer later (its master acknowledges to the controller).
const PENDING: unique symbol = Symbol('pending');

const done = (value: unknown): ControllerAnswer => ({ ok: true, value });
const refuse = (error: ApplicationError): ControllerAnswer => ({ ok: false, error });

const defaultLoader: ModuleLoader = async (path, resource) => {
  const { pathToFileURL } = await import('node:url');
  const { resolve } = await import('node:path');
  const mod = await import(pathToFileURL(resolve(resource.dir ?? '.', path)).href);
  return (mod.default ?? mod) as ApplicationModule;
};

/** The application controller, a gen_server like OTP's. */
export const controllerServer: GenServer<State, ControllerRequest, never, ControllerAnswer, ControllerOptions> = {
  name: 'application_controller',
  init(options, ctx) {
    ctx.trapExit(true);
    return ok({ ctx, options, loaded: newLoadedTable(ctx.node), started: new Map(), starting: new Map(), stopping: new Map() });
  },

  async handleCall(req, from, state) {
    try {
      // A start answers when its master acknowledges, so the controller serves other requests (which
      // applications run, a dependency started by the start itself, a stop) meanwhile, as OTP's does.
      if (req.op === 'start') return (await startApp(state, req.app, req.type, from as From)) === PENDING ? noreply(state) : reply(done(undefined), state);
      // A stop answers once the application is down; meanwhile its prepStop or stop may call the controller.
      if (req.op === 'stop') return (stopRequested(state, req.app, from as From), noreply(state));
      return reply(done(await handle(state, req)), state);
    } catch (error) {
      if (error instanceof ApplicationError) return reply(refuse(error), state);
      throw error;
    }
  },

  async handleInfo(msg, state) {
    if (msg instanceof AppExited) await appExited(state, msg.app, msg.reason);
    else if (msg instanceof MasterAck) await masterAcked(state, msg);
    else if (msg instanceof Stopped) await stopped(state, msg);
    else if (msg instanceof Exit) await masterExited(state, msg);
    return noreply(state);
  },

  async terminate(_reason, state) {
    for (const app of [...state.started.keys()].reverse()) await stopApp(state, app);
  },
};

async function handle(state: State, req: ControllerRequest): Promise<unknown> {
  const env = envOf(state.ctx.node);
  switch (req.op) {
    case 'load': {
      const r = validateResource(req.resource);
      if (state.loaded.has(r.name)) throw new ApplicationError('alreadyLoaded', r.name, `application '${r.name}' is already loaded`);
      state.loaded.set(r.name, r);
      // As OTP's application:set_env before a load: what the resource (or sys.config) sets wins, the rest stays.
      env.load(r.name, r.env, true);
      return undefined;
    }
    case 'unload':
      if (state.started.has(req.app) || state.starting.has(req.app)) throw new ApplicationError('alreadyStarted', req.app, `application '${req.app}' is running: stop it before unloading`);
      if (state.stopping.has(req.app)) throw new ApplicationError('alreadyStarted', req.app, `application '${req.app}' is stopping: unload it once application.stop has answered`);
      if (!state.loaded.delete(req.app)) throw new ApplicationError('notLoaded', req.app, `application '${req.app}' is not loaded`);
      env.unload(req.app);
      return undefined;
    case 'start':
      throw new Error('the controller answers a start in handleCall');
    case 'stop':
      throw new Error('the controller answers a stop in handleCall');
    case 'loaded':
      return [...state.loaded.values()].map((r) => ({ name: r.name, description: r.description ?? '', vsn: r.vsn, applications: r.applications ?? [] }));
    case 'which':
      return [...state.started.entries()].reverse().map(([name, s]): RunningApp => {
        const r = state.loaded.get(name)!;
        return { name, description: r.description ?? '', vsn: r.vsn, type: s.type };
      });
    case 'supervisor':
      return state.started.get(req.app)?.top ?? undefined;
    case 'update':
      return updateApp(state, req.resource, req.config);
    case 'config':
      validateConfig(req.config, 'application.setConfig');
      env.overrides = req.config;
      // A persistent setting wins over sys.config, as OTP's set_env with persistent.
      for (const [app, values] of Object.entries(req.config)) if (state.loaded.has(app)) for (const [k, v] of Object.entries(values)) if (!env.isPersistent(app, k)) env.set(app, k, v);
      return undefined;
  }
}

// OTP's change_application_data: a release upgrade replaces a loaded (maybe running) application's resource and
// sys.config. Answers what changed and whether the application runs: the caller runs its configChange (as OTP's
// config_change runs in the release handler), so a callback that throws or hangs cannot take the controller with it.
async function updateApp(state: State, resource: AppResource, config: Record<string, unknown> | undefined): Promise<unknown> {
  const r = validateResource(resource);
  if (config !== undefined) validateSettings(r.name, config, 'application.update');
  if (!state.loaded.has(r.name)) throw new ApplicationError('notLoaded', r.name, `application '${r.name}' is not loaded: load it first (application.load)`);
  const env = envOf(state.ctx.node);
  const before = env.all(r.name);
  if (config !== undefined) env.overrides = { ...env.overrides, [r.name]: config };
  state.loaded.set(r.name, r);
  env.load(r.name, r.env);
  const after = env.all(r.name);
  const changed: Record<string, unknown> = {};
  const added: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(after)) {
    if (!(k in before)) added[k] = v;
    else if (JSON.stringify(before[k]) !== JSON.stringify(v)) changed[k] = v;
  }
  const removed = Object.keys(before).filter((k) => !(k in after));
  const mod = typeof r.mod === 'object' ? r.mod : undefined;
  const master = state.started.get(r.name)?.master;
  if (mod !== undefined && master) state.ctx.send(master, new NewCallbackModule(mod));
  return { changed, added, removed, running: state.started.has(r.name) };
}

function stopRequested(state: State, app: string, from: From): void {
  // As OTP: an application still starting is not started yet.
  if (state.starting.has(app)) throw new ApplicationError('notStarted', app, `application '${app}' is still starting (its start or a start phase runs): stop it once application.start has answered`);
  if (state.stopping.has(app)) throw new ApplicationError('notStarted', app, `application '${app}' is stopping already: its prepStop or stop cannot stop it again`);
  if (!state.started.has(app)) throw new ApplicationError('notStarted', app, `application '${app}' is not started, so there is nothing to stop (application.whichApplications() lists the started ones)`);
  loggerOf(state.ctx.node).info({ kind: 'application', application: app, exited: 'stopped', type: state.started.get(app)!.type }, { pid: state.ctx.self() });
  stopInBackground(state, [app], () => replyTo(from, done(undefined)));
}

// Stops applications in the order given, each through its master, in a helper process: the controller serves
// meanwhile, so a prepStop or stop that asks it which applications run, or stops another one, gets its answer
// (OTP's controller would wait for the master while the master waits for it).
function stopInBackground(state: State, apps: readonly string[], then: () => unknown): void {
  const masters: Pid[] = [];
  for (const app of apps) {
    const master = state.started.get(app)?.master;
    state.started.delete(app);
    state.stopping.set(app, []);
    if (master) masters.push(master);
  }
  const controller = state.ctx.self();
  state.ctx.spawnLink(async (stopper) => {
    for (const master of masters) {
      if (stopper.isAlive(master)) await genCall(stopper, master, (from) => new StopApp(from), 'stop', Infinity).catch(() => undefined);
    }
    stopper.send(controller, new Stopped(apps, then));
  });
}

// Applications are down: the stop's `then` runs, then the starts that waited for the stop.
async function stopped(state: State, msg: Stopped): Promise<void> {
  const waiting = msg.apps.flatMap((app) => {
    const starts = state.stopping.get(app) ?? [];
    state.stopping.delete(app);
    return starts.map((start) => ({ app, ...start }));
  });
  await msg.then();
  for (const { app, type, from } of waiting) {
    try {
      if ((await startApp(state, app, type, from)) !== PENDING) replyTo(from, done(undefined));
    } catch (error) {
      if (!(error instanceof ApplicationError)) throw error;
      replyTo(from, refuse(error));
    }
  }
}

async function startApp(state: State, app: string, type: StartType, from: From): Promise<void | typeof PENDING> {
  checkStartType(app, type);
  const r = state.loaded.get(app);
  if (!r) throw new ApplicationError('notLoaded', app, `application '${app}' is not loaded: load it first (application.load)`);
  if (state.started.has(app)) throw new ApplicationError('alreadyStarted', app, `application '${app}' is already started: stop it first (application.stop), or call application.ensureStarted, which answers for a started one`);
  const stopping = state.stopping.get(app);
  if (stopping !== undefined) {
    // As OTP's controller, which answers a start only after the stop it is busy with: it then starts the application.
    stopping.push({ type, from });
    return PENDING;
  }
  const starting = state.starting.get(app);
  if (starting !== undefined) {
    // A second start of an application being started waits for the first one's outcome (OTP's start_req).
    starting.waiters.push(from);
    return PENDING;
  }
  for (const dep of r.applications ?? []) {
    if (!state.started.has(dep)) throw new ApplicationError('notStartedDependency', app, `application '${app}' needs '${dep}' started first (application.ensureAllStarted starts dependencies in order)`);
  }
  if (r.mod === undefined) {
    state.started.set(app, { type, master: null, top: null });
    return;
  }
  let mod: ApplicationModule;
  try {
    mod = typeof r.mod === 'string' ? await (state.options.loader ?? defaultLoader)(r.mod, r) : r.mod;
  } catch (error) {
    // As OTP, where a callback module that cannot be loaded fails the start in the master (undef): the caller
    // hears startFailed and the start type decides the rest; the controller and the other applications go on.
    await startFailedFor(state, app, type, [from], new Error(`its callback module '${r.mod as string}' (otp.mod) cannot be loaded: ${error instanceof Error ? error.message : describeBrief(error, READABLE_CHARS)}`, { cause: error }));
    return PENDING;
  }
  const controller = state.ctx.self();
  const master = state.ctx.spawnLink((child) =>
    runMaster(child, app, mod, r.modArgs, r.startPhases ?? [], controller, (ok, value) => child.send(controller, new MasterAck(app, child.self(), ok, value))),
  );
  state.starting.set(app, { type, master, waiters: [from] });
  return PENDING;
}

function startFailed(app: string, error: unknown): ApplicationError {
  const cause = (error as { reason?: unknown }).reason ?? error;
  return new ApplicationError('startFailed', app, `application '${app}' failed to start: ${cause instanceof Error ? cause.message : readableReason(cause)}`, { cause });
}

// A supervisor's refusal to start as a sentence (its exit reason is data for programs, not for reading).
function readableReason(cause: unknown): string {
  const c = cause as { badSupervisorSpec?: unknown; shutdown?: { failedToStartChild?: unknown; reason?: unknown } } | null;
  if (c !== null && typeof c === 'object' && typeof c.badSupervisorSpec === 'string') return `its supervisor's spec is invalid: ${c.badSupervisorSpec}`;
  const failed = c !== null && typeof c === 'object' && c.shutdown !== null && typeof c.shutdown === 'object' ? c.shutdown : undefined;
  if (failed?.failedToStartChild !== undefined) return `its supervisor's child '${describeBrief(failed.failedToStartChild)}' failed to start: ${describeBrief(failed.reason, READABLE_CHARS)}`;
  return describeBrief(cause, READABLE_CHARS);
}

// The most characters of a start failure's reason its sentence quotes: the whole reason is the error's cause.
const READABLE_CHARS = 300;

async function masterAcked(state: State, ack: MasterAck): Promise<void> {
  const s = state.starting.get(ack.app);
  if (s === undefined || s.master !== ack.master) return;
  state.starting.delete(ack.app);
  if (ack.ok) {
    state.started.set(ack.app, { type: s.type, master: s.master, top: ack.value as Pid });
    loggerOf(state.ctx.node).info({ kind: 'progress', application: ack.app, startedAt: state.ctx.node.pid }, { pid: state.ctx.self() });
    for (const waiter of s.waiters) replyTo(waiter, done(undefined));
    return;
  }
  await startFailedFor(state, ack.app, s.type, s.waiters, ack.value);
}

// A master that died before acknowledging (killed from outside): its start failed.
async function masterExited(state: State, exit: Exit): Promise<void> {
  for (const [app, s] of state.starting) {
    if (s.master !== exit.from) continue;
    state.starting.delete(app);
    await startFailedFor(state, app, s.type, s.waiters, exit.reason);
    return;
  }
}

// As OTP's application_controller (handle_application_started): the callers hear why the start failed;
// then a permanent application's failed start stops the node, and so does a transient one's unless its
// start exited normal. A temporary one's is only reported.
async function startFailedFor(state: State, app: string, type: StartType, waiters: readonly From[], error: unknown): Promise<void> {
  const failure = startFailed(app, error);
  for (const waiter of waiters) replyTo(waiter, refuse(failure));
  const reason = failure.cause;
  // As OTP, only a start that exited normal spares a transient application: one that returned { error: 'normal' } did not exit.
  if (type === 'temporary' || (type === 'transient' && reason === 'normal' && !(error instanceof StartReturnedError))) return;
  loggerOf(state.ctx.node).error({ kind: 'application', application: app, exited: reason, type }, { pid: state.ctx.self() });
  await stopNode(state, app, { applicationStartFailure: app, reason }, `the node stops: ${type} application ${app} failed to start`);
}

async function stopApp(state: State, app: string): Promise<void> {
  const s = state.started.get(app);
  state.started.delete(app);
  if (s?.master && state.ctx.isAlive(s.master)) {
    await genCall(state.ctx, s.master, (from) => new StopApp(from), 'stop', Infinity).catch(() => undefined);
  }
}

async function appExited(state: State, app: string, reason: unknown): Promise<void> {
  const s = state.started.get(app);
  if (!s) return;
  state.started.delete(app);
  const logger = loggerOf(state.ctx.node);
  // As OTP's application_controller: only `normal` spares a transient application's node; a top supervisor
  // that gave up exits with `shutdown`, which is fatal too.
  const fatal = s.type === 'permanent' || (s.type === 'transient' && reason !== 'normal');
  logger.log(fatal || !isNormalExit(reason) ? 'error' : 'notice', { kind: 'application', application: app, exited: reason, type: s.type }, { pid: state.ctx.self() });
  if (!fatal) return;
  await stopNode(state, app, { applicationTerminated: app, reason }, `the node stops: ${s.type} application ${app} exited`);
}

// The node stops for an application (unless the escalation guard holds it): the others stop, newest first.
async function stopNode(state: State, app: string, why: { applicationTerminated: string; reason: unknown } | { applicationStartFailure: string; reason: unknown }, line: string): Promise<void> {
  // An upgrade not yet permanent holds this: it rolls back and starts the application again, the node stays up.
  if (escalationHeld(state.ctx.node, { kind: 'application', app, reason: why.reason })) return;
  loggerOf(state.ctx.node).log('critical', line, { pid: state.ctx.self() });
  await state.options.beforeNodeStop?.(why).catch(() => undefined);
  stopInBackground(state, [...state.started.keys()].reverse(), () => (state.options.onNodeStop ?? ((r: unknown) => setImmediate(() => state.ctx.node.shutdown(r))))(why));
}
