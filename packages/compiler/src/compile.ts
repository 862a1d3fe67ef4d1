import { build, type Message } from 'esbuild';
import { createHash } from 'node:crypto';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CompileError, type Diagnostic } from './errors.js';
import { findApps, sourceFiles, type AppSource } from './apps.js';
import { checkBehaviours } from './behaviours.js';
import { ctxFirstExports, withCtxFirst } from './ctx-first.js';
import { linkSiblingImports } from './siblings.js';
import { linkLocalImports, pathAliases, type PathAliases } from './local-imports.js';
import { isJsonModule, outputFile, writeJsonModules } from './json-modules.js';
import { keyPlace } from './json-key.js';
import { missingImports, missingImportText } from './missing-imports.js';
import { IMPORT_META, type AppFile } from '@otp-ts/runtime/tools';

/** A build profile, as in rebar3: dev, test, prod, or one a project declares (otp.config.ts's `profiles`). */
export type Profile = 'dev' | 'test' | 'prod' | (string & {});

/** Options of `compile`. */
export interface CompileOptions {
  /** The project root (the folder with the root package.json). */
  root: string;
  /** Default `'dev'`. Output goes to `<outDir>/<profile>/lib/<app>-<vsn>/`. */
  profile?: Profile;
  /** The profile's build options (otp.config.ts `build`, resolved for the profile); defaults in `buildDefaults`. */
  build?: BuildOptions;
  /** Called with one line per compiled application (progress). */
  onProgress?: (line: string) => void;
}

/** How modules are built: otp.config.ts's `build` for one profile. */
export interface BuildOptions {
  /** Where output goes, relative to the project root (or absolute). Default `_build`. */
  outDir?: string;
  /** esbuild's target. Default `node20`. */
  target?: string;
  /** Write a source map beside each module. Default true. */
  sourceMaps?: boolean;
  /** Minify the output (function and class names are kept, for stack traces). Default: true for `prod` only. */
  minify?: boolean;
}

/** The build options a profile gets when none are given: `prod` minifies, every profile keeps source maps. */
export function buildDefaults(profile: string): Required<BuildOptions> {
  return { outDir: '_build', target: 'node20', sourceMaps: true, minify: profile === 'prod' };
}

/** What `compile` did for one application. */
export interface CompiledApp {
  name: string;
  vsn: string;
  /** The output folder. */
  dir: string;
  /** The application's own folder (its package.json's), where its sources and its own node_modules/ are. */
  source: string;
  /** Module names in the app resource. */
  modules: string[];
  /** Source files compiled this time (the others were unchanged). */
  compiled: string[];
  /** Output removed because its source disappeared. */
  removed: string[];
  /** One line per import of a package neither installed nor declared (nor optional, for an `import()`): it fails where it runs. */
  warnings: string[];
}

const hash = (text: string) => createHash('sha256').update(text).digest('hex');

// Changes when the compiler writes modules differently, so output of an earlier compiler is rebuilt, not reused.
const OUTPUT_FORMAT = 2;

/** The module name of a source file: `<app>/<path under src without extension>`. */
export function moduleName(app: string, file: string): string {
  return `${app}/${file.replace(/^src\//, '').replace(/\.(ts|mts)$/, '')}`;
}

function toDiagnostic(app: AppSource, m: Message): Diagnostic {
  const tla = /top-level await/i.test(m.text);
  return {
    text: tla ? 'top-level await is not allowed in an application module: the code server reloads modules, which have no top-level code to wait for' : m.text,
    location: m.location ? { file: join(app.dir, m.location.file), line: m.location.line, column: m.location.column, lineText: m.location.lineText } : undefined,
    suggestion: tla ? 'move the awaited work into a function (init, or an application start callback)' : m.notes[0]?.text,
  };
}

