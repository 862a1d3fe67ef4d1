import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newProject, readTemplate, readTemplates, OtpError, type OtpErrorCode } from '@otp-ts/cli';
import { tempDir, writeTree } from './helpers.ts';

const fails = (body: () => unknown, code: OtpErrorCode, message: string, hint?: string) =>
  assert.throws(body, (e: unknown) => {
    assert.ok(e instanceof OtpError, String(e));
    assert.equal(e.code, code);
    assert.equal(e.message, message);
    if (hint !== undefined) assert.equal(e.hint, hint);
    return true;
  });

test('newProject writes the planned files under cwd/NAME, or under --dir', () => {
  const cwd = tempDir();
  const made = newProject({ template: 'lib', name: 'backoff', cwd });
  assert.equal(made.root, join(cwd, 'backoff'));
  assert.ok(made.files.includes('src/backoff.ts'));
  for (const f of made.files) assert.ok(existsSync(join(made.root, f)), f);
  const other = newProject({ template: 'lib', name: 'retry', dir: 'libs/r', cwd });
  assert.equal(other.root, join(cwd, 'libs', 'r'));
  assert.match(readFileSync(join(other.root, 'src', 'retry.ts'), 'utf8'), /export function delayFor/);
});

test('an empty existing folder is fine; a non-empty one needs force; a file is refused', () => {
  const cwd = writeTree(tempDir(), { 'busy/notes.txt': 'mine', 'plain.txt': 'x' });
  newProject({ template: 'lib', name: 'empty_ok', dir: join(cwd, 'fresh'), cwd });
  fails(() => newProject({ template: 'app', name: 'busy', cwd }), 'exists', `the folder ${join(cwd, 'busy')} exists and is not empty`, 'Choose another name or --dir, or pass --force to write into it.');
  assert.deepEqual(readdirSync(join(cwd, 'busy')), ['notes.txt']);
  writeFileSync(join(cwd, 'busy', 'README.md'), 'my readme');
  newProject({ template: 'app', name: 'busy', cwd, force: true });
  assert.equal(readFileSync(join(cwd, 'busy', 'notes.txt'), 'utf8'), 'mine');
  // A file the template also writes is kept beside the template's copy, not overwritten; an identical one stays alone.
  assert.equal(readFileSync(join(cwd, 'busy', 'README.md.orig'), 'utf8'), 'my readme');
  assert.match(readFileSync(join(cwd, 'busy', 'README.md'), 'utf8'), /busy/);
  newProject({ template: 'app', name: 'busy', cwd, force: true });
  assert.deepEqual(readdirSync(join(cwd, 'busy')).filter((f) => f.includes('.orig')), ['README.md.orig']);
  fails(() => newProject({ template: 'app', name: 'shop', dir: 'plain.txt', cwd }), 'exists', `${join(cwd, 'plain.txt')} exists and is not a folder`, 'Choose another name or --dir.');
});

test('a --dir under a file is refused naming the file, not an internal error, and nothing is written', () => {
  const cwd = writeTree(tempDir(), { 'plain.txt': 'x' });
  const root = join(cwd, 'plain.txt', 'apps', 'shop');
  fails(() => newProject({ template: 'app', name: 'shop', dir: 'plain.txt/apps/shop', cwd }), 'exists', `cannot create ${root}: ${join(cwd, 'plain.txt')} is a file, not a folder`, 'Choose another --dir.');
  assert.equal(readFileSync(join(cwd, 'plain.txt'), 'utf8'), 'x');
  assert.deepEqual(readdirSync(cwd), ['plain.txt']);
});

test('a bad name is refused before the folder is looked at', () => {
  const cwd = writeTree(tempDir(), { 'Bad/x': '' });
  fails(() => newProject({ template: 'app', name: 'Bad', cwd }), 'badName', "invalid name 'Bad': application names are lowercase");
});

test('broken templates folders are named: unreadable manifest, missing lists, missing sources', () => {
  const dir = writeTree(tempDir(), {
    'bad_json/manifest.json': '{',
    'no_files/manifest.json': '{"description":"x","variables":{}}',
    'missing/manifest.json': '{"description":"x","variables":{},"files":{"a.txt":"gone.txt"}}',
    'ok/manifest.json': '{"description":"x","variables":{},"files":{"a.txt":"a.txt"},"include":[{"template":"ok2","into":"sub","files":["b.txt"]}]}',
    'ok/a.txt': 'a',
    'ok2/manifest.json': '{"description":"y","variables":{},"files":{"b.txt":"b.txt"}}',
    'ok2/b.txt': 'b',
  });
  assert.throws(() => readTemplate('bad_json', dir), (e: unknown) => e instanceof OtpError && e.code === 'badTemplate' && e.message.startsWith(`template manifest ${join(dir, 'bad_json', 'manifest.json')} cannot be read: `));
  fails(() => readTemplate('no_files', dir), 'badTemplate', `template manifest ${join(dir, 'no_files', 'manifest.json')} needs "variables" and "files" objects`);
  fails(() => readTemplate('missing', dir), 'badTemplate', "template 'missing' lists gone.txt, which does not exist");
  assert.deepEqual(Object.keys(readTemplates('ok', dir)).sort(), ['ok', 'ok2']);
  writeFileSync(join(dir, 'ok2', 'b.txt'), 'changed');
  assert.equal(readTemplates('ok', dir).ok2!.sources['b.txt'], 'changed');
});

