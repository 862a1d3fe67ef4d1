import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { osProcessRuns } from '@otp-ts/runtime/tools';
import { OtpError } from '../errors/otp-error.js';
import type { Progress } from '../cli/progress.js';
import { packageInfo } from '../cli/package-info.js';
import { validateName } from './name.js';
import { planTemplate, type PlannedFile } from './template.js';
import { readTemplates, templatesDir, type TemplateName } from './templates-dir.js';

/** What `otp new` is asked for. */
export interface NewProjectOptions {
  template: TemplateName;
  name: string;
  /** Where to create the project; default: `<cwd>/<name>`. */
  dir?: string;
  /** Write into an existing non-empty folder. */
  force?: boolean;
  cwd: string;
  /** Reports each file written. */
  progress?: Progress;
  /** Another templates folder (tests). */
  templates?: string;
  /** Depend on @otp-ts packages through `file:` links into this checkout instead of registry versions. */
  linkCheckout?: string;
}

/** The @otp-ts packages a generated project depends on, as template variables: the CLI, the runtime and the test runner (whose assertions its tests use). */
export interface PackageVersions {
  otpVersion: string;
  runtimeVersion: string;
  testRunnerVersion: string;
}

/** The versions a generated project depends on: this repository's packages. */
export function packageVersions(): PackageVersions {
  const { version, dependencies } = packageInfo();
  return { otpVersion: version, runtimeVersion: dependencies['@otp-ts/runtime'] ?? version, testRunnerVersion: dependencies['@otp-ts/test-runner'] ?? version };
}

/**
 * The otp-ts source checkout this CLI runs from, or undefined when it was installed from a registry or
 * a tarball: its packages/ folder then holds @otp-ts/runtime beside @otp-ts/cli, not under node_modules.
 */
export function sourceCheckout(): string | undefined {
  const cli = realpathSync(packageInfo().root);
  if (cli.split(sep).includes('node_modules')) return undefined;
  const runtime = join(dirname(cli), 'runtime', 'package.json');
  if (!existsSync(runtime)) return undefined;
  try {
    if ((JSON.parse(readFileSync(runtime, 'utf8')) as { name?: string }).name !== '@otp-ts/runtime') return undefined;
  } catch {
    return undefined;
  }
  return dirname(dirname(cli));
}

/** `file:` links to a checkout's packages, for a project created from an unpublished checkout. */
export function checkoutVersions(checkout: string): PackageVersions {
  const link = (pkg: string): string => `file:${join(checkout, 'packages', pkg)}`;
  return { otpVersion: link('cli'), runtimeVersion: link('runtime'), testRunnerVersion: link('test-runner') };
}

/** Plans a new project's files without writing anything: validates the name and renders the template. */
export function planProject(template: TemplateName, name: string, templates = templatesDir(), linkCheckout?: string): PlannedFile[] {
  validateName(name);
  const all = readTemplates(template, templates);
  const versions = linkCheckout ? checkoutVersions(linkCheckout) : packageVersions();
  return planTemplate(all[template]!, { name, ...versions }, all);
}

function checkTarget(root: string, force: boolean | undefined): void {
  if (!existsSync(root)) {
    // The nearest path above that exists must be a folder to create the project in.
    let above = dirname(root);
    while (!existsSync(above) && above !== dirname(above)) above = dirname(above);
    if (!statSync(above).isDirectory()) throw new OtpError('exists', `cannot create ${root}: ${above} is a file, not a folder`, { hint: 'Choose another --dir.' });
    return;
  }
  if (!statSync(root).isDirectory()) throw new OtpError('exists', `${root} exists and is not a folder`, { hint: 'Choose another name or --dir.' });
  if (readdirSync(root).length > 0 && !force) throw new OtpError('exists', `the folder ${root} exists and is not empty`, { hint: 'Choose another name or --dir, or pass --force to write into it.' });
}

