// package.json's `otp` field (OTP's .app file) checked where the project is read, so a wrong type or a misspelt key is
// refused at compile, naming the key and the fix, instead of building a release whose node dies at boot.
import { editDistance } from '@otp-ts/runtime/tools';
import type { Diagnostic } from './errors.js';
import { keyPlace } from './json-key.js';

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isNames = (v: unknown): boolean => Array.isArray(v) && v.every((n) => typeof n === 'string');
const isPhases = (v: unknown): boolean => Array.isArray(v) && v.every((p) => isObject(p) && typeof p.phase === 'string');

/** Each key the `otp` field takes: how to tell a good value, and what it must be. */
const FIELDS: Record<string, { ok: (v: unknown) => boolean; expected: string }> = {
  mod: { ok: (v) => typeof v === 'string', expected: 'the path of the application callback module, e.g. "src/shop_app.ts"' },
  applications: { ok: isNames, expected: 'an array of the application names it depends on, e.g. ["billing"]' },
  registered: { ok: isNames, expected: 'an array of the names its processes register, e.g. ["shop_sup"]' },
  env: { ok: isObject, expected: 'an object of its default settings, e.g. { "port": 8080 }' },
  startPhases: { ok: isPhases, expected: 'an array of { "phase": NAME, "args"?: VALUE }' },
  modArgs: { ok: () => true, expected: 'any JSON value' },
};

// What an application name and a version may be: the name is a module-name prefix, the version names a build folder.
const APP_NAME = /^[a-z][a-z0-9_]*$/;
const VERSION = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;

const show = (v: unknown): string => JSON.stringify(v) ?? String(v);

// The known key a misspelt one is closest to, when it is close enough to be what was meant.
function meant(key: string): string | undefined {
  const [best] = Object.keys(FIELDS)
    .map((k) => [k, editDistance(key.toLowerCase(), k.toLowerCase())] as const)
    .sort((a, b) => a[1] - b[1]);
  return best && best[1] <= Math.max(1, Math.floor(key.length / 3)) ? best[0] : undefined;
}

/** What is wrong with an application's package.json (its name, version and `otp` field), as one diagnostic at the key's line (`source`: the file's text), or undefined. */
export function otpFieldProblem(pkg: { name: string; version: string; otp: unknown }, app: string, file: string, source: string): Diagnostic | undefined {
  let key = ['name'];
  const at = (text: string, suggestion?: string): Diagnostic => ({ text, location: { file, ...keyPlace(source, key) }, ...(suggestion ? { suggestion } : {}) });
  if (!APP_NAME.test(app)) return at(`"name" ${show(pkg.name)} makes the application name '${app}', which must be lowercase letters, digits and _, starting with a letter`, `rename the package, e.g. "${app.toLowerCase().replace(/[^a-z0-9_]/g, '_').replace(/^[^a-z]+/, '') || 'my_app'}"`);
  key = ['version'];
  if (!VERSION.test(pkg.version)) return at(`"version" ${show(pkg.version)} cannot name a build folder`, 'use letters, digits, ".", "_", "-" and "+", e.g. "0.1.0"');
  key = ['otp'];
  if (!isObject(pkg.otp)) return at(`"otp" must be an object, got ${show(pkg.otp)}`, 'write "otp": { "mod": "src/NAME_app.ts" }, or "otp": {} for a library application');
  for (const [name, value] of Object.entries(pkg.otp)) {
    key = ['otp', name];
    const field = FIELDS[name];
    if (!field) {
      const near = meant(name);
      return at(`unknown key "otp.${name}"${near ? ` (did you mean "otp.${near}"?)` : ''}`, `the "otp" field takes ${Object.keys(FIELDS).join(', ')}`);
    }
    if (value !== undefined && !field.ok(value)) return at(`"otp.${name}" must be ${field.expected}, got ${show(value)}`);
  }
  return undefined;
}
