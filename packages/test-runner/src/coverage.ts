import { join, relative, sep } from 'node:path';
import { Report } from 'c8';
import { cwdFree, isSource, projectSources, untestedCoverage } from './coverage-all.js';

/** Options of `reportCoverage`. */
export interface CoverageOptions {
  /** The project root: sources under its src/ folders count, tests and build output do not. */
  root: string;
  /** Where the test run wrote V8 coverage (the NODE_V8_COVERAGE folder). */
  rawDir: string;
  /** Where the HTML and lcov reports go (default `_build/test/coverage/` of the root). */
  reportsDirectory?: string;
  /** c8/istanbul reporters (default: text, html and lcov). */
  reporters?: string[];
}

/** Line, statement, function and branch coverage in percent, and how many source files the tests loaded. */
export interface CoverageSummary {
  lines: number;
  statements: number;
  functions: number;
  branches: number;
  /** Source files some test loaded; 0 means the run measured nothing, which no threshold may pass. */
  measured: number;
  /** Every source file the report lists, the untested ones (at 0 %) included. */
  files: number;
}

type CoverageMap = Awaited<ReturnType<Report['getCoverageMapFromAllCoverageFiles']>>;

// c8's include/exclude rules run on the bundles' paths (its default exclude drops every `*.test.mjs` bundle, so a
// `*.test.ts` measured nothing) and its `all` mode cannot tell a bundled source from an untested one: the remapped
// map is filtered to the project's sources instead, and the sources no test loaded are added at 0 %.
function onlySources(report: Report, root: string, measured: { count: number }): Report {
  const all = report.getCoverageMapFromAllCoverageFiles.bind(report);
  let memo: Promise<CoverageMap> | undefined;
  report.getCoverageMapFromAllCoverageFiles = () => (memo ??= (async () => {
    const map = await all();
    map.filter((file) => isSource(relative(root, file).split(sep).join('/')));
    const loaded = new Set(map.files());
    measured.count = loaded.size;
    const untested = projectSources(root).filter((f) => !loaded.has(f));
    if (untested.length > 0) map.merge(await untestedCoverage(root, untested));
    return map;
  })());
  return report;
}

/**
 * Turns a test run's V8 coverage into reports mapped to the TypeScript sources through the bundles'
 * source maps (c8): a table on stdout, HTML and lcov under `_build/test/coverage/`. Every source file of
 * the project is listed, at 0 % when no test loaded it; tests and the runner's bundles are not.
 */
export async function reportCoverage(options: CoverageOptions): Promise<CoverageSummary> {
  const measured = { count: 0 };
  // c8's Report is a factory (it returns its own instance), so it is wrapped rather than subclassed.
  const report = onlySources(new Report({
    reporter: options.reporters ?? ['text', 'html', 'lcov'],
    reportsDirectory: options.reportsDirectory ?? join(options.root, '_build', 'test', 'coverage'),
    tempDirectory: options.rawDir,
    ...cwdFree(options.root),
    all: false,
  }), options.root, measured);
  await report.run();
  const map = await report.getCoverageMapFromAllCoverageFiles();
  const s = map.getCoverageSummary().toJSON();
  return { lines: s.lines.pct, statements: s.statements.pct, functions: s.functions.pct, branches: s.branches.pct, measured: measured.count, files: map.files().length };
}
