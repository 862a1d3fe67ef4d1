import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { appName, findApps, type AppSource } from '@otp-ts/compiler';
import type { AppFile, ReleaseFile, ReleasesFile, Relup } from '@otp-ts/runtime/tools';
import { clearStaleInstall, installInProgress } from '@otp-ts/runtime/tools';
import { controlProgramPath, startScript } from '../control/script.js';
import { ReleaseError } from '../errors.js';
import { appFingerprint, listFiles, readJson } from '../files.js';
import { didYouMean } from '../command/suggest.js';
import { computeRelup, type VersionSource } from '../relup/compute.js';
import { findEarlierVersion } from '../relup/earlier.js';
import { startOrder, type AppDeps } from './apps.js';
import { configTypeWarnings } from '@otp-ts/runtime/tools';
import { checkConfigApps, checkNodeArgs, cookieOf, parseSysConfig, randomCookie, releaseNodeArgs } from './config-files.js';
import { installedPackages, nativeAddons, nativeAddonWarning, placedPackages, resolveDependencies, resolveRuntime, type PackageSource, type PlacedPackage } from './packages.js';
import { nextReleases, soleRelease } from './releases-file.js';
import { checkPackageImports, refuseMissingImports } from './imports.js';
import { bumpedApps, checkInstalledVersion, releaseNotBumped, versionSetting } from './version-bump.js';
import type { PlanOptions, PlannedApp, PlannedFile, ReleasePlan, ReleaseSpec } from './types.js';

const SAFE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;

interface ProjectApp {
  source: AppSource;
  buildDir: string;
  app: AppFile | undefined;
}

// Which release of the config, its name and its spec; none declared means every app, named after the root package.
function chooseRelease(options: Pick<PlanOptions, 'root' | 'releases' | 'name'>, rootPkg: { name?: string }, apps: string[]): { name: string; spec: ReleaseSpec } {
  const declared = Object.keys(options.releases ?? {});
  if (declared.length === 0) return { name: options.name ?? appName(rootPkg.name ?? 'release'), spec: { applications: apps } };
  const name = options.name ?? declared[0]!;
  const spec = options.releases![name];
  if (!spec) throw new ReleaseError('unknownRelease', `otp.config.ts declares no release '${name}'${didYouMean(name, declared)}: use one of ${declared.join(', ')} or add it under 'releases'`, { file: join(options.root, 'otp.config.ts') });
  return { name, spec };
}

function checkName(value: string, what: string, file: string): void {
  if (!SAFE_NAME.test(value)) throw new ReleaseError('unknownRelease', `the ${what} '${value}' cannot name a folder: use letters, digits, '.', '_', '-' and '+', starting with a letter, a digit or '_'`, { file });
}

/**
 * The checks of planRelease's options that need no compiled output, for a command to run before compiling: the
 * release `name` picks (declared in `releases`, a folder name), config/sys.config.json and an `upgradeFrom` tarball that exists. Throws the
 * ReleaseError planRelease would.
 */
export function checkReleaseOptions(options: Pick<PlanOptions, 'root' | 'releases' | 'name' | 'upgradeFrom'>): void {
  if (options.name !== undefined) {
    chooseRelease(options, {}, []);
    checkName(options.name, 'release name', join(options.root, 'otp.config.ts'));
  }
  const sysConfig = join(options.root, 'config', 'sys.config.json');
  parseSysConfig(readText(sysConfig), sysConfig);
  const nodeArgs = join(options.root, 'config', 'node.args');
  checkNodeArgs(readText(nodeArgs), nodeArgs);
  const from = options.upgradeFrom;
  if (from !== undefined && /\.(tar\.gz|tgz)$/.test(from) && !existsSync(resolve(from))) {
    throw new ReleaseError('badTarball', `--upgrade-from ${from}: no such tarball: give the path of an earlier release's .tar.gz, or one of its versions`, { file: resolve(from) });
  }
}

async function readProjectApps(root: string, build: string, profile: string): Promise<Map<string, ProjectApp>> {
  const out = new Map<string, ProjectApp>();
  for (const source of await findApps(root)) {
    const buildDir = join(build, profile, 'lib', `${source.name}-${source.vsn}`);
    out.set(source.name, { source, buildDir, app: readJson<AppFile>(join(buildDir, 'app.json'), 'the compiled app (otp compile writes it again)') });
  }
  return out;
}

