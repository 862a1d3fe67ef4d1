import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { transform } from 'esbuild';
import { Report } from 'c8';

/** Whether a path (relative to the root, `/`-separated) is a source of the project: under `src/` or `<folder>/<app>/src/`, not a test. */
export const isSource = (rel: string): boolean => /^(?:[^/]+\/[^/]+\/)?src\//.test(rel) && /\.[cm]?tsx?$/.test(rel) && !/\.(test|suite)\.[cm]?tsx?$/.test(rel) && !/\.d\.[cm]?ts$/.test(rel);

const toRel = (root: string, file: string): string => relative(root, file).split(sep).join('/');

function walk(dir: string, out: string[]): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
    const path = join(dir, e.name);
    if (e.isDirectory()) walk(path, out);
    else if (e.isFile()) out.push(path);
  }
}

/** Every source file of the project (absolute paths): what coverage lists, tested or not. */
export function projectSources(root: string): string[] {
  const dirs = [join(root, 'src')];
  for (const top of readdirSync(root, { withFileTypes: true })) {
    if (!top.isDirectory() || top.name === 'node_modules' || top.name === '_build' || top.name.startsWith('.')) continue;
    for (const app of readdirSync(join(root, top.name), { withFileTypes: true })) if (app.isDirectory()) dirs.push(join(root, top.name, app.name, 'src'));
  }
  const files: string[] = [];
  for (const d of dirs) if (existsSync(d)) walk(d, files);
  return files.filter((f) => isSource(toRel(root, f))).sort();
}

/**
 * c8 options that measure the same files wherever the command runs from: its include rules would otherwise drop
 * every file outside the working directory (nothing measured from test/) and lcov.info would name files from there.
 * Which files count is decided by `isSource` on paths relative to the root, after the remapping.
 */
export const cwdFree = (root: string) => ({
  exclude: [],
  excludeNodeModules: true,
  src: [root],
  allowExternal: true,
  reporterOptions: { lcov: { projectRoot: root }, lcovonly: { projectRoot: root } },
});

/** A source no test loaded that could not be counted at 0 %, because it does not compile. */
export class CoverageSourceError extends Error {
  override name = 'CoverageSourceError';
}

async function compileAlone(root: string, file: string): Promise<{ code: string; map: string }> {
  try {
    return await transform(readFileSync(file, 'utf8'), { loader: file.endsWith('x') ? 'tsx' : 'ts', format: 'esm', target: 'node20', sourcemap: 'external', sourcefile: toRel(root, file), logLevel: 'silent' });
  } catch (error) {
    const first = (error as { errors?: { text: string; location?: { line: number; column: number } | null }[] }).errors?.[0];
    const where = first?.location ? `:${first.location.line}:${first.location.column + 1}` : '';
    throw new CoverageSourceError(`--cover cannot count ${toRel(root, file)}, which no test loads, at 0 %: it does not compile (${toRel(root, file)}${where}: ${first?.text ?? String(error)}); fix it, or move it out of src/`);
  }
}

type CoverageMap = Awaited<ReturnType<Report['getCoverageMapFromAllCoverageFiles']>>;

/**
 * Coverage at 0 % of sources no test loaded (c8's `all`, which cannot be used as is: it would count the bundled
 * sources a second time): each is compiled alone with a source map and given an empty V8 coverage, which c8 maps back.
 */
export async function untestedCoverage(root: string, files: readonly string[]): Promise<CoverageMap> {
  const out = join(root, '_build', 'test', 'coverage', 'untested');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'raw'), { recursive: true });
  const result = [];
  for (const file of files) {
    const t = await compileAlone(root, file);
    // A file of types only compiles to nothing: no test could run it, so it is not code to cover.
    if (t.code.replace(/export\s*\{\s*\};?/g, '').trim() === '') continue;
    const js = join(out, 'js', `${toRel(root, file).replace(/\.[cm]?tsx?$/, '')}.mjs`);
    mkdirSync(dirname(js), { recursive: true });
    const map = { ...(JSON.parse(t.map) as Record<string, unknown>), sources: [relative(dirname(js), file).split(sep).join('/')] };
    writeFileSync(js, `${t.code}//# sourceMappingURL=${basename(js)}.map\n`);
    writeFileSync(`${js}.map`, JSON.stringify(map));
    const ranges = [{ startOffset: 0, endOffset: t.code.length, count: 0 }];
    result.push({ scriptId: String(result.length + 1), url: pathToFileURL(js).href, functions: [{ functionName: '(empty-report)', ranges, isBlockCoverage: true }] });
  }
  writeFileSync(join(out, 'raw', 'coverage-untested.json'), JSON.stringify({ result }));
  const report = new Report({ reporter: [], tempDirectory: join(out, 'raw'), ...cwdFree(root), all: false });
  const map = await report.getCoverageMapFromAllCoverageFiles();
  map.filter((f) => isSource(toRel(root, f)));
  return map;
}
