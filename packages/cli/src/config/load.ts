import { build, type Message, type Plugin } from 'esbuild';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { OtpError } from '../errors/otp-error.js';
import { validateConfig } from './validate.js';
import type { OtpConfig } from './types.js';

/** The config file's name at a project root. */
export const CONFIG_FILE = 'otp.config.ts';

/** `@otp-ts/cli` inside a config only provides defineConfig, an identity: served inline so a config loads before npm install. */
const cliShim: Plugin = {
  name: 'otp-cli-shim',
  setup(b) {
    b.onResolve({ filter: /^@otp-ts\/cli$/ }, () => ({ path: 'otp-cli', namespace: 'otp-cli-shim' }));
    b.onLoad({ filter: /.*/, namespace: 'otp-cli-shim' }, () => ({ contents: 'export const defineConfig = (config) => config;', loader: 'js' }));
  },
};

function syntaxError(file: string, m: Message): OtpError {
  const loc = m.location;
  return new OtpError('badConfig', `${basename(file)} does not compile: ${m.text}`, {
    location: loc ? { file, line: loc.line, column: loc.column + 1 } : { file },
    hint: loc?.lineText ? `  ${loc.lineText.trim()}` : undefined,
  });
}

// What a config that failed as it was imported says: a package it imports that is not installed, or what it threw
// (the bundled copy's name, which the user never wrote, given as the config's).
function loadFailure(error: unknown, file: string, temp: string): OtpError {
  const name = basename(file);
  const message = (error instanceof Error ? error.message : String(error)).split(temp).join(name);
  const missing = (error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' ? /Cannot find (?:package|module) '([^']+)'/.exec(message)?.[1] : undefined;
  if (missing !== undefined) return new OtpError('badConfig', `${name} imports '${missing}', which is not installed: run npm install (npm install --save-dev ${missing} if package.json lacks it), or remove the import`, { location: { file }, cause: error });
  return new OtpError('badConfig', `${name} threw while loading: ${message}: fix the code it runs as it loads`, { location: { file }, cause: error });
}

/** Loads a config file: bundled by esbuild to a temporary .mjs beside it (so its imports resolve), imported, checked. */
export async function loadConfigFile(file: string): Promise<OtpConfig> {
  let code: string;
  try {
    const out = await build({ entryPoints: [file], bundle: true, write: false, platform: 'node', format: 'esm', target: 'node20', packages: 'external', plugins: [cliShim], logLevel: 'silent' });
    code = out.outputFiles[0]!.text;
  } catch (error) {
    const first = (error as { errors?: Message[] }).errors?.[0];
    if (first) throw syntaxError(file, first);
    throw new OtpError('badConfig', `${basename(file)} cannot be read: ${(error as Error).message}`, { location: { file }, cause: error });
  }
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}-${randomBytes(4).toString('hex')}.mjs`);
  writeFileSync(temp, code);
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(temp).href)) as { default?: unknown };
  } catch (error) {
    throw loadFailure(error, file, temp);
  } finally {
    rmSync(temp, { force: true });
  }
  if (!('default' in mod)) {
    throw new OtpError('badConfig', `${basename(file)} has no default export: write \`export default defineConfig({ ... })\``, { location: { file } });
  }
  return validateConfig(mod.default, file, readFileSync(file, 'utf8'));
}

/** Loads `otp.config.ts` from a project root, or an empty config (all defaults) when there is none. */
export async function loadConfig(root: string): Promise<{ config: OtpConfig; file?: string }> {
  const file = join(root, CONFIG_FILE);
  if (!existsSync(file)) return { config: {} };
  return { config: await loadConfigFile(file), file };
}
