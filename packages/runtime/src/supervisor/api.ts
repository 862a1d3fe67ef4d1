import type { Pid } from '../pid.js';
import type { ProcessContext } from '../types.js';
import type { StartOptions } from '../gen/start.js';
import type { ServerRef } from '../gen/call.js';
import { startLink as startServerLink, start as startServer, call } from '../gen-server/api.js';
import { supervisorServer } from './server.js';
import type { SupState } from './state.js';
import type { SupRequest, SupAnswer } from './requests.js';
import { SupervisorError, type AutoShutdown, type ChildCounts, type ChildInfo, type ChildSpec, type Supervisor } from './types.js';
import { normalizeSpecs } from './children.js';
import type { GenServer } from '../gen-server/types.js';

type Module = GenServer<SupState, SupRequest, never, SupAnswer, { module: Supervisor<unknown>; args: unknown }>;

/** Starts a supervisor linked to the caller; its children are started, in order, before this resolves. */
export function startLink<Args>(ctx: ProcessContext, module: Supervisor<Args>, args: Args, options?: StartOptions): Promise<Pid> {
  return startServerLink(ctx, supervisorServer as Module, { module: module as Supervisor<unknown>, args }, options);
}

/** Starts a supervisor that is not linked to the caller. */
export function start<Args>(ctx: ProcessContext, module: Supervisor<Args>, args: Args, options?: StartOptions): Promise<Pid> {
  return startServer(ctx, supervisorServer as Module, { module: module as Supervisor<unknown>, args }, options);
}

async function ask(ctx: ProcessContext, sup: ServerRef, req: SupRequest): Promise<unknown> {
  const answer = await call(ctx, sup as ServerRef<SupRequest, never, SupAnswer>, req, Infinity);
  if (!answer.ok) throw answer.error;
  return answer.value;
}

/** Adds and starts a child (a spec; for simpleOneForOne, the array of extra start arguments); its pid, or undefined if it ignored. */
export function startChild(ctx: ProcessContext, sup: ServerRef, specOrArgs: ChildSpec | unknown[]): Promise<Pid | undefined> {
  return ask(ctx, sup, { op: 'startChild', spec: specOrArgs }) as Promise<Pid | undefined>;
}

/** Stops a child (by id, or by pid for simpleOneForOne); its spec stays unless it is temporary or dynamic. */
export async function terminateChild(ctx: ProcessContext, sup: ServerRef, child: string | Pid): Promise<void> {
  await ask(ctx, sup, { op: 'terminateChild', child });
}

/** Starts a stopped child again from its spec. */
export function restartChild(ctx: ProcessContext, sup: ServerRef, id: string): Promise<Pid | undefined> {
  return ask(ctx, sup, { op: 'restartChild', id }) as Promise<Pid | undefined>;
}

/** Removes a stopped child's spec. */
export async function deleteChild(ctx: ProcessContext, sup: ServerRef, id: string): Promise<void> {
  await ask(ctx, sup, { op: 'deleteChild', id });
}

/** Every child with its pid, type and modules: static children most recently added first, as OTP (dynamic ones oldest first). */
export function whichChildren(ctx: ProcessContext, sup: ServerRef): Promise<ChildInfo[]> {
  return ask(ctx, sup, { op: 'whichChildren' }) as Promise<ChildInfo[]>;
}

/** How many specs, running children, supervisors and workers. */
export function countChildren(ctx: ProcessContext, sup: ServerRef): Promise<ChildCounts> {
  return ask(ctx, sup, { op: 'countChildren' }) as Promise<ChildCounts>;
}

/** A child's spec with its defaults filled in. */
export function getChildspec(ctx: ProcessContext, sup: ServerRef, child: string | Pid): Promise<Required<ChildSpec>> {
  return ask(ctx, sup, { op: 'getChildspec', child }) as Promise<Required<ChildSpec>>;
}

/** What syncChildren did: the ids started and stopped, the pids it stopped, and the children that failed to start. */
export interface SyncedChildren {
  started: string[];
  stopped: string[];
  /** The processes of the stopped children (their exits are on purpose). */
  stoppedPids: Pid[];
  failed: Array<{ id: string; reason: unknown }>;
}

/**
 * After a code change of the supervisor's module (a release upgrade): starts the children its new init
 * added and stops and deletes those it dropped; resolves to their ids.
 */
export function syncChildren(ctx: ProcessContext, sup: ServerRef): Promise<SyncedChildren> {
  return ask(ctx, sup, { op: 'syncChildren' }) as Promise<SyncedChildren>;
}

/**
 * Checks child specs without starting anything (OTP's check_childspecs): `'ok'`, or the first problem as a
 * `badSpec` SupervisorError whose detail names the child and the field. Given the supervisor's
 * `autoShutdown`, significant children are checked against it too.
 */
export function checkChildSpecs(specs: readonly ChildSpec[], autoShutdown?: AutoShutdown): 'ok' | { error: SupervisorError } {
  try {
    normalizeSpecs(specs, autoShutdown);
    return 'ok';
  } catch (error) {
    return { error: error instanceof SupervisorError ? error : new SupervisorError('badSpec', String(error)) };
  }
}

/** A child spec for a worker started with `start`, with the usual defaults. */
export function worker(id: string, start: ChildSpec['start'], options: Omit<ChildSpec, 'id' | 'start' | 'type'> = {}): ChildSpec {
  return { id, start, type: 'worker', ...options };
}

/** A child spec for a nested supervisor (shutdown infinity by default). */
export function childSupervisor(id: string, start: ChildSpec['start'], options: Omit<ChildSpec, 'id' | 'start' | 'type'> = {}): ChildSpec {
  return { id, start, type: 'supervisor', ...options };
}
