import { describeBrief } from '../errors.js';
import type { Pid } from '../pid.js';
import type { ProcessContext } from '../types.js';
import type { Awaitable } from '../gen-server/types.js';

/** How an application's exit affects the node: only reported, fatal unless normal, or always fatal. */
export type StartType = 'temporary' | 'transient' | 'permanent';

/** Throws `badStartType` unless `type` is a StartType (OTP's invalid_restart_type): nothing is started with a type that means nothing. */
export function checkStartType(app: string, type: unknown): asserts type is StartType {
  if (type === 'temporary' || type === 'transient' || type === 'permanent') return;
  throw new ApplicationError('badStartType', app, `application '${app}' cannot start with type ${JSON.stringify(type)}: use 'temporary', 'transient' or 'permanent'`);
}

/** An application callback module (OTP's application behaviour). */
export interface ApplicationModule<State = unknown> {
  /** Starts the application's top supervisor (linked to `ctx`) and returns its pid, or `{ pid, state }` for stop; `{ error: reason }` (or a throw) fails the start. */
  start(type: 'normal', args: unknown, ctx: ProcessContext): Awaitable<Pid | { pid: Pid; state: State } | { error: unknown }>;
  /**
   * Runs each phase listed in the resource's `startPhases`, in order, after `start` returned and before
   * `application.start` answers (OTP's start_phase/3). Throw, or return `{ error }`, to fail the start.
   */
  startPhase?(phase: string, type: 'normal', args: unknown, ctx: ProcessContext): Awaitable<void | { error: unknown }>;
  /** Runs before the supervision tree is shut down. Default: nothing. */
  prepStop?(state: State): Awaitable<State>;
  /** Runs after the supervision tree is down. Default: nothing. */
  stop?(state: State): Awaitable<void>;
  /** After a release upgrade changed the application's env: the keys changed, added and removed. Default: nothing. */
  configChange?(changed: Record<string, unknown>, added: Record<string, unknown>, removed: string[]): Awaitable<void>;
}

/** An application resource: what OTP's .app file holds, taken from package.json's `otp` field. */
export interface AppResource {
  /** The application's name (the package name without its scope). */
  name: string;
  /** Its version. */
  vsn: string;
  description?: string;
  /** The callback module, or a path to it (resolved by the node's module loader); none for a library. */
  mod?: ApplicationModule | string;
  /** Arguments passed to `mod.start`. */
  modArgs?: unknown;
  /** Phases run by `mod.startPhase` after the top supervisor started, in this order (OTP's start_phases). */
  startPhases?: StartPhase[];
  /** Applications that must run before this one. */
  applications?: string[];
  /** Its modules, as its build lists them (OTP's modules key; application.getKey reads it). */
  modules?: string[];
  /** Names its processes register, for release checks. */
  registered?: string[];
  /** Default configuration, overridden by sys.config. */
  env?: Record<string, unknown>;
  /** Where the application lives (its package folder), when loaded from disk. */
  dir?: string;
}

/** One start phase of an application resource: its name and the arguments its startPhase call gets. */
export interface StartPhase {
  phase: string;
  args?: unknown;
}

/** One started application, as whichApplications lists it. */
export interface RunningApp {
  name: string;
  description: string;
  vsn: string;
  type: StartType;
}

/** Loads a callback module from the path in an app resource (the code server provides it later). */
export type ModuleLoader = (path: string, resource: AppResource) => Promise<ApplicationModule>;

/** Codes of application errors. */
export type ApplicationErrorCode = 'notLoaded' | 'alreadyLoaded' | 'alreadyStarted' | 'notStarted' | 'notStartedDependency' | 'badResource' | 'badConfig' | 'badStartType' | 'startFailed' | 'circular' | 'configChangeFailed';

/** A refused application request, with a code for programs and a sentence naming the application and the fix. */
export class ApplicationError extends Error {
  constructor(
    readonly code: ApplicationErrorCode,
    readonly app: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    // An application name of any length may be asked for: the sentence quotes its start (app keeps it whole).
    super(typeof app === 'string' && app.length > 100 ? message.split(app).join(describeBrief(app)) : message, options);
    this.name = 'ApplicationError';
  }
}
