import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
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
  if (!existsSync(root)) return;
  if (!statSync(root).isDirectory()) throw new OtpError('exists', `${root} exists and is not a folder`, { hint: 'Choose another name or --dir.' });
  if (readdirSync(root).length > 0 && !force) throw new OtpError('exists', `the folder ${root} exists and is not empty`, { hint: 'Choose another name or --dir, or pass --force to write into it.' });
}

/** Creates a project from a template (`otp new`): checks the name and the folder, then writes the planned files. */
export function newProject(options: NewProjectOptions): { root: string; files: string[] } {
  const root = resolve(options.cwd, options.dir ?? options.name);
  const files = planProject(options.template, options.name, options.templates, options.linkCheckout);
  checkTarget(root, options.force);
  for (const f of files) {
    const path = join(root, f.path);
    options.progress?.step(`created ${relative(options.cwd, path) || path}`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, f.content);
  }
  return { root, files: files.map((f) => f.path) };
}
