import { Pid } from '../pid.js';
import { describeReason } from '../errors.js';
import { isAlreadyStarted, normalizeSpec, type Child, type FullSpec } from './children.js';
import { SupervisorError, type ChildCounts, type ChildInfo, type ChildSpec } from './types.js';
import { startOne, stopOne, type SupState } from './state.js';

/** What clients ask a supervisor. */
export type SupRequest =
  | { op: 'startChild'; spec: ChildSpec | unknown[] }
  | { op: 'terminateChild'; child: string | Pid }
  | { op: 'restartChild'; id: string }
  | { op: 'deleteChild'; id: string }
  | { op: 'whichChildren' }
  | { op: 'countChildren' }
  | { op: 'getChildspec'; child: string | Pid }
  | { op: 'syncChildren' };

/** A supervisor's answer: a value, or a refusal the client rethrows. */
export type SupAnswer = { ok: true; value: unknown } | { ok: false; error: SupervisorError };

const done = (value: unknown): SupAnswer => ({ ok: true, value });
const refuse = (code: SupervisorError['code'], message: string, detail?: unknown): SupAnswer => ({ ok: false, error: new SupervisorError(code, message, detail) });

// A static child by id, or a dynamic one by pid; a pid never names a static child (OTP answers not_found).
function find(state: SupState, child: string | Pid): Child | undefined {
  if (child instanceof Pid) return state.dynamic.get(child);
  return state.children.find((c) => c.spec.id === child);
}

/** Handles one client request inside the supervisor. */
export async function handleRequest(state: SupState, req: SupRequest): Promise<SupAnswer> {
  switch (req.op) {
    case 'startChild':
      return startChild(state, req.spec);
    case 'terminateChild':
      return terminateChild(state, req.child);
    case 'restartChild':
      return restartChild(state, req.id);
    case 'deleteChild':
      return deleteChild(state, req.id);
    case 'whichChildren':
      return whichChildren(state);
    case 'countChildren':
      return countChildren(state);
    case 'getChildspec':
      return getChildspec(state, req.child);
    case 'syncChildren':
      return syncChildren(state);
  }
}

const isSimple = (state: SupState): boolean => state.template !== null;

// The child startChild adds: one more of a simpleOneForOne's template with these extra arguments, or a
// new static child, refused when its spec is bad or its id is taken.
function newChild(state: SupState, spec: ChildSpec | unknown[]): Child | SupAnswer {
  if (state.template !== null) {
    if (Array.isArray(spec)) return { spec: state.template, pid: undefined, extra: spec, restarts: 0 };
    // As OTP, whose apply(M, F, A ++ Extra) fails on anything but a list: a spec or a lone value is no list of arguments.
    const got = spec !== null && typeof spec === 'object' && 'start' in spec ? 'a child spec (its children all come from the template)' : describeReason(spec);
    return refuse('badSpec', `a simpleOneForOne supervisor's startChild takes a list of extra start arguments, got ${got}: pass them as an array, startChild(ctx, sup, [...])`, { id: undefined, field: 'spec' });
  }
  if (Array.isArray(spec)) return refuse('badSpec', `this ${state.flags.strategy} supervisor's startChild takes a child spec { id, start, ... }: a list of extra start arguments is for a simpleOneForOne supervisor`, { id: undefined, field: 'spec' });
  let full;
  try {
    full = normalizeSpec(spec as ChildSpec, state.flags.autoShutdown);
  } catch (error) {
    return error instanceof SupervisorError ? { ok: false, error } : refuse('badSpec', (error as Error).message);
  }
  const existing = state.children.find((c) => c.spec.id === full.id);
  if (existing) {
    return existing.pid instanceof Pid
      ? refuse('alreadyStarted', `child '${full.id}' is already running as ${existing.pid}`, existing.pid)
      : refuse('alreadyPresent', `child '${full.id}' already exists (stopped): restart or delete it`);
  }
  return { spec: full, pid: undefined, extra: [], restarts: 0 };
}

async function startChild(state: SupState, spec: ChildSpec | unknown[]): Promise<SupAnswer> {
  const simple = isSimple(state);
  const child = newChild(state, spec);
  if ('ok' in child) return child;
  const failure = await startOne(state, child, undefined, true);
  if (failure !== null) return startRefusal(child.spec.id, failure.reason);
  // A child that ignored its start is kept only if static and not temporary, as in OTP.
  if (child.pid instanceof Pid && simple) state.dynamic.set(child.pid, child);
  else if (!simple && (child.pid !== undefined || child.spec.restart !== 'temporary')) state.children.push(child);
  return done(child.pid);
}

// Why a start failed: a start that found its name taken answers alreadyStarted with the holder (OTP passes
// {already_started, Pid} through), any other failure startFailed with the reason.
function startRefusal(id: string, reason: unknown): SupAnswer {
  if (isAlreadyStarted(reason)) return refuse('alreadyStarted', `child '${id}' is already started as ${String(reason.alreadyStarted)} (its name is taken)`, reason.alreadyStarted);
  return refuse('startFailed', `child '${id}' failed to start: ${describeReason(reason)}`, reason);
}