// A project made in an application's src/ (or test/) would become part of it: its files modules (or tests) of that
// application, compiled into it and loaded by its shell and release. Refused, naming where to make it instead.
function checkNotInSources(root: string, options: NewProjectOptions): void {
  const { cwd } = options;
  for (let at = dirname(root); at !== dirname(at); at = dirname(at)) {
    if (basename(at) !== 'src' && basename(at) !== 'test') continue;
    const app = dirname(at);
    let pkg: { name?: unknown; otp?: unknown } | undefined;
    try {
      pkg = existsSync(join(app, 'package.json')) ? (JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as typeof pkg) : undefined;
    } catch {
      continue;
    }
    if (pkg?.otp === undefined || pkg.otp === null) continue;
    const outside = relative(cwd, join(dirname(app), basename(root)));
    const owner = typeof pkg.name === 'string' ? pkg.name : basename(app);
    throw new OtpError('usage', `${relative(cwd, root) || root} would be inside ${basename(at)}/ of the application ${owner}, where every file is part of ${owner}: create it outside, e.g. otp new ${options.template} ${options.name} --dir ${outside}`);
  }
}

/** An app or lib created inside an umbrella: the umbrella's root, and what `otp new` changed there. */
export interface UmbrellaAddition {
  root: string;
  /** The folder added to the umbrella's package.json `workspaces` (none when a pattern already covered it). */
  workspace?: string;
  /** The release of otp.config.ts the application was added to. */
  release?: string;
}

/** What `otp new` created. */
export interface NewProjectResult {
  root: string;
  files: string[];
  /** Set when the folder is inside an umbrella: the files are a workspace app's, not a standalone project's. */
  umbrella?: UmbrellaAddition;
}

// The files a workspace app carries: its package.json, src/ and test/ (an umbrella's include of the app
// template takes the same); the README, tsconfig, config/ and otp.config.ts are the umbrella's.
const workspaceFile = (path: string): boolean => path === 'package.json' || path.startsWith('src/') || path.startsWith('test/');

/**
 * The otp-ts umbrella whose tree holds `dir`, if any: the nearest package.json above `dir` must be an
 * npm workspace root (`workspaces`) with an otp.config.ts beside it. Any other package above (a
 * repository that is a workspace of its own, an unrelated project) leaves `dir` a standalone project.
 */
