import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from '@otp-ts/compiler';
import { tempDir as sharedTempDir, writeTree } from '../../../test/support/files.ts';

const runtimeDir = fileURLToPath(new URL('../../runtime', import.meta.url));

export { writeTree };

/** A fresh temp folder, removed when the test file ends. */
export const tempDir = (prefix = 'otp-release-'): string => sharedTempDir(prefix);

/** An application of a fixture project: its version, dependencies and source modules (path under src/ → TypeScript). */
export interface FixtureApp {
  vsn: string;
  applications?: string[];
  modules: Record<string, string>;
  /** npm dependencies of its package.json. */
  dependencies?: Record<string, string>;
}

/**
 * Writes an umbrella project (apps under apps/, config/sys.config.json, @otp-ts/runtime linked into
 * node_modules as an installed project has it) and compiles it with the prod profile.
 */
export async function fixtureProject(root: string, version: string, apps: Record<string, FixtureApp>, extra: Record<string, string> = {}): Promise<string> {
  const files: Record<string, string> = {
    'package.json': JSON.stringify({ name: 'fixture', version, private: true, type: 'module', workspaces: ['apps/*'] }),
    'config/sys.config.json': '{}\n',
    ...extra,
  };
  for (const [name, app] of Object.entries(apps)) {
    files[`apps/${name}/package.json`] = JSON.stringify({ name, version: app.vsn, type: 'module', otp: { applications: app.applications ?? [] }, dependencies: app.dependencies ?? {} });
    for (const [file, code] of Object.entries(app.modules)) files[`apps/${name}/src/${file}`] = code;
  }
  writeTree(root, files);
  mkdirSync(join(root, 'node_modules', '@otp-ts'), { recursive: true });
  try {
    symlinkSync(runtimeDir, join(root, 'node_modules', '@otp-ts', 'runtime'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  await compile({ root, profile: 'prod' });
  return root;
}

/** Module sources of each behaviour, and a plain one, as small as the detection needs. */
export const sources = {
  server: (n: number) => `export const server = { init: () => ({ ok: ${n} }), handleCall: (_r: unknown, _f: unknown, s: number) => ({ reply: s + ${n}, state: s }) };\nexport const call = () => ${n};\n`,
  statem: (n: number) => `export const machine = { callbackMode: 'stateFunctions', init: () => ${n}, idle: () => ${n} };\n`,
  event: (n: number) => `export const handler = { init: () => ${n}, handleEvent: (_e: unknown, s: number) => s + ${n} };\n`,
  sup: (n: number) => `export const sup = { name: 'top_sup', init: () => ({ flags: { strategy: 'oneForOne' }, children: [${n}] }) };\n`,
  plain: (n: number) => `export function helper(): number {\n  return ${n};\n}\n`,
};
