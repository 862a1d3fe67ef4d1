import { join, relative, sep } from 'node:path';
import { Report } from 'c8';

/** Options of `reportCoverage`. */
export interface CoverageOptions {
  /** The project root: sources under its src/ folders count, tests and build output do not. */
  root: string;
  /** Where the test run wrote V8 coverage (the NODE_V8_COVERAGE folder). */
  rawDir: string;
  /** c8/istanbul reporters (default: text, html and lcov). */
  reporters?: string[];
}

/** Line, statement, function and branch coverage in percent. */
export interface CoverageSummary {
  lines: number;
  statements: number;
  functions: number;
  branches: number;
}

// c8's include/exclude rules run on the bundles' paths or drop the zero counts of code no test reached;
// filtering the remapped map keeps every source file's real figures and drops tests and build output.
function onlySources(report: Report, root: string): Report {
  const all = report.getCoverageMapFromAllCoverageFiles.bind(report);
  report.getCoverageMapFromAllCoverageFiles = async () => {
    const map = await all();
    map.filter((file) => {
      const rel = relative(root, file).split(sep).join('/');
      return /^(?:[^/]+\/[^/]+\/)?src\//.test(rel) && !/\.(test|suite)\.ts$/.test(rel);
    });
    return map;
  };
  return report;
}

/**
 * Turns a test run's V8 coverage into reports mapped to the TypeScript sources through the bundles'
 * source maps (c8): a table on stdout, HTML and lcov under `_build/test/coverage/`.
 */
export async function reportCoverage(options: CoverageOptions): Promise<CoverageSummary> {
  // c8's Report is a factory (it returns its own instance), so it is wrapped rather than subclassed.
  const report = onlySources(new Report({
    reporter: options.reporters ?? ['text', 'html', 'lcov'],
    reportsDirectory: join(options.root, '_build', 'test', 'coverage'),
    tempDirectory: options.rawDir,
    excludeNodeModules: true,
    src: [options.root],
    allowExternal: false,
    all: false,
  }), options.root);
  await report.run();
  const map = await report.getCoverageMapFromAllCoverageFiles();
  const s = map.getCoverageSummary().toJSON();
  return { lines: s.lines.pct, statements: s.statements.pct, functions: s.functions.pct, branches: s.branches.pct };
}
