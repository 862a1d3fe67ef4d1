// create-otp-ts in-process: what `npm create otp-ts@latest <name>` writes and prints, and its errors.
// test/registry.test.ts runs it for real, published to a local registry and run through npm create.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from '../src/index.ts';

async function run(argv: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await create(argv, { cwd, stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) } });
  return { code, out, err };
}

const published = JSON.parse(readFileSync(new URL('../../cli/package.json', import.meta.url), 'utf8')) as { version: string };

test('create <name> writes an app depending on the published @otp-ts versions and prints the next steps', async (t) => {
  const cwd = mkdtempSync(join(tmpdir(), 'create-otp-ts-'));
  t.after(() => rmSync(cwd, { recursive: true, force: true }));
  const r = await run(['cot_shop'], cwd);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^created app cot_shop in cot_shop \(\d+ files\)\n\nnext:\n {2}cd cot_shop\n {2}npm install\n {2}npx otp test\n {2}npx otp shell\n\n/);
  // Before npm install, npx otp would fetch the unrelated public package named otp: the order is the fix.
  assert.match(r.out, /\n\nRun npm install first: until then npx otp would fetch an unrelated package named otp\.\n$/);
  const pkg = JSON.parse(readFileSync(join(cwd, 'cot_shop', 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
  // Registry versions, never file: links into a checkout: the project must install from npm.
  assert.equal(pkg.dependencies['@otp-ts/runtime'], published.version);
  assert.equal(pkg.devDependencies['@otp-ts/cli'], published.version);
  assert.ok(existsSync(join(cwd, 'cot_shop', 'src', 'cot_shop_server.ts')));
});

test('--template lib and --template umbrella create those projects', async (t) => {
  const cwd = mkdtempSync(join(tmpdir(), 'create-otp-ts-'));
  t.after(() => rmSync(cwd, { recursive: true, force: true }));
  const lib = await run(['cot_text', '--template', 'lib'], cwd);
  assert.equal(lib.code, 0);
  // A library has no application to boot: its next steps end with its tests.
  assert.match(lib.out, /\nnext:\n {2}cd cot_text\n {2}npm install\n {2}npx otp test\n\n/);
  assert.match(readFileSync(join(cwd, 'cot_text', 'package.json'), 'utf8'), /"name": "cot_text"/);
  assert.ok(!existsSync(join(cwd, 'cot_text', 'src', 'cot_text_sup.ts')), 'a library has no supervisor');
  const umbrella = await run(['cot_store', '-t', 'umbrella'], cwd);
  assert.equal(umbrella.code, 0, umbrella.err);
  assert.ok(existsSync(join(cwd, 'cot_store', 'apps', 'cot_store', 'package.json')));
});

test("a '--' before the options (npx create-otp-ts shop -- --template lib, or npm's own written twice) is passed over", async (t) => {
  const cwd = mkdtempSync(join(tmpdir(), 'create-otp-ts-'));
  t.after(() => rmSync(cwd, { recursive: true, force: true }));
  const r = await run(['cot_dashed', '--', '--template', 'lib'], cwd);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^created lib cot_dashed in cot_dashed /);
});

test('the next steps paste into a shell as printed, for a folder with spaces, quotes or $ in its name', async (t) => {
  const cwd = mkdtempSync(join(tmpdir(), 'create-otp-ts-'));
  t.after(() => rmSync(cwd, { recursive: true, force: true }));
  for (const dir of ['my shop', "it's here", 'cost $HOME']) {
    const r = await run(['cot_spaced', '--dir', dir], cwd);
    assert.equal(r.code, 0, r.err);
    const cd = /\nnext:\n {2}(cd .+)\n/.exec(r.out)?.[1];
    assert.ok(cd, r.out);
    const landed = spawnSync('/bin/sh', ['-c', `${cd} && pwd`], { cwd, encoding: 'utf8' });
    assert.equal(landed.status, 0, `${cd}: ${landed.stderr}`);
    assert.equal(landed.stdout.trim(), join(realpathSync(cwd), dir));
  }
});

test('errors name the problem and the fix, exit 2, and write nothing', async (t) => {
  const cwd = mkdtempSync(join(tmpdir(), 'create-otp-ts-'));
  t.after(() => rmSync(cwd, { recursive: true, force: true }));
  mkdirSync(join(cwd, 'cot_taken'));
  writeFileSync(join(cwd, 'cot_taken', 'notes.txt'), 'mine');
  const exists = await run(['cot_taken'], cwd);
  assert.equal(exists.code, 2);
  // npm create would take a bare --force as its own flag: the fix names the form that reaches create-otp-ts.
  assert.match(exists.err, /^create-otp-ts: the folder .*cot_taken exists and is not empty\nChoose another name, or write into it with npm create otp-ts@latest cot_taken -- --force\.\n$/);
  assert.equal(readFileSync(join(cwd, 'cot_taken', 'notes.txt'), 'utf8'), 'mine');

  // Where --force cannot help (a file in the way), the hint does not offer it.
  writeFileSync(join(cwd, 'cot_file'), 'x');
  const underFile = await run(['cot_shop', '--dir', 'cot_file/shop'], cwd);
  assert.equal(underFile.code, 2);
  assert.match(underFile.err, /^create-otp-ts: cannot create .*cot_file\/shop: .*cot_file is a file, not a folder\nChoose another --dir\.\n$/);
  const isFile = await run(['cot_file'], cwd);
  assert.equal(isFile.code, 2);
  assert.match(isFile.err, /^create-otp-ts: .*cot_file exists and is not a folder\nChoose another name or --dir\.\n$/);

  const invalid = await run(['my-shop'], cwd);
  assert.equal(invalid.code, 2);
  assert.match(invalid.err, /^create-otp-ts: invalid name 'my-shop': use '_' instead of '-'.*\nTry npm create otp-ts@latest my_shop\n$/);
  const spaced = await run(['My Shop', '--template', 'lib'], cwd);
  assert.equal(spaced.code, 2);
  assert.match(spaced.err, /^create-otp-ts: invalid name 'My Shop': application names are lowercase\nTry npm create otp-ts@latest my_shop -- --template lib\n$/);
  assert.ok(!existsSync(join(cwd, 'my-shop')));

  const none = await run([], cwd);
  assert.equal(none.code, 2);
  assert.match(none.err, /name the project: npm create otp-ts@latest my_app/);
  assert.match((await run(['x', '--template', 'web'], cwd)).err, /unknown template 'web': choose app, lib, umbrella/);
  assert.match((await run(['x', '--bogus'], cwd)).err, /^create-otp-ts: unknown option '--bogus' \(see --help\)\n$/);
  // A misspelt option or template names the one meant.
  assert.match((await run(['x', '--tempalte', 'lib'], cwd)).err, /^create-otp-ts: unknown option '--tempalte' \(did you mean '--template'\?\) \(see --help\)\n$/);
  assert.match((await run(['x', '--forse'], cwd)).err, /unknown option '--forse' \(did you mean '--force'\?\)/);
  assert.match((await run(['x', '--template', 'umbrela'], cwd)).err, /unknown template 'umbrela' \(did you mean 'umbrella'\?\): choose app, lib, umbrella/);
  assert.ok(!existsSync(join(cwd, 'x')), 'nothing is created on a bad command line');
});

test('--help prints the usage with the npm create form; --version the version', async () => {
  const help = await run(['--help'], tmpdir());
  assert.equal(help.code, 0);
  assert.match(help.out, /^Usage: npm create otp-ts@latest <name> \[-- --template app\|lib\|umbrella\]/);
  assert.match((await run(['--version'], tmpdir())).out, /^\d+\.\d+\.\d+\n$/);
});

test("the published program is one file that imports only Node's modules: npm create installs create-otp-ts alone", () => {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { dependencies?: Record<string, string>; exports: { '.': { default: string } }; files: string[] };
  assert.deepEqual(manifest.dependencies ?? {}, {}, 'no dependencies: otp new\'s scaffold is inlined');
  assert.ok(manifest.files.includes('templates'), 'the templates ship in the package (copied in by prepack)');
  const program = readFileSync(new URL(`../${manifest.exports['.'].default}`, import.meta.url), 'utf8');
  const imported = [...program.matchAll(/^\s*import\b[^'"]*['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
  assert.ok(imported.length > 0, 'the program was read');
  assert.deepEqual(imported.filter((s) => !s.startsWith('node:')), [], 'imports of packages left in dist/create.js');
  assert.match(readFileSync(new URL('../bin/create-otp-ts.js', import.meta.url), 'utf8'), new RegExp(`(?:from |import\\()'\\.\\./${manifest.exports['.'].default.slice(2).replace('.', '\\.')}'`));
});