async function terminateChild(state: SupState, which: string | Pid): Promise<SupAnswer> {
  const simple = isSimple(state);
  if (simple && !(which instanceof Pid)) return refuse('simpleOneForOne', 'a simpleOneForOne supervisor terminates children by pid');
  const child = find(state, which);
  // A dynamic child that already exited is terminated: OTP answers ok, as for a pid that no longer lives.
  if (!child) return simple && (which as Pid).node === 0 && !state.ctx.isAlive(which as Pid) ? done(undefined) : refuse('notFound', `no child ${String(which)}`);
  if (child.pid instanceof Pid) await stopOne(state, child);
  child.pid = undefined;
  if (simple) state.dynamic.delete(which as Pid);
  else if (child.spec.restart === 'temporary') state.children.splice(state.children.indexOf(child), 1);
  return done(undefined);
}

// A static child that is not running (restartChild and deleteChild both need one), or the refusal.
function stoppedChild(state: SupState, id: string, running: string): Child | SupAnswer {
  const child = find(state, id);
  if (!child) return refuse('notFound', `no child '${id}'`);
  if (child.pid instanceof Pid) return refuse('running', `child '${id}' is running${running}`);
  if (child.pid === 'restarting') return refuse('restarting', `child '${id}' is being restarted`);
  return child;
}

async function restartChild(state: SupState, id: string): Promise<SupAnswer> {
  if (isSimple(state)) return refuse('simpleOneForOne', 'a simpleOneForOne supervisor has no restartChild: start a new child');
  const child = stoppedChild(state, id, '');
  if ('ok' in child) return child;
  const failure = await startOne(state, child, undefined, true);
  if (failure !== null) return startRefusal(id, failure.reason);
  return done(child.pid);
}

function deleteChild(state: SupState, id: string): SupAnswer {
  if (isSimple(state)) return refuse('simpleOneForOne', 'a simpleOneForOne supervisor has no deleteChild');
  const child = stoppedChild(state, id, ': terminate it first');
  if ('ok' in child) return child;
  state.children.splice(state.children.indexOf(child), 1);
  return done(undefined);
}

function whichChildren(state: SupState): SupAnswer {
  const simple = isSimple(state);
  // OTP lists static children most recently added first; dynamic ones in no promised order (here, oldest first).
  const children = simple ? [...state.dynamic.values()] : state.children.slice().reverse();
  return done(children.map((c): ChildInfo => ({ id: simple ? undefined : c.spec.id, pid: c.pid, type: c.spec.type, modules: c.spec.modules, restarts: c.restarts })));
}

function countChildren(state: SupState): SupAnswer {
  const simple = isSimple(state);
  const counts: ChildCounts = { specs: simple ? 1 : state.children.length, active: 0, supervisors: 0, workers: 0 };
  for (const c of simple ? state.dynamic.values() : state.children) {
    // As OTP's count_children, a child is active while its process lives (its exit may still be queued here).
    if (c.pid instanceof Pid && (c.pid.node !== 0 || state.ctx.isAlive(c.pid))) counts.active++;
    if (c.spec.type === 'supervisor') counts.supervisors++;
    else counts.workers++;
  }
  return done(counts);
}

function getChildspec(state: SupState, which: string | Pid): SupAnswer {
  const spec = specOf(state, which);
  if (spec === undefined) return refuse('notFound', `no child ${String(which)}`);
  const { id, start, restart, shutdown, type, modules, significant } = spec;
  return done({ id, start, restart, shutdown, type, modules, significant });
}

// The spec of child `which`. A simpleOneForOne supervisor answers its template for the template's id or a
// dynamic child's pid (a pid no longer alive included, as OTP's find_child), and nothing for anything else.
function specOf(state: SupState, which: string | Pid): FullSpec | undefined {
  const template = state.template;
  if (template === null) return find(state, which)?.spec;
  if (which instanceof Pid) return state.dynamic.has(which) || (which.node === 0 && !state.ctx.isAlive(which)) ? template : undefined;
  return which === template.id ? template : undefined;
}

// After a code change: the static children the new child specs add start, and those they remove stop.
async function syncChildren(state: SupState): Promise<SupAnswer> {
  const { added, removed } = state.pending;
  state.pending = { added: [], removed: [] };
  const started: string[] = [];
  const failed: Array<{ id: string; reason: unknown }> = [];
  for (const id of added) {
    const child = find(state, id);
    if (!child || child.pid !== undefined) continue;
    const failure = await startOne(state, child);
    if (failure === null) started.push(id);
    else failed.push({ id, reason: failure.reason });
  }
  const stoppedPids: Pid[] = [];
  for (const id of removed) {
    const child = find(state, id);
    if (!child) continue;
    if (child.pid instanceof Pid) {
      stoppedPids.push(child.pid);
      await stopOne(state, child);
    }
    state.children.splice(state.children.indexOf(child), 1);
  }
  return done({ started, stopped: removed, stoppedPids, failed });
}
