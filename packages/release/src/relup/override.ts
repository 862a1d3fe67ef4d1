import type { AppChange, ModuleChange } from '@otp-ts/runtime';
import { build, type Message } from 'esbuild';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ReleaseError } from '../errors.js';

/** The name of an application's relup override, beside its package.json. */
export const OVERRIDE_FILE = 'upgrade.ts';

/** An application's override: gets the computed change, returns the one to use. */
export type AppChangeOverride = (computed: AppChange) => AppChange | Promise<AppChange>;

const behaviours: ReadonlyArray<ModuleChange['behaviour']> = ['gen_server', 'gen_statem', 'gen_event', 'supervisor', undefined];

/** Loads `upgrade.ts` of an application folder (compiled by esbuild to a temporary module beside it), or undefined when it has none. */
export async function loadOverride(appDir: string): Promise<AppChangeOverride | undefined> {
  const file = join(appDir, OVERRIDE_FILE);
  if (!existsSync(file)) return undefined;
  let code: string;
  try {
    const out = await build({ entryPoints: [file], bundle: true, write: false, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'silent' });
    code = out.outputFiles[0]!.text;
  } catch (error) {
    const first = (error as { errors?: Message[] }).errors?.[0];
    const where = first?.location ? `:${first.location.line}:${first.location.column + 1}` : '';
    throw new ReleaseError('badOverride', `${file}${where} does not compile: ${first?.text ?? (error as Error).message}`, { file, cause: error });
  }
  const temp = join(appDir, `.${OVERRIDE_FILE}.${process.pid}-${randomBytes(4).toString('hex')}.mjs`);
  writeFileSync(temp, code);
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(temp).href)) as { default?: unknown };
  } catch (error) {
    throw new ReleaseError('badOverride', `${file} threw while loading: ${(error as Error).message}`, { file, cause: error });
  } finally {
    rmSync(temp, { force: true });
  }
  if (typeof mod.default !== 'function') {
    throw new ReleaseError('badOverride', `${file} must export default a function (computed: AppChange) => AppChange`, { file });
  }
  return mod.default as AppChangeOverride;
}

/** What validating an override's result needs: its file and the module names of both versions. */
export interface OverrideContext {
  file: string;
  oldModules: ReadonlySet<string>;
  newModules: ReadonlySet<string>;
}

const show = (v: unknown): string => (v === undefined ? 'undefined' : typeof v === 'function' ? 'a function' : (JSON.stringify(v) ?? String(v)));

function checkNames(value: unknown, key: string, inVersion: (m: string) => boolean, what: string, fail: (key: string, message: string) => never): string[] {
  if (!Array.isArray(value)) fail(key, `must be an array of module names, got ${show(value)}`);
  (value as unknown[]).forEach((m, i) => {
    if (typeof m !== 'string' || !inVersion(m)) fail(`${key}[${i}]`, `is ${show(m)}, which is not a module ${what}`);
  });
  return value as string[];
}

function checkChanged(value: unknown, ctx: OverrideContext, fail: (key: string, message: string) => never): ModuleChange[] {
  if (!Array.isArray(value)) fail('changed', `must be an array of { module, behaviour? }, got ${show(value)}`);
  return (value as unknown[]).map((c, i) => {
    const m = c as Partial<ModuleChange> | null;
    if (m === null || typeof m !== 'object') return fail(`changed[${i}]`, `must be { module, behaviour? }, got ${show(c)}`);
    const extraKey = Object.keys(m).find((k) => k !== 'module' && k !== 'behaviour');
    if (extraKey) fail(`changed[${i}].${extraKey}`, 'is not a key of a module change (module, behaviour)');
    if (typeof m.module !== 'string' || !ctx.oldModules.has(m.module) || !ctx.newModules.has(m.module)) fail(`changed[${i}].module`, `is ${show(m.module)}, which is not a module of both versions`);
    if (!behaviours.includes(m.behaviour)) fail(`changed[${i}].behaviour`, `is ${show(m.behaviour)}: use gen_server, gen_statem, gen_event, supervisor, or leave it out`);
    return m.behaviour === undefined ? { module: m.module! } : { module: m.module!, behaviour: m.behaviour };
  });
}

/**
 * Checks what an override returned against the computed change (pure): the same kind, application and
 * versions, module names that exist in the version they refer to, known behaviours, JSON `extra`.
 */
export function validateOverride(result: unknown, computed: AppChange, ctx: OverrideContext): AppChange {
  const fail = (key: string, message: string): never => {
    throw new ReleaseError('badOverride', `${ctx.file}: '${key}' ${message} (application ${computed.app})`, { file: ctx.file });
  };
  if (result === null || typeof result !== 'object' || Array.isArray(result)) return fail('default', `must return an AppChange object, got ${show(result)}`);
  const r = result as Record<string, unknown>;
  const fixed = Object.entries(computed).filter(([k]) => !['added', 'removed', 'changed', 'extra'].includes(k));
  for (const [key, value] of fixed) if (r[key] !== value) fail(key, `must stay ${show(value)}, got ${show(r[key])}: an override changes modules and extra, not which application or versions`);
  for (const key of Object.keys(r)) if (!(key in computed) && !(key === 'extra' && computed.kind === 'change')) fail(key, `is not a key of a ${computed.kind} change`);
  if (computed.kind !== 'change') return computed;
  const out: AppChange = {
    ...computed,
    added: checkNames(r.added, 'added', (m) => ctx.newModules.has(m), `of ${computed.app} ${computed.to}`, fail),
    removed: checkNames(r.removed, 'removed', (m) => ctx.oldModules.has(m), `of ${computed.app} ${computed.from}`, fail),
    changed: checkChanged(r.changed, ctx, fail),
  };
  if (r.extra === undefined) return out;
  let text: string | undefined;
  try {
    text = JSON.stringify(r.extra);
  } catch {
    text = undefined;
  }
  if (text === undefined) fail('extra', 'must be JSON data (it is written to relup.json)');
  return { ...out, extra: JSON.parse(text!) as unknown };
}
