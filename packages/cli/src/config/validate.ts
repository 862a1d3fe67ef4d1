import { basename, isAbsolute, normalize } from 'node:path';
import { transformSync } from 'esbuild';
import { OtpError } from '../errors/otp-error.js';
import { didYouMean } from '../cli/suggest.js';
import { numberOptionRefusal, testOptionTable, type TestOptionSpec } from '@otp-ts/test-runner';
import type { OtpConfig } from './types.js';

/** The shape of a config value, as data, with the sentence that says what is expected. */
type Shape =
  | { kind: 'string' | 'boolean' | 'any'; expected: string; oneOf?: readonly string[]; valid?: (v: string) => boolean }
  | { kind: 'number'; expected: string; min: number; integer?: boolean; max?: number }
  | { kind: 'option'; expected: string; row: TestOptionSpec }
  | { kind: 'array'; expected: string; of: Shape }
  | { kind: 'object'; expected: string; fields: Record<string, Shape>; required?: readonly string[] }
  | { kind: 'record'; expected: string; of: Shape };

const str: Shape = { kind: 'string', expected: 'a string' };
const bool: Shape = { kind: 'boolean', expected: 'true or false' };
const names: Shape = { kind: 'array', expected: 'an array of names', of: { kind: 'string', expected: 'a name' } };
const percent: Shape = { kind: 'number', expected: 'a percentage from 0 to 100', min: 0, max: 100 };
// The build folder stays inside the project: '' or '.' would write into the project itself, '/' or '../x' outside it,
// and one of the project's own folders ('src') would mix compiled output into the sources the next compile reads.
const ownFolders = ['src', 'test', 'apps', 'config', 'priv', 'node_modules'];
const insideProject = (v: string): boolean => v.trim() !== '' && !isAbsolute(v) && !['.', '..', ...ownFolders].includes(normalize(v).split(/[\\/]/)[0]!);
// What esbuild takes as a target ('node20', 'es2022', 'node20,chrome120'): asked of esbuild itself.
function esbuildTarget(v: string): boolean {
  try {
    transformSync('', { target: v });
    return true;
  } catch {
    return false;
  }
}
const outDir: Shape = { kind: 'string', expected: `a folder of its own under the project root, e.g. '_build' (not ${ownFolders.join(', ')})`, valid: insideProject };
const target: Shape = { kind: 'string', expected: "an esbuild target, e.g. 'node20' or 'es2022'", valid: esbuildTarget };
const build: Shape = { kind: 'object', expected: 'an object of build options', fields: { outDir, target, sourceMaps: bool, minify: bool } };
const reporterChoices = (choices: readonly string[]): string => `${choices.slice(0, -1).map((c) => `'${c}'`).join(', ')} or '${choices.at(-1)}'`;

// The shape of one key of `test`, from its row of the test option table.
function testKeyShape(o: TestOptionSpec): Shape {
  const expected = o.expected ?? '';
  switch (o.type) {
    case 'thresholds':
      return { kind: 'object', expected, fields: { lines: percent, functions: percent, branches: percent, statements: percent } };
    case 'array': {
      const of: Shape = o.choices ? { kind: 'string', expected: reporterChoices(o.choices), oneOf: o.choices } : str;
      return { kind: 'array', expected, of };
    }
    case 'number':
      // Checked by the rule its --flag is checked by, in the same words.
      return { kind: 'option', expected, row: o };
    case 'boolean':
      return bool;
    case 'string':
      return o.choices ? { kind: 'string', expected, oneOf: o.choices } : str;
  }
}

const test: Shape = {
  kind: 'object',
  expected: 'an object of test options',
  fields: Object.fromEntries((testOptionTable as readonly TestOptionSpec[]).flatMap((o) => (o.config === undefined ? [] : [[o.config, testKeyShape(o)]]))),
};
const release: Shape = {
  kind: 'object',
  expected: 'a release: { applications: [...] }',
  fields: { version: str, applications: names, includeNode: bool },
  required: ['applications'],
};
const profile: Shape = {
  kind: 'object',
  expected: 'a profile: { build?, test?, env? }',
  fields: { build, test, env: { kind: 'record', expected: 'an object of application env: { app: { key: value } }', of: { kind: 'record', expected: 'an object of settings', of: { kind: 'any', expected: 'any value' } } } },
};

