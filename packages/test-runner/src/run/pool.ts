import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import type { CaseResult, FailureInfo, FileResult } from '../result.js';
import { HEARTBEAT_MS, timerDelay, type ConfigFailure, type PlannedCase, type WorkerEvent, type WorkerJob } from './protocol.js';
import { plainFailure } from './failure-info.js';
import { blockedReason, heapLimitMb, outOfMemory } from './memory.js';
import { workerHeapUsed } from './worker-heap.js';
import { BoundedOutput } from './bounded-output.js';
import { guardOnExit, killLeftChildren } from './children.js';
import { killEscaped, newMark, PROCESS_MARK, startWatchdog } from './escaped.js';

/** How long past its own timeout a case may keep the worker's event loop blocked before the worker is terminated. */
export const BLOCKED_GRACE_MS = 2000;

/**
 * How long a worker may go without a word while no case runs (loading, between cases, after the last) before it is
 * taken for blocked and terminated: long, since a loaded CI machine can hold a thread back for seconds.
 */
export const BLOCKED_IDLE_MS = 30_000;

/**
 * How long a test file may take to load (its imports and module code, a top-level await) before its worker is
 * terminated, unless $OTP_TEST_LOAD_TIMEOUT_MS says otherwise: a hang's bound, far past a slow load on a loaded machine.
 */
export const LOAD_TIMEOUT_MS = 120_000;

// The load bound of this run: $OTP_TEST_LOAD_TIMEOUT_MS when it is a number of milliseconds, else LOAD_TIMEOUT_MS.
function loadTimeoutMs(): number {
  const ms = Number(process.env.OTP_TEST_LOAD_TIMEOUT_MS);
  return Number.isFinite(ms) && ms > 0 ? ms : LOAD_TIMEOUT_MS;
}

/** Options of running one file. */
export interface FileRunOptions {
  /** Heap limit of the worker (MB), so a runaway test dies alone. */
  readonly memoryMb?: number;
  /** Node options of the worker (default none: the main thread's flags are not the tests'). */
  readonly execArgv?: readonly string[];
  /** Each case's final outcome, once the file is finished (an error a test causes after it returned still fails it). */
  readonly onCase?: (result: CaseResult) => void;
  /** Told the full names of every case of the file before the filter (once its plan is known). */
  readonly onAvailable?: (names: readonly string[]) => void;
  /** Interrupts the file when aborted: its worker is terminated and the cases that did not finish are skipped. */
  readonly signal?: AbortSignal;
}

/** A case (or hook) running in a worker, with its watchdog. */
interface InFlight {
  readonly timer: NodeJS.Timeout;
  readonly hook: boolean;
}

type WorkerEnd = { kind: 'done' } | { kind: 'died'; why: string; inFlight: string[]; hook: boolean } | { kind: 'interrupted'; inFlight: string[] };

/** Why a run was interrupted, from its signal's reason (`otp test` aborts with the signal's name). */
export const interruptReason = (signal: AbortSignal | undefined): string => (typeof signal?.reason === 'string' ? signal.reason : 'an abort');

// The built worker sits beside the built entry; from sources (the repository's tests) it is the package's dist.
function workerUrl(): URL {
  const here = new URL('./worker.js', import.meta.url);
  return existsSync(here) ? here : new URL('../../dist/worker.js', import.meta.url);
}

interface FileState {
  planned: PlannedCase[] | undefined;
  readonly results: Map<string, CaseResult>;
  readonly warnings: string[];
  readonly output: BoundedOutput;
  shuffleSeed: number | undefined;
  /** A returned case whose leftover code ended the current worker (it called process.exit, or looped), and what it did. */
  blame?: { readonly id: string; readonly text: string; readonly returned?: boolean };
  /** Why the worker ended when the file's module code (not a test) called process.exit. */
  moduleExit?: string;
  /** Unhandled errors no case caused, and whether each came after the last case. */
  readonly stray: Array<{ text: string; afterLast: boolean; cleanup?: boolean; named?: string; loading?: boolean; config?: ConfigFailure }>;
}

