import fc from 'fast-check';
import { show } from '../assert/format.js';
import type { PlanCase } from '../plan/types.js';
import type { CaseResult, FailureInfo, PropertyFailure } from '../result.js';
import { toFailureInfo } from './failure-info.js';
import type { StoredCounterexample } from './counterexamples.js';
import { timerDelay } from './protocol.js';

/** How a property is checked: run count, seed, replay path, stored failures, and the replay command's prefix. */
export interface PropertyOptions {
  readonly numRuns: number | undefined;
  readonly seed: number | undefined;
  /** fast-check's replay path (`--path`): with the seed, runs the counterexample it names directly. */
  readonly path?: string | undefined;
  readonly knownSeeds: readonly StoredCounterexample[];
  readonly replayCommand: string;
  readonly file: string;
}

type Details = { failed: boolean; seed: number; counterexample: unknown; counterexamplePath: string | null; numRuns: number; numSkips: number; numShrinks: number; errorInstance?: unknown; interrupted: boolean };

/** What a property check produced, as the parts of a CaseResult it decides. */
export type PropertyOutcome = Pick<CaseResult, 'status' | 'property'> & { failure?: FailureInfo };

/** Checks a property: first each stored failure under the run count it failed with, then a fresh run (seeded by `--seed` or at random). */
export async function checkProperty(c: PlanCase, options: PropertyOptions, timeoutMs: number): Promise<PropertyOutcome> {
  const property = c.property as fc.IRawProperty<unknown>;
  const numRuns = options.numRuns ?? 100;
  const fixedSeeds: number[] = [];
  for (const known of options.knownSeeds) {
    const runs = known.numRuns ?? numRuns;
    const d = (await fc.check(property, { seed: known.seed, numRuns: runs, interruptAfterTimeLimit: timerDelay(timeoutMs) })) as Details;
    if (d.failed) return failed(c, d, runs, options, 'a stored counterexample still fails', [], timeoutMs);
    // An interrupted check proved nothing: the counterexample stays stored.
    if (!d.interrupted) fixedSeeds.push(known.seed);
  }
  const seed = options.seed ?? (Date.now() ^ (Math.random() * 0x7fffffff)) >>> 0;
  const d = (await fc.check(property, { seed, numRuns, interruptAfterTimeLimit: timerDelay(timeoutMs), ...(options.path !== undefined && { path: options.path }) })) as Details;
  if (d.failed) return failed(c, d, numRuns, options, undefined, fixedSeeds, timeoutMs);
  if (d.interrupted) {
    return { status: 'failed', failure: { message: `the property ran out of time after ${d.numRuns} runs (${timeoutMs} ms)`, text: `the property ran out of time after ${d.numRuns} runs (${timeoutMs} ms); seed ${seed}` }, property: { seed, numRuns: d.numRuns, fixedSeeds } };
  }
  return { status: 'passed', property: { seed, numRuns: d.numRuns, fixedSeeds } };
}

/** The command that replays a failure: every parameter that changes what fast-check generates (the seed, the run count, the path) and the case. */
export function replayCommand(prefix: string, file: string, caseName: string, seed: number, numRuns: number, path: string | undefined): string {
  return `${prefix} ${file} --case ${caseName} --seed ${seed} --numtests ${numRuns}${path ? ` --path ${path}` : ''}`;
}

// fast-check fails a check without a counterexample when no run finished in time, or when fc.pre (or a filter) rejected
// too many values: neither is a counterexample to print, replay or store.
function withoutCounterexample(d: Details, timeoutMs: number, fixedSeeds: number[]): PropertyOutcome {
  const message = d.interrupted
    ? `the property ran out of time after ${d.numRuns} run(s) (${timeoutMs} ms): a run did not finish`
    : `fast-check gave up after ${d.numRuns} run(s): fc.pre (or a filter) rejected ${d.numSkips} generated values, too many; loosen the precondition or generate valid values`;
  return { status: 'failed', failure: { message, text: `${message}; seed ${d.seed}` }, property: { seed: d.seed, numRuns: d.numRuns, fixedSeeds } };
}

function failed(c: PlanCase, d: Details, maxRuns: number, options: PropertyOptions, note?: string, fixedSeeds: number[] = [], timeoutMs = 0): PropertyOutcome {
  if (d.counterexample === null) return withoutCounterexample(d, timeoutMs, fixedSeeds);
  const replay = replayCommand(options.replayCommand, options.file, c.name, d.seed, maxRuns, d.counterexamplePath ?? undefined);
  const counterexample = Array.isArray(d.counterexample) ? d.counterexample.map((a) => show(a)).join(', ') : show(d.counterexample);
  const failure: PropertyFailure = { seed: d.seed, path: d.counterexamplePath ?? undefined, counterexample, numRuns: d.numRuns, maxRuns, numShrinks: d.numShrinks, replay };
  // fast-check's own "returned false" error says nothing the counterexample does not.
  const own = d.errorInstance instanceof Error && d.errorInstance.message.startsWith('Property failed by returning false');
  const cause = d.errorInstance === undefined || own ? undefined : thrownCause(d.errorInstance);
  const head = `property failed after ${d.numRuns} run(s) and ${d.numShrinks} shrink(s)${note ? ` (${note})` : ''}`;
  const text = [head, `counterexample: ${counterexample}`, `seed: ${d.seed}`, `replay: ${replay}`, ...(cause ? ['', cause.text] : [])].join('\n');
  return { status: 'failed', failure: { message: `${head}: ${counterexample}`, text, ...(cause?.location && { location: cause.location }) }, property: { seed: d.seed, numRuns: d.numRuns, failure, fixedSeeds } };
}

// What a failing run threw: an Error with its stack; any other value (a string, a number, an object) shown as it is, as node:test and fast-check show it.
function thrownCause(thrown: unknown): FailureInfo {
  if (thrown instanceof Error) return toFailureInfo(thrown);
  const line = `the property threw ${show(thrown)}`;
  return { message: line, text: line };
}
