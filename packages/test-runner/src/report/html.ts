import { createHash } from 'node:crypto';
import type { CaseResult, FileResult, RunResult } from '../result.js';
import type { Reporter } from './types.js';
import { esc, page, row, status } from './html-page.js';

/** One page of the HTML logs: its path under the logs folder and its content. */
export interface LogPage {
  readonly path: string;
  readonly html: string;
}

const slug = (s: string): string => s.replace(/[^A-Za-z0-9._-]+/g, '_');

/** Longest page or folder name taken from a name as is; file systems refuse names over 255 bytes. */
const MAX_SLUG = 100;

const hash = (s: string): string => createHash('sha1').update(s).digest('hex').slice(0, 10);

// Distinct names get distinct page names: a long name is cut and a name whose slug another name already took (`größe` and `grüße`) gets its hash.
function pageNames(names: readonly string[]): string[] {
  const taken = new Set<string>();
  return names.map((n) => {
    let s = slug(n);
    if (s.length > MAX_SLUG) s = `${s.slice(0, MAX_SLUG - 11)}-${hash(n)}`;
    if (taken.has(s)) s = `${s}-${hash(n)}`;
    taken.add(s);
    return s;
  });
}

const caseKey = (c: CaseResult): string => c.path.slice(1).join('.') || c.name;

// Each file's folder and each case's page, decided once per run so links and pages agree.
function pathsOf(files: readonly FileResult[]): { folder: Map<FileResult, string>; page: Map<CaseResult, string> } {
  const folders = pageNames(files.map((f) => f.file));
  const page = new Map<CaseResult, string>();
  files.forEach((f, i) => pageNames(f.cases.map(caseKey)).forEach((n, j) => page.set(f.cases[j]!, `${folders[i]!}/${n}.html`)));
  return { folder: new Map(files.map((f, i) => [f, folders[i]!])), page };
}

type Paths = ReturnType<typeof pathsOf>;
const outcome = (c: CaseResult): string => (c.flaky ? `${status(c.status)} ${status('flaky')}` : status(c.status));

function casePage(f: FileResult, c: CaseResult, paths: Paths): LogPage {
  const parts = [`<p>${outcome(c)} in ${Math.round(c.durationMs)} ms · <a href="index.html">${esc(f.file)}</a></p>`];
  if (c.skipReason) parts.push(`<p>skipped: ${esc(c.skipReason)}</p>`);
  if (c.failure) parts.push(`<h2>Failure</h2><pre>${esc(c.failure.text)}</pre>`);
  if (c.property) parts.push(`<p>property: ${c.property.numRuns} run(s), seed ${c.property.seed}</p>`);
  if (c.leaks?.length) parts.push(`<h2>Leaked processes</h2><pre>${esc(c.leaks.join('\n'))}</pre>`);
  if (c.flaky) parts.push(`<p>passed on attempt ${c.attempts ?? '?'}</p>`);
  (c.retries ?? []).forEach((f, i) => parts.push(`<h2>Attempt ${i + 1}: failed</h2><pre>${esc(f.text)}</pre>`));
  if (c.log?.length) parts.push(`<h2>Crash reports</h2><pre>${esc(c.log.join('\n'))}</pre>`);
  parts.push(`<h2>Log</h2><pre class="ct-log">${esc(c.output ?? '')}</pre>`);
  return { path: paths.page.get(c)!, html: page(c.path.join(' > '), parts.join('\n')) };
}

function filePage(f: FileResult, paths: Paths): LogPage {
  const rows = f.cases.map((c) => row([`<a href="${esc(paths.page.get(c)!.split('/')[1]!)}">${esc(c.path.slice(1).join(' > ') || c.name)}</a>`, outcome(c), `${Math.round(c.durationMs)} ms`]));
  const extra = [f.warnings.length ? `<h2>Warnings</h2><pre>${esc(f.warnings.join('\n'))}</pre>` : '', f.output ? `<h2>Output</h2><pre>${esc(f.output)}</pre>` : ''];
  return { path: `${paths.folder.get(f)!}/index.html`, html: page(f.file, `<p><a href="../index.html">all files</a></p><table><tr><th>case</th><th>result</th><th>time</th></tr>${rows.join('')}</table>${extra.join('')}`) };
}

/** The pages of a run's HTML logs (pure): an index of files (linking up to the index of all runs), a page per file (suite) and a page per case. */
export function htmlLogPages(result: RunResult): LogPage[] {
  const { passed, failed, skipped } = result.counts;
  const paths = pathsOf(result.files);
  const rows = result.files.map((f) => {
    const n = (s: string): number => f.cases.filter((c) => c.status === s).length;
    return row([`<a href="${esc(paths.folder.get(f)!)}/index.html">${esc(f.file)}</a>`, `${n('passed')}`, `${n('failed')}`, `${n('skipped')}`, `${Math.round(f.durationMs)} ms`]);
  });
  const flaky = result.counts.flaky ? `, ${result.counts.flaky} flaky` : '';
  const seed = result.shuffleSeed !== undefined ? ` · shuffle seed ${result.shuffleSeed}` : '';
  const index = page('Test run', `<p><a href="../index.html">all runs</a></p><p>${passed} passed, ${failed} failed, ${skipped} skipped${flaky} in ${Math.round(result.durationMs)} ms${seed}</p><table><tr><th>file</th><th>passed</th><th>failed</th><th>skipped</th><th>time</th></tr>${rows.join('')}</table>`);
  return [{ path: 'index.html', html: index }, ...result.files.flatMap((f) => [filePage(f, paths), ...f.cases.map((c) => casePage(f, c, paths))])];
}

/** Writes one run's HTML logs (see `htmlLogPages`) through `write(path, html)`; `otp test` writes them into the run's own folder of the log tree (see `writeRunLogs`). */
export function htmlReporter(write: (path: string, html: string) => void): Reporter {
  return { onRunEnd: (result) => htmlLogPages(result).forEach((p) => write(p.path, p.html)) };
}
