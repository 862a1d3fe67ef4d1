import { sourceOrder } from './export-scan.js';
import { build, type Plugin } from 'esbuild';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join, relative } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { resolveImport } from '@otp-ts/runtime/tools';
import { toFailureInfo } from './failure-info.js';
import { metafileInputs } from './import-graph.js';
import { missingImport, type MissingImport } from './missing-import.js';

// Bundling moves code to _build/test/bundles: keep import.meta (its url, dirname, filename) pointing at each source
// file, so a test that finds its project with new URL('..', import.meta.url) still does, also through `const m = import.meta`.
// esbuild's `define` swaps `import.meta` as a whole (never text in strings, template literals or comments) for an
// object each file declares at the start of its first line, so no line moves and stack lines still point at the source.
// Its `resolve` resolves relative specifiers from the source and bare ones as the bundle's own import.meta.resolve,
// kept by the bundle's first line (a banner, which `define` never touches). Both names are ones no user writes; a source
// that does write one is refused with the name, rather than failing to compile with a clash it cannot see.
const META = '__otp$$importMeta$$source';
const BUNDLE_RESOLVE = '__otp$$importMeta$$bundleResolve';
const importMetaDefines: Record<string, string> = { 'import.meta': META };
const resolveBanner = `const ${BUNDLE_RESOLVE} = import.meta.resolve;`;
const keepImportMeta: Plugin = {
  name: 'otp-keep-import-meta',
  setup(b) {
    b.onLoad({ filter: /\.[cm]?[jt]sx?$/, namespace: 'file' }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes('meta')) return undefined; // `import .meta` is legal too: any file that may hold it declares the object
      const reserved = [META, BUNDLE_RESOLVE].find((n) => source.includes(n));
      if (reserved !== undefined) return { errors: [{ text: `${reserved} is a name the test runner declares for import.meta: rename it`, location: locationOf(args.path, source, reserved) }] };
      const url = JSON.stringify(pathToFileURL(args.path).href);
      const resolve = `(s) => (/^\\.{0,2}\\//.test(s) ? new URL(s, ${url}).href : ${BUNDLE_RESOLVE}(s))`;
      const declaration = `const ${META} = { url: ${url}, filename: ${JSON.stringify(args.path)}, dirname: ${JSON.stringify(dirname(args.path))}, resolve: ${resolve} };`;
      // After a #! line, which must stay first; before anything else on the line, so no comment or string swallows it.
      const at = source.startsWith('#!') ? source.indexOf('\n') + 1 || source.length : 0;
      const contents = source.slice(0, at) + declaration + source.slice(at);
      return { contents, loader: loaderOf(args.path) };
    });
  },
};
const locationOf = (file: string, source: string, text: string): { file: string; line: number; column: number; lineText: string } => {
  const before = source.slice(0, source.indexOf(text)).split('\n');
  return { file, line: before.length, column: before.at(-1)!.length, lineText: source.split('\n')[before.length - 1] ?? '' };
};
const loaderOf = (path: string): 'ts' | 'tsx' | 'js' | 'jsx' => /\.[cm]?([jt]sx?)$/.exec(path)![1] as 'ts' | 'tsx' | 'js' | 'jsx';

// The node:test stand-in, from sources (src/run/) or from the built package (dist/, which ships src/ too).
function nodeTestShim(): string {
  const candidates = [new URL('../node-test/shim.ts', import.meta.url), new URL('../src/node-test/shim.ts', import.meta.url)].map((u) => fileURLToPath(u));
  return candidates.find((p) => existsSync(p)) ?? candidates[0]!;
}

// node:test files run as the runner's cases: `node:test` becomes a module that records registrations.
const nodeTestAsCases: Plugin = {
  name: 'otp-node-test',
  setup(b) {
    b.onResolve({ filter: /^node:test$/ }, () => ({ path: nodeTestShim() }));
  },
};

