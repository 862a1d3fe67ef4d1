import { caseSelected } from '../plan/filter.js';
import type { PlanCase, PlanFilter } from '../plan/types.js';
import type { Shard } from './select.js';
import { oneLine } from '../report/text.js';

/** What a run selected from, to say why it selected nothing. */
export interface EmptySelection {
  /** The paths given (test files or folders), if any. */
  readonly paths?: readonly string[];
  /** How many test files were found under them (or the project). */
  readonly discovered: number;
  /** `--rerun-failed`, how many failures the store listed, whether an earlier run wrote the store at all, and the full names of those in the discovered files (any shard). */
  readonly rerunFailed?: { readonly stored: number; readonly kept?: boolean; readonly names?: readonly string[] };
  /** `--shard`, and how many test files it holds. */
  readonly shard?: { readonly shard: Shard; readonly files: number };
  readonly filter: PlanFilter;
  /** Full names (`module > group > case`) of the cases the filters chose from. */
  readonly candidates: readonly string[];
}

const ALLOW = ' (--pass-with-no-tests allows an empty run)';

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diag + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length]!;
}

/** Up to three of `names` closest to `wanted` (pure), nearest first: those a typo away when there are any, else the three nearest. */
export function closestNames(wanted: string, names: readonly string[]): string[] {
  const ranked = [...new Set(names)].map((n) => ({ n, d: distance(wanted, n) })).sort((x, y) => x.d - y.d || x.n.localeCompare(y.n));
  const near = ranked.filter((x) => x.d <= Math.max(2, Math.floor(wanted.length / 3)));
  return (near.length > 0 ? near : ranked).slice(0, 3).map((x) => x.n);
}

const asCase = (full: string): PlanCase => {
  const path = full.split(' > ');
  return { kind: 'case', id: '', name: path[path.length - 1]!, path, timeoutMs: 0, run: () => undefined };
};

