import type { RunResult } from '../result.js';
import type { Reporter } from './types.js';

/** The run as one JSON document: counts (and `noTests` or `nothingToRun`, why a run that selected nothing failed or passed), then each file with its cases (failures, leaks, property seeds). */
export function toJson(result: RunResult): string {
  return JSON.stringify({ ok: result.ok, counts: result.counts, durationMs: Math.round(result.durationMs), shuffleSeed: result.shuffleSeed, ...(result.interrupted !== undefined && { interrupted: result.interrupted }), ...(result.noTests !== undefined && { noTests: result.noTests }), ...(result.nothingToRun !== undefined && { nothingToRun: result.nothingToRun }), ...(result.autoSkipsIgnored && { autoSkipsIgnored: true }), files: result.files }, null, 2);
}

/** Writes the run as JSON (see `toJson`) through `write`, e.g. to a file. */
export function jsonReporter(write: (text: string) => void): Reporter {
  return { onRunEnd: (result) => write(`${toJson(result)}\n`) };
}
