// End to end: `otp new` for every template, run through the built binary; the generated projects' own
// tests are then run in place (inside the repository, so @otp-ts/runtime resolves) until `otp test` exists.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const bin = join(repo, 'packages/cli/bin/otp.js');
const otp = (cwd: string, ...args: string[]) => spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8' });
const temp = mkdtempSync(join(tmpdir(), 'otp-new-'));
mkdirSync(join(repo, '_build', 'test'), { recursive: true });
const inRepo = mkdtempSync(join(repo, '_build', 'test', 'new-'));
after(() => {
  rmSync(temp, { recursive: true, force: true });
  rmSync(inRepo, { recursive: true, force: true });
});
const { version } = JSON.parse(readFileSync(join(repo, 'packages/cli/package.json'), 'utf8'));
const checkout = realpathSync(repo);
const read = (...p: string[]) => readFileSync(join(...p), 'utf8');

const expected: Record<string, string[]> = {
  app: ['package.json', 'README.md', '.gitignore', 'tsconfig.json', 'otp.config.ts', 'config/sys.config.json', 'config/node.args', 'src/shop_app.ts', 'src/shop_sup.ts', 'src/shop_server.ts', 'test/shop_server.test.ts', 'test/shop_server.property.test.ts', 'test/shop.suite.ts'],
  lib: ['package.json', 'README.md', '.gitignore', 'tsconfig.json', 'otp.config.ts', 'src/shop.ts', 'test/shop.test.ts', 'test/shop.property.test.ts'],
  umbrella: ['package.json', 'README.md', '.gitignore', 'tsconfig.json', 'otp.config.ts', 'config/sys.config.json', 'config/node.args', 'apps/shop/package.json', 'apps/shop/src/shop_app.ts', 'apps/shop/src/shop_sup.ts', 'apps/shop/src/shop_server.ts', 'apps/shop/test/shop_server.test.ts', 'apps/shop/test/shop_server.property.test.ts', 'apps/shop/test/shop.suite.ts'],
};

test('--registry depends on the published versions of this otp instead of links to the checkout', () => {
  const cwd = join(temp, 'registry');
  mkdirSync(cwd);
  const r = otp(cwd, 'new', 'app', 'shop', '--registry');
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /file: links/);
  const pkg = JSON.parse(read(cwd, 'shop', 'package.json'));
  assert.equal(pkg.dependencies['@otp-ts/runtime'], version);
  assert.equal(pkg.devDependencies['@otp-ts/cli'], version);
  assert.equal(pkg.devDependencies['@otp-ts/test-runner'], version, 'the tests import @otp-ts/test-runner/assert');
});

