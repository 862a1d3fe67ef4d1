import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { RunResult } from '../result.js';
import type { Reporter } from './types.js';
import { htmlLogPages } from './html.js';
import { allRunsPage, boundRuns, lastRunPage, runFolderName, type RunSummary } from './all-runs.js';

/** Where a run's totals are kept in its folder; written after its pages, so a run without it did not finish writing. */
const SUMMARY = 'run.json';

/** Creates the run's own folder, named after its start; mkdir without `recursive` fails on an existing one, so concurrent runs never share one. */
function createRunFolder(logsDir: string, started: Date): string {
  for (let n = 1; ; n++) {
    const name = runFolderName(started, n);
    try {
      mkdirSync(join(logsDir, name));
      return name;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

// A reader of the folder never sees a half-written file: the new one replaces the old in one rename.
function writeAtomically(path: string, text: string): void {
  const temp = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, path);
}

function readSummary(logsDir: string, name: string): RunSummary {
  try {
    const { counts, durationMs } = JSON.parse(readFileSync(join(logsDir, name, SUMMARY), 'utf8')) as Omit<RunSummary, 'name'>;
    return { name, counts, durationMs };
  } catch {
    return { name };
  }
}

// `last/` is a convenience for shells; where symlinks need privileges (Windows) or the filesystem has none, `last.html` alone points at the run.
function linkLast(logsDir: string, name: string): void {
  if (process.platform === 'win32') return;
  const temp = join(logsDir, `last.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  try {
    symlinkSync(name, temp, 'dir');
    renameSync(temp, join(logsDir, 'last'));
  } catch {
    rmSync(temp, { force: true });
  }
}

/**
 * Writes a run's HTML logs into the log tree under `logsDir` (Common Test's): first the run's own folder
 * (`run.<time>/` with its index, suite and case pages, then its `run.json`), then, each replaced atomically,
 * the index of all runs (`index.html`) and the `last.html` pointer (plus a `last` symlink where possible);
 * only then the runs beyond the newest `keep` are deleted. Returns the run's folder.
 */
export function writeRunLogs(logsDir: string, started: Date, result: RunResult, keep: number): string {
  mkdirSync(logsDir, { recursive: true });
  const name = createRunFolder(logsDir, started);
  const dir = join(logsDir, name);
  for (const p of htmlLogPages(result)) {
    mkdirSync(dirname(join(dir, p.path)), { recursive: true });
    writeFileSync(join(dir, p.path), p.html);
  }
  writeFileSync(join(dir, SUMMARY), `${JSON.stringify({ started: started.toISOString(), counts: result.counts, durationMs: Math.round(result.durationMs) }, null, 2)}\n`);
  const dirs = readdirSync(logsDir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  const { kept, dropped } = boundRuns(dirs, keep);
  const runs = kept.map((n) => readSummary(logsDir, n));
  writeAtomically(join(logsDir, 'index.html'), allRunsPage(runs));
  const last = runs.find((r) => r.counts !== undefined)?.name ?? name;
  writeAtomically(join(logsDir, 'last.html'), lastRunPage(last));
  linkLast(logsDir, last);
  // Never this run's own folder, even when a clock set back makes it look old.
  for (const n of dropped.filter((d) => d !== name)) rmSync(join(logsDir, n), { recursive: true, force: true });
  return dir;
}

/** A reporter writing the run's HTML logs into the log tree under `logsDir` when the run ends (see `writeRunLogs`); the run's folder is named after the reporter's creation, the run's start. */
export function logTreeReporter(logsDir: string, keep: number): Reporter {
  const started = new Date();
  return { onRunEnd: (result) => void writeRunLogs(logsDir, started, result, keep) };
}
