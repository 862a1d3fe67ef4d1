import type { Pid } from '../pid.js';
import type { ProcessContext } from '../types.js';
import type { Awaitable } from '../gen-server/types.js';

/** How a supervisor restarts: the crashed child only, all children, the crashed one and those started after it, or dynamic children from one template. */
export type Strategy = 'oneForOne' | 'oneForAll' | 'restForOne' | 'simpleOneForOne';
/** When a child is restarted: always, only after an abnormal exit, or never. */
export type Restart = 'permanent' | 'transient' | 'temporary';
/** How a child is stopped: killed at once, asked to shut down within N ms then killed (0: killed straight after the ask, as OTP), or waited for. */
export type Shutdown = 'brutalKill' | number | 'infinity';
/** What a child is, for reports and countChildren. */
export type ChildType = 'worker' | 'supervisor';
/**
 * When a supervisor shuts itself down (reason `shutdown`) because significant children ended on their own:
 * never, when any significant child ends, or when the last running one ends (OTP 24's auto_shutdown).
 */
export type AutoShutdown = 'never' | 'anySignificant' | 'allSignificant';

/**
 * Starts a child linked to the supervisor (`ctx` is the supervisor's context) and resolves to its pid,
 * or to `'ignore'`; throwing is a failed start, and so is returning the supervisor's own pid, its parent's or
 * a running sibling's. Dynamic children also receive startChild's extra arguments.
 */
export type StartFn = (ctx: ProcessContext, ...extra: unknown[]) => Awaitable<Pid | 'ignore'>;

/** One child of a supervisor. */
export interface ChildSpec {
  /** Unique among the supervisor's children. */
  id: string;
  /** Starts the child (see StartFn). */
  start: StartFn;
  /** Default `'permanent'`. */
  restart?: Restart;
  /** Default 5000 ms for a worker, `'infinity'` for a supervisor. */
  shutdown?: Shutdown;
  /** Default `'worker'`. */
  type?: ChildType;
  /** The callback modules the child runs, for release upgrades (default: none listed). */
  modules?: string[];
  /**
   * Whether the child ending on its own (a transient one normally, a temporary one for any reason) counts
   * for the supervisor's `autoShutdown`. Default false; only for transient or temporary children, and only
   * under a supervisor whose `autoShutdown` is not `'never'`.
   */
  significant?: boolean;
}

/** Restart strategy and intensity: more than `intensity` restarts within `period` seconds takes the supervisor down. */
export interface SupFlags {
  /** Default `'oneForOne'`. */
  strategy?: Strategy;
  /** Default 1. */
  intensity?: number;
  /** In seconds, as in OTP. Default 5. */
  period?: number;
  /** Default `'never'`: significant children are then refused. */
  autoShutdown?: AutoShutdown;
}

/** What a supervisor module's init returns: its flags and children, or `'ignore'`. */
export type SupervisorSpec = { flags?: SupFlags; children: ChildSpec[] } | 'ignore';

/** A supervisor callback module: only init, which describes the children. */
export interface Supervisor<Args = void> {
  /** Names the supervisor in reports (default: "supervisor"). */
  readonly name?: string;
  /** Describes the restart strategy and the children, started in this order and stopped in reverse. */
  init(args: Args, ctx: ProcessContext): Awaitable<SupervisorSpec>;
}

/** One line of whichChildren. */
export interface ChildInfo {
  id: string | undefined;
  /** The running child's pid, `'restarting'` (a restart failed and is retried), or undefined when stopped (as a group restart's children not yet started). */
  pid: Pid | 'restarting' | undefined;
  type: ChildType;
  modules: string[];
  /**
   * How many times the supervisor restarted this child after an exit, its own or (oneForAll, restForOne)
   * a sibling's. Kept under the child's id across restarts, terminateChild and restartChild (which is not
   * counted) until deleteChild; a dynamic (simpleOneForOne) child's count lives as long as the child.
   */
  restarts: number;
}

/** What countChildren reports, as OTP's count_children (a simpleOneForOne supervisor has one spec, its template). */
export interface ChildCounts {
  /** Child specs, running or not. */
  specs: number;
  /** Children whose process is alive now (one that died is not, even before the supervisor has seen its exit). */
  active: number;
  /** Children of type supervisor, running or not (dynamic ones: running or being restarted). */
  supervisors: number;
  /** Children of type worker, likewise. */
  workers: number;
}

/** Why a child spec or supervisor flags were refused: the child's id (undefined for flags or a spec without one) and the field at fault. */
export interface BadSpecDetail {
  id: string | undefined;
  field: string;
}

/** Why a supervisor request was refused. */
export type SupervisorErrorCode = 'notFound' | 'running' | 'restarting' | 'alreadyPresent' | 'alreadyStarted' | 'simpleOneForOne' | 'startFailed' | 'badSpec';

/** A refused supervisor request (OTP's `{error, ...}` results), with a code for programs and a sentence for people. */
export class SupervisorError extends Error {
  constructor(
    readonly code: SupervisorErrorCode,
    message: string,
    /** The start failure's reason, for `'startFailed'`; the running pid for `'alreadyStarted'`; a BadSpecDetail for `'badSpec'` from a child spec or flags. */
    readonly detail?: unknown,
  ) {
    super(message, detail instanceof Error ? { cause: detail } : undefined);
    this.name = 'SupervisorError';
  }
}