for (const [template, files] of Object.entries(expected)) {
  test(`otp new ${template} shop writes every file with the name substituted`, () => {
    const cwd = join(temp, template);
    mkdirSync(cwd);
    const r = otp(cwd, 'new', template, 'shop');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, new RegExp(`^creating ${template} shop\\n(  created shop/.+\\n){${files.length}}created ${template} shop in shop \\(${files.length} files\\)\\n@otp-ts packages: file: links to the otp-ts checkout at .+\\nnext: cd shop && npm install && npx otp (shell|test)\\n$`));
    for (const f of files) {
      assert.ok(existsSync(join(cwd, 'shop', f)), f);
      assert.doesNotMatch(read(cwd, 'shop', f), /\{\{/, f);
    }
    const app = template === 'umbrella' ? join(cwd, 'shop/apps/shop') : join(cwd, 'shop');
    const pkg = JSON.parse(read(app, 'package.json'));
    assert.equal(pkg.name, 'shop');
    assert.equal(pkg.dependencies['@otp-ts/runtime'], `file:${join(checkout, 'packages', 'runtime')}`, 'run from a checkout, the project links its packages');
    assert.equal(pkg.otp.mod, template === 'lib' ? undefined : 'src/shop_app.ts');
    if (template === 'umbrella') {
      assert.deepEqual(JSON.parse(read(cwd, 'shop/package.json')).workspaces, ['apps/*']);
      assert.match(read(cwd, 'shop/otp.config.ts'), /releases: \{\n\s+'shop': \{ version: '0\.1\.0', applications: \['shop'\] \}/);
    }
  });
}

test("otp new's next line pastes into a shell as printed, for a folder with spaces, quotes or $ in its name", () => {
  const cwd = join(temp, 'spaced');
  mkdirSync(cwd);
  for (const dir of ['my shop', "it's here", 'cost $HOME']) {
    const r = otp(cwd, 'new', 'lib', 'shop', '--dir', dir);
    assert.equal(r.status, 0, r.stderr);
    const next = /^next: (.+) && npm install && npx otp test$/m.exec(r.stdout)?.[1];
    assert.ok(next, r.stdout);
    // The printed `cd …`, run by sh as a user pasting it would, lands in the project.
    const landed = spawnSync('/bin/sh', ['-c', `${next} && pwd`], { cwd, encoding: 'utf8' });
    assert.equal(landed.status, 0, `${next}: ${landed.stderr}`);
    assert.equal(landed.stdout.trim(), join(realpathSync(cwd), dir));
  }
});

test('otp new refuses a bad name and an existing folder with exit 2 and one clear line (plus its fix)', () => {
  const cwd = join(temp, 'refusals');
  mkdirSync(join(cwd, 'taken'), { recursive: true });
  writeFileSync(join(cwd, 'taken', 'keep.txt'), 'mine');
  const cases: Array<[string[], string]> = [
    [['new', 'app', 'MyShop'], "otp: invalid name 'MyShop': application names are lowercase\nTry: otp new app my_shop\n"],
    [['new', 'lib', '9lives'], "otp: invalid name '9lives': it must start with a letter, not a digit\nTry: otp new lib lives\n"],
    // The better name said as the command to paste, --dir and the flags kept.
    [['new', 'umbrella', 'my-store', '--dir', 'my dir', '--force'], "otp: invalid name 'my-store': use '_' instead of '-' (application names are module-name prefixes)\nTry: otp new umbrella my_store --dir 'my dir' --force\n"],
    [['new', 'app', 'class'], "otp: invalid name 'class': it is a reserved word in JavaScript\nChoose a name like my_app.\n"],
    [['new', 'app', 'taken'], `otp: the folder ${join(cwd, 'taken')} exists and is not empty\nChoose another name or --dir, or pass --force to write into it.\n`],
  ];
  for (const [args, stderr] of cases) {
    const r = otp(cwd, ...args);
    assert.equal(r.status, 2, args.join(' '));
    assert.equal(r.stderr, stderr);
    assert.equal(r.stdout, '');
  }
  assert.deepEqual(readdirSync(cwd), ['taken']);
  assert.deepEqual(readdirSync(join(cwd, 'taken')), ['keep.txt']);
});

test('--force writes into an existing folder; --dir chooses the folder; --quiet prints nothing', () => {
  const cwd = join(temp, 'options');
  mkdirSync(join(cwd, 'taken'), { recursive: true });
  writeFileSync(join(cwd, 'taken', 'keep.txt'), 'mine');
  assert.equal(otp(cwd, 'new', 'app', 'taken', '--force', '-q').stdout, '');
  assert.ok(existsSync(join(cwd, 'taken', 'src', 'taken_server.ts')));
  assert.equal(read(cwd, 'taken', 'keep.txt'), 'mine');
  const r = otp(cwd, 'new', 'lib', 'util_lib', '--dir', 'libs/u');
  assert.equal(r.status, 0, r.stderr);
  assert.ok(existsSync(join(cwd, 'libs', 'u', 'src', 'util_lib.ts')));
});

test("a project named help is created (the word is its name, not a help request), while otp new help still prints new's help", () => {
  const cwd = join(temp, 'help-word');
  mkdirSync(cwd, { recursive: true });
  const r = otp(cwd, 'new', 'app', 'help');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^created app help in help /m);
  assert.equal(JSON.parse(read(cwd, 'help', 'package.json')).name, 'help');
  assert.ok(existsSync(join(cwd, 'help', 'src', 'help_server.ts')));
  // After a flag too, and as a flag's value.
  const again = otp(cwd, 'new', 'lib', '--force', 'help', '--dir', 'help');
  assert.equal(again.status, 0, again.stderr);
  assert.ok(existsSync(join(cwd, 'help', 'src', 'help.ts')));
  const asked = otp(cwd, 'new', 'help');
  assert.equal(asked.status, 0, asked.stderr);
  assert.match(asked.stdout, /^otp new <template> <name> \[options\]\n/);
});

const driver = `
import fc from 'fast-check';
import { pathToFileURL } from 'node:url';
let n = 0;
for (const file of process.argv.slice(1)) {
  const mod = await import(pathToFileURL(file).href);
  if (typeof mod.all === 'function') {
    const config = await mod.initPerSuite({});
    for (const c of mod.all()) { await mod[c](config); n++; }
    await mod.endPerSuite(config);
  }
  for (const [k, f] of Object.entries(mod)) {
    if (k.endsWith('Test')) { await f(); n++; }
    if (k.startsWith('prop')) { await fc.assert(f(), { numRuns: 25 }); n++; }
  }
}
console.log(n + ' passed');
`;

test("the generated projects' own tests pass (EUnit functions, the suite starting the app, properties)", () => {
  for (const [template, count] of [['app', 6], ['lib', 4], ['umbrella', 6]] as const) {
    const r = otp(inRepo, 'new', template, `run_${template}`, '-q');
    assert.equal(r.status, 0, r.stderr);
    const root = join(inRepo, `run_${template}`, template === 'umbrella' ? `apps/run_${template}` : '');
    const tests = readdirSync(join(root, 'test')).map((f) => join(root, 'test', f));
    const run = spawnSync(process.execPath, ['--import', './scripts/register-ts.mjs', '--input-type=module', '-e', driver, ...tests], { cwd: repo, encoding: 'utf8' });
    assert.equal(run.status, 0, `${template}: ${run.stderr}`);
    assert.equal(run.stdout, `${count} passed\n`, template);
  }
});