// The names each filter chooses among.
const pools: Record<'suite' | 'group' | 'case' | 'grep', (path: string[]) => string[]> = {
  suite: (p) => [p[0]!],
  group: (p) => p.slice(1, -1).map((g) => g.replace(/#\d+$/, '')),
  case: (p) => [...new Set([p[p.length - 1]!, ...(p.length > 2 ? [p[1]!] : [])])],
  grep: (p) => [p.join(' > ')],
};

const shownFilter = (wanted: RegExp | readonly string[]): string => (wanted instanceof RegExp ? wanted.source : wanted.join(' '));

const filterFlags = (f: PlanFilter): string => (['suite', 'group', 'case', 'grep'] as const).flatMap((k) => (f[k] === undefined ? [] : [`--${k} ${shownFilter(f[k])}`])).join(' ');

const elsewhere = (n: number): string => (n === 1 ? 'the only test file is in another shard' : `all ${n} test files are in other shards`);

/**
 * Why a run that selected no test still passes (pure), or undefined when it fails: an empty shard of a valid split
 * (fewer test files than shards, or filters whose tests are all in other shards' files) and `--rerun-failed` with
 * nothing to rerun (the last run stored no failure, none in this shard, or none among the tests the filters select) are
 * what a CI job that always passes those flags expects to be green. Filters that select nothing in any shard still fail (a typo), in every shard.
 */
export function emptyButPassing(s: EmptySelection): string | undefined {
  if (s.discovered === 0) return undefined;
  const given = (['suite', 'group', 'case', 'grep'] as const).some((k) => s.filter[k] !== undefined);
  const shard = s.shard && `--shard ${s.shard.shard.index}/${s.shard.shard.count}`;
  if (s.shard?.files === 0) return `${shard} holds no test file: ${elsewhere(s.discovered)}`;
  // Every shard is dealt from all the files, then filtered: tests the filters select in other shards leave this one empty, as fewer files than shards do.
  const selects = given && !s.rerunFailed ? s.candidates.map(asCase).filter((c) => caseSelected(c, s.filter)).length : 0;
  if (shard && selects > 0) return `${filterFlags(s.filter)} selects no test in ${shard}: the ${selects} test(s) it selects are in other shards' files`;
  if (s.rerunFailed?.kept && s.rerunFailed.stored === 0) return '--rerun-failed has nothing to rerun: the last run stored no failure';
  if (s.rerunFailed?.kept && shard && !given && !s.paths) return `--rerun-failed has nothing to rerun in ${shard}: the ${s.rerunFailed.stored} stored failure(s) are in other shards' files`;
  // A rerun narrowed by paths or filters: the stored failures they select are its tests, dealt to shards as any test is; a filter matching no test at all is still a typo.
  if (!s.rerunFailed?.kept || (given && !s.candidates.map(asCase).some((c) => caseSelected(c, s.filter)))) return undefined;
  const flags = ['--rerun-failed', ...(s.paths ?? []), ...(given ? [filterFlags(s.filter)] : [])].join(' ');
  const chosen = (s.rerunFailed.names ?? []).map(asCase).filter((c) => caseSelected(c, s.filter)).length;
  if (shard && chosen > 0) return `${flags} has nothing to rerun in ${shard}: the ${chosen} stored failure(s) it selects are in other shards' files`;
  return chosen === 0 ? `${flags} has nothing to rerun: none of the ${s.rerunFailed.stored} stored failure(s) is among the tests it selects` : undefined;
}

/**
 * Why a watch rerun that selected no test in the files it reran still passes (pure): the session's other files ran
 * tests, so its filters matched (`--watch --grep foo` and a changed file with no `foo`); nothing to rerun, not a typo.
 */
export function rerunSelectsNothing(filter: PlanFilter, files: readonly string[]): string {
  const where = files.length === 1 ? `${files[0]}, the file this change reruns` : `${listed(files)}, the files this change reruns`;
  const flags = filterFlags(filter);
  return flags ? `${flags} selects no test in ${where} (the session's other files hold the tests it selects)` : `${where}, hold${files.length === 1 ? 's' : ''} no test`;
}

const listed = (items: readonly string[]): string => (items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)!}`);

/** The one-line reason a run selected no test (pure): the first filter that matched nothing on its own, with the closest names. */
export function noTestsReason(s: EmptySelection): string {
  if (s.discovered === 0) return `${s.paths?.length ? s.paths.join(', ') : 'the project'} holds no test file (*.test.ts or *.suite.ts)${ALLOW}`;
  if (s.rerunFailed?.stored === 0) return `--rerun-failed selected no test: no earlier run stored its failures (_build/test/failed.json is missing); run otp test first${ALLOW}`;
  const cases = s.candidates.map(asCase);
  for (const key of ['suite', 'group', 'case', 'grep'] as const) {
    const wanted = s.filter[key];
    if (wanted === undefined || cases.some((c) => caseSelected(c, { [key]: wanted }))) continue;
    const shown = shownFilter(wanted);
    const near = closestNames(wanted instanceof RegExp ? wanted.source : wanted[0]!, cases.flatMap((c) => pools[key]([...c.path])));
    // A name may hold a newline or a terminal escape (`it('\x1b[31mred')`): shown escaped, so the reason stays one line and paints nothing.
    return `--${key} ${shown} matched no test${near.length > 0 ? `; closest: ${near.map(oneLine).join(', ')}` : ''}`;
  }
  const given = (['suite', 'group', 'case', 'grep'] as const).filter((k) => s.filter[k] !== undefined);
  if (s.rerunFailed) return `--rerun-failed selected no test: none of the ${s.rerunFailed.stored} stored failure(s) is among the selected files and filters${ALLOW}`;
  return given.length > 0 ? `${given.map((k) => `--${k}`).join(' and ')} match no test together` : `the selected test files hold no test${ALLOW}`;
}

/** The tests `only` skipped in one file: the file and the full names (`module > group > case`) of those tests. */
export interface OnlySkipped {
  readonly file: string;
  readonly tests: readonly string[];
}

const SHOWN_ONLY = 5;

// `file: a, b and 3 more`: the skipped tests named, a few per file, so the message stays one line.
const onlyShown = (o: OnlySkipped): string =>
  `${o.file}: ${o.tests.slice(0, SHOWN_ONLY).join(', ')}${o.tests.length > SHOWN_ONLY ? ` and ${o.tests.length - SHOWN_ONLY} more` : ''}`;

/**
 * Why a run whose filters selected only tests that `only` skips fails (pure), or undefined when some test ran or no
 * filter chose: such a run checked nothing, as a filter matching nothing does. `skipped` names the tests `only` skipped, by file.
 */
export function onlyLeftNothing(filter: PlanFilter, rerunFailed: boolean, skipped: readonly OnlySkipped[]): string | undefined {
  const flags = [...(rerunFailed ? ['--rerun-failed'] : []), ...(filterFlags(filter) ? [filterFlags(filter)] : [])].join(' ');
  if (flags === '' || skipped.length === 0) return undefined;
  const files = skipped.length === 1 ? `${skipped[0]!.file} marks other tests \`only\`` : `${skipped.map((o) => o.file).join(', ')} mark other tests \`only\``;
  return `${flags} selected only tests that \`only\` skips (${skipped.map(onlyShown).join('; ')}; ${files}), so nothing ran: widen the filter or remove the \`only\``;
}