function plannedApps(order: string[], project: Map<string, ProjectApp>, root: string, profile: string): PlannedApp[] {
  const own = new Set([...project.values()].map((p) => readJson<{ name?: string }>(join(p.source.dir, 'package.json'), 'package.json')?.name ?? p.source.name));
  return order.map((name) => {
    const p = project.get(name)!;
    if (!p.app) {
      throw new ReleaseError('notCompiled', `application ${name} has no compiled output in ${relative(root, p.buildDir)}: run otp compile --profile ${profile} first`, { file: join(p.buildDir, 'app.json') });
    }
    const dependencies = resolveDependencies(p.source.dir, own);
    checkPackageImports(p.app, p.buildDir, p.source.dir, dependencies);
    refuseMissingImports(p.app, p.source, p.buildDir, root);
    return { name, vsn: p.source.vsn, dir: p.buildDir, sourceDir: p.source.dir, dependencies };
  });
}

// The cookie of the versions already in the release root, the permanent one first.
function earlierCookie(relRoot: string, existing: ReleasesFile | undefined): string | undefined {
  const ranked = [...(existing?.releases ?? [])].sort((a, b) => Number(b.status === 'permanent') - Number(a.status === 'permanent'));
  for (const r of ranked) {
    const file = join(relRoot, 'releases', r.vsn, 'node.args');
    const cookie = existsSync(file) ? cookieOf(readFileSync(file, 'utf8')) : undefined;
    if (cookie) return cookie;
  }
  return undefined;
}

// The first npm package that differs between an installed application version and its new build (`greet 1.0.0 → 2.0.0`), if any.
// A folder of a root built before applications carried their packages (no node_modules/) has none to compare.
function changedPackage(installed: string, app: PlannedApp): string | undefined {
  if (!existsSync(join(installed, 'node_modules'))) return undefined;
  const before = installedPackages(join(installed, 'node_modules'));
  const after = placedPackages(app.dependencies);
  const path = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort().find((p) => before[p] !== after[p]);
  return path === undefined ? undefined : `${path} ${before[path] ?? '(none)'} → ${after[path] ?? '(none)'}`;
}

// An application that changed (its code or its npm packages) but kept a version another installed release uses would change that release too.
// The version being rebuilt counts too once it is installed (permanent or old) beside other versions: a node may run its
// code and a relup was computed from it, so its code cannot change under them (the sole, first version of a root can).
function checkSharedVersions(relRoot: string, vsn: string, apps: PlannedApp[], existing: ReleasesFile | undefined): void {
  const releases = existing?.releases ?? [];
  const installed = (r: ReleasesFile['releases'][number]): boolean => r.vsn === vsn && r.status !== 'unpacked' && releases.length > 1;
  for (const app of apps) {
    const users = releases.filter((r) => (r.vsn !== vsn || installed(r)) && r.applications.some((a) => a.name === app.name && a.vsn === app.vsn));
    const folder = join(relRoot, 'lib', `${app.name}-${app.vsn}`);
    if (users.length === 0 || !existsSync(folder)) continue;
    const what = appFingerprint(folder) !== appFingerprint(app.dir) ? 'changed' : changedPackage(folder, app);
    if (what === undefined) continue;
    throw new ReleaseError(
      'sameVersion',
      `application ${app.name} ${what === 'changed' ? 'changed' : `changed its npm packages (${what})`} since release ${users.map((u) => (u.vsn === vsn ? `${u.vsn} (${u.status} in ${relRoot})` : u.vsn)).join(', ')} but kept version ${app.vsn}, which that release uses: bump "version" in ${join(app.sourceDir, 'package.json')}`,
      { file: join(app.sourceDir, 'package.json') },
    );
  }
}

function runtimeFiles(runtime: PackageSource): PlannedFile[] {
  const base = 'node_modules/@otp-ts/runtime';
  // Its entries and the chunks they share (dist/chunks/), not the declarations.
  const dist = listFiles(join(runtime.dir, 'dist')).filter((f) => (!f.includes('/') || f.startsWith('chunks/')) && (f.endsWith('.js') || f.endsWith('.js.map')));
  return [{ path: `${base}/package.json`, from: join(runtime.dir, 'package.json') }, ...dist.map((f) => ({ path: `${base}/dist/${f}`, from: join(runtime.dir, 'dist', f) }))];
}

// An application version's files: its compiled folder, and its npm packages in its own node_modules/.
function appFiles(app: PlannedApp): PlannedFile[] {
  const base = `lib/${app.name}-${app.vsn}`;
  const pkg = (p: PlacedPackage): PlannedFile[] => listFiles(p.dir).map((f) => ({ path: `${base}/node_modules/${p.path}/${f}`, from: join(p.dir, f) }));
  return [...listFiles(app.dir, ['.hashes.json']).map((f) => ({ path: `${base}/${f}`, from: join(app.dir, f) })), ...app.dependencies.flatMap(pkg)];
}

function controlProgram(): string {
  const program = controlProgramPath();
  if (!existsSync(program)) throw new ReleaseError('missingPackage', `the start script's program ${program} is not built: run npm run build in otp-ts`, { file: program });
  return program;
}

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

