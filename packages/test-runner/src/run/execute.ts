import type { OtpNode } from '@otp-ts/runtime';
import { planCases, type FilePlan, type PlanCase, type PlanGroup, type PlanNode } from '../plan/types.js';
import { isSkip } from '../plan/test-set.js';
import { InitFail, type TcStatus } from '../plan/suite.js';
import type { CaseResult, FailureInfo } from '../result.js';
import { startHolder } from './holder.js';
import { runBoxed, type Boxed } from './timebox.js';
import { plainFailure, toFailureInfo, unwrap } from './failure-info.js';
import { checkProperty, type PropertyOptions } from './property.js';
import { Monitor, type Watch } from './monitor.js';
import { drainTimers, markReturned, runAs } from './owner.js';
import { restoreBuiltins, snapshotBuiltins } from './builtins.js';
import type { ConfigFailure } from './protocol.js';

/** Where the executor reports: a case or hook starting (for the main thread's watchdog), results and warnings. */
export interface ExecuteHooks {
  start(id: string, timeoutMs: number, hook?: boolean): void;
  end(result: CaseResult): void;
  warning(text: string): void;
  /** An error caused by case `id` after its result was reported: the case fails. */
  late(id: string, text: string): void;
  /** An error no case caused: the file fails; `afterLast` when every case had ended; `cleanup` when it is a failed cleanup (an EUnit setup's, a node:test `after` hook); `loading` when the file's module code caused it while loading; `named`: the name of the file's failed case; `config`: a suite's failed init or end function, a failed case of its own. */
  stray(text: string, afterLast: boolean, cleanup?: boolean, loading?: boolean, named?: string, config?: ConfigFailure): void;
}

/** What the executor needs besides the plan. */
export interface ExecuteOptions {
  readonly done: ReadonlySet<string>;
  readonly property: (c: PlanCase) => PropertyOptions;
}

type Chain = readonly PlanGroup[];

/** Runs a file's plan on `node`: fixtures, ordering, timeouts, cleanups, leaks; every case not in `done` gets exactly one result. */
export class Executor {
  /** The leak, crash and rejection watcher; the node's `onCrash` should call its `crash`. */
  readonly monitor: Monitor;
  // Cases whose body has returned (or that never ran): once all have, an error no case caused came after the last test.
  private readonly over = new Set<string>();
  private readonly total: number;

  constructor(private readonly node: OtpNode, private readonly plan: FilePlan, private readonly hooks: ExecuteHooks, private readonly options: ExecuteOptions) {
    this.monitor = new Monitor(node, hooks.warning, { late: hooks.late, stray: (text) => hooks.stray(text, this.over.size >= this.total) });
    this.total = this.pending(plan.root).length;
  }

  /** Runs the whole plan. */
  async run(): Promise<void> {
    await this.group(this.plan.root, undefined, [], false);
  }

  /** After the run (and the node's shutdown): waits for the timers tests left pending, reporting what they throw, then stops watching. */
  async finish(): Promise<void> {
    const later = await drainTimers();
    // A timer due later than the wait would fire after the worker ends: what it would do is lost, so say so.
    if (later.length > 0) this.hooks.warning(`${this.plan.file} left ${later.length} timer(s) pending after its last test, due in ${later[0]} ms or later: not waited for, so what they do is not reported (clear them, or unref() them)`);
    this.monitor.close();
  }

  private pending(node: PlanNode): PlanCase[] {
    return planCases(node).filter((c) => !this.options.done.has(c.id));
  }

  private result(c: PlanCase, status: CaseResult['status'], extra: Partial<CaseResult> = {}): CaseResult {
    const r: CaseResult = { id: c.id, file: this.plan.file, name: c.name, path: c.path, status, durationMs: 0, ...extra };
    this.over.add(c.id);
    this.hooks.end(r);
    return r;
  }

  private settleAll(cases: PlanCase[], status: 'failed' | 'skipped', why: string | FailureInfo): boolean {
    for (const c of cases) this.result(c, status, status === 'skipped' ? { skipReason: String(why) } : { failure: typeof why === 'string' ? plainFailure(why) : why });
    return status === 'failed' && cases.length > 0;
  }

