import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { compile, CompileError, formatDiagnostic, type BuildOptions, type CompiledApp, type Profile } from '@otp-ts/compiler';
import { defineProvider } from '../cli/provider.js';
import { createProgress } from '../cli/progress.js';
import { info, type Io } from '../cli/io.js';
import { OtpError } from '../errors/otp-error.js';
import { loadConfig } from '../config/load.js';
import { resolveConfig } from '../config/resolve.js';
import type { OtpConfig } from '../config/types.js';
import { watchProject } from '../project/watch.js';

// A byte-order mark, which editors on Windows may write at a file's start: Node.js and npm read past it, so otp does.
const BOM = /^\uFEFF/;

/** The build options of a profile: otp.config.ts's `build` (read from `root` unless given), merged with the profile's, over the defaults. */
export async function buildOptionsOf(root: string, profile: Profile, config?: OtpConfig): Promise<BuildOptions> {
  return resolveConfig(config ?? (await loadConfig(root)).config, profile).build;
}

/**
 * Compiles the project once with the profile's build options (otp.config.ts, loaded unless given); throws an OtpError
 * listing every diagnostic with file:line. Its warnings go to `held` when given (the command after it says them), else to stderr.
 */
export async function compileProject(root: string, profile: Profile, io: Io, config?: OtpConfig, held?: string[]): Promise<CompiledApp[]> {
  const build = await buildOptionsOf(root, profile, config);
  const progress = createProgress(io, `compiling (${profile})`);
  try {
    const apps = await compile({ root, profile, build, onProgress: (line) => progress.step(line) });
    const total = apps.reduce((n, a) => n + a.compiled.length, 0);
    progress.done(`compiled ${apps.map((a) => `${a.name} ${a.vsn}`).join(', ') || 'no applications'}: ${total} module${total === 1 ? '' : 's'} changed`);
    const warnings = apps.flatMap((a) => a.warnings);
    if (held) held.push(...warnings);
    else for (const w of warnings) io.stderr.write(`otp: warning: ${w}\n`);
    return apps;
  } catch (error) {
    progress.stop();
    if (error instanceof CompileError) {
      // Each diagnostic already starts with its file:line:column, relative to the project root: no second `at` line.
      // One is said in one line; several, one line each under a count.
      const lines = error.diagnostics.map((d) => formatDiagnostic(d, root));
      throw new OtpError('failed', lines.length === 1 ? `compiling failed: ${lines[0]}` : `compiling failed, ${lines.length} errors:\n${lines.join('\n')}`, { cause: error });
    }
    throw error;
  }
}

/** tsc's `file(line,col): error` locations written as every other otp diagnostic, `file:line:col: error`. */
export function tscLocations(text: string): string {
  return text.replace(/^(\S[^\n]*?)\((\d+),(\d+)\): /gm, '$1:$2:$3: ');
}

// tsc's diagnostics one line each, as compile errors are: an elaboration (its indented lines below) joins its error's line.
function tscErrors(text: string, root: string): string[] {
  const lines: string[] = [];
  for (const line of tscLocations(text).split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const last = lines.length - 1;
    if (/^\s/.test(line) && last >= 0) lines[last] = `${lines[last]!} ${line.trim()}`;
    else lines.push(line.trim());
  }
  return lines.length > 0 ? lines : [`tsc failed without a diagnostic: run npx tsc --noEmit -p . in ${root} to see why`];
}

// TypeScript not found from the project: not installed yet (package.json lists it: npm install), or not a dependency.
function typescriptMissing(root: string): OtpError {
  const file = join(root, 'package.json');
  let pkg: { dependencies?: Record<string, string>; devDependencies?: Record<string, string> } = {};
  try {
    pkg = JSON.parse(readFileSync(file, 'utf8').replace(BOM, '')) as typeof pkg;
  } catch {
    // No readable package.json here (an otp.config.ts-only project): TypeScript is not listed.
  }
  if (pkg.devDependencies?.typescript === undefined && pkg.dependencies?.typescript === undefined) {
    return new OtpError('usage', 'otp compile --typecheck needs TypeScript in the project', { hint: 'npm install -D typescript' });
  }
  return new OtpError('failed', `otp compile --typecheck needs TypeScript, which package.json lists but is not installed in ${root}: run npm install there first`, { location: { file } });
}

function typecheck(root: string, io: Io): void {
  let tsc: string;
  try {
    tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  } catch {
    throw typescriptMissing(root);
  }
  const progress = createProgress(io, 'type-checking');
  // Run from the root, so files are said relative to it, as compile errors are.
  const r = spawnSync(process.execPath, [tsc, '--noEmit', '--pretty', 'false', '-p', root], { encoding: 'utf8', cwd: root });
  progress.stop();
  if (r.status !== 0) {
    const lines = tscErrors(r.stdout + r.stderr, root);
    throw new OtpError('failed', lines.length === 1 ? `type-checking failed: ${lines[0]}` : `type-checking failed, ${lines.length} errors:\n${lines.join('\n')}`);
  }
  info(io, 'type-checked: no errors');
}

/** The help of `--profile` (compile and release): the built-in profiles and the project's own. */
export const profileHelp = 'the build profile: dev, test, prod or one declared under profiles in otp.config.ts';

/** `otp compile`: one hot-swappable module per source module into <outDir>/<profile>/lib (outDir: `_build` unless otp.config.ts says otherwise). */
export const compileCommand = defineProvider({
  name: 'compile',
  description: 'Compile every application of the project into _build/<profile>/lib/<app>-<vsn>/ (only what changed).',
  deps: [],
  positionals: [],
  options: [
    { name: 'profile', alias: 'p', type: 'string', value: 'P', default: 'dev', description: profileHelp },
    { name: 'typecheck', type: 'boolean', description: 'also run the TypeScript type checker and report its errors with file:line' },
    { name: 'watch', alias: 'w', type: 'boolean', description: 'compile again whenever a source file changes' },
  ],
  examples: [
    { command: 'otp compile', description: 'compile the project for development' },
    { command: 'otp compile --profile prod --typecheck', description: 'a production build, type-checked first' },
  ],
  async run(args, io, state) {
    const project = state.project();
    const { config } = await state.config();
    // An unknown profile is refused before any work (the type check included).
    resolveConfig(config, args.profile);
    if (args.typecheck) typecheck(project.root, io);
    await compileProject(project.root, args.profile, io, config, args.watch ? undefined : state.heldWarnings);
    if (!args.watch) return;
    // Each rebuild reads otp.config.ts again: an edit to it applies to the next build.
    await watchProject(project, () => compileProject(project.root, args.profile, io), (error) => void io.stderr.write(`${error.message}\n`)).ready;
    info(io, 'watching for changes (Ctrl-C to stop)');
    await new Promise(() => {});
  },
});