/** The schema of otp.config.ts; docs/cli.md describes the same keys. */
export const configShape: Shape = {
  kind: 'object',
  expected: 'an object: export default defineConfig({ ... })',
  fields: { releases: { kind: 'record', expected: 'an object of releases by name', of: release }, profiles: { kind: 'record', expected: 'an object of profiles by name', of: profile }, build, test },
};

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isThenable = (v: unknown): boolean => isObject(v) && typeof v.then === 'function';
const show = (v: unknown): string => (v === undefined ? 'undefined' : typeof v === 'function' ? 'a function' : isThenable(v) ? 'a promise (export the object itself)' : (JSON.stringify(v) ?? String(v)));

function check(value: unknown, shape: Shape, key: string, fail: (key: string, message: string) => never): void {
  const bad = (): never => fail(key, `${key ? `'${key}'` : 'the default export'} must be ${shape.expected}, got ${show(value)}`);
  const at = (k: string): string => (key ? `${key}.${k}` : k);
  switch (shape.kind) {
    case 'any':
      return;
    case 'string':
      if (typeof value !== 'string' || (shape.oneOf && !shape.oneOf.includes(value)) || (shape.valid && !shape.valid(value))) bad();
      return;
    case 'boolean':
      if (typeof value !== 'boolean') bad();
      return;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value) || value < shape.min || (shape.max !== undefined && value > shape.max) || (shape.integer && !Number.isInteger(value))) bad();
      return;
    case 'option': {
      const refusal = numberOptionRefusal(shape.row, value, `'${key}'`, show(value));
      if (refusal !== undefined) fail(key, refusal);
      return;
    }
    case 'array':
      if (!Array.isArray(value)) bad();
      (value as unknown[]).forEach((v, i) => check(v, shape.of, `${key}[${i}]`, fail));
      return;
    case 'record':
      if (!isObject(value)) bad();
      for (const [k, v] of Object.entries(value as object)) check(v, shape.of, at(k), fail);
      return;
    case 'object': {
      if (!isObject(value) || isThenable(value)) bad();
      const known = Object.keys(shape.fields);
      for (const [k, v] of Object.entries(value as object)) {
        const field = shape.fields[k];
        if (!field) fail(at(k), `unknown key '${at(k)}'${didYouMean(k, known)}; ${key ? `'${key}'` : 'the config'} takes ${known.join(', ')}`);
        else if (v !== undefined) check(v, field, at(k), fail);
      }
      for (const k of shape.required ?? []) if ((value as Record<string, unknown>)[k] === undefined) fail(at(k), `'${at(k)}' is missing: it must be ${shape.fields[k]!.expected}`);
    }
  }
}

/**
 * Checks a loaded config by hand; a bad one throws an OtpError naming the file, the key, the value and what is
 * expected, at the line and column where `source` (the config's text) first writes the key, or its nearest parent.
 */
export function validateConfig(value: unknown, file: string, source?: string): OtpConfig {
  check(value, configShape, '', (key, message) => {
    const at = source === undefined ? undefined : keyPlace(source, key);
    throw new OtpError('badConfig', `${basename(file)}: ${message}`, { location: { file, ...at }, hint: 'See docs/cli.md for the keys otp.config.ts takes.' });
  });
  return value as OtpConfig;
}

// Where the config's code first writes each part of `key` (`releases.x.applications[0]`) as a property name, each after
// the last; the deepest found (a missing key's parent), or undefined. The config is code evaluated at run time, so this
// is the first such text, not a parse: a key built at run time or written by shorthand is not found.
function keyPlace(source: string, key: string): { line: number; column: number } | undefined {
  let from = 0;
  let found: number | undefined;
  for (const part of key.split(/\.|\[\d+\]/).filter((p) => p !== '')) {
    const name = part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const written = new RegExp(`(?<![\\w$])(['"\`]?)${name}\\1\\s*:`, 'g');
    written.lastIndex = from;
    const m = written.exec(source);
    if (!m) break;
    found = m.index;
    from = m.index + m[0].length;
  }
  if (found === undefined) return undefined;
  const before = source.slice(0, found);
  return { line: before.split('\n').length, column: found - before.lastIndexOf('\n') };
}