  // Returns true when a case below failed (for `sequence` and `repeatUntilFail`).
  private async group(g: PlanGroup, fixture: unknown, chain: Chain, parallelParent: boolean): Promise<boolean> {
    const cases = this.pending(g);
    if (cases.length === 0) return false;
    if (cases.every((c) => c.skip !== undefined) && !initsWhenSkipped(g)) {
      for (const c of cases) this.result(c, 'skipped', { skipReason: c.skip!, ...(c.autoSkip && { autoSkipped: true }) });
      return false;
    }
    let fx = fixture;
    let holder: Awaited<ReturnType<typeof startHolder>> | undefined;
    // A group with only an end step (a node:test `after` without `before`) still gets its holder, so the end runs.
    if (g.init || g.end) {
      this.hooks.start(`init:${g.id}`, g.timeoutMs, true);
      const init = g.init ?? ((f: unknown) => f);
      holder = await runAs({ kind: 'hook', label: `the init of ${g.path.join(' > ')}` }, () => startHolder(this.node, init, fixture, g.timeoutMs));
      if (!holder.ok) return this.initFailed(g, cases, holder);
      fx = holder.value.fixture;
    }
    const inner = g.initEach || g.endEach ? [...chain, g] : chain;
    let failed = false;
    try {
      if (g.parallel) {
        const before = this.monitor.snapshot();
        const outcomes = await Promise.all(g.children.map((child) => this.child(child, fx, inner, true)));
        failed = outcomes.some(Boolean);
        if (!parallelParent) await this.monitor.reportParallelLeaks(before, g, this.hooks.warning);
      } else {
        for (const child of g.children) {
          if (failed && g.stopOnFail) {
            this.settleAll(this.pending(child), 'skipped', `an earlier case of ${g.name} failed`);
            continue;
          }
          failed = (await this.child(child, fx, inner, parallelParent)) || failed;
        }
      }
    } finally {
      if (holder?.ok) {
        this.hooks.start(`end:${g.id}`, g.timeoutMs, true);
        const ended = await holder.value.stop(g.end, g.timeoutMs);
        // A failed end function fails the run as a failed configuration function (Common Test's end_per_group/end_per_suite), as EUnit's "context cleanup failed" and node:test's failed `after` hook do.
        const end = g.id === 'root' ? 'endPerSuite' : `endPerGroup(${g.name})`;
        if (!ended.ok && this.plan.kind === 'suite') this.hooks.stray(describeBoxed(ended, g.path.join(' > ')), this.over.size >= this.total, true, false, `${end} failed`, { path: [...g.path, `${end} failed`], scope: g.path });
        else if (!ended.ok) this.hooks.stray(`${g.path.join(' > ')}: ${describeBoxed(ended, 'cleanup failed')}`, this.over.size >= this.total, true);
      }
    }
    return failed;
  }

  private child(n: PlanNode, fixture: unknown, chain: Chain, parallel: boolean): Promise<boolean> {
    if (n.kind === 'group') return this.group(n, fixture, chain, parallel);
    if (this.options.done.has(n.id)) return Promise.resolve(false);
    return this.case(n, fixture, chain, parallel).then((r) => r.status === 'failed');
  }

  private initFailed(g: PlanGroup, cases: PlanCase[], outcome: Boxed<unknown>): boolean {
    const thrown = !outcome.ok && 'error' in outcome ? unwrap(outcome.error) : undefined;
    if (isSkip(thrown)) return this.settleAll(cases, 'skipped', thrown.reason);
    if (this.plan.kind !== 'suite') {
      // A test marked skip (node:test's test.skip, { skip: true }) stays skipped, as node --test reports it; the others fail with the hook's error.
      const [skipped, failing] = [cases.filter((c) => c.skip !== undefined), cases.filter((c) => c.skip === undefined)];
      for (const c of skipped) this.result(c, 'skipped', { skipReason: c.skip! });
      // With no test to carry it (each was skipped), the hook's failure fails the file, once, as node --test fails the suite.
      if (failing.length === 0) this.hooks.stray(`${g.path.join(' > ')}: ${describeBoxed(outcome, 'before hook failed')}`, this.over.size >= this.total, false, false, 'a before hook failed');
      return this.settleAll(failing, 'failed', boxedFailure(outcome, `init of ${g.name} failed`));
    }
    // Common Test auto-skips what a failed init_per_suite/group precedes, with the init's error as the reason (its end function does not run).
    const init = g.id === 'root' ? 'initPerSuite' : `initPerGroup(${g.name})`;
    const why = boxedFailure(outcome, `${init} failed`);
    // The init itself is a failed configuration function, counted as failed (the closing line shows it), with the whole failure: where the project's setup threw.
    this.hooks.stray(`its ${cases.length} case(s) were auto-skipped: ${boxedFailure(outcome).text}`, this.over.size >= this.total, false, false, `${init} failed`, { path: [...g.path, `${init} failed`], scope: g.path });
    for (const c of cases) this.result(c, 'skipped', { skipReason: why.message, autoSkipped: true });
    return false;
  }

