import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AppResource } from './types.js';
import { ApplicationError } from './types.js';

// A byte-order mark, which editors on Windows may write at a file's start: Node.js and npm read past it, so otp does.
const BOM = /^\uFEFF/;

/** Checks an application resource, naming the application, the field and what is expected. */
export function validateResource(r: AppResource, where = 'application resource'): AppResource {
  const fail = (field: string, expected: string, got: unknown): never => {
    throw new ApplicationError('badResource', String(r?.name), `${where}: ${field} must be ${expected}, got ${JSON.stringify(got)}`);
  };
  if (r === null || typeof r !== 'object') throw new ApplicationError('badResource', '?', `${where} must be an object`);
  if (typeof r.name !== 'string' || !/^[a-z][a-z0-9_]*$/.test(r.name)) fail('name', 'a lowercase name of letters, digits and _', r.name);
  if (typeof r.vsn !== 'string' || r.vsn === '') fail('version', 'a non-empty string', r.vsn);
  if (r.applications !== undefined && (!Array.isArray(r.applications) || !r.applications.every((a) => typeof a === 'string'))) fail('otp.applications', 'an array of application names', r.applications);
  if (r.modules !== undefined && (!Array.isArray(r.modules) || !r.modules.every((m) => typeof m === 'string'))) fail('modules', 'an array of module names', r.modules);
  if (r.registered !== undefined && (!Array.isArray(r.registered) || !r.registered.every((a) => typeof a === 'string'))) fail('otp.registered', 'an array of names', r.registered);
  if (r.env !== undefined && (r.env === null || typeof r.env !== 'object' || Array.isArray(r.env))) fail('otp.env', 'an object of settings', r.env);
  if (r.startPhases !== undefined && (!Array.isArray(r.startPhases) || !r.startPhases.every((p) => p !== null && typeof p === 'object' && typeof p.phase === 'string'))) {
    fail('otp.startPhases', 'an array of { phase, args }', r.startPhases);
  }
  if (r.mod !== undefined && typeof r.mod !== 'string' && (typeof r.mod !== 'object' || typeof r.mod.start !== 'function')) fail('otp.mod', 'a path to the callback module or a module with start()', r.mod);
  return r;
}

/** Checks one application's settings (a sys.config entry): an object of key: value; `where` names the call. */
export function validateSettings(app: string, settings: unknown, where: string): Record<string, unknown> {
  if (settings === null || typeof settings !== 'object' || Array.isArray(settings)) {
    throw new ApplicationError('badConfig', app, `${where}: the settings of '${app}' must be an object of key: value, got ${JSON.stringify(settings) ?? String(settings)}`);
  }
  return settings as Record<string, unknown>;
}

/** Checks sys.config-style configuration, `{ app: { key: value } }`, naming what is wrong in it. */
export function validateConfig(config: unknown, where: string): Record<string, Record<string, unknown>> {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new ApplicationError('badConfig', '?', `${where} needs an object of { app: { key: value } }, got ${JSON.stringify(config) ?? String(config)}`);
  }
  for (const [app, settings] of Object.entries(config)) validateSettings(app, settings, where);
  return config as Record<string, Record<string, unknown>>;
}

/** Reads an application resource from a package folder's package.json `otp` field. */
export async function readResource(dir: string): Promise<AppResource> {
  const file = join(dir, 'package.json');
  let pkg: { name?: unknown; version?: unknown; description?: unknown; otp?: Record<string, unknown> };
  try {
    pkg = JSON.parse((await readFile(file, 'utf8')).replace(BOM, ''));
  } catch (error) {
    throw new ApplicationError('badResource', dir, `${file} cannot be read as JSON: ${(error as Error).message}`, { cause: error });
  }
  if (pkg.otp === undefined || pkg.otp === null || typeof pkg.otp !== 'object') {
    throw new ApplicationError('badResource', String(pkg.name), `${file} has no "otp" object: add "otp": {} to make the package an application`);
  }
  const name = typeof pkg.name === 'string' ? pkg.name.replace(/^@[^/]+\//, '').replace(/-/g, '_') : pkg.name;
  const otp = pkg.otp;
  return validateResource(
    {
      name: name as string,
      vsn: pkg.version as string,
      description: typeof pkg.description === 'string' ? pkg.description : undefined,
      mod: otp.mod as string | undefined,
      modArgs: otp.modArgs,
      startPhases: otp.startPhases as AppResource['startPhases'],
      applications: otp.applications as string[] | undefined,
      registered: otp.registered as string[] | undefined,
      env: otp.env as Record<string, unknown> | undefined,
      dir,
    },
    file,
  );
}
