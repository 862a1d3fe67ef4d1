import type { Pid } from '../pid.js';
import type { ProcessContext } from '../types.js';
import { genCall } from '../gen/call.js';
import { startAcknowledged } from '../gen/start.js';
import { ok, noreply, reply, type GenServer } from '../gen-server/types.js';
import { loggerOf, isNormalExit } from '../logger.js';
import { describeReason } from '../errors.js';
import { envOf } from './env.js';
import { AppExited, runMaster, StopApp } from './master.js';
import { validateResource } from './resource.js';
import { escalationHeld } from '../supervisor/escalation.js';
import { ApplicationError, type AppResource, type ApplicationModule, type ModuleLoader, type RunningApp, type StartType } from './types.js';

/** Options of the application controller of a node. */
export interface ControllerOptions {
  /** Loads callback modules named by path in resources (default: dynamic import of the file). */
  loader?: ModuleLoader;
  /** Called when a permanent application exits, or a transient one abnormally: the node must stop. */
  onNodeStop?: (reason: unknown) => void;
}

/** What clients ask the controller. */
export type ControllerRequest =
  | { op: 'load'; resource: AppResource }
  | { op: 'unload'; app: string }
  | { op: 'start'; app: string; type: StartType }
  | { op: 'stop'; app: string }
  | { op: 'loaded' }
  | { op: 'which' }
  | { op: 'config'; config: Record<string, Record<string, unknown>> }
  | { op: 'update'; resource: AppResource; config?: Record<string, unknown> };

/** The controller's answer: a value, or an error the client rethrows. */
export type ControllerAnswer = { ok: true; value: unknown } | { ok: false; error: ApplicationError };

interface Started {
  type: StartType;
  master: Pid | null;
}

interface State {
  ctx: ProcessContext;
  options: ControllerOptions;
  loaded: Map<string, AppResource>;
  started: Map<string, Started>;
}

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
    return ok({ ctx, options, loaded: new Map(), started: new Map() });
  },

  async handleCall(req, _from, state) {
    try {
      return reply(done(await handle(state, req)), state);
    } catch (error) {
      if (error instanceof ApplicationError) return reply(refuse(error), state);
      throw error;
    }
  },

  async handleInfo(msg, state) {
    if (msg instanceof AppExited) await appExited(state, msg.app, msg.reason);
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
      env.load(r.name, r.env);
      return undefined;
    }
    case 'unload':
      if (state.started.has(req.app)) throw new ApplicationError('alreadyStarted', req.app, `application '${req.app}' is running: stop it before unloading`);
      if (!state.loaded.delete(req.app)) throw new ApplicationError('notLoaded', req.app, `application '${req.app}' is not loaded`);
      env.unload(req.app);
      return undefined;
    case 'start':
      return startApp(state, req.app, req.type);
    case 'stop':
      if (!state.started.has(req.app)) throw new ApplicationError('notStarted', req.app, `application '${req.app}' is not started`);
      loggerOf(state.ctx.node).info({ kind: 'application', application: req.app, exited: 'stopped', type: state.started.get(req.app)!.type }, { pid: state.ctx.self() });
      await stopApp(state, req.app);
      return undefined;
    case 'loaded':
      return [...state.loaded.values()].map((r) => ({ name: r.name, description: r.description ?? '', vsn: r.vsn, applications: r.applications ?? [] }));
    case 'which':
      return [...state.started.entries()].reverse().map(([name, s]): RunningApp => {
        const r = state.loaded.get(name)!;
        return { name, description: r.description ?? '', vsn: r.vsn, type: s.type };
      });
    case 'update':
      return updateApp(state, req.resource, req.config);
    case 'config':
      env.overrides = req.config;
      for (const [app, values] of Object.entries(req.config)) if (state.loaded.has(app)) for (const [k, v] of Object.entries(values)) env.set(app, k, v);
      return undefined;
  }
}

// OTP's change_application_data plus config_change: a release upgrade replaces a loaded (maybe
// running) application's resource and sys.config; the new callback module hears what changed.
async function updateApp(state: State, resource: AppResource, config: Record<string, unknown> | undefined): Promise<unknown> {
  const r = validateResource(resource);
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
  if (state.started.has(r.name) && mod?.configChange && (Object.keys(changed).length || Object.keys(added).length || removed.length)) {
    await mod.configChange(changed, added, removed);
  }
  return { changed, added, removed };
}

async function startApp(state: State, app: string, type: StartType): Promise<void> {
  const r = state.loaded.get(app);
  if (!r) throw new ApplicationError('notLoaded', app, `application '${app}' is not loaded: load it first (application.load)`);
  if (state.started.has(app)) throw new ApplicationError('alreadyStarted', app, `application '${app}' is already started`);
  for (const dep of r.applications ?? []) {
    if (!state.started.has(dep)) throw new ApplicationError('notStartedDependency', app, `application '${app}' needs '${dep}' started first (application.ensureAllStarted starts dependencies in order)`);
  }
  if (r.mod === undefined) {
    state.started.set(app, { type, master: null });
    return;
  }
  const mod = typeof r.mod === 'string' ? await (state.options.loader ?? defaultLoader)(r.mod, r) : r.mod;
  let master: Pid;
  try {
    master = await startAcknowledged(state.ctx, (child, parent, ack) => runMaster(child, app, mod, r.modArgs, r.startPhases ?? [], parent, ack), { link: true });
  } catch (error) {
    const cause = (error as { reason?: unknown }).reason ?? error;
    throw new ApplicationError('startFailed', app, `application '${app}' failed to start: ${cause instanceof Error ? cause.message : describeReason(cause)}`, { cause });
  }
  state.started.set(app, { type, master });
  loggerOf(state.ctx.node).info({ kind: 'progress', application: app, startedAt: state.ctx.node.pid }, { pid: state.ctx.self() });
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
  // An upgrade not yet permanent holds this: it rolls back and starts the application again, the node stays up.
  if (escalationHeld(state.ctx.node, { kind: 'application', app, reason })) return;
  for (const other of [...state.started.keys()].reverse()) await stopApp(state, other);
  const why = { applicationTerminated: app, reason };
  logger.log('critical', `the node stops: ${s.type} application ${app} exited`, { pid: state.ctx.self() });
  (state.options.onNodeStop ?? ((r: unknown) => setImmediate(() => state.ctx.node.shutdown(r))))(why);
}