/** Runs one file in a fresh worker; if the worker dies or blocks in a case, that case fails and a new worker runs the rest. */
export async function runFile(job: Omit<WorkerJob, 'done'>, options: FileRunOptions = {}): Promise<FileResult> {
  const started = performance.now();
  const state: FileState = { planned: undefined, results: new Map(), warnings: [], output: new BoundedOutput(), shuffleSeed: undefined, stray: [] };
  const fail = (c: PlannedCase, message: string): void => {
    state.results.set(c.id, { id: c.id, file: job.file, name: c.name, path: c.path, status: 'failed', durationMs: 0, failure: plainFailure(message) });
  };
  for (;;) {
    const before = state.results.size;
    const end: WorkerEnd = options.signal?.aborted ? { kind: 'interrupted', inFlight: [] } : await runWorker({ ...job, done: [...state.results.keys()] }, state, options);
    if (end.kind === 'done') break;
    if (end.kind === 'interrupted') { skipUnfinished(state, job.file, interruptReason(options.signal), end.inFlight); break; }
    if (state.moduleExit !== undefined) { moduleExited(state, job.file, state.moduleExit); break; }
    // A file that never planned (it did not load) fails as a whole: its one failed case says why, no warning repeats it.
    if (state.planned === undefined) { fail({ id: 'file', name: job.file, path: [job.file] }, end.why); break; }
    const blame = state.blame;
    state.blame = undefined;
    // A running case that called process.exit is the one to blame, said once in its failure: the worker's end is no file warning.
    const ranExit = blame !== undefined && !blame.returned && end.inFlight.includes(blame.id);
    if (!ranExit) state.warnings.push(end.why);
    if (blame && !end.inFlight.includes(blame.id) && state.results.has(blame.id)) {
      // A case that had returned ended the worker (a timer it left called process.exit, or looped): it fails, and the cases running then run again in a fresh worker.
      state.results.set(blame.id, lateFailure(state.results.get(blame.id)!, blame.text));
      continue;
    }
    const returned = blame?.returned ? state.planned?.find((c) => c.id === blame.id) : undefined;
    if (returned !== undefined && !state.results.has(returned.id)) {
      // The same, before the worker had sent that case's result (its cleanup still ran when the timer fired).
      fail(returned, `after the test returned, ${blame!.text}`);
      continue;
    }
    const byId = new Map(state.planned.map((c) => [c.id, c]));
    // A running case that called process.exit is the one to blame: the cases running beside it (a parallel set) run again.
    const guilty = blame !== undefined && end.inFlight.includes(blame.id) ? [blame.id] : end.inFlight;
    for (const id of guilty) if (byId.has(id) && !state.results.has(id)) fail(byId.get(id)!, ranExit ? blame.text : `${end.why} while this case ran`);
    const rest = state.planned.filter((c) => !state.results.has(c.id));
    // A cleanup that ended the worker never runs again (its group's cases all ended): the cases after it run in a fresh one.
    if (cleanupEnded(state, job.file, end, rest.length === 0)) { if (rest.length === 0) break; continue; }
    // A worker that died while no case ran (module code's timer, a blocked loop after the last case) fails the file: no case took the blame.
    const unblamed = end.inFlight.length === 0;
    if (rest.length === 0) {
      if (unblamed) state.stray.push({ text: end.why, afterLast: true });
      break;
    }
    // A case that killed the worker has its result now; anything else (a hook, no progress) would kill the next worker too.
    if (end.hook || state.results.size === before) {
      for (const c of rest) fail(c, `not run: ${end.why}`);
      break;
    }
    if (unblamed) state.stray.push({ text: end.why, afterLast: false });
  }
  const order = configFailures(job.file, state);
  const stray = state.stray.filter((x) => x.config === undefined);
  if (stray.length > 0) state.results.set('file', strayFailure(job.file, stray, state.results.get('file')));
  const cases = [...state.results.values()].sort((a, b) => (order.get(a.id) ?? -1) - (order.get(b.id) ?? -1));
  if (options.onCase) cases.forEach(options.onCase);
  return { file: job.file, cases, durationMs: performance.now() - started, warnings: state.warnings, output: state.output.text(), ...(state.shuffleSeed !== undefined && { shuffleSeed: state.shuffleSeed }) };
}

