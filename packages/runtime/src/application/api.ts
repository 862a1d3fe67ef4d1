import { clearTimeout, setTimeout } from 'node:timers';
import type { ProcessContext } from '../types.js';
import { call, start as startServer } from '../gen-server/api.js';
import { StartError } from '../gen/errors.js';
import { DEFAULT_CALL_TIMEOUT } from '../gen/call.js';
import type { Pid } from '../pid.js';
import { controllerServer, type ControllerAnswer, type ControllerOptions, type ControllerRequest } from './controller.js';
import { envOf } from './env.js';
import { keysOf, type AppKeys } from './keys.js';
import { appLedBy, groupLeader } from './group-leader.js';
import { readResource } from './resource.js';
import { ApplicationError, checkStartType, type AppResource, type RunningApp, type StartType } from './types.js';

const NAME = 'application_controller';

/** Starts the node's application controller with options (otherwise it starts on first use with defaults). */
export async function startController(ctx: ProcessContext, options: ControllerOptions = {}): Promise<Pid> {
  return startServer(ctx, controllerServer, options, { name: NAME });
}

async function controller(ctx: ProcessContext): Promise<Pid> {
  const pid = ctx.whereis(NAME);
  if (pid !== undefined) return pid;
  try {
    return await startController(ctx);
  } catch (error) {
    if (error instanceof StartError && error.reason === 'alreadyStarted') return error.pid as Pid;
    throw error;
  }
}

async function ask(ctx: ProcessContext, req: ControllerRequest, timeout = Infinity): Promise<unknown> {
  const answer = await call<ControllerRequest, never, ControllerAnswer>(ctx, await controller(ctx), req, timeout);
  if (!answer.ok) throw answer.error;
  return answer.value;
}

/** Loads an application from its resource, or from a package folder whose package.json has an `otp` field. */
export async function load(ctx: ProcessContext, resource: AppResource | string): Promise<void> {
  await ask(ctx, { op: 'load', resource: typeof resource === 'string' ? await readResource(resource) : resource });
}

/** Unloads a stopped application. */
export async function unload(ctx: ProcessContext, app: string): Promise<void> {
  await ask(ctx, { op: 'unload', app });
}

/** Starts a loaded application whose dependencies run; `type` decides what its exit does to the node. */
export async function start(ctx: ProcessContext, app: string, type: StartType = 'temporary'): Promise<void> {
  await ask(ctx, { op: 'start', app, type });
}

/** Starts a loaded application unless it already runs (OTP's ensure_started): an application that runs already is no error, any other failure is. */
export async function ensureStarted(ctx: ProcessContext, app: string, type: StartType = 'temporary'): Promise<void> {
  try {
    await start(ctx, app, type);
  } catch (error) {
    if (error instanceof ApplicationError && error.code === 'alreadyStarted' && error.app === app) return;
    throw error;
  }
}

/** Starts an application after its dependencies, transitively and in order; returns those it started (not those another caller started meanwhile). If one fails, those it started are stopped again (as OTP). */
export async function ensureAllStarted(ctx: ProcessContext, app: string, type: StartType = 'temporary'): Promise<string[]> {
  checkStartType(app, type);
  const loaded = new Map((await loadedApplications(ctx)).map((a) => [a.name, a]));
  const running = new Set((await whichApplications(ctx)).map((a) => a.name));
  const order: string[] = [];
  const visiting: string[] = [];
  const visit = (name: string): void => {
    if (running.has(name) || order.includes(name)) return;
    if (visiting.includes(name)) throw new ApplicationError('circular', name, `applications depend on each other in a circle: ${[...visiting, name].join(' -> ')}`);
    const a = loaded.get(name);
    if (!a) throw new ApplicationError('notLoaded', name, `application '${name}' is not loaded${visiting.length ? ` (needed by '${visiting[visiting.length - 1]}')` : ''}: load it first`);
    visiting.push(name);
    for (const dep of a.applications) visit(dep);
    visiting.pop();
    order.push(name);
  };
  visit(app);
  const started: string[] = [];
  try {
    for (const name of order) {
      try {
        await start(ctx, name, type);
      } catch (error) {
        // As OTP: one another caller started since the plan was made is no failure (two callers ensuring one app).
        if (error instanceof ApplicationError && error.code === 'alreadyStarted' && error.app === name) continue;
        throw error;
      }
      started.push(name);
    }
  } catch (error) {
    // As OTP: the applications this call started are stopped again, newest first, before the error is raised.
    for (const name of started.reverse()) await stop(ctx, name).catch(() => undefined);
    throw error;
  }
  return started;
}

/** Stops a running application: its supervision tree goes down, children in reverse order. */
export async function stop(ctx: ProcessContext, app: string): Promise<void> {
  await ask(ctx, { op: 'stop', app });
}

/** Loaded applications with their versions and dependencies; a call exit after `timeout` ms (default 5000) on a controller that does not answer. */
export function loadedApplications(ctx: ProcessContext, timeout = DEFAULT_CALL_TIMEOUT): Promise<Array<{ name: string; description: string; vsn: string; applications: string[] }>> {
  return ask(ctx, { op: 'loaded' }, timeout) as Promise<Array<{ name: string; description: string; vsn: string; applications: string[] }>>;
}

/** Running applications, most recently started first (as OTP lists them); a call exit after `timeout` ms (default 5000, as OTP's which_applications/0,1). */
export function whichApplications(ctx: ProcessContext, timeout = DEFAULT_CALL_TIMEOUT): Promise<RunningApp[]> {
  return ask(ctx, { op: 'which' }, timeout) as Promise<RunningApp[]>;
}

