import type { CaseResult, FileResult } from '../result.js';

/** One stored failure: a case's full name (`module > group > case`), or its name and id when other cases of its file share that name. */
export type StoredFailure = string | { readonly name: string; readonly id: string };

/** The failing cases of the last run, file → stored failures: what `--rerun-failed` runs. */
export type FailedStore = Readonly<Record<string, readonly StoredFailure[]>>;

// A case's full name, which adding or moving other tests does not change.
const storeName = (c: Pick<CaseResult, 'path'>): string => c.path.join(' > ');

// Equal stored failures have equal keys (a name alone never holds a NUL, so the two forms never meet).
const keyOf = (s: StoredFailure): string => (typeof s === 'string' ? s : `${s.name}\u0000${s.id}`);
const caseKey = (c: Pick<CaseResult, 'path' | 'id'>): string => `${storeName(c)}\u0000${c.id}`;

/** The full name a stored failure selects. */
export const storedName = (s: StoredFailure): string => (typeof s === 'string' ? s : s.name);

/** Each file's full case names before any filter (a name twice for two cases sharing it), when known: a run that ran one twin alone still stores it by id. */
export type AllCases = ReadonlyMap<string, readonly string[]>;

// The stored form of a file's case: its name, or its name and id when a twin of the same name would be run with it.
function stored(f: FileResult, c: CaseResult, all: AllCases | undefined): StoredFailure {
  const name = storeName(c);
  const ran = f.cases.filter((o) => storeName(o) === name && !o.id.startsWith('gone:')).length;
  const known = all?.get(f.file)?.filter((n) => n === name).length ?? 0;
  return Math.max(ran, known) > 1 ? { name, id: c.id } : name;
}

const unique = (list: readonly StoredFailure[]): StoredFailure[] => [...new Map(list.map((s) => [keyOf(s), s])).values()];

/**
 * The failing cases of a run (pure), with those a failed init function auto-skipped (they failed the run too). A failed
 * configuration function stands for the cases it set up or cleaned up (a failed `endPerGroup(db)`: the cases of `db`),
 * so a rerun runs it again around them. A file that failed as a whole (it did not compile or load) is stored under its own path.
 */
export function failedCases(files: readonly FileResult[], all?: AllCases): FailedStore {
  const out: Record<string, StoredFailure[]> = {};
  for (const f of files) {
    const failing = f.cases.filter((c) => c.status === 'failed' || c.autoSkipped);
    const names = failing.flatMap((c) => (c.config === undefined ? [stored(f, c, all)] : within(f, c.config, all)));
    if (names.length > 0) out[f.file] = unique(names);
  }
  return out;
}

// The stored forms of the file's cases within `scope` (a suite, group or case path), or the file's own path when none ran.
function within(f: FileResult, scope: readonly string[], all: AllCases | undefined): StoredFailure[] {
  const names = f.cases.filter((c) => c.config === undefined && c.id !== 'file' && scope.every((p, i) => c.path[i] === p)).map((c) => stored(f, c, all));
  return names.length > 0 ? names : [f.file];
}

/**
 * The store after a whole run (pure): its failures, and the stored ones of cases it skipped (a test skipped because
 * another is marked `only`), which did not run and so did not pass.
 */
export function failedAfterWholeRun(old: FailedStore, files: readonly FileResult[], all?: AllCases): FailedStore {
  const skipped = new Set(files.flatMap((f) => f.cases.filter((c) => c.status === 'skipped' && !c.autoSkipped).flatMap((c) => [storeName(c), caseKey(c)])));
  const kept: Record<string, StoredFailure[]> = {};
  for (const [file, names] of Object.entries(old)) kept[file] = names.filter((n) => skipped.has(keyOf(n)));
  return mergeFailed(kept, files, {}, all);
}

/**
 * The store after a partial run (pure): a shard, a filter or a rerun leaves the failures it did not
 * reach as they were; the cases that ran (or no longer exist, `gone`) get this run's outcome.
 */
export function mergeFailed(old: FailedStore, files: readonly FileResult[], gone: FailedStore = {}, all?: AllCases): FailedStore {
  const out: Record<string, StoredFailure[]> = {};
  const results = new Map(files.map((f) => [f.file, f]));
  for (const [file, names] of Object.entries(old)) {
    const drop = new Set((gone[file] ?? []).map(storedName));
    const f = results.get(file);
    const kept = names.filter((n) => !drop.has(storedName(n)) && (f === undefined || !reached(f, n)));
    if (kept.length > 0) out[file] = kept;
  }
  for (const [file, names] of Object.entries(failedCases(files, all))) out[file] = unique([...(out[file] ?? []), ...names]);
  return out;
}

// Whether a run reached a stored failure: its case ran (one skipped by `only`, a skip or --bail did not: its failure
// stays until it passes). One stored with an id is its same-named case with that id, or any of that name when none
// of the file's cases of that name has the id any more (the file changed since).
function reached(f: FileResult, s: StoredFailure): boolean {
  const ran = (c: CaseResult): boolean => c.status !== 'skipped' || c.autoSkipped === true;
  const named = f.cases.filter((c) => storeName(c) === storedName(s));
  if (typeof s === 'string') return named.some(ran);
  const same = named.filter((c) => c.id === s.id);
  return same.length > 0 ? same.some(ran) : named.some(ran);
}

/** What a file's stored failures select (pure): the full names stored alone, and the same-named cases stored with their ids. */
export function storedSelection(stored: readonly StoredFailure[]): { names: string[]; twins: { name: string; id: string }[] } {
  return { names: stored.filter((s): s is string => typeof s === 'string'), twins: stored.filter((s): s is { name: string; id: string } => typeof s !== 'string') };
}

/** Whether a stored name marks the whole file (it failed before its cases were known). */
export const wholeFile = (file: string, names: readonly StoredFailure[]): boolean => names.includes(file);