function runWorker(job: WorkerJob, state: FileState, options: FileRunOptions): Promise<WorkerEnd> {
  return new Promise((resolve) => {
    // What the file's code starts carries this worker's mark, so what left its process group is still found (escaped.ts).
    const mark = newMark();
    startWatchdog();
    const worker = new Worker(workerUrl(), {
      workerData: { ...job, marks: [PROCESS_MARK, mark] } satisfies WorkerJob,
      stdout: true,
      stderr: true,
      execArgv: [...(options.execArgv ?? [])],
      ...(options.memoryMb !== undefined && { resourceLimits: { maxOldGenerationSizeMb: options.memoryMb } }),
    });
    const inFlight = new Map<string, InFlight>();
    const peers = new Set<number>();
    const children = new Map<number, string>();
    // Process groups whose leader exited while processes it started still ran in them.
    const lingering = new Map<number, string>();
    // Every process group a child of this worker led (its pid).
    const groups = new Set<number>();
    const unguard = guardOnExit(children, lingering);
    let ended: WorkerEnd | undefined;
    const finish = (end: WorkerEnd): void => {
      if (ended) return;
      ended = end;
      clearInterval(watchdog.timer);
      options.signal?.removeEventListener('abort', interrupt);
      killPeers(peers);
      // A worker that finished killed the groups its children left and said so; those of a terminated or crashed one are killed here.
      const leftChildren = killLeftChildren(job.file, children, peers, end.kind === 'done' ? new Map() : lingering);
      if (leftChildren !== undefined) state.warnings.push(leftChildren);
      const escaped = killEscaped(job.file, mark, groups);
      if (escaped !== undefined) state.warnings.push(escaped);
      unguard();
      for (const f of inFlight.values()) clearTimeout(f.timer);
      void worker.terminate().then(() => resolve(end));
    };
    const interrupt = (): void => finish({ kind: 'interrupted', inFlight: [...inFlight.keys()] });
    options.signal?.addEventListener('abort', interrupt, { once: true });
    // The returned case whose leftover code (a timer, a promise) runs now, as the worker last said.
    let lateCode: string | undefined;
    const died = (why: string): void => {
      // A worker that stops answering while a returned case's leftover code runs was stopped by that case, not by the case running.
      // Still in flight: it returned (the worker marks a case's code late only then) and was winding up.
      if (!ended && state.blame === undefined && lateCode !== undefined) state.blame = { id: lateCode, text: `a timer or promise it left was running when ${why}`, returned: inFlight.has(lateCode) };
      finish({ kind: 'died', why, inFlight: [...inFlight.keys()], hook: [...inFlight.values()].some((f) => f.hook) });
    };
    const watchdog = watchIdle(job.file, inFlight, (why) => died(why));
    // A case past its watchdog: how much this worker's own heap grew since the case started tells a test running out
    // of memory from a loop (the process's memory would count every other worker's too).
    const blocked = async (id: string, f: InFlight, ms: number, heapAtStart: number | undefined): Promise<void> => {
      const heapNow = heapAtStart === undefined ? undefined : await workerHeapUsed(worker);
      if (ended || inFlight.get(id) !== f) return; // the case ended, or the worker died, while its heap was measured
      died(blockedReason(ms, heapNow === undefined ? undefined : { atStart: heapAtStart!, now: heapNow }, heapLimitMb(options.memoryMb)));
    };
    worker.stdout.on('data', (d: Buffer) => state.output.add(d.toString()));
    worker.stderr.on('data', (d: Buffer) => state.output.add(d.toString()));
    // Over ~50 lines on purpose: one switch over the worker's events (WorkerEvent), one short case each, all
    // writing the same file state and in-flight table.
    worker.on('message', (event: WorkerEvent) => {
      watchdog.heard(event.type === 'plan' || event.type === 'load-error');
      if (event.type === 'alive') return;
      if (event.type === 'late-code') return void (lateCode = event.id);
      // Any message but the heartbeat comes from the runner's steps: a pending hook (its init or end) has finished.
      for (const [id, f] of inFlight) {
        if (!f.hook) continue;
        clearTimeout(f.timer);
        inFlight.delete(id);
      }
      switch (event.type) {
        case 'plan':
          if (state.planned === undefined) options.onAvailable?.(event.available);
          state.planned ??= [...event.cases];
          state.shuffleSeed = event.shuffleSeed;
          break;
        case 'load-error':
          return finish({ kind: 'died', why: event.text, inFlight: [], hook: false });
        case 'start': {
          const ms = event.timeoutMs + BLOCKED_GRACE_MS;
          const f: InFlight = { timer: setTimeout(() => void blocked(event.id, f, ms, event.heapUsed), timerDelay(ms)), hook: event.hook === true };
          inFlight.set(event.id, f);
          break;
        }
        case 'end': {
          const f = inFlight.get(event.result.id);
          if (f) {
            clearTimeout(f.timer);
            inFlight.delete(event.result.id);
          }
          state.results.set(event.result.id, event.result);
          break;
        }
        case 'late': {
          const r = state.results.get(event.id);
          if (r) state.results.set(event.id, lateFailure(r, event.text));
          break;
        }
        case 'exit':
          state.blame = { id: event.id, text: `it called process.exit(${event.code}), which ended its worker`, returned: event.returned === true };
          break;
        case 'module-exit':
          state.moduleExit = state.planned === undefined
            ? `${job.file} called process.exit(${event.code}) while it loaded, which ended its worker`
            : `${job.file}'s module code (not a test: its top level, or a timer or promise it started) called process.exit(${event.code}), which ended its worker`;
          break;
        case 'stray':
          state.stray.push({ text: event.text, afterLast: event.afterLast, ...(event.cleanup && { cleanup: true }), ...(event.named !== undefined && { named: event.named }), ...(event.loading && { loading: true }), ...(event.config && { config: event.config }) });
          break;
        case 'warning':
          state.warnings.push(event.text);
          break;
        case 'peer':
          if (event.alive) peers.add(event.osPid);
          else peers.delete(event.osPid);
          break;
        case 'child':
          if (event.alive) {
            children.set(event.osPid, event.command ?? '?');
            groups.add(event.osPid);
          } else {
            if (event.lingering) lingering.set(event.osPid, children.get(event.osPid) ?? '?');
            children.delete(event.osPid);
          }
          break;
        case 'done':
          return finish({ kind: 'done' });
      }
    });
    worker.on('error', (error: Error & { code?: string }) => died(error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? outOfMemory(heapLimitMb(options.memoryMb)) : `the worker crashed: ${error.stack ?? error.message}`));
    // Node ends a thread whose top-level await can never settle with exit code 13.
    worker.on('exit', (code) => died(code === 13 && !watchdog.loaded() ? `${job.file} never finished loading: a top-level await in it never settles` : `the worker exited with code ${code} (process.exit in a test?)`));
  });
}