// A workspace package written in TypeScript (an umbrella's sibling application: `import … from 'umb/src/umb_server.ts'`)
// is source, not an installed package: bundled like the test's own modules, since Node.js cannot load its .ts files.
// Every other package stays external, so the test and the worker share one @otp-ts/runtime.
// A package the bundle (under _build/) would import from elsewhere than its importer does (an umbrella app's own
// node_modules/, where npm puts a version that conflicts with the root's) is imported by the file its importer resolves.
// A package that resolves nowhere (not installed) stays external too, and is recorded with the import naming it,
// so a file that then fails to load says which source imports it instead of naming the bundle.
const workspaceSources = (outfile: string, root: string, missing: MissingImport[]): Plugin => ({
  name: 'otp-workspace-sources',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData === SKIP || args.path.startsWith('node:')) return undefined;
      const r = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: SKIP });
      if (r.errors.length > 0) missing.push(missingImport(args.path, args.importer, root));
      if (r.errors.length > 0 || r.external) return { path: args.path, external: true };
      if (/\.[cm]?tsx?$/.test(r.path) && !/[/\\]node_modules[/\\]/.test(r.path)) return { path: r.path };
      return { path: importedFrom(args.path, join(args.resolveDir, 'index.js'), outfile), external: true };
    });
  },
});

// `spec` as the bundle imports it: bare when it loads there what it loads from `importer`, else that file's URL.
function importedFrom(spec: string, importer: string, outfile: string): string {
  const resolved = (from: string): string | undefined => {
    try {
      return resolveImport(spec, from);
    } catch {
      return undefined;
    }
  };
  const wanted = resolved(importer);
  return wanted === undefined || resolved(outfile) === wanted ? spec : wanted;
}
const SKIP = Symbol('resolving');

/** A compiled test file: the bundle to import, its exports in source order and the absolute paths of the files bundled into it. */
export type Compiled = { ok: true; bundle: string; exportOrder: string[]; inputs: string[]; missing: MissingImport[] } | { ok: false; text: string };

/**
 * Bundles one TypeScript test file to `<outDir>/bundles/<path>.mjs` with a source map. Installed packages
 * stay external, so the test and the worker share one instance of @otp-ts/runtime (resolved from the project).
 */
export async function compileTestFile(root: string, file: string, outDir: string): Promise<Compiled> {
  const rel = relative(root, file);
  const outfile = join(outDir, 'bundles', `${rel.replace(/\.[cm]?[jt]sx?$/, '').replace(/\.\.\//g, '__/')}.mjs`);
  const missing: MissingImport[] = [];
  try {
    const result = await build({
      entryPoints: [file],
      outfile,
      absWorkingDir: root,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      sourcemap: true,
      sourcesContent: false,
      metafile: true,
      logLevel: 'silent',
      plugins: [nodeTestAsCases, workspaceSources(outfile, root, missing), keepImportMeta],
      // Keep code no test reaches, so coverage counts it as uncovered instead of not seeing it.
      treeShaking: false,
      define: importMetaDefines,
      banner: { js: resolveBanner },
    });
    const output = result.metafile.outputs[relative(root, outfile)];
    return { ok: true, bundle: outfile, exportOrder: [...sourceOrder(readFileSync(file, 'utf8')), ...(output?.exports ?? [])], inputs: metafileInputs(root, result.metafile.inputs), missing };
  } catch (error) {
    const errors = (error as { errors?: Array<{ text: string; location?: { file: string; line: number; column: number; lineText: string } | null }> }).errors;
    if (!errors) return { ok: false, text: toFailureInfo(error, `${rel} could not be compiled`).text };
    // At the end of the file the line is empty: no `>` line then, which would show nothing.
    const lines = errors.map((e) => (e.location ? `${e.location.file}:${e.location.line}:${e.location.column}: ${e.text}${e.location.lineText.trim() === '' ? '' : `\n  > ${e.location.lineText.trim()}`}` : e.text));
    return { ok: false, text: `${rel} could not be compiled:\n${lines.join('\n')}` };
  }
}

export { sourceOrder };