  private async case(c: PlanCase, fixture: unknown, chain: Chain, parallel: boolean): Promise<CaseResult> {
    if (c.skip !== undefined) return this.result(c, 'skipped', { skipReason: c.skip, ...(c.autoSkip && { autoSkipped: true }) });
    this.hooks.start(c.id, c.timeoutMs);
    const watch = this.monitor.begin(c.id, parallel);
    const started = performance.now();
    let caseFixture = fixture;
    let initDone = false;
    let initOf: PlanGroup | undefined;
    // Parallel cases share the builtins: only a case running alone can be blamed for one it left replaced.
    const builtins = parallel ? undefined : snapshotBuiltins();
    // Everything the case starts (processes, timers, promises) is its own, so what it throws later is blamed on it.
    const outcome: Boxed<unknown> & { property?: Awaited<ReturnType<typeof checkProperty>> } = await runAs({ kind: 'case', id: c.id }, () => c.property !== undefined
      ? this.property(c)
      // Owned again inside its process: the runtime may start the processes of a parallel set from one callback, in the
      // context of whichever case spawned first, and a process.exit or late error must be blamed on the case whose code it is.
      : runBoxed(this.node, c.timeoutMs, (ctx) => runAs({ kind: 'case', id: c.id }, async () => {
        for (const g of chain) {
          initOf = g;
          if (g.initEach) caseFixture = await (g.initEach)(caseFixture, ctx, c.name);
        }
        initDone = true;
        // Marked returned as soon as the function settles, not some turns later once the runner has its outcome: a
        // timer it left that is due meanwhile is its late code (a loaded machine fired a 50 ms one before then).
        return Promise.resolve(c.run(caseFixture, ctx)).finally(() => markReturned(c.id));
      }), (pid) => watch.own(pid)));
    // Put back at once what the test replaced (the runner's next steps use it), unless its cleanup may put it back.
    let replaced = builtins && !hasEndEach(chain) ? restoreBuiltins(builtins) : undefined;
    this.over.add(c.id);
    markReturned(c.id);
    watch.returned();
    const ended = initDone ? await runAs({ kind: 'case', id: c.id }, () => this.endEach(c, caseFixture, chain, watch, tcStatus(outcome))) : undefined;
    replaced ??= builtins ? restoreBuiltins(builtins) : [];
    const report = await watch.end();
    if (replaced.length > 0) report.rejections.push(leftReplaced(replaced));
    // Common Test: a crash in end_per_testcase leaves the case's result as it was, and is reported as a warning.
    const cleanup = ended?.crash && this.plan.kind === 'suite' ? this.endEachCrashed(c, ended.crash, report.log) : ended?.crash;
    report.rejections.splice(0, Infinity, ...collapseSame(report.rejections));
    const errors = report.rejections.length > 0 ? report.rejections.join('\n') : undefined;
    const base: Partial<CaseResult> = { durationMs: performance.now() - started, ...(report.leaks.length > 0 && { leaks: report.leaks }), ...(report.log.length > 0 && { log: report.log }), ...(!report.output.empty && { output: report.output.text() }), ...(outcome.property?.property && { property: outcome.property.property }) };
    const thrown = !outcome.ok && 'error' in outcome ? unwrap(outcome.error) : undefined;
    if (isSkip(thrown)) return this.result(c, 'skipped', { ...base, skipReason: thrown.reason });
    // Common Test: an init_per_testcase that returns {fail, Reason} fails its case, unrun (endPerTestcase does not run).
    const initFail = initDone ? undefined : asInitFail(thrown);
    if (initFail !== undefined) return this.result(c, 'failed', { ...base, failure: withErrors(initFail.reason instanceof Error ? toFailureInfo(initFail.reason, 'initPerTestcase failed the case') : plainFailure(initFail.message), errors) });
    // A failed initPerTestcase auto-skips its case, as in Common Test (endPerTestcase does not run).
    if (!outcome.ok && !initDone && this.plan.kind === 'suite' && chain.some((g) => g.initEach)) {
      // The failed init is a failed configuration function, counted as failed, as a failed initPerSuite is.
      const named = `initPerTestcase(${c.name}) failed`;
      this.hooks.stray(`${c.path.join(' > ')} was auto-skipped: ${boxedFailure(outcome).text}`, this.over.size >= this.total, false, false, named, { path: [...c.path.slice(0, -1), named], scope: c.path });
      return this.result(c, 'skipped', { ...base, skipReason: boxedFailure(outcome, 'initPerTestcase failed').message, autoSkipped: true });
    }
    // A property's unhandled errors fail it too, as a test's do: passing runs do not make them go away.
    if (outcome.property) {
      const { status, failure } = outcome.property;
      if (errors === undefined) return this.result(c, status, { ...base, ...(failure && { failure }) });
      return this.result(c, 'failed', { ...base, failure: failure ? withErrors(failure, errors) : errorsFailure(report.rejections) });
    }
    // A per-case setup that never finished is named: the pid timed out was running it, not the test.
    const hung = !initDone && initOf && 'timedOut' in outcome ? `the ${this.plan.kind === 'suite' ? 'initPerTestcase' : 'foreach setup'} of ${initOf.path.join(' > ')} never finished` : undefined;
    if (!outcome.ok) return this.result(c, 'failed', { ...base, failure: withErrors(boxedFailure(outcome, hung), errors), ...('timedOut' in outcome && { timedOut: true }) });
    // Common Test: an end_per_testcase that returns {fail, Reason} turns a successful case into a failed one.
    if (ended?.fail) return this.result(c, 'failed', { ...base, failure: withErrors(ended.fail, errors) });
    if (cleanup) return this.result(c, 'failed', { ...base, failure: withErrors(cleanup, errors) });
    if (errors !== undefined) return this.result(c, 'failed', { ...base, failure: errorsFailure(report.rejections) });
    return this.result(c, 'passed', base);
  }