// Which files this version holds, relative to the release root (RELEASES.json: this version alone, as in its tarball).
function planFiles(name: string, apps: PlannedApp[], release: ReleaseFile, text: { sysConfig: string; nodeArgs: string; relup?: string }, runtime: PackageSource, includeNode: boolean): PlannedFile[] {
  const vsn = release.vsn;
  return [
    ...apps.flatMap(appFiles),
    { path: `releases/${vsn}/release.json`, content: json(release) },
    { path: `releases/${vsn}/sys.config.json`, content: text.sysConfig },
    // node.args holds the cookie: readable by the release's owner only.
    { path: `releases/${vsn}/node.args`, content: text.nodeArgs, mode: 0o600 },
    ...(text.relup ? [{ path: `releases/${vsn}/relup.json`, content: text.relup }] : []),
    { path: 'releases/RELEASES.json', content: json(soleRelease(name, vsn, release.applications)) },
    { path: `bin/${name}`, content: startScript(name), mode: 0o755 },
    { path: `bin/${name}.mjs`, from: controlProgram() },
    ...runtimeFiles(runtime),
    ...(includeNode ? [{ path: 'node/bin/node', from: process.execPath, mode: 0o755 }] : []),
  ];
}

// The relup from the earlier version `from` names to this one.
async function planUpgrade(relRoot: string, name: string, from: string, existing: ReleasesFile | undefined, to: VersionSource, warnings: string[], setting: { file: string; what: string }): Promise<Relup> {
  const earlier = await findEarlierVersion(relRoot, name, from, existing);
  try {
    if (earlier.vsn === to.vsn) {
      // An umbrella's application bumped, its release not: the usual reason the two are the same.
      const bumped = bumpedApps(earlier.apps, to.apps);
      if (bumped.length > 0) throw releaseNotBumped(name, to.vsn, bumped, setting, `so there is nothing to upgrade from ${from} to`);
      throw new ReleaseError('unknownVersion', `--upgrade-from ${from} is version ${to.vsn}, the version being built: give an earlier version, or bump the release version (${setting.what})`, { file: setting.file });
    }
    return await computeRelup(earlier, to, { warnings });
  } finally {
    earlier.dispose();
  }
}

/**
 * Refuses (ReleaseError 'installing') to write `vsn` into `relRoot` while a node installs it from there: that install runs from
 * its files (permanent only once its probe passes), and the next boot would start a build that never ran.
 */
export function refuseInstalling(relRoot: string, name: string, vsn: string): void {
  const install = installInProgress(relRoot);
  if (install?.to !== vsn) return;
  throw new ReleaseError('installing', `release ${name} ${vsn} is being installed on its running node (over ${install.from}, os pid ${install.pid}) from ${relRoot}, so nothing was written: wait for that install to end (bin/${name} versions shows it), then run otp release again (if versions shows none, remove ${join(relRoot, 'releases', 'installing.json')})`);
}

// The release's applications in start order, checked compiled and not conflicting with installed versions.
function releaseApps(spec: ReleaseSpec, project: Map<string, ProjectApp>, ctx: { root: string; name: string; profile: string; relRoot: string; vsn: string; existing: ReleasesFile | undefined }): PlannedApp[] {
  // A release of no application boots a node that runs nothing, and would replace a version of the same number that ran some.
  if (spec.applications.length === 0) throw new ReleaseError('unknownApp', `release ${ctx.name} ${ctx.vsn} has no applications: ${project.size === 0 ? 'the project has none (otp new app NAME adds one)' : `list the ones it runs in otp.config.ts, releases: { ${ctx.name}: { applications: [${[...project.keys()].map((n) => `'${n}'`).join(', ')}] } }`}`, { file: join(ctx.root, 'otp.config.ts') });
  const known = new Map<string, AppDeps>([...project].map(([n, p]) => [n, { applications: p.app?.applications ?? p.source.otp.applications ?? [], file: join(p.source.dir, 'package.json') }]));
  const apps = plannedApps(startOrder(spec.applications, known, join(ctx.root, 'otp.config.ts')), project, ctx.root, ctx.profile);
  checkSharedVersions(ctx.relRoot, ctx.vsn, apps, ctx.existing);
  return apps;
}

// The profile's env wins over config/sys.config.json, one application key at a time (as the shell and boot read them).
function withProfileEnv(sysConfig: Record<string, Record<string, unknown>>, env: PlanOptions['env']): Record<string, Record<string, unknown>> {
  const merged = { ...sysConfig };
  for (const [app, values] of Object.entries(env ?? {})) merged[app] = { ...merged[app], ...values };
  return merged;
}

const readText = (file: string): string | undefined => (existsSync(file) ? readFileSync(file, 'utf8') : undefined);