// esbuild compiles one CommonJS module per changed source (syntax errors come back as diagnostics); each
// module is written once, with its ctx-first exports marked (ctx-first.ts), every file at the same time.
async function buildModules(job: AppJob, files: string[], texts: Map<string, string>): Promise<boolean> {
  const { app, apps, dir, build: build_, diagnostics } = job;
  const result = await build({
    absWorkingDir: app.dir,
    entryPoints: files,
    outdir: dir,
    outbase: app.dir,
    bundle: false,
    format: 'cjs',
    platform: 'node',
    target: build_.target,
    sourcemap: build_.sourceMaps,
    sourcesContent: true,
    minify: build_.minify,
    // A minified stack trace still names its functions; the source map gives the TypeScript file:line.
    keepNames: true,
    // import() becomes a require the code server answers with the module's live export table (a native
    // import() cannot reach modules the code server loads, and would load a second copy of a package).
    supported: { 'dynamic-import': false },
    // CommonJS has no import.meta (esbuild would leave it empty): the code server hands each module its own
    // url, filename and dirname, those of its compiled file, so `import.meta.dirname` finds priv/ in a release too.
    define: { 'import.meta': IMPORT_META },
    logLevel: 'silent',
    write: false,
  }).catch((error: { errors?: Message[] }) => {
    if (!error.errors) throw error;
    diagnostics.push(...error.errors.map((m) => toDiagnostic(app, m)));
    return undefined;
  });
  if (result === undefined) return false;
  const sourceOf = new Map(files.map((f) => [resolve(dir, outputFile(f)), f]));
  const before = diagnostics.length;
  const outputs = await Promise.all(
    result.outputFiles.map(async (out) => {
      const source = sourceOf.get(out.path);
      if (source === undefined) return out.text;
      const from = { app, module: moduleName(app.name, source), file: source, text: texts.get(source)! };
      const linked = linkSiblingImports(linkLocalImports(out.text, from, new Set(texts.keys()), job.aliases, diagnostics), from, apps, diagnostics);
      return withCtxFirst(linked, await ctxFirstExports(texts.get(source)!));
    }),
  );
  if (diagnostics.length > before) return false;
  await Promise.all(
    result.outputFiles.map(async (out, i) => {
      const text = outputs[i]!;
      await mkdir(dirname(out.path), { recursive: true });
      await writeFile(out.path, text);
    }),
  );
  return true;
}

// A source's hash covers its text and the options it is built with: changing the profile's options recompiles.
// So do the applications it may import from (their packages, and those its otp.applications lists).
function sourceHashes(texts: Map<string, string>, { app, apps, build: build_, aliases }: AppJob): Record<string, string> {
  const key = JSON.stringify([OUTPUT_FORMAT, build_.target, build_.sourceMaps, build_.minify, app.otp.applications ?? [], apps.map((a) => a.pkg), aliases ?? null]);
  const out: Record<string, string> = {};
  for (const [f, text] of texts) out[f] = hash(`${key}\0${text}`);
  return out;
}

function resourceOf(app: AppSource, modules: Record<string, string>): AppFile {
  return {
    name: app.name,
    vsn: app.vsn,
    description: app.description,
    mod: app.otp.mod ? moduleName(app.name, app.otp.mod) : undefined,
    applications: app.otp.applications ?? [],
    registered: app.otp.registered ?? [],
    env: app.otp.env ?? {},
    // What the application master hands the callback module: start's args and the phases run after it.
    ...(app.otp.modArgs !== undefined ? { modArgs: app.otp.modArgs } : {}),
    ...(app.otp.startPhases !== undefined ? { startPhases: app.otp.startPhases } : {}),
    modules,
  };
}

// What compiling one application works with: the project's applications, its output folder, the build options,
// the tsconfig `paths` its imports may use, and where its diagnostics go.
interface AppJob {
  app: AppSource;
  apps: readonly AppSource[];
  dir: string;
  build: Required<BuildOptions>;
  aliases: PathAliases | undefined;
  diagnostics: Diagnostic[];
  /** The project root, which warnings name files from. */
  root: string;
}

