import type { ChildEvent } from './children.js';
import type { MissingImport } from './missing-import.js';
import type { PlanFilter } from '../plan/types.js';
import type { CaseResult } from '../result.js';
import type { StoredCounterexample } from './counterexamples.js';

/** What the main thread gives a worker: one file, and what to skip when a previous worker of the file died. */
export interface WorkerJob {
  /** The project root (peers resolve their modules against it). */
  readonly root: string;
  /** The test file (TypeScript source), as reports name it. */
  readonly file: string;
  /** The compiled bundle to import. */
  readonly bundle: string;
  readonly exportOrder: readonly string[];
  readonly filter: PlanFilter;
  /** Case ids already reported by an earlier worker of this file. */
  readonly done: readonly string[];
  readonly timeoutMs: number | undefined;
  readonly config: Readonly<Record<string, unknown>>;
  readonly shuffleSeed: number;
  readonly numRuns: number | undefined;
  readonly seed: number | undefined;
  /** fast-check's replay path of property runs (with `seed`). */
  readonly path?: string;
  /** Stored failures per property full name, tried first (a bare number is a seed of an older store). */
  readonly knownSeeds: Readonly<Record<string, ReadonlyArray<number | StoredCounterexample>>>;
  /** The command prefix of replay hints, e.g. `otp test`. */
  readonly replayCommand: string;
  /** The packages the file's sources import that were not installed when it was compiled, and where each is imported. */
  readonly missing?: readonly MissingImport[];
  /** The marks every process the file's code starts carries in its environment: the runner process's and this worker's. */
  readonly marks?: readonly string[];
}

/** A case as the plan lists it to the main thread (so it can account for it even if the worker dies). */
export interface PlannedCase {
  readonly id: string;
  readonly name: string;
  readonly path: readonly string[];
}

/** Where a failed configuration function (a suite's init or end function) belongs: its own failed case's path, and the suite, group or case it set up or cleaned up. */
export interface ConfigFailure {
  readonly path: readonly string[];
  readonly scope: readonly string[];
}

/** Messages from a worker to the main thread. */
export type WorkerEvent =
  /** `available`: the full names of every case of the file before the filter, so a filter that matches nothing can name the closest. */
  | { readonly type: 'plan'; readonly cases: readonly PlannedCase[]; readonly shuffleSeed: number | undefined; readonly available: readonly string[] }
  | { readonly type: 'load-error'; readonly text: string }
  /** `heapUsed`: the worker's used heap in bytes as the case starts, to tell a case running out of memory from a loop. */
  | { readonly type: 'start'; readonly id: string; readonly timeoutMs: number; readonly hook?: boolean; readonly heapUsed?: number }
  | { readonly type: 'end'; readonly result: CaseResult }
  | { readonly type: 'warning'; readonly text: string }
  /** Case `id`, already reported, caused an unhandled error after it returned (a timer or promise it started threw). */
  | { readonly type: 'late'; readonly id: string; readonly text: string }
  /** An unhandled error that no case caused (module code, a group's init or end), or with `cleanup` a failed cleanup of a test set, or with `named` another failure of the file as a whole (its failed case's name); `afterLast` when every case had ended; `loading` when the file's module code caused it while the file loaded. */
  | { readonly type: 'stray'; readonly text: string; readonly afterLast: boolean; readonly cleanup?: boolean; readonly named?: string; readonly loading?: boolean; readonly config?: ConfigFailure }
  /** A peer node's OS process started or exited: the main thread kills those still alive when the worker ends. */
  | { readonly type: 'peer'; readonly osPid: number; readonly alive: boolean }
  /** A child process the file's code started, or its exit: the main thread kills those still alive when the worker ends. */
  | ChildEvent
  /** Code case `id` left (a timer, a promise) runs after the case returned (`id` undefined: such code stopped running): the case to blame if the worker stops answering now. */
  | { readonly type: 'late-code'; readonly id?: string }
  /** Code of case `id` called `process.exit(code)`, which ends the worker. */
  | { readonly type: 'exit'; readonly id: string; readonly code: string; readonly returned?: boolean }
  /** The file's module code (its top level, or a timer or promise it started: no test's) called `process.exit(code)`, which ends the worker. */
  | { readonly type: 'module-exit'; readonly code: string }
  /** The worker's event loop turns (sent every HEARTBEAT_MS from its start): a worker that stops sending while no case runs is blocked. */
  | { readonly type: 'alive' }
  | { readonly type: 'done' };

/** How often a worker tells the main thread its event loop still turns. */
export const HEARTBEAT_MS = 500;

/** The longest delay a Node.js timer takes (about 24.8 days); a longer one, Infinity among them, would fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A time limit as a timer's delay: Infinity (node:test's own default, EUnit's and CT's `infinity`) and anything longer than a timer takes wait as long as a timer can. */
export const timerDelay = (ms: number): number => Math.min(ms, MAX_TIMER_MS);
