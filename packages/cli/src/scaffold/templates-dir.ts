import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageInfo } from '../cli/package-info.js';
import { OtpError } from '../errors/otp-error.js';
import type { Template, TemplateManifest } from './template.js';

/** The templates `otp new` knows. */
export const templateNames = ['app', 'lib', 'umbrella'] as const;
/** One of the templates. */
export type TemplateName = (typeof templateNames)[number];

/** The templates folder: a copy inside the package when published, else the repository's root `templates/`. */
export function templatesDir(): string {
  const { root } = packageInfo();
  const candidates = [join(root, 'templates'), join(root, '..', '..', 'templates')];
  const found = candidates.find((d) => existsSync(join(d, 'app', 'manifest.json')));
  if (!found) throw new OtpError('failed', `the otp-ts templates are missing (looked in ${candidates.join(', ')}): reinstall @otp-ts/cli`);
  return found;
}

/** Reads one template (manifest and sources) from disk. */
export function readTemplate(name: string, dir = templatesDir()): Template {
  const file = join(dir, name, 'manifest.json');
  let manifest: TemplateManifest;
  try {
    manifest = JSON.parse(readFileSync(file, 'utf8')) as TemplateManifest;
  } catch (error) {
    throw new OtpError('badTemplate', `template manifest ${file} cannot be read: ${(error as Error).message}`, { location: { file }, cause: error });
  }
  if (typeof manifest.files !== 'object' || typeof manifest.variables !== 'object') {
    throw new OtpError('badTemplate', `template manifest ${file} needs "variables" and "files" objects`, { location: { file } });
  }
  const sources: Record<string, string> = {};
  for (const source of new Set(Object.values(manifest.files))) {
    const path = join(dir, name, source);
    if (!existsSync(path)) throw new OtpError('badTemplate', `template '${name}' lists ${source}, which does not exist`, { location: { file } });
    sources[source] = readFileSync(path, 'utf8');
  }
  return { name, manifest, sources };
}

/** Reads a template and every template it includes, by name. */
export function readTemplates(name: string, dir = templatesDir()): Record<string, Template> {
  const all: Record<string, Template> = {};
  const visit = (n: string): void => {
    if (all[n]) return;
    all[n] = readTemplate(n, dir);
    for (const inc of all[n].manifest.include ?? []) visit(inc.template);
  };
  visit(name);
  return all;
}