export function umbrellaAbove(dir: string): string | undefined {
  for (let at = dirname(dir); at !== dirname(at); at = dirname(at)) {
    const file = join(at, 'package.json');
    if (!existsSync(file)) continue;
    try {
      const isWorkspaceRoot = (JSON.parse(readFileSync(file, 'utf8')) as { workspaces?: unknown }).workspaces !== undefined;
      return isWorkspaceRoot && existsSync(join(at, 'otp.config.ts')) ? at : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

// Where an app or lib goes without --dir: at an umbrella's root, under its first `DIR/*` workspace pattern (apps/NAME
// in a generated umbrella), where its tests and release find it; anywhere else, ./NAME.
function defaultFolder(options: NewProjectOptions): string {
  const here = resolve(options.cwd);
  if (options.template === 'umbrella' || umbrellaAbove(join(here, options.name)) !== here) return options.name;
  try {
    const { workspaces } = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8')) as { workspaces?: unknown };
    const patterns: unknown[] = Array.isArray(workspaces) ? workspaces : ((workspaces as { packages?: unknown[] } | undefined)?.packages ?? []);
    const under = patterns.find((p): p is string => typeof p === 'string' && /^[\w.-]+(\/[\w.-]+)*\/\*$/.test(p));
    return under === undefined ? options.name : join(under.slice(0, -2), options.name);
  } catch {
    return options.name;
  }
}

// Makes `root` a workspace of the umbrella (unless a pattern covers it) and adds an application to the
// umbrella's one release; what it changed.
function joinUmbrella(umbrella: string, root: string, name: string, isApplication: boolean): UmbrellaAddition {
  const added: UmbrellaAddition = { root: umbrella };
  const pkgFile = join(umbrella, 'package.json');
  const text = readFileSync(pkgFile, 'utf8');
  const pkg = JSON.parse(text) as { workspaces?: unknown };
  const folder = relative(umbrella, root).split(sep).join('/');
  const patterns = Array.isArray(pkg.workspaces) ? (pkg.workspaces as unknown[]) : ((pkg.workspaces as { packages?: unknown[] }).packages ?? []);
  const covered = patterns.some((p) => typeof p === 'string' && (p === folder || (p.endsWith('/*') && dirname(folder) === p.slice(0, -2))));
  if (!covered) {
    patterns.push(folder);
    if (!Array.isArray(pkg.workspaces)) pkg.workspaces = { ...(pkg.workspaces as object), packages: patterns };
    const indent = /^[ \t]+(?=")/m.exec(text)?.[0] ?? '  ';
    writeFileSync(pkgFile, `${JSON.stringify(pkg, null, indent)}\n`);
    added.workspace = folder;
  }
  const config = join(umbrella, 'otp.config.ts');
  if (isApplication && existsSync(config)) {
    const source = readFileSync(config, 'utf8');
    // Only a config with one release list is edited: with several, which one the app joins is the user's choice.
    const lists = [...source.matchAll(/(['"]?)([\w-]+)\1:\s*\{[^{}]*?applications:\s*\[([^\]]*)\]/g)];
    if (lists.length === 1) {
      const [whole, , release, list] = lists[0]!;
      const items = list!.trim() === '' ? [] : list!.split(',').map((x) => x.trim()).filter((x) => x !== '');
      if (!items.some((x) => x.replace(/['"]/g, '') === name)) {
        const edited = whole.replace(/applications:\s*\[[^\]]*\]/, `applications: [${[...items, `'${name}'`].join(', ')}]`);
        writeFileSync(config, source.replace(whole, edited));
        added.release = release;
      }
    }
  }
  return added;
}

/** Creates a project from a template (`otp new`): checks the name and the folder, then writes the planned files; an app or lib inside an umbrella becomes one of its workspaces. */
export function newProject(options: NewProjectOptions): NewProjectResult {
  const root = resolve(options.cwd, options.dir ?? defaultFolder(options));
  checkNotInSources(root, options);
  const umbrella = options.template === 'umbrella' ? undefined : umbrellaAbove(root);
  const planned = planProject(options.template, options.name, options.templates, options.linkCheckout);
  const files = umbrella ? planned.filter((f) => workspaceFile(f.path)) : planned;
  checkTarget(root, options.force);
  const write = (dir: string) => {
    for (const f of files) {
      const path = join(dir, f.path);
      mkdirSync(dirname(path), { recursive: true });
      const { content, merged } = basename(f.path) === 'package.json' ? withOwnPackage(path, f.content) : { content: f.content, merged: '' };
      const kept = keepOwnCopy(path, content);
      writeFileSync(path, content);
      const shown = relative(options.cwd, join(root, f.path)) || root;
      options.progress?.step(kept === undefined ? `created ${shown}` : `replaced ${shown} (yours is kept as ${basename(kept)}${merged})`);
    }
  };
  // Into the user's own non-empty folder (--force) the files go in place; otherwise the project appears whole or not at all.
  if (existsSync(root) && readdirSync(root).length > 0) write(root);
  else writeStaged(root, write);
  const isApplication = options.template === 'app';
  return { root, files: files.map((f) => f.path), ...(umbrella ? { umbrella: joinUmbrella(umbrella, root, options.name, isApplication) } : {}) };
}

// The sections of a package.json whose entries a user's own file brings into the template's (--force).
const OWN_SECTIONS = ['dependencies', 'devDependencies', 'scripts'] as const;
const SINGULAR = { dependencies: 'dependency', devDependencies: 'devDependency', scripts: 'script' } as const;

/**
 * With --force over a package.json of the user's, the template's with the user's dependencies, devDependencies and
 * scripts merged in (the template's own entries win where both have one), and the progress line's note of what was;
 * the user's file unchanged when it does not read as a JSON object (it is kept as .orig all the same).
 */
function withOwnPackage(path: string, content: string): { content: string; merged: string } {
  let own: unknown;
  try {
    own = existsSync(path) && statSync(path).isFile() ? JSON.parse(readFileSync(path, 'utf8').replace(/^\uFEFF/, '')) : undefined;
  } catch {
    return { content, merged: '; it is not valid JSON, so none of its dependencies or scripts were merged' };
  }
  if (own === undefined) return { content, merged: '' };
  if (typeof own !== 'object' || own === null || Array.isArray(own)) return { content, merged: '; it is not a JSON object, so none of its dependencies or scripts were merged' };
  const pkg = JSON.parse(content) as Record<string, Record<string, string> | undefined>;
  const added: string[] = [];
  for (const section of OWN_SECTIONS) {
    const theirs = (own as Record<string, unknown>)[section];
    if (typeof theirs !== 'object' || theirs === null || Array.isArray(theirs)) continue;
    const extra = Object.entries(theirs).filter(([key, value]) => typeof value === 'string' && !Object.hasOwn(pkg[section] ?? {}, key));
    if (extra.length === 0) continue;
    const both = { ...pkg[section], ...Object.fromEntries(extra) } as Record<string, string>;
    // npm keeps dependencies sorted by name; scripts stay in the order written, the template's first.
    pkg[section] = section === 'scripts' ? both : Object.fromEntries(Object.entries(both).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    added.push(`${extra.length} ${extra.length === 1 ? SINGULAR[section] : section}`);
  }
  if (added.length === 0) return { content, merged: '' };
  return { content: `${JSON.stringify(pkg, null, 2)}\n`, merged: `; merged in from it: ${added.join(', ')}` };
}

// With --force, a file of the folder the template also writes is renamed to FILE.orig (FILE.orig2, … if taken)
// before the template's copy goes in, so nothing of the user's is lost; an identical file is left as it is.
function keepOwnCopy(path: string, content: string): string | undefined {
  if (!existsSync(path) || !statSync(path).isFile() || readFileSync(path, 'utf8') === content) return undefined;
  let kept = `${path}.orig`;
  for (let n = 2; existsSync(kept); n++) kept = `${path}.orig${n}`;
  renameSync(path, kept);
  return kept;
}

const STAGING = '.otp-new-';

/**
 * Runs `write` into a staging folder beside `root`, then renames it to `root` (or moves its few top-level entries into
 * `root` when that exists, empty): an `otp new` interrupted part way
 * (Ctrl-C, a kill, a failed write) leaves no half-written project, and a run again succeeds. A failed write removes
 * its staging folder; one a killed run left is removed by the next run (its process is gone).
 */
function writeStaged(root: string, write: (dir: string) => void): void {
  const parent = dirname(root);
  const staging = join(parent, `.${basename(root)}${STAGING}${process.pid}-${randomBytes(4).toString('hex')}`);
  let madeParent: string | undefined;
  try {
    madeParent = makeFolders(parent);
    removeAbandoned(parent, basename(root));
    mkdirSync(staging);
    write(staging);
    if (!existsSync(root)) renameSync(staging, root);
    else {
      // An empty folder that exists may be the user's working directory (--dir .): it stays, its new entries move in.
      for (const entry of readdirSync(staging)) renameSync(join(staging, entry), join(root, entry));
      rmdirSync(staging);
    }
  } catch (error) {
    if (existsSync(staging)) rmSync(staging, { recursive: true, force: true });
    // The folders above the project this run made go too: nothing is left behind.
    if (madeParent !== undefined) rmSync(madeParent, { recursive: true, force: true });
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined) throw error;
    throw new OtpError('failed', `cannot write the project into ${root}: ${why(error as NodeJS.ErrnoException, parent)}; nothing was created (give --dir a folder you can write to)`, { cause: error });
  }
}

// mkdirSync(…, { recursive: true }) one level at a time, returning the first folder it made: Node's own spins
// forever on a folder that refuses new entries with ENOENT (/proc), where this fails on the first level.
function makeFolders(dir: string): string | undefined {
  const missing: string[] = [];
  for (let at = dir; !existsSync(at) && dirname(at) !== at; at = dirname(at)) missing.unshift(at);
  for (const folder of missing) mkdirSync(folder);
  return missing[0];
}

// What stopped the write, as a user reads it: the folder and the reason, not the staging path of a raw errno message.
function why(error: NodeJS.ErrnoException, parent: string): string {
  const reasons: Record<string, string> = {
    EACCES: 'you may not write there',
    EPERM: 'you may not write there',
    EROFS: 'the file system is read-only',
    ENOSPC: 'the disk is full',
    EDQUOT: 'your disk quota is used up',
    ENOTDIR: 'a file stands where a folder goes',
    ENOENT: 'no folder can be made there',
  };
  const reason = reasons[error.code ?? ''];
  return reason === undefined ? `${error.code}: ${error.message.replace(/, \w+ '[^']*'$/, '')}` : `${reason} (${error.code} in ${error.path === undefined ? parent : dirname(error.path)})`;
}

// Staging folders of `name` whose run is no longer alive.
function removeAbandoned(parent: string, name: string): void {
  const prefix = `.${name}${STAGING}`;
  for (const entry of readdirSync(parent)) {
    if (!entry.startsWith(prefix)) continue;
    const pid = Number(entry.slice(prefix.length).split('-')[0]);
    if (Number.isInteger(pid) && pid !== process.pid && !osProcessRuns(pid)) rmSync(join(parent, entry), { recursive: true, force: true });
  }
}