/** The top supervisor of a running application (the pid its start returned), as OTP's get_supervisor; undefined when it is not running or is a library application. */
export async function getSupervisor(ctx: ProcessContext, app: string): Promise<Pid | undefined> {
  return (await ask(ctx, { op: 'supervisor', app })) as Pid | undefined;
}

/** Applies sys.config-style overrides (`{ app: { key: value } }`) to loaded and later loaded applications. */
export async function setConfig(ctx: ProcessContext, config: Record<string, Record<string, unknown>>): Promise<void> {
  await ask(ctx, { op: 'config', config });
}

/** How long `update` waits for a configChange (as long as an upgrade waits for a codeChange). */
const CONFIG_CHANGE_MS = 5000;

/** What a release upgrade changed in an application's env: OTP's config_change arguments. */
export interface ConfigDiff {
  changed: Record<string, unknown>;
  added: Record<string, unknown>;
  removed: string[];
}

/**
 * Replaces a loaded application's resource during a release upgrade (OTP's change_application_data):
 * its vsn, env defaults and callback module, with its sys.config entry; a running app's configChange hears what
 * changed, and one that throws or does not return within `timeoutMs` rejects with `configChangeFailed`.
 */
export async function update(ctx: ProcessContext, resource: AppResource, config?: Record<string, unknown>, timeoutMs = CONFIG_CHANGE_MS): Promise<ConfigDiff> {
  const { running, ...diff } = await updateData(ctx, resource, config);
  if (running) await configChange(resource, diff, timeoutMs);
  return diff;
}

/** Internal: `update` without the configChange: what changed in the env, and whether the application runs (the release handler calls configChange after the code change, as OTP). */
export async function updateData(ctx: ProcessContext, resource: AppResource, config?: Record<string, unknown>): Promise<ConfigDiff & { running: boolean }> {
  return (await ask(ctx, { op: 'update', resource, config })) as ConfigDiff & { running: boolean };
}

/** Internal: runs a running application's configChange with `diff`, when it has one and anything changed (OTP's config_change). */
export async function configChange(resource: AppResource, diff: ConfigDiff, timeoutMs = CONFIG_CHANGE_MS): Promise<void> {
  const mod = typeof resource.mod === 'object' ? resource.mod : undefined;
  if (!mod?.configChange || !(Object.keys(diff.changed).length || Object.keys(diff.added).length || diff.removed.length)) return;
  // In the caller's process, as OTP's config_change: the controller serves on whatever the callback does.
  // A promise that never settles would hold the caller (the release handler) and its upgrade for good.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`it did not return within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([Promise.resolve().then(() => mod.configChange!(diff.changed, diff.added, diff.removed)), late]);
  } catch (error) {
    throw new ApplicationError('configChangeFailed', resource.name, `configChange of application '${resource.name}' failed: ${(error as Error)?.message ?? String(error)}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

/** An application's setting, or `fallback` when it has none (a setting of `undefined` is none). */
export function getEnv<T = unknown>(ctx: ProcessContext, app: string, key: string, fallback?: T): T | undefined {
  const value = envOf(ctx.node).get(app, key);
  return value === undefined ? fallback : (value as T);
}

/** All settings of an application. */
export function getAllEnv(ctx: ProcessContext, app: string): Record<string, unknown> {
  return envOf(ctx.node).all(app);
}

/** How setEnv and unsetEnv apply (OTP's set_env/4 options). */
export interface EnvOptions {
  /** Keep the setting across unload and load, over the resource's env and sys.config (OTP's `{persistent, true}`); with unsetEnv, remove a persistent setting too. */
  persistent?: boolean;
}

/** Changes a setting at run time; `undefined` removes it, so `getEnv`'s fallback shows again. */
export function setEnv(ctx: ProcessContext, app: string, key: string, value: unknown, options: EnvOptions = {}): void {
  const env = envOf(ctx.node);
  if (value === undefined) unsetEnv(ctx, app, key, options);
  else if (options.persistent === true) env.setPersistent(app, key, value);
  else env.set(app, key, value);
}

/** Removes a setting (a persistent one only with `{ persistent: true }`: without it, the next load sets it again). */
export function unsetEnv(ctx: ProcessContext, app: string, key: string, options: EnvOptions = {}): void {
  if (options.persistent === true) envOf(ctx.node).unsetPersistent(app, key);
  else envOf(ctx.node).unset(app, key);
}

/**
 * The application `pid` (default: the caller) belongs to, by its group leader, as OTP's get_application:
 * every process an application's start spawned, directly or not, belongs to it; undefined for any other.
 */
export function getApplication(ctx: ProcessContext, pid: Pid = ctx.self()): string | undefined {
  return appLedBy(ctx.node, groupLeader(ctx, pid));
}

/** One key of an application's resource (OTP's get_key/2), or undefined when it is not loaded. */
export function getKey<K extends keyof AppKeys>(ctx: ProcessContext, app: string, key: K): AppKeys[K] | undefined;
/** One key of the caller's application (OTP's get_key/1), or undefined when the caller belongs to none. */
export function getKey<K extends keyof AppKeys>(ctx: ProcessContext, key: K): AppKeys[K] | undefined;
export function getKey(ctx: ProcessContext, appOrKey: string, key?: string): unknown {
  const [app, k] = key === undefined ? [getApplication(ctx), appOrKey] : [appOrKey, key];
  const keys = app === undefined ? undefined : keysOf(ctx.node, app);
  // As OTP's, a key the resource does not have is undefined, not an error.
  return keys !== undefined && Object.hasOwn(keys, k) ? keys[k as keyof AppKeys] : undefined;
}

/** Every key of a loaded application (OTP's get_all_key), by default the caller's; undefined when there is none. */
export function getAllKey(ctx: ProcessContext, app: string | undefined = getApplication(ctx)): AppKeys | undefined {
  return app === undefined ? undefined : keysOf(ctx.node, app);
}