test('an otp new killed part way leaves no half-written project, and the same command then creates it whole', () => {
  const cwd = tempDir();
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  // A real process that dies by SIGKILL after writing its third file, as Ctrl-C or a kill would stop it.
  const source = `import { newProject } from '@otp-ts/cli';
let n = 0;
newProject({ template: 'app', name: 'shop', cwd: ${JSON.stringify(cwd)}, progress: { step() { if (++n === 3) process.kill(process.pid, 'SIGKILL'); }, done() {}, stop() {} } });`;
  const killed = spawnSync(process.execPath, ['--import', `${root}scripts/register-ts.mjs`, '--input-type=module', '-e', source], { cwd: root, encoding: 'utf8' });
  assert.equal(killed.signal, 'SIGKILL', killed.stderr);
  assert.equal(existsSync(join(cwd, 'shop')), false, 'no project folder after the kill');
  const made = newProject({ template: 'app', name: 'shop', cwd });
  for (const f of made.files) assert.ok(existsSync(join(made.root, f)), f);
  assert.deepEqual(readdirSync(cwd), ['shop'], "the killed run's staging folder is gone too");
});

test('a write that fails part way removes what it wrote and says nothing was created', () => {
  const cwd = tempDir();
  let n = 0;
  const progress = { step: () => { if (++n === 3) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }); }, done() {}, stop() {} };
  fails(() => newProject({ template: 'lib', name: 'full', cwd, progress }), 'failed', `cannot write the project into ${join(cwd, 'full')}: the disk is full (ENOSPC in ${cwd}); nothing was created (give --dir a folder you can write to)`);
  assert.deepEqual(readdirSync(cwd), []);
  // Into an empty folder that exists (the user's own, e.g. --dir .): the folder stays, the files move in.
  mkdirSync(join(cwd, 'here'));
  newProject({ template: 'lib', name: 'here', dir: 'here', cwd });
  assert.ok(existsSync(join(cwd, 'here', 'src', 'here.ts')));
  assert.deepEqual(readdirSync(cwd), ['here']);
});

test("a project made in an application's src/ or test/ (which would make its files part of that application) is refused, naming where to make it", () => {
  const cwd = tempDir();
  const shop = newProject({ template: 'app', name: 'shop', cwd }).root;
  fails(() => newProject({ template: 'lib', name: 'inner', cwd: join(shop, 'src') }), 'usage', 'inner would be inside src/ of the application shop, where every file is part of shop: create it outside, e.g. otp new lib inner --dir ../../inner');
  fails(() => newProject({ template: 'app', name: 'deep', dir: 'test/x/deep', cwd: shop }), 'usage', 'test/x/deep would be inside test/ of the application shop, where every file is part of shop: create it outside, e.g. otp new app deep --dir ../deep');
  assert.deepEqual(readdirSync(join(shop, 'src')).sort(), ['shop_app.ts', 'shop_server.ts', 'shop_sup.ts']);
  assert.equal(existsSync(join(shop, 'test', 'x')), false);
  // Beside the application's sources (not in them) is fine.
  newProject({ template: 'lib', name: 'beside', cwd: shop });
});

test("--force over the user's package.json keeps it as package.json.orig and merges its dependencies, devDependencies and scripts into the template's, the template's winning", () => {
  const own = { name: 'mine', dependencies: { express: '^4.19.0', '@otp-ts/runtime': '0.0.1' }, devDependencies: { vitest: '^1.0.0' }, scripts: { start: 'node server.js', test: 'vitest' } };
  const cwd = writeTree(tempDir(), { 'busy/package.json': JSON.stringify(own) });
  const steps: string[] = [];
  newProject({ template: 'app', name: 'busy', cwd, force: true, progress: { step: (line: string) => void steps.push(line), done: () => {}, stop: () => {} } });
  const pkg = JSON.parse(readFileSync(join(cwd, 'busy', 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
  assert.equal(pkg.name, 'busy' as never);
  assert.equal(pkg.dependencies!.express, '^4.19.0');
  assert.notEqual(pkg.dependencies!['@otp-ts/runtime'], '0.0.1', "the template's version wins");
  assert.deepEqual(Object.keys(pkg.dependencies!), [...Object.keys(pkg.dependencies!)].sort(), 'sorted by name, as npm keeps them');
  assert.equal(pkg.devDependencies!.vitest, '^1.0.0');
  assert.ok(pkg.devDependencies!['@otp-ts/cli']);
  assert.equal(pkg.scripts!.start, 'node server.js');
  assert.equal(pkg.scripts!.test, 'otp test', "the template's script wins");
  assert.deepEqual(JSON.parse(readFileSync(join(cwd, 'busy', 'package.json.orig'), 'utf8')), own);
  assert.ok(steps.includes(`replaced ${join('busy', 'package.json')} (yours is kept as package.json.orig; merged in from it: 1 dependency, 1 devDependency, 1 script)`), steps.join('\n'));
});

test('--force over a package.json that is not valid JSON keeps it as package.json.orig and says nothing of it was merged', () => {
  const cwd = writeTree(tempDir(), { 'busy/package.json': '{ "dependencies": { "express": "^4" }, }' });
  const steps: string[] = [];
  newProject({ template: 'app', name: 'busy', cwd, force: true, progress: { step: (line: string) => void steps.push(line), done: () => {}, stop: () => {} } });
  assert.equal(readFileSync(join(cwd, 'busy', 'package.json.orig'), 'utf8'), '{ "dependencies": { "express": "^4" }, }');
  assert.equal((JSON.parse(readFileSync(join(cwd, 'busy', 'package.json'), 'utf8')) as { name: string }).name, 'busy');
  assert.ok(steps.includes(`replaced ${join('busy', 'package.json')} (yours is kept as package.json.orig; it is not valid JSON, so none of its dependencies or scripts were merged)`), steps.join('\n'));
});