  private async property(c: PlanCase): Promise<Boxed<unknown> & { property: Awaited<ReturnType<typeof checkProperty>> }> {
    try {
      const property = await checkProperty(c, this.options.property(c), c.timeoutMs);
      return { ok: true, value: undefined, property };
    } catch (error) {
      return { ok: true, value: undefined, property: { status: 'failed', failure: toFailureInfo(error, 'the property could not run') } };
    }
  }

  // A suite's crashed endPerTestcase: a warning, in the file's warnings and the case's log; the case keeps its result.
  private endEachCrashed(c: PlanCase, crash: FailureInfo, log: string[]): undefined {
    const warning = `${c.path.join(' > ')}: endPerTestcase failed (the case keeps its result, as in Common Test): ${crash.text}`;
    this.hooks.warning(warning);
    log.push(`WARNING: ${warning}`);
    return undefined;
  }

  // End-per-case steps, innermost first, in a fresh process: the case's own process may have been killed. `crash`: one
  // threw or timed out; `fail`: a suite's endPerTestcase returned `{ fail: reason }` (Common Test's {fail, Reason}).
  private async endEach(c: PlanCase, fixture: unknown, chain: Chain, watch: Watch, status: TcStatus): Promise<{ crash?: FailureInfo; fail?: FailureInfo }> {
    const steps = chain.filter((g) => g.endEach).reverse();
    if (steps.length === 0) return {};
    let fail: FailureInfo | undefined;
    const r = await runBoxed(this.node, c.timeoutMs, async (ctx) => {
      for (const g of steps) {
        const returned = await g.endEach!(fixture, ctx, c.name, status);
        if (this.plan.kind === 'suite' && fail === undefined && typeof returned === 'object' && returned !== null && 'fail' in returned) fail = failReturned(returned.fail);
      }
    }, (pid) => watch.own(pid));
    return { ...(!r.ok && { crash: boxedFailure(r, this.plan.kind === 'suite' ? undefined : 'cleanup after the case failed') }), ...(fail && { fail }) };
  }
}