// config/sys.config.json with the profile's env over it. A misspelt application (`myap`) would leave the real one on its
// defaults; an application of the project that this release does not run may keep its settings (one sys.config.json
// serves every release of an umbrella).
// A setting of another kind than its application's env default (a number for an object) is warned of, one line each.
function releaseSysConfig(root: string, project: Map<string, ProjectApp>, env: PlanOptions['env'], profile: string, warnings: string[]): ReturnType<typeof withProfileEnv> {
  const sysFile = join(root, 'config', 'sys.config.json');
  const projectApps = [...project.keys()];
  const fileConfig = parseSysConfig(readText(sysFile), sysFile);
  checkConfigApps(fileConfig, projectApps, { file: sysFile, what: 'config/sys.config.json' });
  const envWhat = `the env of otp.config.ts (profile ${profile})`;
  checkConfigApps(env ?? {}, projectApps, { file: join(root, 'otp.config.ts'), what: envWhat });
  const defaults = new Map([...project].map(([name, p]) => [name, p.app?.env ?? p.source.otp.env ?? {}]));
  warnings.push(...configTypeWarnings(fileConfig, defaults, 'config/sys.config.json'), ...configTypeWarnings(env ?? {}, defaults, envWhat));
  return withProfileEnv(fileConfig, env);
}
/**
 * Plans a release: which applications (the release's and their dependencies, in start order), which
 * versions and files, release.json, RELEASES.json, sys.config.json, node.args and, with upgradeFrom,
 * the relup. It reads the project and the release root; it writes nothing.
 */
export async function planRelease(options: PlanOptions): Promise<ReleasePlan> {
  const { root } = options;
  const profile = options.profile ?? 'prod';
  const rootPkg = readJson<{ name?: string; version?: string }>(join(root, 'package.json'), 'the root package.json') ?? {};
  // Where `otp compile` wrote (otp.config.ts's build.outDir): the applications are read there, the release written there.
  const build = resolve(root, options.buildDir ?? '_build');
  const project = await readProjectApps(root, build, profile);
  const { name, spec } = chooseRelease(options, rootPkg, [...project.keys()]);
  const vsn = spec.version ?? rootPkg.version ?? '0.0.0';
  checkName(name, 'release name', join(root, 'otp.config.ts'));
  checkName(vsn, 'release version', join(root, 'otp.config.ts'));
  const relRoot = join(build, profile, 'rel', name);
  const existing = readJson<ReleasesFile>(join(relRoot, 'releases', 'RELEASES.json'), 'the release root');
  const warnings: string[] = [];
  // The mark a node killed mid-install left (its pid maybe another process's since) is removed, and said once.
  const stale = clearStaleInstall(relRoot);
  if (stale !== undefined) warnings.push(stale);
  refuseInstalling(relRoot, name, vsn);
  const apps = releaseApps(spec, project, { root, name, profile, relRoot, vsn, existing });
  const sysConfig = releaseSysConfig(root, project, options.env, profile, warnings);
  const addons = apps.flatMap((a) => nativeAddons(a.dependencies));
  const native = nativeAddonWarning(addons);
  if (native !== undefined) warnings.push(native);
  checkNodeArgs(readText(join(root, 'config', 'node.args')), join(root, 'config', 'node.args'));
  const nodeArgs = releaseNodeArgs(readText(join(root, 'config', 'node.args')), name, { earlier: earlierCookie(relRoot, existing), fresh: randomCookie() });
  const runtime = resolveRuntime(root);
  const release: ReleaseFile = { name, vsn, node: process.versions.node, runtime: runtime.version, applications: apps.map((a) => ({ name: a.name, vsn: a.vsn })), ...(addons.length > 0 ? { native: { platform: process.platform, arch: process.arch, abi: process.versions.modules, addons } } : {}) };
  const setting = versionSetting(root, name, spec);
  checkInstalledVersion(existing, name, vsn, apps, setting);
  const relup = options.upgradeFrom === undefined ? undefined : await planUpgrade(relRoot, name, options.upgradeFrom, existing, { vsn, apps: apps.map((a) => ({ ...a, packages: placedPackages(a.dependencies) })) }, warnings, setting);
  const includeNode = options.includeNode ?? spec.includeNode ?? false;
  const text = { sysConfig: json(sysConfig), nodeArgs: nodeArgs.text, relup: relup && json(relup) };
  return {
    name,
    vsn,
    profile,
    projectRoot: root,
    root: relRoot,
    tarball: options.tar ? join(relRoot, `${name}-${vsn}.tar.gz`) : undefined,
    apps,
    release,
    releases: nextReleases(existing, name, vsn, release.applications),
    sysConfig,
    nodeArgs: nodeArgs.text,
    cookieSource: nodeArgs.cookieSource,
    relup,
    includeNode,
    files: planFiles(name, apps, release, text, runtime, includeNode),
    warnings,
  };
}