// Compiles one application; its diagnostics are added to `diagnostics` (then it returns undefined, and its hashes stay as they were).
async function compileApp(job: AppJob, onProgress?: (line: string) => void): Promise<CompiledApp | undefined> {
  const { app, dir, build: build_, diagnostics } = job;
  const files = await sourceFiles(app);
  const hashFile = join(dir, '.hashes.json');
  const previous: Record<string, string> = existsSync(hashFile) ? JSON.parse(await readFile(hashFile, 'utf8')) : {};
  const texts = new Map(await Promise.all(files.map(async (f) => [f, await readFile(join(app.dir, f), 'utf8')] as const)));
  const current = sourceHashes(texts, job);
  const changed = files.filter((f) => previous[f] !== current[f]);
  const removed = Object.keys(previous).filter((f) => !(f in current));
  const [json, ts] = [changed.filter(isJsonModule), changed.filter((f) => !isJsonModule(f))];
  if (ts.length > 0 && !(await buildModules(job, ts, texts))) return undefined;
  if (!(await writeJsonModules(app, json, texts, dir, diagnostics))) return undefined;
  for (const f of removed) {
    const base = join(dir, outputFile(f));
    await rm(base, { force: true });
    await rm(`${base}.map`, { force: true });
  }
  if (!build_.sourceMaps) for (const f of ts) await rm(join(dir, `${outputFile(f)}.map`), { force: true });
  const modules = Object.fromEntries(files.map((f) => [moduleName(app.name, f), outputFile(f)]));
  const resource = resourceOf(app, modules);
  if (resource.mod && !(resource.mod in modules)) {
    // A callback module deleted or renamed is the common case: say the file is missing, not that it is no module.
    const missing = !existsSync(resolve(app.dir, String(app.otp.mod)));
    const text = `otp.mod names ${app.otp.mod}, which ${missing ? 'does not exist' : `is not a source module of ${app.name}`}`;
    const pkgFile = join(app.dir, 'package.json');
    const where = keyPlace((await readFile(pkgFile, 'utf8').catch(() => '')).replace(/^\uFEFF/, ''), ['otp', 'mod']);
    diagnostics.push({ text, location: { file: pkgFile, ...where }, suggestion: missing ? "create it, or point otp.mod at the application's callback module under src/" : 'point otp.mod at a file under src/' });
    return undefined;
  }
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'app.json'), `${JSON.stringify(resource, null, 2)}\n`);
  if (changed.length > 0 || removed.length > 0 || !existsSync(hashFile)) {
    const problems = await checkBehaviours({ name: app.name, srcDir: app.dir, outDir: dir, mod: resource.mod, sources: Object.fromEntries(files.map((f) => [moduleName(app.name, f), f])) });
    if (problems.length > 0) {
      diagnostics.push(...problems);
      return undefined;
    }
  }
  await writeFile(hashFile, JSON.stringify(current));
  if (existsSync(join(app.dir, 'priv'))) await cp(join(app.dir, 'priv'), join(dir, 'priv'), { recursive: true });
  onProgress?.(`compiled ${app.name} ${app.vsn}: ${changed.length} of ${files.length} modules${removed.length ? `, ${removed.length} removed` : ''}`);
  // Every module, changed or not: an import that fails at boot is said at each compile until it is fixed.
  const warnings = missingImports(app, dir, modules).filter((m) => m.static || !m.optional).map((m) => missingImportText(m, app.dir, job.root));
  return { name: app.name, vsn: app.vsn, dir, source: app.dir, modules: Object.keys(modules), compiled: changed, removed, warnings };
}

/**
 * Compiles every application of a project into one CommonJS-shaped module per source module, with
 * source maps and the app resource, following the profile's build options. Only sources whose content
 * (or build options) changed are recompiled. Behaviour objects whose callbacks are not functions, like
 * syntax errors and top-level await, are refused with file, line and the fix.
 */
export async function compile(options: CompileOptions): Promise<CompiledApp[]> {
  const profile = options.profile ?? 'dev';
  const build_ = { ...buildDefaults(profile), ...definedOnly(options.build ?? {}) };
  const apps = await findApps(options.root);
  const out: CompiledApp[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const app of apps) {
    const dir = join(resolve(options.root, build_.outDir), profile, 'lib', `${app.name}-${app.vsn}`);
    const compiled = await compileApp({ app, apps, dir, build: build_, aliases: pathAliases(app.dir, options.root), diagnostics, root: options.root }, options.onProgress);
    if (compiled) out.push(compiled);
  }
  if (diagnostics.length > 0) throw new CompileError(diagnostics);
  return out;
}

// The options that were given a value (an explicit undefined keeps the default).
function definedOnly(build_: BuildOptions): BuildOptions {
  return Object.fromEntries(Object.entries(build_).filter(([, v]) => v !== undefined));
}
