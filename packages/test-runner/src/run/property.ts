import fc from 'fast-check';
import { show } from '../assert/format.js';
import type { PlanCase } from '../plan/types.js';
import type { CaseResult, FailureInfo, PropertyFailure } from '../result.js';
import { toFailureInfo } from './failure-info.js';

/** How a property is checked: run count, seed, stored failing seeds, and the replay command's prefix. */
export interface PropertyOptions {
  readonly numRuns: number | undefined;
  readonly seed: number | undefined;
  readonly knownSeeds: readonly number[];
  readonly replayCommand: string;
  readonly file: string;
}

type Details = { failed: boolean; seed: number; counterexample: unknown; counterexamplePath: string | null; numRuns: number; numShrinks: number; errorInstance?: unknown; interrupted: boolean };

/** What a property check produced, as the parts of a CaseResult it decides. */
export type PropertyOutcome = Pick<CaseResult, 'status' | 'property'> & { failure?: FailureInfo };

/** Checks a property: first each stored failing seed, then a fresh run (seeded by `--seed` or at random). */
export async function checkProperty(c: PlanCase, options: PropertyOptions, timeoutMs: number): Promise<PropertyOutcome> {
  const property = c.property as fc.IRawProperty<unknown>;
  const numRuns = options.numRuns ?? 100;
  const fixedSeeds: number[] = [];
  for (const seed of options.knownSeeds) {
    const d = (await fc.check(property, { seed, numRuns, interruptAfterTimeLimit: timeoutMs })) as Details;
    if (d.failed) return failed(c, d, options, 'a stored counterexample still fails');
    fixedSeeds.push(seed);
  }
  const seed = options.seed ?? (Date.now() ^ (Math.random() * 0x7fffffff)) >>> 0;
  const d = (await fc.check(property, { seed, numRuns, interruptAfterTimeLimit: timeoutMs })) as Details;
  if (d.failed) return failed(c, d, options, undefined, fixedSeeds);
  if (d.interrupted) {
    return { status: 'failed', failure: { message: `the property ran out of time after ${d.numRuns} runs (${timeoutMs} ms)`, text: `the property ran out of time after ${d.numRuns} runs (${timeoutMs} ms); seed ${seed}` }, property: { seed, numRuns: d.numRuns, fixedSeeds } };
  }
  return { status: 'passed', property: { seed, numRuns: d.numRuns, fixedSeeds } };
}

function failed(c: PlanCase, d: Details, options: PropertyOptions, note?: string, fixedSeeds: number[] = []): PropertyOutcome {
  const replay = `${options.replayCommand} ${options.file} --case ${c.name} --seed ${d.seed}`;
  const counterexample = Array.isArray(d.counterexample) ? d.counterexample.map((a) => show(a)).join(', ') : show(d.counterexample);
  const failure: PropertyFailure = { seed: d.seed, path: d.counterexamplePath ?? undefined, counterexample, numRuns: d.numRuns, numShrinks: d.numShrinks, replay };
  // fast-check's own "returned false" error says nothing the counterexample does not.
  const own = d.errorInstance instanceof Error && d.errorInstance.message.startsWith('Property failed by returning false');
  const cause = d.errorInstance === undefined || own ? undefined : toFailureInfo(d.errorInstance);
  const head = `property failed after ${d.numRuns} run(s) and ${d.numShrinks} shrink(s)${note ? ` (${note})` : ''}`;
  const text = [head, `counterexample: ${counterexample}`, `seed: ${d.seed}`, `replay: ${replay}`, ...(cause ? ['', cause.text] : [])].join('\n');
  return { status: 'failed', failure: { message: `${head}: ${counterexample}`, text, ...(cause?.location && { location: cause.location }) }, property: { seed: d.seed, numRuns: d.numRuns, failure, fixedSeeds } };
}
