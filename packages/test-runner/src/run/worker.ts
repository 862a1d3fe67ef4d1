import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { getHeapStatistics } from 'node:v8';
import { createNode } from '@otp-ts/runtime';
import { moduleName, planFile } from '../plan/plan-file.js';
import { isCi, onlyMarked, planNodeTests, takeNodeTests } from '../plan/node-test.js';
import { misshapenTestExports, type PlanOptions } from '../plan/eunit.js';
import { filterPlan } from '../plan/filter.js';
import { fullName, planCases, type FilePlan } from '../plan/types.js';
import { Executor } from './execute.js';
import { currentOwner, hasReturned, onLateCode, runAs, runAsLoading } from './owner.js';
import { errorText, toFailureInfo } from './failure-info.js';
import { EXIT_CODE_CASE, watchExitCode } from './exit-code.js';
import { storedEntry } from './counterexamples.js';
import { guardSignals } from './signal-guard.js';
import { reapLeftChildren, trackChildren } from './children.js';
import { MARK_VAR, withMarks } from './escaped.js';
import { loadFailureText } from './missing-import.js';
import { HEARTBEAT_MS, type WorkerEvent, type WorkerJob } from './protocol.js';

const post = (event: WorkerEvent): void => parentPort!.postMessage(event);

// process.exit in a test ends this worker; the main thread is told whose code called it (the message arrives before
// the worker's exit), so an exit a test's timer makes after the test returned fails that test, not the one running.
const exit = process.exit.bind(process);
process.exit = (code?: number | string | null): never => {
  const owner = currentOwner();
  // process.exit() without a code exits with process.exitCode, as Node's own does (a worker's would exit with 0).
  const effective = code ?? process.exitCode ?? 0;
  const text = String(effective);
  if (owner?.kind === 'case') post({ type: 'exit', id: owner.id, code: text, returned: hasReturned(owner.id) });
  // The module code's (while loading, or a timer or promise it started): no test is to blame, the file is.
  else if (owner?.kind === 'load') post({ type: 'module-exit', code: text });
  return exit(effective);
};

// A signal a test sends to the runner's process, group or parent throws in the test instead (see signal-guard.ts).
guardSignals();
// Child processes the file's code starts are announced, so those left running are killed when the file ends (see reapLeftChildren).
// Every process the file's code starts, and what those start in turn, carries this worker's marks (see escaped.ts).
const marks = withMarks(process.env[MARK_VAR], (workerData as WorkerJob).marks ?? []);
if (marks !== '') process.env[MARK_VAR] = marks;
trackChildren(post, marks);

/**
 * Unhandled errors of the file's module code before the executor's monitor listens (a top-level await, then a rejection):
 * they belong to no test but to the file's loading, and fail the file as such; `handOver` stops collecting and returns them.
 */
function collectLoadErrors(): { handOver(): string[] } {
  const errors: string[] = [];
  const onRejection = (reason: unknown): void => void errors.push(`unhandled rejection: ${errorText(reason)}`);
  const onException = (error: unknown): void => void errors.push(`uncaught exception: ${errorText(error)}`);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    handOver: () => {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
      return errors;
    },
  };
}

