// An application's package.json is its resource (OTP's .app file): a wrong type in its "otp" field, a misspelt key,
// a name the runtime refuses or a version that cannot name a build folder is refused by otp compile, naming the key
// and the fix, instead of an internal error or a release that builds and then dies at boot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { bin, type Run } from './support/cli.ts';
import { scratchProject } from './support/files.ts';

// Runs `otp ARGS..` in the project `cwd`.
const otp = (cwd: string, ...args: string[]): Promise<Run> =>
  new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' }, encoding: 'utf8', timeout: 110_000 }, (error, stdout, stderr) =>
      resolve({ status: error ? ((error as { code?: number | null }).code ?? 1) : 0, stdout, stderr }),
    );
  });

const app = `import { supervisor, type ApplicationModule, type Supervisor } from '@otp-ts/runtime';
const top: Supervisor = { init: () => ({ flags: { strategy: 'oneForOne' }, children: [] }) };
export default { start: (_t, _a, ctx) => supervisor.startLink(ctx, top, undefined) } satisfies ApplicationModule;
`;
const good = { name: 'kiosk', version: '0.1.0', private: true, type: 'module', otp: { mod: 'src/kiosk_app.ts', registered: [], applications: [], env: {} } };
const config = `export default { releases: { kiosk: { applications: ['kiosk'] } } };\n`;

// Writes package.json as `good` changed by `edit`.
function withPackage(dir: string, edit: (p: Record<string, unknown> & { otp: Record<string, unknown> }) => void): void {
  const p = structuredClone(good) as Record<string, unknown> & { otp: Record<string, unknown> };
  edit(p);
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(p, null, 2)}\n`);
}

// Each case: what is wrong, the edit, the message, and the key whose line the message points at.
const cases: Array<[string, (p: Record<string, unknown> & { otp: Record<string, unknown> }) => void, RegExp, string]> = [
  ['otp.mod a number', (p) => (p.otp.mod = 5), /"otp\.mod" must be the path of the application callback module, e\.g\. "src\/shop_app\.ts", got 5/, 'mod'],
  ['otp.registered a string', (p) => (p.otp.registered = 'kiosk_sup'), /"otp\.registered" must be an array of the names its processes register, e\.g\. \["shop_sup"\], got "kiosk_sup"/, 'registered'],
  ['otp.applications a string', (p) => (p.otp.applications = 'billing'), /"otp\.applications" must be an array of the application names it depends on, e\.g\. \["billing"\], got "billing"/, 'applications'],
  ['otp.env an array', (p) => (p.otp.env = [1]), /"otp\.env" must be an object of its default settings, e\.g\. \{ "port": 8080 \}, got \[1\]/, 'env'],
  ['otp.startPhases an object', (p) => (p.otp.startPhases = { phase: 'warm' }), /"otp\.startPhases" must be an array of \{ "phase": NAME, "args"\?: VALUE \}, got \{"phase":"warm"\}/, 'startPhases'],
  ['a misspelt key', (p) => (p.otp.aplications = []), /unknown key "otp\.aplications" \(did you mean "otp\.applications"\?\) \(the "otp" field takes mod, applications, registered, env, startPhases, modArgs\)/, 'aplications'],
  ['otp a string', (p) => (p.otp = 'kiosk' as never), /"otp" must be an object, got "kiosk"/, 'otp'],
  ['an uppercase name', (p) => (p.name = 'Kiosk'), /"name" "Kiosk" makes the application name 'Kiosk', which must be lowercase letters, digits and _, starting with a letter \(rename the package, e\.g\. "kiosk"\)/, 'name'],
  ['a version naming a folder outside', (p) => (p.version = '../x'), /"version" "\.\.\/x" cannot name a build folder/, 'version'],
];

// `package.json:LINE:COLUMN: ` of the key `"KEY":` as written in the project's package.json (1-based, as editors read it).
function placeOf(dir: string, key: string): string {
  const lines = readFileSync(join(dir, 'package.json'), 'utf8').split('\n');
  const line = lines.findIndex((l) => l.includes(`"${key}":`));
  assert.ok(line > 0, `"${key}" is written below the first line`);
  return `package.json:${line + 1}:${lines[line]!.indexOf(`"${key}"`) + 1}: `;
}

for (const [what, edit, message, key] of cases) {
  test(`package.json with ${what}: otp compile names the key, its line and the fix in one line, exit 1, and builds nothing`, { timeout: 120_000 }, async () => {
    const dir = scratchProject('kiosk', { 'src/kiosk_app.ts': app, 'otp.config.ts': config });
    withPackage(dir, edit);
    const r = await otp(dir, 'compile');
    assert.equal(r.status, 1, r.stderr);
    assert.ok(r.stderr.startsWith(`otp: compiling failed: ${placeOf(dir, key)}`), r.stderr);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /internal error|crash report/);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.equal(existsSync(join(dir, '_build')), false, 'nothing compiled');
  });
}

test('a release whose package.json has otp.registered as a string is not built (before, it was, and its node died at boot)', { timeout: 120_000 }, async () => {
  const dir = scratchProject('kiosk', { 'src/kiosk_app.ts': app, 'otp.config.ts': config });
  withPackage(dir, (p) => (p.otp.registered = 'kiosk_sup'));
  const r = await otp(dir, 'release');
  assert.notEqual(r.status, 0, r.stderr);
  assert.match(r.stderr, /"otp\.registered" must be an array/);
  assert.equal(existsSync(join(dir, '_build', 'prod', 'rel', 'kiosk')), false, 'no release root');
  // The fixed package.json builds: the check refuses only what is wrong.
  withPackage(dir, () => undefined);
  const fixed = await otp(dir, 'compile');
  assert.equal(fixed.status, 0, fixed.stderr);
  assert.match(readFileSync(join(dir, '_build', 'dev', 'lib', 'kiosk-0.1.0', 'app.json'), 'utf8'), /"mod": "kiosk\/kiosk_app"/);
});

test('otp.mod naming a file that does not exist: otp compile points at the line of "mod" in package.json', { timeout: 120_000 }, async () => {
  const dir = scratchProject('kiosk', { 'src/kiosk_app.ts': app, 'otp.config.ts': config });
  withPackage(dir, (p) => (p.otp.mod = 'src/kiosk_ap.ts'));
  const r = await otp(dir, 'compile');
  assert.equal(r.status, 1, r.stderr);
  assert.ok(r.stderr.startsWith(`otp: compiling failed: ${placeOf(dir, 'mod')}otp.mod names src/kiosk_ap.ts, which does not exist`), r.stderr);
});