// What a case's init threw as an InitFail (its `{ fail: reason }`), else undefined: asked safely, since a test may throw a
// proxy whose traps throw, which `instanceof` would run.
function asInitFail(thrown: unknown): InitFail | undefined {
  try {
    return thrown instanceof InitFail ? thrown : undefined;
  } catch {
    return undefined;
  }
}

// How a case ended, for its endPerTestcase (Common Test's tc_status): ok, { failed: reason } or { skipped: reason }.
function tcStatus(outcome: Boxed<unknown>): TcStatus {
  if (outcome.ok) return 'ok';
  if ('timedOut' in outcome) return { failed: outcome.timedOut };
  const thrown = unwrap(outcome.error);
  return isSkip(thrown) ? { skipped: thrown.reason } : { failed: thrown };
}

// The failure of a case whose endPerTestcase returned `{ fail: reason }`: the reason, an Error's with its stack.
function failReturned(reason: unknown): FailureInfo {
  const prefix = 'endPerTestcase failed the case';
  return reason instanceof Error ? toFailureInfo(reason, prefix) : plainFailure(`${prefix}: ${typeof reason === 'string' ? reason : JSON.stringify(reason) ?? String(reason)}`);
}

// The same error left by every run of a property (or every turn of a loop) is reported once, with its count.
function collapseSame(errors: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const e of errors) counts.set(e, (counts.get(e) ?? 0) + 1);
  return [...counts].map(([e, n]) => (n === 1 ? e : `${e.split('\n')[0]} (×${n}, the same error each time)${e.includes('\n') ? `\n${e.slice(e.indexOf('\n') + 1)}` : ''}`));
}

// Whether `g` or a group below it runs its init even when every case below it is skipped.
function initsWhenSkipped(g: PlanGroup): boolean {
  return g.initWhenSkipped === true || g.children.some((c) => c.kind === 'group' && initsWhenSkipped(c));
}

function hasEndEach(chain: Chain): boolean {
  for (let i = 0; i < chain.length; i++) if (chain[i]!.endEach) return true;
  return false;
}

// The error of a case that left builtins replaced (a test's mock never undone): it fails, and the runner undid it.
function leftReplaced(names: readonly string[]): string {
  const shown = names.length > 5 ? `${names.slice(0, 5).join(', ')} and ${names.length - 5} more` : names.join(', ');
  return `the test left ${shown} replaced and never restored ${names.length === 1 ? 'it' : 'them'} (the runner put ${names.length === 1 ? 'it' : 'them'} back for the tests after it)`;
}

function boxedFailure(outcome: Boxed<unknown>, prefix?: string): FailureInfo {
  if (outcome.ok) return plainFailure(prefix ?? 'failed');
  if ('timedOut' in outcome) return plainFailure(prefix ? `${prefix}: ${outcome.timedOut}` : outcome.timedOut);
  return toFailureInfo(outcome.error, prefix);
}

// The failure of a case that returned but left unhandled errors (uncaught exceptions, unhandled rejections).
function errorsFailure(rejections: readonly string[]): FailureInfo {
  return { message: rejections.map((e) => e.split('\n')[0]).join('; '), text: rejections.join('\n') };
}

// A case that failed and also left unhandled errors reports both: every error is reported once.
function withErrors(failure: FailureInfo, errors: string | undefined): FailureInfo {
  return errors === undefined ? failure : { ...failure, text: `${failure.text}\n${errors}` };
}

function describeBoxed(outcome: Boxed<unknown>, prefix: string): string {
  return boxedFailure(outcome, prefix).text;
}
