import { Pid } from '../pid.js';
import { normalizeSpec, type Child } from './children.js';
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
  const simple = state.template !== null;
  switch (req.op) {
    case 'startChild': {
      let child: Child;
      if (simple) {
        child = { spec: state.template!, pid: undefined, extra: Array.isArray(req.spec) ? req.spec : [req.spec], restarts: 0 };
      } else {
        let spec;
        try {
          spec = normalizeSpec(req.spec as ChildSpec, state.flags.autoShutdown);
        } catch (error) {
          return error instanceof SupervisorError ? { ok: false, error } : refuse('badSpec', (error as Error).message);
        }
        const existing = state.children.find((c) => c.spec.id === spec.id);
        if (existing) {
          return existing.pid instanceof Pid
            ? refuse('alreadyStarted', `child '${spec.id}' is already running as ${existing.pid}`, existing.pid)
            : refuse('alreadyPresent', `child '${spec.id}' already exists (stopped): restart or delete it`);
        }
        child = { spec, pid: undefined, extra: [], restarts: 0 };
      }
      const failure = await startOne(state, child);
      if (failure !== null) return refuse('startFailed', `child '${child.spec.id}' failed to start`, failure.reason);
      // A child that ignored its start is kept only if static and not temporary, as in OTP.
      if (child.pid instanceof Pid && simple) state.dynamic.set(child.pid, child);
      else if (!simple && (child.pid !== undefined || child.spec.restart !== 'temporary')) state.children.push(child);
      return done(child.pid);
    }
    case 'terminateChild': {
      if (simple && !(req.child instanceof Pid)) return refuse('simpleOneForOne', 'a simpleOneForOne supervisor terminates children by pid');
      const child = find(state, req.child);
      // A dynamic child that already exited is terminated: OTP answers ok, as for a pid that no longer lives.
      if (!child) return simple && !state.ctx.isAlive(req.child as Pid) ? done(undefined) : refuse('notFound', `no child ${String(req.child)}`);
      if (child.pid instanceof Pid) await stopOne(state, child);
      child.pid = undefined;
      if (simple) state.dynamic.delete(req.child as Pid);
      else if (child.spec.restart === 'temporary') state.children.splice(state.children.indexOf(child), 1);
      return done(undefined);
    }
    case 'restartChild': {
      if (simple) return refuse('simpleOneForOne', 'a simpleOneForOne supervisor has no restartChild: start a new child');
      const child = find(state, req.id);
      if (!child) return refuse('notFound', `no child '${req.id}'`);
      if (child.pid instanceof Pid) return refuse('running', `child '${req.id}' is running`);
      if (child.pid === 'restarting') return refuse('restarting', `child '${req.id}' is being restarted`);
      const failure = await startOne(state, child);
      if (failure !== null) return refuse('startFailed', `child '${req.id}' failed to start`, failure.reason);
      return done(child.pid);
    }
    case 'deleteChild': {
      if (simple) return refuse('simpleOneForOne', 'a simpleOneForOne supervisor has no deleteChild');
      const child = find(state, req.id);
      if (!child) return refuse('notFound', `no child '${req.id}'`);
      if (child.pid instanceof Pid) return refuse('running', `child '${req.id}' is running: terminate it first`);
      if (child.pid === 'restarting') return refuse('restarting', `child '${req.id}' is being restarted`);
      state.children.splice(state.children.indexOf(child), 1);
      return done(undefined);
    }
    case 'whichChildren': {
      // OTP lists static children most recently added first; dynamic ones in no promised order (here, oldest first).
      const children = simple ? [...state.dynamic.values()] : state.children.slice().reverse();
      return done(children.map((c): ChildInfo => ({ id: simple ? undefined : c.spec.id, pid: c.pid, type: c.spec.type, modules: c.spec.modules, restarts: c.restarts })));
    }
    case 'countChildren': {
      const counts: ChildCounts = { specs: simple ? 1 : state.children.length, active: 0, supervisors: 0, workers: 0 };
      for (const c of simple ? state.dynamic.values() : state.children) {
        if (c.pid instanceof Pid) counts.active++;
        if (c.spec.type === 'supervisor') counts.supervisors++;
        else counts.workers++;
      }
      return done(counts);
    }
    case 'getChildspec': {
      const child = simple ? { spec: state.template! } : find(state, req.child);
      if (!child) return refuse('notFound', `no child ${String(req.child)}`);
      const { id, start, restart, shutdown, type, modules, significant } = child.spec;
      return done({ id, start, restart, shutdown, type, modules, significant });
    }
    case 'syncChildren': {
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
      for (const id of removed) {
        const child = find(state, id);
        if (!child) continue;
        if (child.pid instanceof Pid) await stopOne(state, child);
        state.children.splice(state.children.indexOf(child), 1);
      }
      return done({ started, stopped: removed, failed });
    }
  }
}