/** The worker's body: import one compiled test file, plan it, run the plan on a fresh node, report each step. On purpose one sequence over ~50 lines: load, plan, run, in the order the main thread expects. */
async function main(job: WorkerJob): Promise<void> {
  process.setSourceMapsEnabled(true);
  process.env.OTP_TEST_ROOT = job.root;
  // The main thread's watchdog for the times no case runs (loading, between cases, after the last): silence means a blocked loop.
  post({ type: 'alive' });
  setInterval(() => post({ type: 'alive' }), HEARTBEAT_MS).unref();
  // Whose leftover code runs now, so a loop in a returned test's timer is blamed on that test, not on the case running.
  onLateCode((id) => post({ type: 'late-code', ...(id !== undefined && { id }) }));
  let exports: Record<string, unknown>;
  const loadErrors = collectLoadErrors();
  const withLoadErrors = (text: string): string => [text, ...loadErrors.handOver()].join('\n');
  try {
    exports = (await runAsLoading(() => import(pathToFileURL(job.bundle).href))) as Record<string, unknown>;
    // A rejection of the module's last lines is reported at the end of this turn: still the loading's.
    await new Promise((resolve) => setImmediate(resolve));
  } catch (error) {
    post({ type: 'load-error', text: withLoadErrors(loadFailureText(job.file, error, job.missing)) });
    return;
  }
  const options: PlanOptions = { exportOrder: job.exportOrder, config: job.config, shuffleSeed: job.shuffleSeed, ...(job.timeoutMs !== undefined && { timeoutMs: job.timeoutMs }) };
  let whole: FilePlan;
  let plan: FilePlan;
  let onlyInCi: string | undefined;
  let nodeTests: Awaited<ReturnType<typeof takeNodeTests>>;
  try {
    // A file that registered node:test tests while loading is planned from those, not from its exports.
    nodeTests = await takeNodeTests();
    onlyInCi = nodeTests && isCi(process.env) ? onlyInCiVerdict(job.file, onlyMarked(nodeTests)) : undefined;
    whole = nodeTests ? planNodeTests(job.file, moduleName(job.file), nodeTests, { ...options, ignoreOnly: onlyInCi !== undefined }) : planFile(job.file, exports, options);
    plan = filterPlan(whole, job.filter);
  } catch (error) {
    // Planning calls the file's own functions (generators, all(), groups()): what they break fails the file, not the worker.
    post({ type: 'load-error', text: withLoadErrors(toFailureInfo(error, `${job.file}: its tests could not be planned`).text) });
    return;
  }
  // An export named as a test that is no function (`export const cartTests = [...]`) is never run: it is said, never silently passed over.
  const misshapen = whole.kind === 'eunit' && nodeTests === undefined ? misshapenTestExports(job.file, exports, job.exportOrder) : [];
  for (const text of misshapen) post({ type: 'warning', text });
  if (planCases(whole.root).length === 0 && misshapen.length === 0) post({ type: 'warning', text: noTestWarning(job.file, nodeTests !== undefined) });
  post({ type: 'plan', cases: planCases(plan.root).map((c) => ({ id: c.id, name: c.name, path: c.path })), shuffleSeed: plan.shuffleSeed, available: planCases(whole.root).map(fullName) });
  const exitCode = watchExitCode();
  let executor: Executor | undefined = undefined;
  const node = createNode({ onCrash: (pid, error) => executor?.monitor.crash(pid, error) });
  executor = new Executor(node, plan, {
    start: (id, timeoutMs, hook) => post({ type: 'start', id, timeoutMs, ...(hook && { hook }), heapUsed: getHeapStatistics().used_heap_size }),
    end: (result) => {
      exitCode.caseEnded(result);
      post({ type: 'end', result });
    },
    warning: (text) => post({ type: 'warning', text }),
    late: (id, text) => post({ type: 'late', id, text }),
    stray: (text, afterLast, cleanup, _loading, named, config) => post({ type: 'stray', text, afterLast, ...(cleanup && { cleanup }), ...(named !== undefined && { named }), ...(config && { config }) }),
  }, {
    done: new Set(job.done),
    property: (c) => ({ numRuns: job.numRuns, seed: job.seed, path: job.path, knownSeeds: (job.knownSeeds[fullName(c)] ?? []).map(storedEntry), replayCommand: job.replayCommand, file: job.file }),
  });
  // The monitor listens now: what the module code's work throws from here on is a stray error, after the last test or outside any.
  for (const text of loadErrors.handOver()) post({ type: 'stray', text, afterLast: false, loading: true });
  await executor.run();
  node.shutdown();
  await executor.finish();
  // The children the file's code left running are killed and waited for here, in the thread that started them: only it
  // can reap them (a child nobody waits for stays a zombie of the runner's process until the runner exits).
  const leftChildren = await reapLeftChildren(job.file);
  if (leftChildren !== undefined) post({ type: 'warning', text: leftChildren });
  const nonZeroExit = exitCode.verdict();
  if (nonZeroExit !== undefined) post({ type: 'stray', text: nonZeroExit, afterLast: true, named: EXIT_CODE_CASE });
  if (onlyInCi !== undefined) post({ type: 'stray', text: onlyInCi, afterLast: true, named: ONLY_IN_CI_CASE });
  // 'done' has the worker terminated, and the main thread takes what the worker posted before its exit: the tests' last
  // output lines must be posted first (a stream a test left broken is waited for half a second at most).
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  post({ type: 'done' });
}

// Resolves once what was written to `stream` before has been handed on, or after 500 ms.
function flushed(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 500);
    try {
      stream.write('', () => {
        clearTimeout(timer);
        resolve();
      });
    } catch {
      resolve();
    }
  });
}

// A test file that holds no test passes with nothing checked (a missing `export`, a misspelt name): it is warned about, as
// node --test and vitest say "no tests"; only a run that selects no test at all fails.
function noTestWarning(file: string, nodeTest: boolean): string {
  const why = nodeTest
    ? 'its describe() blocks register no test()'
    : file.endsWith('.suite.ts')
      ? 'its all() lists no case and no group holds one'
      : 'it exports no function whose name ends in Test (a test) or Tests (a generator) and calls no node:test test()';
  return `${file} holds no test: ${why}; nothing in it was checked`;
}

/** The name of the failed case a node:test file gets when it marks tests `only` in a CI run. */
const ONLY_IN_CI_CASE = 'only in CI';

// A committed `only` would silently narrow a CI run to the marked tests (a green run that checked less): in CI every
// test runs, as under node --test without --test-only, and the file fails naming the marked ones (vitest refuses them too).
function onlyInCiVerdict(file: string, marked: readonly string[]): string | undefined {
  if (marked.length === 0) return undefined;
  const names = marked.map((n) => JSON.stringify(n)).join(', ');
  return `${file} marks ${names} with only, which would skip its other tests in a CI run (CI is set): every test ran instead, and the file fails; remove the only before committing`;
}

// The runner's own timers are told apart from those of test code, which the end of the file waits for.
await runAs({ kind: 'runner' }, () => main(workerData as WorkerJob));
