import type { Counts } from '../result.js';
import { esc, page, row, status } from './html-page.js';

/** Runs whose HTML logs are kept when no bound is given (Common Test's `keep_logs`). */
export const DEFAULT_KEEP_LOGS = 50;

/** One run of the log tree, as the index of all runs lists it. */
export interface RunSummary {
  /** Its folder under the logs folder (see `runFolderName`). */
  readonly name: string;
  /** Its totals; absent while the run is still writing its logs, or when it crashed doing so. */
  readonly counts?: Counts;
  readonly durationMs?: number;
}

const RUN_FOLDER = /^run\.(\d{4}-\d{2}-\d{2}T)(\d{2})(\d{2})(\d{2}\.\d{3}Z)(?:-(\d+))?$/;

/** The folder of a run started at `date`: `run.` and its ISO time without colons (valid on Windows, sorting by time); `n` > 1 tells apart runs started in the same millisecond. */
export function runFolderName(date: Date, n = 1): string {
  return `run.${date.toISOString().replace(/:/g, '')}${n > 1 ? `-${n}` : ''}`;
}

/** Whether a name under the logs folder is a run's folder. */
export const isRunFolder = (name: string): boolean => RUN_FOLDER.test(name);

/** When the run of a folder started, as an ISO time. */
export function runStarted(name: string): string {
  const m = RUN_FOLDER.exec(name);
  return m ? `${m[1]}${m[2]}:${m[3]}:${m[4]}` : '';
}

const newer = (a: string, b: string): number => {
  const [ta, tb] = [runStarted(a), runStarted(b)];
  if (ta !== tb) return ta < tb ? 1 : -1;
  return Number(RUN_FOLDER.exec(b)?.[5] ?? 1) - Number(RUN_FOLDER.exec(a)?.[5] ?? 1);
};

/** Splits run folders (pure) into the newest `keep`, newest first, and the older ones to delete. */
export function boundRuns(names: readonly string[], keep: number): { kept: string[]; dropped: string[] } {
  const sorted = names.filter(isRunFolder).sort(newer);
  const n = keep >= 1 ? Math.floor(keep) : 1;
  return { kept: sorted.slice(0, n), dropped: sorted.slice(n) };
}

function runRow(run: RunSummary): string {
  const link = `<a href="${esc(run.name)}/index.html">${esc(runStarted(run.name).replace('T', ' ').replace(/\.\d+Z$/, ' UTC'))}</a>`;
  const c = run.counts;
  if (c === undefined) return row([link, status('incomplete'), '', '', '', '']);
  const result = status(c.failed > 0 ? 'failed' : 'passed');
  const flaky = c.flaky ? ` (${c.flaky} flaky)` : '';
  return row([link, result, `${c.passed}${flaky}`, `${c.failed}`, `${c.skipped}`, run.durationMs === undefined ? '' : `${Math.round(run.durationMs)} ms`]);
}

/** The index of all runs (pure; Common Test's all_runs.html): one row per run, in the given order (newest first), with its date, totals and link. */
export function allRunsPage(runs: readonly RunSummary[]): string {
  const last = runs.find((r) => r.counts !== undefined);
  const head = last ? `<p><a href="last.html">last run</a></p>` : '';
  const rows = runs.map(runRow).join('');
  return page('Test runs', `${head}<table><tr><th>started</th><th>result</th><th>passed</th><th>failed</th><th>skipped</th><th>time</th></tr>${rows}</table>`);
}

/** The `last.html` page (pure): sends the browser on to the run's index, with a link where redirects are off. */
export function lastRunPage(name: string): string {
  const href = `${esc(name)}/index.html`;
  return page('Last test run', `<p><a href="${href}">${esc(runStarted(name))}</a></p>`, `<meta http-equiv="refresh" content="0; url=${href}">`);
}