/**
 * Watches a worker while none of its cases runs (their own timers watch them): one that sends nothing for
 * BLOCKED_IDLE_MS is blocked (a loop in module code, or in a timer a test left), one that has not planned its file
 * within LOAD_TIMEOUT_MS never finished loading; either way `kill` is told why.
 */
function watchIdle(file: string, inFlight: ReadonlyMap<string, unknown>, kill: (why: string) => void): { timer: NodeJS.Timeout; heard(planned: boolean): void; loaded(): boolean } {
  const started = performance.now();
  const loadMs = loadTimeoutMs();
  let heard: number | undefined;
  let loaded = false;
  let checked = started;
  const check = (): void => {
    const now = performance.now();
    // A main thread that was itself held up (a suspended machine) has not read the heartbeats queued meanwhile: it waits for them.
    if (now - checked > 4 * HEARTBEAT_MS && heard !== undefined) heard = now;
    checked = now;
    if (inFlight.size > 0) return;
    if (heard !== undefined && now - heard > BLOCKED_IDLE_MS) {
      kill(loaded
        ? `the worker was blocked for ${BLOCKED_IDLE_MS} ms while no case ran (a timer or promise left by a test or the module code loops without yielding) and was terminated`
        : `${file} blocked its worker for ${BLOCKED_IDLE_MS} ms while loading (its module code loops without yielding) and was terminated`);
    } else if (!loaded && now - started > loadMs) {
      kill(`${file} did not finish loading within ${loadMs} ms (a top-level await that never settles?) and its worker was terminated`);
    }
  };
  return {
    timer: setInterval(check, HEARTBEAT_MS),
    heard: (planned) => {
      heard = performance.now();
      loaded ||= planned;
    },
    loaded: () => loaded,
  };
}

// An interrupted file accounts for every case it planned: those without an outcome are skipped, saying whether they were running.
function skipUnfinished(state: FileState, file: string, reason: string, inFlight: readonly string[]): void {
  const skip = (c: PlannedCase, why: string): void => {
    state.results.set(c.id, { id: c.id, file, name: c.name, path: c.path, status: 'skipped', durationMs: 0, skipReason: why, interrupted: true });
  };
  if (state.planned === undefined) return skip({ id: 'file', name: file, path: [file] }, `not run: the run was interrupted (${reason})`);
  for (const c of state.planned) if (!state.results.has(c.id)) skip(c, inFlight.includes(c.id) ? `interrupted while it ran (${reason})` : `not run: the run was interrupted (${reason})`);
}

