// An import of a package that is neither installed nor declared in package.json: otp compile warns once, naming the
// file, the package and the fix; otp release refuses (exit 2, nothing written) a static import, which fails the boot, in
// one line (not the compile's warning too), and lets an import() through; an optional dependency (optionalDependencies)
// is carried when installed, and no warning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, ok } from './support/run.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const otp = join(repo, 'packages', 'cli', 'bin', 'otp.js');

const staticPad = "import pad from 'absent-pad';\n\nexport function padded(s: string): string {\n  return pad(s);\n}\n";
const dynamicPad = "export async function padded(s: string): Promise<string> {\n  try {\n    const m = await import('absent-pad');\n    return m.default(s);\n  } catch {\n    return s;\n  }\n}\n";

test('an import of a package neither installed nor declared: otp compile warns naming file, package and fix; otp release refuses a static one (exit 2), lets an import() through; optionalDependencies silences it and is carried when installed', { timeout: 240_000 }, async () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', 'missing-import-'));
  const dir = join(base, 'padder');
  const rel = join(dir, '_build', 'prod', 'rel', 'padder');
  const otpIn = (args: string[]) => run(process.execPath, [otp, ...args], dir);
  const warnings = (text: string) => text.split('\n').filter((l) => l.startsWith('otp: warning:'));
  const pkgFile = join(dir, 'package.json');
  try {
    await ok(run(process.execPath, [otp, 'new', 'app', 'padder', '--quiet'], base), 'otp new');
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'src', 'pad.ts'), staticPad);

    const compiled = await otpIn(['compile']);
    assert.equal(compiled.status, 0, compiled.out);
    assert.deepEqual(warnings(compiled.stderr), [
      `otp: warning: src/pad.ts:1 imports 'absent-pad' statically, but package 'absent-pad' is not installed nor declared in package.json, so the module fails to load at boot: add it to "dependencies" and run npm install, or, if the code can do without it, load it with await import("absent-pad") in a try/catch and list it in "optionalDependencies"`,
    ]);

    // Refused once: the compile's warning of the same import is not said again before the refusal, while its warning of
    // another file's import() still is.
    const laterFile = join(dir, 'src', 'later.ts');
    writeFileSync(laterFile, dynamicPad.replaceAll('absent-pad', 'absent-later'));
    const refused = await otpIn(['release']);
    assert.equal(refused.status, 2, refused.out);
    assert.match(refused.stderr, /src\/pad\.ts:1 imports 'absent-pad' statically, but package 'absent-pad' is not installed nor declared in package\.json, so the module fails to load at boot: .*; nothing was released/);
    assert.equal(refused.stderr.split('\n').filter((l) => l.includes("imports 'absent-pad'")).length, 1, `one line for the static import:\n${refused.stderr}`);
    assert.deepEqual(warnings(refused.stderr), [
      `otp: warning: src/later.ts:3 imports 'absent-later', but package 'absent-later' is not installed nor declared in package.json, so that import fails when it runs: add it to "dependencies" and run npm install, or, if the code can do without it, list it in "optionalDependencies"`,
    ]);
    assert.equal(existsSync(join(rel, 'releases', 'RELEASES.json')), false, 'nothing was written to the release root');
    rmSync(laterFile);

    // An import() in a try/catch is optional by its code: released, with one warning until package.json says so.
    writeFileSync(join(dir, 'src', 'pad.ts'), dynamicPad);
    const dynamic = await otpIn(['compile']);
    assert.equal(dynamic.status, 0, dynamic.out);
    assert.deepEqual(warnings(dynamic.stderr), [
      `otp: warning: src/pad.ts:3 imports 'absent-pad', but package 'absent-pad' is not installed nor declared in package.json, so that import fails when it runs: add it to "dependencies" and run npm install, or, if the code can do without it, list it in "optionalDependencies"`,
    ]);
    writeFileSync(pkgFile, JSON.stringify({ ...pkg, optionalDependencies: { 'absent-pad': '^1.0.0' } }, null, 2));
    assert.deepEqual(warnings((await otpIn(['compile'])).stderr), []);

    // Installed, the optional dependency is carried by the release like a dependency.
    const installed = join(dir, 'node_modules', 'absent-pad');
    mkdirSync(installed, { recursive: true });
    writeFileSync(join(installed, 'package.json'), JSON.stringify({ name: 'absent-pad', version: '1.0.0', main: 'index.js' }));
    writeFileSync(join(installed, 'index.js'), "module.exports = (s) => '[' + s + ']';\n");
    const released = await otpIn(['release']);
    assert.equal(released.status, 0, released.out);
    assert.deepEqual(warnings(released.stderr), []);
    assert.equal(existsSync(join(rel, 'lib', 'padder-0.1.0', 'node_modules', 'absent-pad', 'index.js')), true, 'the installed optional dependency is carried');
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
