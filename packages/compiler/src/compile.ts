import { build, type Message } from 'esbuild';
import { createHash } from 'node:crypto';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CompileError, type Diagnostic } from './errors.js';
import { findApps, sourceFiles, type AppSource } from './apps.js';
import type { AppFile } from '@otp-ts/runtime';

/** A build profile, as in rebar3: dev, test or prod. */
export type Profile = 'dev' | 'test' | 'prod';

/** Options of `compile`. */
export interface CompileOptions {
  /** The project root (the folder with the root package.json). */
  root: string;
  /** Default `'dev'`. Output goes to `_build/<profile>/lib/<app>-<vsn>/`. */
  profile?: Profile;
  /** Called with one line per compiled application (progress). */
  onProgress?: (line: string) => void;
}

/** What `compile` did for one application. */
export interface CompiledApp {
  name: string;
  vsn: string;
  /** The output folder. */
  dir: string;
  /** Module names in the app resource. */
  modules: string[];
  /** Source files compiled this time (the others were unchanged). */
  compiled: string[];
  /** Output removed because its source disappeared. */
  removed: string[];
}

const hash = (text: string) => createHash('sha256').update(text).digest('hex');

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

/**
 * Compiles every application of a project into one CommonJS-shaped module per source module, with
 * source maps and the app resource. Only sources whose content changed are recompiled.
 */
export async function compile(options: CompileOptions): Promise<CompiledApp[]> {
  const profile = options.profile ?? 'dev';
  const apps = await findApps(options.root);
  const out: CompiledApp[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const app of apps) {
    const dir = join(options.root, '_build', profile, 'lib', `${app.name}-${app.vsn}`);
    const files = await sourceFiles(app);
    const hashFile = join(dir, '.hashes.json');
    const previous: Record<string, string> = existsSync(hashFile) ? JSON.parse(await readFile(hashFile, 'utf8')) : {};
    const current: Record<string, string> = {};
    for (const f of files) current[f] = hash(await readFile(join(app.dir, f), 'utf8'));
    const changed = files.filter((f) => previous[f] !== current[f]);
    const removed = Object.keys(previous).filter((f) => !(f in current));
    if (changed.length > 0) {
      const result = await build({
        absWorkingDir: app.dir,
        entryPoints: changed,
        outdir: dir,
        outbase: app.dir,
        bundle: false,
        format: 'cjs',
        platform: 'node',
        target: 'node20',
        sourcemap: true,
        sourcesContent: true,
        minify: false,
        keepNames: true,
        logLevel: 'silent',
        write: true,
      }).catch((error: { errors?: Message[] }) => {
        if (!error.errors) throw error;
        diagnostics.push(...error.errors.map((m) => toDiagnostic(app, m)));
        return undefined;
      });
      if (result === undefined) continue;
    }
    for (const f of removed) {
      const base = join(dir, f.replace(/\.(ts|mts)$/, '.js'));
      await rm(base, { force: true });
      await rm(`${base}.map`, { force: true });
    }
    const modules = Object.fromEntries(files.map((f) => [moduleName(app.name, f), f.replace(/\.(ts|mts)$/, '.js')]));
    const resource: AppFile = {
      name: app.name,
      vsn: app.vsn,
      description: app.description,
      mod: app.otp.mod ? moduleName(app.name, app.otp.mod) : undefined,
      applications: app.otp.applications ?? [],
      registered: app.otp.registered ?? [],
      env: app.otp.env ?? {},
      modules,
    };
    if (resource.mod && !(resource.mod in modules)) {
      diagnostics.push({ text: `otp.mod names ${app.otp.mod}, which is not a source module of ${app.name}`, location: { file: join(app.dir, 'package.json'), line: 1, column: 0 }, suggestion: 'point otp.mod at a file under src/' });
      continue;
    }
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'app.json'), `${JSON.stringify(resource, null, 2)}\n`);
    await writeFile(hashFile, JSON.stringify(current));
    if (existsSync(join(app.dir, 'priv'))) await cp(join(app.dir, 'priv'), join(dir, 'priv'), { recursive: true });
    options.onProgress?.(`compiled ${app.name} ${app.vsn}: ${changed.length} of ${files.length} modules${removed.length ? `, ${removed.length} removed` : ''}`);
    out.push({ name: app.name, vsn: app.vsn, dir, modules: Object.keys(modules), compiled: changed, removed });
  }
  if (diagnostics.length > 0) throw new CompileError(diagnostics);
  return out;
}