// A cleanup (a node:test after hook, an EUnit setup's cleanup, a suite's endPerSuite or endPerGroup) that ended the
// worker fails the file as a failed cleanup does. True when only a cleanup was running.
function cleanupEnded(state: FileState, file: string, end: { why: string; inFlight: readonly string[] }, afterLast: boolean): boolean {
  if (end.inFlight.length === 0 || !end.inFlight.every((id) => id.startsWith('end:'))) return false;
  const suite = file.endsWith('.suite.ts');
  state.stray.push({ text: `${end.why} while ${suite ? 'an end function' : 'a cleanup'} ran`, afterLast, cleanup: true, ...(suite && { named: 'an end function failed' }) });
  return true;
}

// The file's module code ended its worker: the file fails as a whole, and the cases that had not finished are skipped, not blamed
// (a fresh worker would load the same module code, which would end it again).
function moduleExited(state: FileState, file: string, why: string): void {
  for (const c of state.planned ?? []) {
    if (!state.results.has(c.id)) state.results.set(c.id, { id: c.id, file, name: c.name, path: c.path, status: 'skipped', durationMs: 0, skipReason: `not run: ${why}` });
  }
  state.stray.push({ text: why, afterLast: false, named: MODULE_EXIT_CASE });
}

/** The name of the failed case a file gets when its module code calls process.exit. */
const MODULE_EXIT_CASE = 'its module code called process.exit';

// A case whose timer or promise threw after it returned fails, whatever it reported first.
function lateFailure(r: CaseResult, text: string): CaseResult {
  const late = `after the test returned, ${text}`;
  const failure: FailureInfo = r.failure ? { ...r.failure, text: `${r.failure.text}\n${late}` } : { message: late.split('\n')[0]!, text: late };
  const { skipReason: _skipped, ...rest } = r;
  return { ...rest, status: 'failed', failure };
}

// Errors no case caused fail the file as one more failed case named after when they came; stored under the file's path, --rerun-failed reruns the whole file.
function strayFailure(file: string, stray: FileState['stray'], earlier: CaseResult | undefined): CaseResult {
  // Each named failure once (`initPerGroup(db) failed; endPerSuite failed`), in the order they came.
  const named = [...new Set(stray.map((s) => s.named))];
  const name = named.every((n) => n !== undefined) ? named.join('; ') : stray.every((s) => s.cleanup) ? 'a cleanup failed' : stray.every((s) => s.loading) ? `unhandled error outside any test while ${file} loaded` : stray.every((s) => s.afterLast) ? 'unhandled error after the last test' : 'unhandled error outside any test';
  const text = `${name}:\n${stray.map((s) => s.text).join('\n')}`;
  const failure: FailureInfo = earlier?.failure ? { ...earlier.failure, text: `${earlier.failure.text}\n${text}` } : { message: `${name}: ${stray[0]!.text.split('\n')[0]}`, text };
  return { id: 'file', file, name, path: [file], status: 'failed', durationMs: 0, failure };
}

// Whether `path` lies within `scope` (starts with it).
const startsWith = (path: readonly string[], scope: readonly string[]): boolean => scope.every((p, i) => path[i] === p);

// Each failed configuration function of a suite is a failed case of its own, placed before (an init) or after (an end)
// what it set up: the file's cases' order, with those cases.
function configFailures(file: string, state: FileState): Map<string, number> {
  const order = new Map<string, number>((state.planned ?? []).map((c, i) => [c.id, i]));
  for (const s of state.stray) {
    if (s.config === undefined) continue;
    const r = configFailure(file, { ...s, config: s.config }, state.results);
    const within = (state.planned ?? []).flatMap((c, i) => (startsWith(c.path, s.config!.scope) ? [i] : []));
    if (within.length > 0) order.set(r.id, s.cleanup ? within.at(-1)! + 0.5 : within[0]! - 0.5);
  }
  return order;
}

// The failed case of a failed configuration function, in `results` (the same function failing again in a fresh worker adds its error).
function configFailure(file: string, s: FileState['stray'][number] & { config: ConfigFailure }, results: Map<string, CaseResult>): CaseResult {
  const id = `config:${s.config.path.join(' > ')}`;
  const name = s.config.path.at(-1)!;
  const earlier = results.get(id)?.failure;
  const text = `${name}:\n${s.text}`;
  const failure: FailureInfo = earlier ? { ...earlier, text: `${earlier.text}\n${text}` } : { message: `${name}: ${s.text.split('\n')[0]}`, text };
  const r: CaseResult = { id, file, name, path: s.config.path, status: 'failed', durationMs: 0, failure, config: s.config.scope };
  results.set(id, r);
  return r;
}

// Peer nodes never outlive their test file, whether it finished, timed out or its worker died.
function killPeers(osPids: ReadonlySet<number>): void {
  for (const pid of osPids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}
